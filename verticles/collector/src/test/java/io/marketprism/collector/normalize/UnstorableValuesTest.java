package io.marketprism.collector.normalize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.marketprism.model.Exchange;
import io.marketprism.model.MarketRecord;
import io.marketprism.model.MarketType;
import io.marketprism.model.OrderBookRecord;
import io.marketprism.model.PriceLevel;
import io.marketprism.model.TradeRecord;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Messages whose records the stores would refuse are rejected by the collector itself. */
class UnstorableValuesTest {

  private final List<MarketRecord> out = new ArrayList<>();

  private Normalizer normalizer(Exchange ex, MarketType type) {
    return new Normalizer(ex, type, 20, s -> true, out::add, s -> { });
  }

  private static String binanceTrade(long id, long ts) {
    return binanceTrade(id, ts, "61837.63", "0.02");
  }

  private static String binanceTrade(long id, long ts, String price, String quantity) {
    return "{\"stream\":\"btcusdt@trade\",\"data\":{\"e\":\"trade\",\"E\":1723161255342,\"s\":\"BTCUSDT\",\"t\":" + id
        + ",\"p\":\"" + price + "\",\"q\":\"" + quantity + "\",\"T\":" + ts + ",\"m\":true,\"M\":true}}";
  }

  @Test
  void binanceTradeWithANegativeTimeIsRejectedAndTheNextIsKept() throws Exception {
    Normalizer n = normalizer(Exchange.BINANCE, MarketType.SPOT);
    assertThatThrownBy(() -> n.onMessage(binanceTrade(1, -5), 1L)).isInstanceOf(ParseException.class)
        .hasMessage("trade of BTCUSDT: ts_ms out of range: -5");
    assertThat(out).isEmpty();
    n.onMessage(binanceTrade(2, 1723161255342L), 1L);
    assertThat(out).extracting(r -> ((TradeRecord) r).tradeId()).containsExactly("2");
  }

  @Test
  void tradeWhosePriceTimesQuantityNoBarHoldsIsRejectedWithItsReason() throws Exception {
    Normalizer n = normalizer(Exchange.BINANCE, MarketType.SPOT);
    assertThatThrownBy(() -> n.onMessage(binanceTrade(1, 1723161255342L, "1000000000", "1000000000"), 1L))
        .isInstanceOf(ParseException.class).hasMessage("trade of BTCUSDT: price × quantity (1000000000 × 1000000000) "
            + "is 1000000000000000000 or more: no bar's quote volume holds it");
    assertThat(out).isEmpty();
    // just below the bound: stored
    n.onMessage(binanceTrade(2, 1723161255342L, "999999999.99", "1000000000"), 1L);
    assertThat(out).extracting(r -> ((TradeRecord) r).tradeId()).containsExactly("2");
  }

  @Test
  void okxTradeAfter2106IsRejected() {
    Normalizer n = normalizer(Exchange.OKX, null);
    String msg = "{\"arg\":{\"channel\":\"trades\",\"instId\":\"BTC-USDT\"},\"data\":[{\"instId\":\"BTC-USDT\","
        + "\"tradeId\":\"130639474\",\"px\":\"42219.9\",\"sz\":\"0.12\",\"side\":\"buy\",\"ts\":\"4294967296000\"}]}";
    assertThatThrownBy(() -> n.onMessage(msg, 1L)).isInstanceOf(ParseException.class)
        .hasMessage("trade of BTC-USDT: ts_ms out of range: 4294967296000");
    assertThat(out).isEmpty();
  }

  @Test
  void deribitTradeWithANegativeTimeIsRejected() {
    Normalizer n = normalizer(Exchange.DERIBIT, null);
    String msg = "{\"jsonrpc\":\"2.0\",\"method\":\"subscription\",\"params\":{\"channel\":\"trades.BTC-PERPETUAL.raw\","
        + "\"data\":[{\"trade_seq\":30289432,\"trade_id\":\"48079254\",\"timestamp\":-1590484156350,\"tick_direction\":0,"
        + "\"price\":8950.0,\"mark_price\":8948.9,\"instrument_name\":\"BTC-PERPETUAL\",\"index_price\":8955.88,"
        + "\"direction\":\"sell\",\"amount\":10.0}]}}";
    assertThatThrownBy(() -> n.onMessage(msg, 1L)).isInstanceOf(ParseException.class)
        .hasMessage("trade of BTC-PERPETUAL: ts_ms out of range: -1590484156350");
    assertThat(out).isEmpty();
  }

  @Test
  void bookMessageWithANegativeTimeUpdatesTheBookButItsRecordIsWithheld() throws Exception {
    Normalizer n = normalizer(Exchange.BINANCE, MarketType.SPOT);
    n.onRest("https://api.binance.com/api/v3/depth?symbol=BTCUSDT&limit=1000",
        "{\"lastUpdateId\":100,\"bids\":[[\"100\",\"1\"]],\"asks\":[[\"101\",\"1\"]]}", 1_000_000L);
    assertThat(out).hasSize(1);
    assertThatThrownBy(() -> n.onMessage(depth(-1, 101, 102, "100", "2"), 2L)).isInstanceOf(ParseException.class)
        .hasMessage("book of BTCUSDT updated, its record withheld: ts_ms out of range: -1");
    assertThat(out).hasSize(1);
    assertThat(n.book("BTCUSDT").synced()).isTrue();
    assertThat(n.book("BTCUSDT").unstorable()).isNotNull();

    n.onMessage(depth(1723161255342L, 103, 104, "99", "3"), 3L);
    OrderBookRecord last = (OrderBookRecord) out.get(1);
    assertThat(last.lastUpdateId()).isEqualTo(104);
    assertThat(last.bids()).containsExactly(new PriceLevel("100", "2"), new PriceLevel("99", "3"));
    assertThat(n.bookStats().gaps()).isZero();
    assertThat(n.book("BTCUSDT").unstorable()).isNull();
  }

  @Test
  void bookLevelTooLargeToStoreWithholdsTheBookWhileInItsTopLevelsAndTheBookStaysExact() throws Exception {
    Normalizer n = new Normalizer(Exchange.BINANCE, MarketType.SPOT, 2, s -> true, out::add, s -> { });
    List<String> told = new ArrayList<>();
    n.booksTo(sync -> {
      told.add(sync.lastUpdateId() + (sync.unstorable() == null ? "" : " withheld"));
      if (sync.unstorable() == null) {
        out.add(sync.toRecord());
      }
    });
    n.onRest("https://api.binance.com/api/v3/depth?symbol=BTCUSDT&limit=1000",
        "{\"lastUpdateId\":100,\"bids\":[[\"100\",\"1\"]],\"asks\":[[\"101\",\"1\"]]}", 1_000_000L);
    assertThat(out).hasSize(1);
    // 10^21 in a short exponent form: beyond Decimal(38,18), at the top of the asks
    assertThatThrownBy(() -> n.onMessage(depth(1723161255342L, 101, 102, "101", "1e21", false), 2L))
        .isInstanceOf(ParseException.class).hasMessage("book of BTCUSDT updated, its record withheld: asks level 1 "
            + "(price 101): quantity 1e21 has more than 20 integer digits");
    assertThat(out).hasSize(1);
    n.onMessage(depth(1723161255342L, 103, 103, "101", "2", false), 3L);
    assertThat(out).hasSize(2);
    // 10^20 within the 2 levels a record holds: withheld while it is there, the book updated all the same
    assertThatThrownBy(() -> n.onMessage(depth(1723161255342L, 104, 104, "99", "100000000000000000000"), 4L))
        .isInstanceOf(ParseException.class).hasMessage("book of BTCUSDT updated, its record withheld: bids level 2 "
            + "(price 99): quantity 100000000000000000000 has more than 20 integer digits");
    assertThat(out).hasSize(2);
    assertThat(n.book("BTCUSDT").synced()).isTrue();

    // a better bid pushes the level out of the top 2: published again, the book exact throughout
    n.onMessage(depth(1723161255342L, 105, 105, "100.5", "3"), 5L);
    OrderBookRecord book = (OrderBookRecord) out.get(2);
    assertThat(book.lastUpdateId()).isEqualTo(105);
    assertThat(book.bids()).containsExactly(new PriceLevel("100.5", "3"), new PriceLevel("100", "1"));
    assertThat(book.asks()).containsExactly(new PriceLevel("101", "2"));
    assertThat(n.book("BTCUSDT").book().bidCount()).isEqualTo(3);
    // back in the top 2 it withholds the book again, until it changes to a quantity of 20 integer digits
    assertThatThrownBy(() -> n.onMessage(depth(1723161255342L, 106, 106, "100.5", "0"), 6L))
        .isInstanceOf(ParseException.class).hasMessageContaining("bids level 2 (price 99)");
    assertThat(out).hasSize(3);
    n.onMessage(depth(1723161255342L, 107, 107, "99", "99999999999999999999.5"), 7L);
    assertThat(out).hasSize(4);
    assertThat(((OrderBookRecord) out.get(out.size() - 1)).bids())
        .containsExactly(new PriceLevel("100", "1"), new PriceLevel("99", "99999999999999999999.5"));
    assertThat(told).containsExactly("100", "102 withheld", "103", "104 withheld", "105", "106 withheld", "107");
    assertThat(n.bookStats().gaps()).isZero();
    assertThat(n.bookStats().resyncs()).isZero();
  }

  @Test
  void snapshotWithAPriceTheBookCannotKeyUnsyncsTheBookInsteadOfLeavingItInPart() throws Exception {
    List<String> resyncs = new ArrayList<>();
    Normalizer n = new Normalizer(Exchange.BINANCE, MarketType.SPOT, 20, s -> true, out::add, resyncs::add);
    String url = "https://api.binance.com/api/v3/depth?symbol=BTCUSDT&limit=1000";
    n.onRest(url, "{\"lastUpdateId\":100,\"bids\":[[\"100\",\"1\"]],\"asks\":[[\"101\",\"1\"]]}", 1L);
    n.onMessage(depth(1723161255342L, 101, 102, "99", "2"), 2L);
    assertThat(out).hasSize(2);
    // a later snapshot (a capture's periodic one) with a price beyond a long: refused after its first levels went in
    assertThatThrownBy(() -> n.onRest(url, "{\"lastUpdateId\":200,\"bids\":[[\"98\",\"1\"],"
        + "[\"100000000000000000000\",\"1\"]],\"asks\":[[\"101\",\"1\"]]}", 3L))
        .isInstanceOf(ParseException.class).hasMessageStartingWith("bad price level in book of BTCUSDT, resyncing");
    assertThat(n.book("BTCUSDT").synced()).isFalse();
    assertThat(resyncs).containsExactly("BTCUSDT");
    // the next diff continues the old sequence: it must not be published on the partial book
    n.onMessage(depth(1723161255342L, 103, 103, "97", "1"), 4L);
    assertThat(out).hasSize(2);
    n.onRest(url, "{\"lastUpdateId\":103,\"bids\":[[\"100\",\"1\"],[\"97\",\"1\"]],\"asks\":[[\"101\",\"1\"]]}",
        5L);
    assertThat(((OrderBookRecord) out.get(2)).bids()).containsExactly(new PriceLevel("100", "1"), new PriceLevel("97", "1"));
  }

  private static String depth(long e, long first, long last, String price, String qty, boolean bid) {
    String level = "[[\"" + price + "\",\"" + qty + "\"]]";
    return "{\"stream\":\"btcusdt@depth@100ms\",\"data\":{\"e\":\"depthUpdate\",\"E\":" + e + ",\"s\":\"BTCUSDT\","
        + "\"U\":" + first + ",\"u\":" + last + ",\"b\":" + (bid ? level : "[]") + ",\"a\":" + (bid ? "[]" : level) + "}}";
  }

  private static String depth(long e, long first, long last, String price, String qty) {
    return "{\"stream\":\"btcusdt@depth@100ms\",\"data\":{\"e\":\"depthUpdate\",\"E\":" + e + ",\"s\":\"BTCUSDT\","
        + "\"U\":" + first + ",\"u\":" + last + ",\"b\":[[\"" + price + "\",\"" + qty + "\"]],\"a\":[]}}";
  }
}
