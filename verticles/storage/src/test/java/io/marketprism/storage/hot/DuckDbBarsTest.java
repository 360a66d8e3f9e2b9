package io.marketprism.storage.hot;

import io.marketprism.model.MarketRecord;
import io.marketprism.model.TradeRecord;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import static io.marketprism.storage.hot.BarChecks.await;
import static org.assertj.core.api.Assertions.assertThat;

/** The embedded store's 1-minute bars: exact through repeats, late trades and archiving; backfilled; recovered. */
class DuckDbBarsTest {

  @TempDir
  Path dir;
  Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() {
    vertx.close();
  }

  private DuckDbHotStore open() throws Exception {
    DuckDbHotStore store = new DuckDbHotStore(vertx, dir.resolve("hot.duckdb"), dir.resolve("cold"));
    await(store.start());
    return store;
  }

  @Test
  void aMinuteOpensAndClosesWithItsTradesInIdNumberOrderWithinAMillisecond() throws Exception {
    DuckDbHotStore store = open();
    BarChecks.aMinuteOpensAndClosesWithItsTradesInIdNumberOrderWithinAMillisecond(store);
    await(store.close());
  }

  @Test
  void barsEqualTheirTradesThroughRepeatsLateTradesAndArchiving() throws Exception {
    DuckDbHotStore store = open();
    BarChecks.barsEqualTheirTradesThroughRepeatsLateTradesAndArchiving(store);
    await(store.close());
  }

  /**
   * A store of the earlier version (its bars table {@code trade_bar_1m_v2}, quote volumes of factors
   * cut to ten digits): the start drops that table and computes every bar again, exact.
   */
  @Test
  void barsAreBackfilledWhenTheTableIsCreatedOverStoredTradesOfBothTiers() throws Exception {
    DuckDbHotStore store = open();
    List<MarketRecord> trades = BarChecks.withLongFractions(BarChecks.trades(7, 3000, 1));
    await(store.write(trades));
    await(new io.marketprism.storage.archive.ArchiveJob(store).run(BarChecks.DAY0 + 86_400_000L));
    await(store.database().write(c -> {
      try (Statement st = c.createStatement()) {
        st.execute("ALTER TABLE " + Bars.TABLE + " RENAME TO trade_bar_1m_v2");
      }
      return null;
    }));
    await(store.close());
    DuckDbHotStore reopened = open();
    BarChecks.assertBars(reopened, trades, "after backfill");
    long earlier = await(reopened.database().<Long>read(c -> {
      try (Statement st = c.createStatement();
          java.sql.ResultSet rs = st.executeQuery("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'trade_bar_1m_v2'")) {
        rs.next();
        return rs.getLong(1);
      }
    }));
    assertThat(earlier).as("the earlier version's bars table is dropped").isZero();
    await(reopened.close());
  }

  @Test
  void minutesLoggedButNotFlushedAreRecomputedAtStart() throws Exception {
    DuckDbHotStore store = open();
    List<MarketRecord> trades = new ArrayList<>(BarChecks.trades(9, 1000, 1));
    await(store.write(trades));
    BarChecks.assertBars(store, trades, "before the crash");
    // what a crash leaves: a committed trade whose minute is logged but whose bar was not recomputed
    TradeRecord t = BarChecks.trade("BTC-USDT", "unflushed", BarChecks.DAY0 + 3_000_000, "123.45", "6.7");
    await(store.database().write(c -> {
      // the stored table under the trade view (DuckDbLayout)
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO trade_rows (exchange, market_type, symbol, "
          + "exchange_symbol, ts_ms, recv_lag_us, trade_id_num, trade_id_text, price_text, quantity_text, side) "
          + "VALUES ('binance', 'spot', 'BTC-USDT', 'BTCUSDT', ?, ?, NULL, 'unflushed', '123.45', '6.7', 'buy')")) {
        ps.setLong(1, t.tsMs());
        ps.setLong(2, t.recvTsUs() - t.tsMs() * 1000);
        ps.executeUpdate();
      }
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO trade_bar_dirty VALUES ('binance', 'spot', "
          + "'BTC-USDT', ?)")) {
        ps.setLong(1, Bars.minute(t.tsMs()));
        ps.executeUpdate();
      }
      return null;
    }));
    await(store.close());
    trades.add(t);
    DuckDbHotStore reopened = open();
    BarChecks.assertBars(reopened, trades, "after the restart");
    await(reopened.close());
  }
}
