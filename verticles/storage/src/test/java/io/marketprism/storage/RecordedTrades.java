package io.marketprism.storage;

import io.marketprism.model.Exchange;
import io.marketprism.model.MarketType;
import io.marketprism.model.TradeRecord;
import io.marketprism.storage.hot.ExpectedBars;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Assumptions;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Real Binance spot BTCUSDT trades recorded by hftbacktest (the shared fixtures, 2,744 trades over
 * 135 s with 8-decimal quantities), read from the capture here rather than by the collector, and
 * the kline route's bars read exactly, to audit the query API against {@link ExpectedBars}.
 */
final class RecordedTrades {

  /** 2024-08-09T00:00:00Z: the capture ends 3.5 minutes before it, moved it runs from 45 s before it to 90 s after. */
  static final long MIDNIGHT = 1_723_161_600_000L;
  /** How far the capture's times are moved so that its trades run across {@link #MIDNIGHT}. */
  static final long SHIFT_MS = 300_000;

  private RecordedTrades() {
  }

  /** @return the capture's trades, their times moved by {@link #SHIFT_MS}; skips the test without the fixtures */
  static List<TradeRecord> binanceSpot() throws Exception {
    String shared = System.getProperty("mp.shared.dir");
    Path file = shared == null ? null
        : Path.of(shared, "fixtures", "binance", "hftbacktest_spot_btcusdt_20240808_first15000.txt");
    Assumptions.assumeTrue(file != null && Files.exists(file), "shared fixtures absent");
    List<TradeRecord> out = new ArrayList<>();
    for (String line : Files.readAllLines(file)) {
      int sp = line.indexOf(' ');
      if (sp < 0 || !line.startsWith("{\"stream\":\"btcusdt@trade\"", sp + 1)) {
        continue;
      }
      JsonObject d = new JsonObject(line.substring(sp + 1)).getJsonObject("data");
      long ts = d.getLong("T") + SHIFT_MS;
      long recvUs = Long.parseLong(line.substring(0, sp)) / 1000 + SHIFT_MS * 1000;
      // m: the buyer is the maker, so the taker sold
      out.add(new TradeRecord(Exchange.BINANCE, MarketType.SPOT, "BTC-USDT", "BTCUSDT", ts, recvUs,
          Long.toString(d.getLong("t")), d.getString("p"), d.getString("q"), d.getBoolean("m") ? "sell" : "buy"));
    }
    return out;
  }

  /**
   * @param json a bar the kline route answered
   * @return it as a {@link ExpectedBars.Bar}, its decimals without trailing zeros (so that equal values compare equal)
   */
  static ExpectedBars.Bar of(JsonObject json) {
    return new ExpectedBars.Bar(json.getLong("open_time_ms"), dec(json, "open"), dec(json, "high"), dec(json, "low"),
        dec(json, "close"), dec(json, "volume"), dec(json, "quote_volume"), json.getLong("trade_count"));
  }

  /** @return the bar with its decimals without trailing zeros */
  static ExpectedBars.Bar canonical(ExpectedBars.Bar b) {
    return new ExpectedBars.Bar(b.openMs(), strip(b.open()), strip(b.high()), strip(b.low()), strip(b.close()),
        strip(b.volume()), strip(b.quote()), b.count());
  }

  private static BigDecimal dec(JsonObject json, String field) {
    String text = json.getString(field);
    if (text == null || !text.matches("-?[0-9]+(\\.[0-9]+)?")) {
      throw new AssertionError(field + " is no plain decimal text: " + json.encode());
    }
    return strip(new BigDecimal(text));
  }

  private static BigDecimal strip(BigDecimal d) {
    return d.signum() == 0 ? BigDecimal.ZERO : d.stripTrailingZeros();
  }
}
