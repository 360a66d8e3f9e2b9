package io.marketprism.storage;

import io.marketprism.model.DataType;
import io.marketprism.model.Exchange;
import io.marketprism.model.FundingRateRecord;
import io.marketprism.model.KlineRecord;
import io.marketprism.model.LiquidationRecord;
import io.marketprism.model.LongShortRatioRecord;
import io.marketprism.model.MarkPriceRecord;
import io.marketprism.model.MarketRecord;
import io.marketprism.model.MarketType;
import io.marketprism.model.OpenInterestRecord;
import io.marketprism.model.OrderBookRecord;
import io.marketprism.model.PriceLevel;
import io.marketprism.model.TickerRecord;
import io.marketprism.model.TradeRecord;
import io.marketprism.model.VolatilityIndexRecord;

import java.util.ArrayList;
import java.util.List;

/**
 * Records of every data type around the boundary of two UTC days (2024-01-01 and 2024-01-02):
 * at the first and last millisecond of a day, several in one millisecond, decimals with trailing
 * zeros, the smallest and largest a store holds, negative and zero, nulls wherever a field may
 * be null, empty book sides.
 */
final class EveryType {

  static final long DAY = 86_400_000L;
  /** 2024-01-02T00:00:00Z: the first millisecond of the second day. */
  static final long D1 = Fixtures.DAY0 + DAY;

  private EveryType() {
  }

  private static MarketRecord trade(Exchange ex, String sym, long ts, String id, String price, String qty) {
    return new TradeRecord(ex, MarketType.SPOT, sym, sym.replace("-", ""), ts, ts * 1000 + 3, id, price, qty,
        id.hashCode() % 2 == 0 ? "buy" : "sell");
  }

  private static MarketRecord book(long ts, long id, List<PriceLevel> bids, List<PriceLevel> asks, Boolean ok) {
    return new OrderBookRecord(Exchange.OKX, MarketType.PERPETUAL, "BTC-USDT", "BTC-USDT-SWAP", ts, ts * 1000 + 1, bids,
        asks, 20, id, ok);
  }

  private static MarketRecord liquidation(long ts, String side, String price, String qty, String orderId) {
    return new LiquidationRecord(Exchange.OKX, MarketType.PERPETUAL, "BTC-USDT", "BTC-USDT-SWAP", ts, ts * 1000 + 9,
        side, price, qty, orderId);
  }

  /** The records of the first set, in no particular order. */
  static List<MarketRecord> records() {
    List<MarketRecord> out = new ArrayList<>();
    long last = D1 - 1;
    for (long ts : new long[] {Fixtures.DAY0, Fixtures.DAY0 + 1, last - 60_000, last, D1, D1 + 1, D1 + 3_600_000}) {
      // trades: one millisecond holds ids across a digit boundary, stored out of order
      String base = Long.toString(ts % 1_000_000_000L);
      out.add(trade(Exchange.BINANCE, "BTC-USDT", ts, base + "1000", "60000.10", "1.50"));
      out.add(trade(Exchange.BINANCE, "BTC-USDT", ts, base + "999", "60000", "0.000000000000000001"));
      out.add(trade(Exchange.BINANCE, "BTC-USDT", ts, base + "1001", "0.000000000000000001", "2"));
      out.add(trade(Exchange.OKX, "ETH-USDT", ts, "ETH-" + base, "3000.000000000000000001", "12345678.123456789"));
      out.add(book(ts, ts * 10 + 2, List.of(new PriceLevel("60000.10", "1.50"), new PriceLevel("59999",
          "0.000000000000000001")), List.of(), Boolean.TRUE));
      out.add(book(ts, ts * 10 + 1, List.of(), List.of(new PriceLevel("60000.2", "99999999999999999999.999999999999999999")),
          null));
      out.add(book(ts, ts * 10 + 3, List.of(new PriceLevel("0.1", "0")), List.of(new PriceLevel("0.10", "0.0")),
          Boolean.FALSE));
      out.add(new TickerRecord(Exchange.BINANCE, MarketType.PERPETUAL, "BTC-USDT", "BTCUSDT", ts, ts * 1000,
          "60000.10", "1.0", "60000.2", null, "-0", null, "99999999999999999999.999999999999999999", "0.000000000000000001",
          null, Long.MAX_VALUE - ts));
      out.add(new KlineRecord(Exchange.BINANCE, MarketType.SPOT, "BTC-USDT", "BTCUSDT", ts, ts * 1000, "1m",
          ts - ts % 60_000, ts % 2 == 0 ? null : ts - ts % 60_000 + 59_999, "60000.10", "60001", null, "-1.5", "0",
          null, ts % 2 == 0 ? 7L : null, ts % 2 == 0));
      out.add(new FundingRateRecord(Exchange.BINANCE, MarketType.PERPETUAL, "ETH-USDT", "ETHUSDT", ts, ts * 1000,
          "-0.000100", ts % 2 == 0 ? null : ts + 3_600_000, null, "0.00012"));
      out.add(new FundingRateRecord(Exchange.OKX, MarketType.PERPETUAL, "ETH-USDT", "ETH-USDT-SWAP", ts, ts * 1000,
          null, null, ts + 1, null));
      out.add(new MarkPriceRecord(Exchange.BINANCE, MarketType.PERPETUAL, "BTC-USDT", "BTCUSDT", ts, ts * 1000,
          "60000.123456789012345678", null));
      out.add(new OpenInterestRecord(Exchange.OKX, MarketType.PERPETUAL, "BTC-USDT", "BTC-USDT-SWAP", ts, ts * 1000,
          "12345678901234567890", "0.5"));
      out.add(liquidation(ts, "buy", "61000.5", "13", null));
      out.add(liquidation(ts, "sell", "61000.5", "13", "x"));
      out.add(liquidation(ts, null, "61000.5", "13", null));
      out.add(liquidation(ts, "buy", null, "13", null));
      out.add(liquidation(ts, "buy", "61000.5", null, null));
      out.add(liquidation(ts, null, null, null, null));
      out.add(liquidation(ts, "buy", "61000.50", "2", null));
      out.add(new VolatilityIndexRecord(Exchange.DERIBIT, MarketType.OPTIONS, "BTC-USD", "btc_usd", ts, ts * 1000,
          "55.55", ts % 2 == 0 ? null : "60"));
      out.add(new LongShortRatioRecord(DataType.LSR_TOP_POSITION, Exchange.BINANCE, MarketType.PERPETUAL, "BTC-USDT",
          "BTCUSDT", ts, ts * 1000, "1.2500", "0.5556", "0.4444", "5m"));
      out.add(new LongShortRatioRecord(DataType.LSR_ALL_ACCOUNT, Exchange.OKX, MarketType.PERPETUAL, "BTC-USDT",
          "BTC-USDT-SWAP", ts, ts * 1000, null, "0.5", null, null));
    }
    return out;
  }

  /** Late records of the first day (and one of the second), arrived after the first day was archived. */
  static List<MarketRecord> late() {
    long last = D1 - 1;
    return List.of(trade(Exchange.BINANCE, "BTC-USDT", last, "9", "61000", "3"),
        trade(Exchange.BINANCE, "BTC-USDT", Fixtures.DAY0 + 5, "99999999", "59000.5", "0.1"),
        book(last, 1, List.of(new PriceLevel("1", "1")), List.of(), null),
        liquidation(last, "sell", "1", "1", null),
        liquidation(Fixtures.DAY0, "sell", null, "1", null),
        new TickerRecord(Exchange.BINANCE, MarketType.PERPETUAL, "BTC-USDT", "BTCUSDT", last - 1, 1, null, null, null,
            null, "1", null, null, null, null),
        trade(Exchange.BINANCE, "BTC-USDT", D1 + 2, "77", "60000", "1"));
  }

  /** Each instrument of the records, as {data_type, exchange, market_type, symbol}. */
  static List<String[]> instruments(List<MarketRecord> records) {
    List<String[]> out = new ArrayList<>();
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (MarketRecord r : records) {
      String[] i = {r.dataType().wire(), r.exchange().wire(), r.marketType().wire(), r.symbol()};
      if (seen.add(String.join("/", i))) {
        out.add(i);
      }
    }
    return out;
  }
}
