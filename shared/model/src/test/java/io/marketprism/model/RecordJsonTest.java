package io.marketprism.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class RecordJsonTest {

  private static final List<MarketRecord> SAMPLES = List.of(
      new TradeRecord(Exchange.BINANCE, MarketType.SPOT, "BTC-USDT", "BTCUSDT", 1723161255342L, 1723161254087896L,
          "3735683259", "61837.63", "0.02", "sell"),
      new OrderBookRecord(Exchange.OKX, MarketType.PERPETUAL, "BTC-USDT", "BTC-USDT-SWAP", 1L, 2L,
          List.of(new PriceLevel("100.5", "2")), List.of(new PriceLevel("101", "1"), new PriceLevel("102", "3")),
          20, 99L, Boolean.TRUE),
      new OrderBookRecord(Exchange.BINANCE, MarketType.SPOT, "BTC-USDT", "BTCUSDT", 1L, 2L, List.of(), List.of(),
          20, 99L, null),
      new TickerRecord(Exchange.BINANCE, MarketType.SPOT, "BTC-USDT", "BTCUSDT", 1L, 2L, "1", "2", "3", "4", null,
          null, null, null, null),
      new KlineRecord(Exchange.BINANCE, MarketType.SPOT, "BTC-USDT", "BTCUSDT", 1L, 2L, "1m", 60000L, 119999L,
          "1", "2", "0.5", "1.5", "10", "15", 7L, false),
      new FundingRateRecord(Exchange.OKX, MarketType.PERPETUAL, "BTC-USDT", "BTC-USDT-SWAP", 1L, 2L, "0.0001",
          28800000L, null, "0.0002"),
      new MarkPriceRecord(Exchange.BINANCE, MarketType.PERPETUAL, "BTC-USDT", "BTCUSDT", 1L, 2L, "1", null),
      new OpenInterestRecord(Exchange.OKX, MarketType.PERPETUAL, "BTC-USDT", "BTC-USDT-SWAP", 1L, 2L, "10", "5"),
      new LiquidationRecord(Exchange.BINANCE, MarketType.PERPETUAL, "BTC-USDT", "BTCUSDT", 1L, 2L, "buy", "1",
          "2", null),
      new VolatilityIndexRecord(Exchange.DERIBIT, MarketType.OPTIONS, "BTC-USD", "btc_usd", 1L, 2L, "55.2", null),
      new LongShortRatioRecord(DataType.LSR_ALL_ACCOUNT, Exchange.BINANCE, MarketType.PERPETUAL, "BTC-USDT",
          "BTCUSDT", 1L, 2L, "1.2", "0.55", "0.45", "5m"));

  @Test
  void everyRecordTypeRoundTrips() {
    for (MarketRecord r : SAMPLES) {
      assertThat(RecordJson.parse(RecordJson.toJson(r))).isEqualTo(r);
    }
  }

  @Test
  void tradeIsWrittenAsOneFlatObjectWithDecimalStrings() {
    assertThat(RecordJson.toJson(SAMPLES.get(0))).isEqualTo(
        "{\"data_type\":\"trade\",\"exchange\":\"binance\",\"market_type\":\"spot\",\"symbol\":\"BTC-USDT\","
            + "\"exchange_symbol\":\"BTCUSDT\",\"ts_ms\":1723161255342,\"recv_ts_us\":1723161254087896,"
            + "\"trade_id\":\"3735683259\",\"price\":\"61837.63\",\"quantity\":\"0.02\",\"side\":\"sell\"}");
  }

  @Test
  void bookWithoutChecksumOmitsTheField() {
    assertThat(RecordJson.toJson(SAMPLES.get(2))).doesNotContain("checksum_ok")
        .contains("\"bids\":[],\"asks\":[],\"depth\":20,\"last_update_id\":99");
    assertThat(RecordJson.toJson(SAMPLES.get(1))).contains("\"bids\":[[\"100.5\",\"2\"]]").endsWith(",\"checksum_ok\":true}");
  }

  @Test
  void aLiquidationsIdentityIsItsTimeAndWhatWasLiquidatedSoOnesOfOneMillisecondStayApart() {
    assertThat(SAMPLES.get(8).identity()).isEqualTo("liquidation:binance:perpetual:BTC-USDT:1:buy:1:2");
    LiquidationRecord other = new LiquidationRecord(Exchange.BINANCE, MarketType.PERPETUAL, "BTC-USDT", "BTCUSDT", 1L,
        2L, "sell", "1", "2", null);
    assertThat(other.identity()).isNotEqualTo(SAMPLES.get(8).identity());
    // the same liquidation with its decimals written otherwise, or received later, is the same one
    LiquidationRecord again = new LiquidationRecord(Exchange.BINANCE, MarketType.PERPETUAL, "BTC-USDT", "BTCUSDT", 1L,
        9L, "buy", "1.0", "2.00", null);
    assertThat(again.identity()).isEqualTo(SAMPLES.get(8).identity());
    LiquidationRecord unknownSide = new LiquidationRecord(Exchange.OKX, MarketType.PERPETUAL, "BTC-USDT",
        "BTC-USDT-SWAP", 1L, 2L, null, "1", null, null);
    assertThat(unknownSide.identity()).isEqualTo("liquidation:okx:perpetual:BTC-USDT:1::1:");
  }

  /**
   * Binance's futures bookTicker for BTCUSDT at 23:58:21.590 on 2023-04-04 (the shared fixtures):
   * five best bid/offer changes share the event time; each is a record of its own (keyed by the time
   * alone, the bus and the stores kept only the first), while one sent again is still one. Without an
   * update id (an exchange that gives none) the fields tell them apart.
   */
  @Test
  void aTickersIdentityIsItsTimeAndAllItSaysSoChangesOfOneMillisecondStayApart() {
    TickerRecord first = new TickerRecord(Exchange.BINANCE, MarketType.PERPETUAL, "BTC-USDT", "BTCUSDT", 1680652701590L,
        1680652701576484L, "28145.1", "3.101", "28145.2", "6.863", null, null, null, null, null);
    TickerRecord second = new TickerRecord(Exchange.BINANCE, MarketType.PERPETUAL, "BTC-USDT", "BTCUSDT",
        1680652701590L, 1680652701576624L, "28145.1", "3.101", "28145.2", "6.867", null, null, null, null, null);
    assertThat(first.identity()).isEqualTo("ticker:binance:perpetual:BTC-USDT:1680652701590::28145.1:3.101:28145.2:6.863:::::");
    assertThat(second.identity()).isNotEqualTo(first.identity());
    TickerRecord again = new TickerRecord(Exchange.BINANCE, MarketType.PERPETUAL, "BTC-USDT", "BTCUSDT", 1680652701590L,
        1680652709999999L, "28145.10", "3.101", "28145.20", "6.8630", null, null, null, null, null);
    assertThat(again.identity()).isEqualTo(first.identity());
  }

  /**
   * A best bid/offer that goes back within its millisecond to a state it had (A, B, A): the update
   * id tells the two A apart, which the fields alone cannot; the same update sent again is one record.
   */
  @Test
  void aTickerBackToAnEarlierStateInItsMillisecondIsARecordOfItsOwnByItsUpdateId() {
    TickerRecord a = ticker(5001L, "6.863");
    TickerRecord b = ticker(5002L, "6.867");
    TickerRecord aAgain = ticker(5003L, "6.863");
    assertThat(a.identity()).isEqualTo("ticker:binance:perpetual:BTC-USDT:1680652701590:5001:28145.1:3.101:28145.2:6.863:::::");
    assertThat(List.of(a.identity(), b.identity(), aAgain.identity())).doesNotHaveDuplicates();
    assertThat(ticker(5001L, "6.8630").identity()).isEqualTo(a.identity());
    String json = RecordJson.toJson(aAgain);
    assertThat(json).contains("\"update_id\":5003");
    assertThat(RecordJson.parse(json)).isEqualTo(aAgain);
    // a record of an earlier version, without the field, reads as one without an update id
    assertThat(RecordJson.parse(json.replace(",\"update_id\":5003", ""))).isEqualTo(
        new TickerRecord(Exchange.BINANCE, MarketType.PERPETUAL, "BTC-USDT", "BTCUSDT", 1680652701590L,
            1680652701576484L, "28145.1", "3.101", "28145.2", "6.863", null, null, null, null, null));
    assertThatThrownBy(() -> RecordLimits.check(RecordJson.parse(json.replace("5003", "-1"))))
        .hasMessageContaining("update_id");
  }

  private static TickerRecord ticker(Long updateId, String askQty) {
    return new TickerRecord(Exchange.BINANCE, MarketType.PERPETUAL, "BTC-USDT", "BTCUSDT", 1680652701590L,
        1680652701576484L, "28145.1", "3.101", "28145.2", askQty, null, null, null, null, null, updateId);
  }

  @Test
  void identityAndSubjectFollowTheContract() {
    assertThat(SAMPLES.get(0).identity()).isEqualTo("trade:binance:spot:BTC-USDT:3735683259");
    assertThat(SAMPLES.get(1).identity()).isEqualTo("orderbook:okx:perpetual:BTC-USDT:99");
    assertThat(SAMPLES.get(5).identity()).isEqualTo("funding_rate:okx:perpetual:BTC-USDT:1");
    assertThat(SAMPLES.get(0).subject()).isEqualTo("trade.binance.spot.BTC-USDT");
    assertThat(SAMPLES.get(1).subject()).isEqualTo("orderbook.okx.perpetual.BTC-USDT");
  }

  @Test
  void malformedRecordIsRefused() {
    assertThatThrownBy(() -> RecordJson.parse("{\"data_type\":\"trade\"")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> RecordJson.parse("{\"data_type\":\"nope\"}")).isInstanceOf(IllegalArgumentException.class);
  }

  /** Two records run together: the second would be lost unseen if the first were taken. */
  @Test
  void contentAfterTheRecordIsRefused() {
    String trade = RecordJson.toJson(SAMPLES.get(0));
    assertThat(RecordJson.parse(" " + trade + "\r\n")).isEqualTo(SAMPLES.get(0));
    for (String bad : List.of(trade + trade, trade + "x", trade + "}", trade + "[]", trade + "null")) {
      assertThatThrownBy(() -> RecordJson.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
    }
  }

  /** Unknown fields are ignored, lists too (a newer writer's), wherever they come; book sides must be pairs. */
  @Test
  void unknownListsAreSkippedAndBookSidesHoldOnlyPairs() {
    String trade = RecordJson.toJson(SAMPLES.get(0));
    assertThat(RecordJson.parse(trade.replace("{\"data_type\"", "{\"tags\":[\"a\",[1,{\"b\":[2]}]],\"data_type\"")))
        .isEqualTo(SAMPLES.get(0));
    String book = RecordJson.toJson(SAMPLES.get(1));
    assertThatThrownBy(() -> RecordJson.parse(book.replace("\"bids\":[[\"100.5\",\"2\"]]",
        "\"bids\":[[\"100.5\",\"2\"],7]"))).hasMessageContaining("[price, quantity] pair");
  }

  @Test
  void aDepthBeyondAnIntIsRefusedNotTruncated() {
    String book = RecordJson.toJson(SAMPLES.get(1)).replace("\"depth\":20", "\"depth\":4294967316");
    assertThatThrownBy(() -> RecordJson.parse(book)).hasMessageContaining("depth out of range");
  }
}
