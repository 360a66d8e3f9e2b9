package io.marketprism.storage.hot;

import io.marketprism.model.Exchange;
import io.marketprism.model.MarketRecord;
import io.marketprism.model.MarketType;
import io.marketprism.model.RecordJson;
import io.marketprism.model.TradeRecord;
import io.marketprism.platform.bus.BusMessage;
import io.marketprism.storage.query.KlineQuery;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The same kline expectations for every hot store: exact OHLCV and quote volume, one count per trade id. */
final class KlineChecks {

  static final long DAY0 = 1_704_067_200_000L;

  private KlineChecks() {
  }

  private static TradeRecord trade(String id, long ts, String price, String qty) {
    return new TradeRecord(Exchange.BINANCE, MarketType.SPOT, "BTC-USDT", "BTCUSDT", ts, ts * 1000, id, price, qty,
        "buy");
  }

  /** Writes trades whose products need 36 fractional digits and more than 2 integer ones, then checks the bar. */
  static void barsAreExactWithQuoteVolume(HotStore store) throws Exception {
    List<MarketRecord> trades = List.of(
        trade("1", DAY0 + 1_000, "99999999.12345678", "99999999.0000000001"),
        trade("2", DAY0 + 2_000, "61737.63", "123.456789"),
        trade("3", DAY0 + 3_000, "0.0000012345", "987654321.5"),
        trade("4", DAY0 + 61_000, "61737.64", "0.001"));
    await(store.write(trades));
    // trade 2 redelivered: counted once
    await(store.write(List.of(trade("2", DAY0 + 2_000, "61737.63", "123.456789"))));
    JsonArray bars = await(store.klines(new KlineQuery(Exchange.BINANCE, MarketType.SPOT, "BTC-USDT", "1m", 60_000,
        DAY0, DAY0 + 120_000)));
    assertThat(bars).hasSize(2);
    JsonObject first = bars.getJsonObject(0);
    assertThat(first.getLong("open_time_ms")).isEqualTo(DAY0);
    assertThat(first.getString("open")).isEqualTo("99999999.12345678");
    assertThat(first.getString("high")).isEqualTo("99999999.12345678");
    assertThat(first.getString("low")).isEqualTo("0.0000012345");
    assertThat(first.getString("close")).isEqualTo("0.0000012345");
    assertThat(first.getLong("trade_count")).isEqualTo(3);
    assertThat(new BigDecimal(first.getString("volume"))).isEqualByComparingTo("1087654443.9567890001");
    assertThat(new BigDecimal(first.getString("quote_volume"))).isEqualByComparingTo(
        new BigDecimal("99999999.12345678").multiply(new BigDecimal("99999999.0000000001"))
            .add(new BigDecimal("61737.63").multiply(new BigDecimal("123.456789")))
            .add(new BigDecimal("0.0000012345").multiply(new BigDecimal("987654321.5"))));
    assertThat(bars.getJsonObject(1).getString("quote_volume")).isEqualTo("61.73764");
  }

  /**
   * Prices and quantities with more than ten fractional digits (up to the 18 a record holds):
   * the quote volume is still exact, not computed from factors cut to ten digits, also for a
   * product just under 10^18 whose factors rounded to ten digits would multiply to 10^18, which no
   * bar holds.
   */
  static void quoteVolumeIsExactForFactorsOfEighteenFractionalDigits(HotStore store) throws Exception {
    String[][] factors = {{"0.00000000123", "1000000"}, {"0.000000000015", "3"},
        {"99999999.999999999999999999", "0.000000000000000001"}, {"12345.678901234567891234", "7.000000000050000001"},
        {"999999999.99999999995", "999999999.99999999995"}}; // allowed; cut rounded up, its factors' product is 10^18
    List<MarketRecord> trades = new ArrayList<>();
    BigDecimal want = BigDecimal.ZERO;
    for (int i = 0; i < factors.length; i++) {
      trades.add(trade(Integer.toString(i), DAY0 + 1_000 * i, factors[i][0], factors[i][1]));
      want = want.add(new BigDecimal(factors[i][0]).multiply(new BigDecimal(factors[i][1])));
    }
    await(store.write(trades));
    for (String interval : List.of("1m", "1d")) {
      JsonArray bars = await(store.klines(new KlineQuery(Exchange.BINANCE, MarketType.SPOT, "BTC-USDT", interval,
          KlineQuery.INTERVALS.get(interval), DAY0, DAY0 + 60_000)));
      assertThat(bars).hasSize(1);
      assertThat(new BigDecimal(bars.getJsonObject(0).getString("quote_volume"))).as(interval)
          .isEqualByComparingTo(want);
    }
  }

  /**
   * A trade of a symbol outside the query API's alphabet (Binance lists a few in Chinese) is
   * stored, and its minute, recomputed with the others, holds up no other instrument's bars.
   */
  static void aSymbolOutsideTheQueryAlphabetHoldsUpNoBars(HotStore store) throws Exception {
    await(store.write(List.of(new TradeRecord(Exchange.BINANCE, MarketType.SPOT, "\u5e01\u5b89\u4eba\u751f-USDT",
        "\u5e01\u5b89\u4eba\u751fUSDT", DAY0 + 1_000, (DAY0 + 1_000) * 1000, "7", "0.5", "10", "buy"),
        trade("8", DAY0 + 2_000, "61737.63", "0.5"))));
    JsonArray bars = await(store.klines(new KlineQuery(Exchange.BINANCE, MarketType.SPOT, "BTC-USDT", "1m", 60_000,
        DAY0, DAY0 + 60_000)));
    assertThat(bars).hasSize(1);
    assertThat(bars.getJsonObject(0).getLong("trade_count")).isEqualTo(1);
    // and it is found by its own symbol, which reaches ClickHouse's SQL as unhex('...')
    JsonArray own = await(store.klines(new KlineQuery(Exchange.BINANCE, MarketType.SPOT,
        "\u5e01\u5b89\u4eba\u751f-USDT", "1m", 60_000, DAY0, DAY0 + 60_000)));
    assertThat(own).hasSize(1);
    assertThat(own.getJsonObject(0).getString("volume")).isEqualTo("10");
  }

  /**
   * A trade whose price × quantity is 10^18 or more, which no bar's quote volume holds, is rejected
   * alone when its batch is prepared; one just under is stored and counted. Stored, it made every
   * recomputation of bars fail (its minute's with every other's), so kline queries failed for every
   * instrument, and the embedded store no longer started.
   */
  static void aTradeTheBarsCannotHoldIsRejectedAlone(HotStore store) throws Exception {
    List<MarketRecord> trades = List.of(
        trade("1", DAY0 + 1_000, "60000.5", "0.1"),
        trade("2", DAY0 + 2_000, "10000000000", "100000000"),
        trade("3", DAY0 + 3_000, "-10000000000000000000", "0.1"),
        trade("4", DAY0 + 4_000, "99999999.99", "10000000000"));
    List<BusMessage> batch = new ArrayList<>();
    for (MarketRecord r : trades) {
      batch.add(new BusMessage(r.subject(), RecordJson.toBytes(r), false));
    }
    Batch prepared = store.prepare(batch);
    assertThat(prepared.rejected()).hasSize(2);
    assertThat(prepared.rejected()).allSatisfy(r -> assertThat(r.reason()).contains("price × quantity"));
    assertThat(prepared.size()).isEqualTo(2);
    await(store.write(prepared));
    JsonArray bars = await(store.klines(new KlineQuery(Exchange.BINANCE, MarketType.SPOT, "BTC-USDT", "1m", 60_000,
        DAY0, DAY0 + 60_000)));
    assertThat(bars).hasSize(1);
    assertThat(bars.getJsonObject(0).getLong("trade_count")).isEqualTo(2);
    assertThat(new BigDecimal(bars.getJsonObject(0).getString("quote_volume"))).isEqualByComparingTo(
        "999999999900006000.05");
  }

  /**
   * Trades each allowed (price × quantity under 10^18) whose sum in one minute, and over a day,
   * passes what a 38-digit decimal of scale 20 holds, and quantities whose sum passes what one of
   * scale 18 holds: those instruments' bars are exact, and another instrument's bar of the same
   * minute is recomputed and answered as ever.
   */
  static void quoteVolumesSummingPastADecimalAreExactAndHoldUpNoOtherInstrument(HotStore store) throws Exception {
    String big = "999999999.9999999999"; // big × big = 10^18 - 0.2 + 10^-20: allowed, and every digit counts
    List<MarketRecord> trades = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      trades.add(trade("big-" + i, DAY0 + 1_000 + i, big, big));
      trades.add(trade("later-" + i, DAY0 + 3_600_000 + i, big, big));
    }
    trades.add(new TradeRecord(Exchange.BINANCE, MarketType.SPOT, "ETH-USDT", "ETHUSDT", DAY0 + 2_000,
        (DAY0 + 2_000) * 1000, "9", "2000.5", "3", "sell"));
    // quantities near what Decimal(38, 18) holds (10^20), summing past it in one minute
    String huge = "60000000000000000000.000000000000000001";
    for (int i = 0; i < 3; i++) {
      trades.add(new TradeRecord(Exchange.BINANCE, MarketType.SPOT, "SHIB-USDT", "SHIBUSDT", DAY0 + 3_000 + i,
          (DAY0 + 3_000 + i) * 1000, "s-" + i, "0.00000001", huge, "buy"));
    }
    await(store.write(trades));
    JsonArray other = await(store.klines(new KlineQuery(Exchange.BINANCE, MarketType.SPOT, "ETH-USDT", "1m", 60_000,
        DAY0, DAY0 + 60_000)));
    assertThat(other).hasSize(1);
    assertThat(other.getJsonObject(0).getString("quote_volume")).isEqualTo("6001.5");

    BigDecimal one = new BigDecimal(big).multiply(new BigDecimal(big));
    JsonArray minutes = await(store.klines(new KlineQuery(Exchange.BINANCE, MarketType.SPOT, "BTC-USDT", "1m", 60_000,
        DAY0, DAY0 + 86_400_000L)));
    assertThat(minutes).hasSize(2);
    assertThat(new BigDecimal(minutes.getJsonObject(0).getString("quote_volume")))
        .isEqualByComparingTo(one.multiply(BigDecimal.valueOf(3)));
    JsonArray day = await(store.klines(new KlineQuery(Exchange.BINANCE, MarketType.SPOT, "BTC-USDT", "1d", 86_400_000L,
        DAY0, DAY0 + 86_400_000L)));
    assertThat(day).hasSize(1);
    assertThat(new BigDecimal(day.getJsonObject(0).getString("quote_volume")))
        .isEqualByComparingTo(one.multiply(BigDecimal.valueOf(6)));
    assertThat(day.getJsonObject(0).getLong("trade_count")).isEqualTo(6);
    JsonArray shib = await(store.klines(new KlineQuery(Exchange.BINANCE, MarketType.SPOT, "SHIB-USDT", "1m", 60_000,
        DAY0, DAY0 + 60_000)));
    assertThat(new BigDecimal(shib.getJsonObject(0).getString("volume")))
        .isEqualByComparingTo(new BigDecimal(huge).multiply(BigDecimal.valueOf(3)));
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }
}
