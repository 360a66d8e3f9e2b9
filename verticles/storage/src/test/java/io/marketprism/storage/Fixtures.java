package io.marketprism.storage;

import io.marketprism.model.Exchange;
import io.marketprism.model.FundingRateRecord;
import io.marketprism.model.MarketRecord;
import io.marketprism.model.MarketType;
import io.marketprism.model.OrderBookRecord;
import io.marketprism.model.PriceLevel;
import io.marketprism.model.TradeRecord;

import java.util.ArrayList;
import java.util.List;

/** Known record sets for the storage tests. */
final class Fixtures {

  /** 2024-01-01T00:00:00Z. */
  static final long DAY0 = 1_704_067_200_000L;

  private Fixtures() {
  }

  /** {@code n} BTC-USDT spot trades on Binance, one per second from {@code startMs}, ids from {@code firstId}. */
  static List<MarketRecord> trades(long startMs, int n, long firstId) {
    List<MarketRecord> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      long ts = startMs + i * 1000L;
      out.add(new TradeRecord(Exchange.BINANCE, MarketType.SPOT, "BTC-USDT", "BTCUSDT", ts, ts * 1000 + 7,
          Long.toString(firstId + i), (60000 + i % 97) + "." + (i % 10) + "1", "0.00" + (1 + i % 9), i % 2 == 0 ? "buy" : "sell"));
    }
    return out;
  }

  /**
   * Messages no store can take, each a poison of its own kind, as {subject, JSON}: bad JSON, a
   * data type missing, unknown or not its subject's, fields missing, a decimal that is no decimal
   * or beyond Decimal(38,18), a time that is no integer or before 1970, a null trade id, two
   * records run together, a side that is not buy or sell, an id below 0, an enormous symbol (900 KB).
   */
  static List<String[]> poison() {
    String t = io.marketprism.model.RecordJson.toJson(trades(DAY0, 1, 999_999_999).get(0));
    String s = "trade.binance.spot.BTC-USDT";
    String book = io.marketprism.model.RecordJson.toJson(mixed(DAY0, 10).get(10));
    return List.of(
        new String[] {s, t.substring(0, t.length() / 2)},
        new String[] {s, "not json"},
        new String[] {s, t.replace("\"data_type\":\"trade\",", "")},
        new String[] {s, t.replace("\"data_type\":\"trade\"", "\"data_type\":\"bogus\"")},
        new String[] {s, t.replace("\"data_type\":\"trade\"", "\"data_type\":\"ticker\"")},
        new String[] {s, t.replaceFirst("\"price\":\"[^\"]*\",", "")},
        new String[] {s, t.replaceFirst("\"price\":\"[^\"]*\"", "\"price\":\"6.1.2\"")},
        new String[] {s, t.replaceFirst("\"price\":\"[^\"]*\"", "\"price\":\"1e21\"")},
        new String[] {s, t.replaceFirst("\"ts_ms\":\\d+", "\"ts_ms\":\"soon\"")},
        new String[] {s, t.replaceFirst("\"ts_ms\":\\d+", "\"ts_ms\":-1")},
        new String[] {s, t.replaceFirst("\"trade_id\":\"[^\"]*\"", "\"trade_id\":null")},
        new String[] {s, t + t},
        new String[] {s, t.replaceFirst("\"side\":\"[^\"]*\"", "\"side\":\"BUY\"")},
        new String[] {"orderbook.okx.perpetual.BTC-USDT", book.replaceFirst("\"last_update_id\":\\d+", "\"last_update_id\":-1")},
        new String[] {s, t.replace("\"BTC-USDT\"", "\"" + "X".repeat(900_000) + "\"")});
  }

  /** The exact sum of price × quantity of the trades. */
  static java.math.BigDecimal quoteVolume(List<MarketRecord> trades) {
    java.math.BigDecimal sum = java.math.BigDecimal.ZERO;
    for (MarketRecord r : trades) {
      TradeRecord t = (TradeRecord) r;
      sum = sum.add(new java.math.BigDecimal(t.price()).multiply(new java.math.BigDecimal(t.quantity())));
    }
    return sum;
  }

  /** A mix of types: trades, books and funding. */
  static List<MarketRecord> mixed(long startMs, int n) {
    List<MarketRecord> out = new ArrayList<>(trades(startMs, n, 1_000_000));
    for (int i = 0; i < n / 10; i++) {
      long ts = startMs + i * 500L;
      out.add(new OrderBookRecord(Exchange.OKX, MarketType.PERPETUAL, "BTC-USDT", "BTC-USDT-SWAP", ts, ts * 1000,
          List.of(new PriceLevel("60000.1", "1.5"), new PriceLevel("60000", "2")),
          List.of(new PriceLevel("60000.2", "0.25")), 20, 5000 + i, i % 2 == 0 ? Boolean.TRUE : null));
      out.add(new FundingRateRecord(Exchange.BINANCE, MarketType.PERPETUAL, "ETH-USDT", "ETHUSDT", ts, ts * 1000,
          "0.0001", ts + 3_600_000, null, "0.00012"));
    }
    return out;
  }
}
