package io.marketprism.storage.archive;

import io.marketprism.model.DataType;
import io.marketprism.model.Exchange;
import io.marketprism.model.MarketRecord;
import io.marketprism.model.MarketType;
import io.marketprism.model.TradeRecord;
import io.marketprism.storage.hot.DuckDbHotStore;
import io.marketprism.storage.hot.HotStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Records that arrive for a day while it is being archived are copied too, never dropped (embedded tiers). */
public class ArchiveLateRecordsTest {

  static final long DAY0 = 1_704_067_200_000L;
  static final LocalDate DAY = LocalDate.of(2024, 1, 1);

  @TempDir
  Path dir;
  Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() {
    vertx.close();
  }

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
  }

  /** {@code n} BTC-USDT trades of 2024-01-01 with ids from {@code firstId}. */
  static List<MarketRecord> trades(int firstId, int n) {
    List<MarketRecord> out = new ArrayList<>();
    for (int i = firstId; i < firstId + n; i++) {
      long ts = DAY0 + i * 1000L;
      out.add(new TradeRecord(Exchange.BINANCE, MarketType.SPOT, "BTC-USDT", "BTCUSDT", ts, ts * 1000,
          Integer.toString(i), "60000." + i, "0.01", "sell"));
    }
    return out;
  }

  /** Runs the archive of day 0 with a late record written to hot right after the first copy; checks nothing is lost. */
  public static void archivesLateRecord(HotStore store) throws Exception {
    await(store.write(trades(0, 100)));
    HotStore racing = LateRecords.afterFirstCopy(store, () -> store.write(trades(5000, 1)));
    JsonObject report = await(new ArchiveJob(racing).run(DAY0 + 86_400_000L));
    assertThat(report.getJsonArray("failed")).isEmpty();
    assertThat(report.getJsonArray("moved").getJsonObject(0).getLong("rows")).isEqualTo(101);
    assertThat(await(store.cold().count(DataType.TRADE, DAY))).isEqualTo(101);
    assertThat(await(store.days(DataType.TRADE))).isEmpty();
  }

  @Test
  void lateRecordMakesTheArchiveCopyAgainBeforeDeletingHotRows() throws Exception {
    DuckDbHotStore store = new DuckDbHotStore(vertx, dir.resolve("hot.duckdb"), dir.resolve("cold"));
    await(store.start());
    archivesLateRecord(store);
    await(store.close());
  }
}
