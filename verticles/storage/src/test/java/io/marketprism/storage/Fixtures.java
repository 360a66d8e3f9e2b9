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
