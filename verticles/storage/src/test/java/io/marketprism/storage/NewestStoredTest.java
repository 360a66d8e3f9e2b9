package io.marketprism.storage;

import io.marketprism.model.DataType;
import io.marketprism.model.Exchange;
import io.marketprism.model.MarketRecord;
import io.marketprism.model.MarketType;
import io.marketprism.model.RecordJson;
import io.marketprism.storage.archive.ArchiveJob;
import io.marketprism.storage.hot.DuckDbHotStore;
import io.marketprism.storage.query.RecordQuery;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code latest}'s read of the store when the cache does not hold the instrument. */
class NewestStoredTest {

  private final Vertx vertx = Vertx.vertx();
  @TempDir
  Path dir;

  @AfterEach
  void close() {
    vertx.close();
  }

  /**
   * The archive moves the instrument's only day after the read listed the archived days and before
   * it reads: planned with the old list it found the day in neither tier and answered nothing (a
   * 404 for an instrument whose records are all stored). It lists again once done and reads again.
   */
  @Test
  void theNewestIsFoundWhenTheArchiveMovesItsDayDuringTheRead() throws Exception {
    DuckDbHotStore store = new DuckDbHotStore(vertx, dir.resolve("hot.duckdb"), dir.resolve("cold"));
    await(store.start());
    List<MarketRecord> trades = Fixtures.trades(Fixtures.DAY0, 50, 1);
    await(store.write(trades));
    RecordQuery q = new RecordQuery(DataType.TRADE, Exchange.BINANCE, MarketType.SPOT, "BTC-USDT", 0, Long.MAX_VALUE,
        RecordQuery.MAX_LIMIT, null);
    AtomicBoolean archived = new AtomicBoolean();
    Supplier<Future<List<LocalDate>>> listedThenArchived = () -> store.cold().days(DataType.TRADE)
        .compose(listed -> archived.getAndSet(true) ? Future.succeededFuture(listed)
            : new ArchiveJob(store).run(Fixtures.DAY0 + 86_400_000L).map(listed));
    NewestStored.Found found = await(NewestStored.find(store, q, listedThenArchived));
    assertThat(await(store.days(DataType.TRADE))).as("the day was moved during the read").isEmpty();
    assertThat(found).isNotNull();
    assertThat(found.json()).isEqualTo(RecordJson.toJson(trades.get(trades.size() - 1)));
    assertThat(found.tsMs()).isEqualTo(trades.get(trades.size() - 1).tsMs());
    await(store.close());
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }
}
