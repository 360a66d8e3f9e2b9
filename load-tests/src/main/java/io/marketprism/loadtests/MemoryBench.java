package io.marketprism.loadtests;

import io.marketprism.collector.book.OrderBook;
import io.marketprism.collector.normalize.Normalizer;
import io.marketprism.model.Exchange;
import io.marketprism.model.MarketType;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Collector book memory: 300 instruments (100 each on Binance, OKX and Deribit) with 400-level
 * books per side, built the way the collector builds them (raw snapshot messages through each
 * exchange's {@link Normalizer}, OKX checksums verified), then churned so that every cache the
 * books keep (published levels, checksum text) is populated. Prints the heap retained by them
 * after two full GCs; run it with {@code -Xmx512m} to show that it fits.
 *
 * <p>Usage: {@code MemoryBench [SYMBOLS_PER_EXCHANGE [LEVELS]]}.
 */
public final class MemoryBench {

  private MemoryBench() {
  }

  /**
   * @param args symbols per exchange (100) and levels per side (400)
   * @throws Exception if a message is rejected
   */
  public static void main(String[] args) throws Exception {
    int perExchange = args.length > 0 ? Integer.parseInt(args[0]) : 100;
    int levels = args.length > 1 ? Integer.parseInt(args[1]) : 400;
    long before = retained();
    long[] records = new long[1];
    List<Normalizer> kept = new ArrayList<>();
    Normalizer binance = new Normalizer(Exchange.BINANCE, MarketType.PERPETUAL, 20, s -> true, r -> records[0]++, null);
    Normalizer okx = new Normalizer(Exchange.OKX, null, 20, s -> true, r -> records[0]++, null);
    Normalizer deribit = new Normalizer(Exchange.DERIBIT, null, 20, s -> true, r -> records[0]++, null);
    kept.add(binance);
    kept.add(okx);
    kept.add(deribit);
    Random random = new Random(1);
    int books = 0;
    for (int i = 0; i < perExchange; i++) {
      String sym = "C" + i + "USDT";
      binance.onRest("https://fapi.binance.com/fapi/v1/depth?symbol=" + sym + "&limit=1000",
          "{\"lastUpdateId\":1,\"bids\":" + side(random, 60_000, -1, levels, 1, 3, "", "") + ",\"asks\":"
              + side(random, 60_001, 1, levels, 1, 3, "", "") + "}", 1);
      for (int u = 0; u < 50; u++) {
        binance.onMessage("{\"stream\":\"" + sym.toLowerCase(Locale.ROOT) + "@depth\",\"data\":{\"e\":\"depthUpdate\","
            + "\"E\":" + (u + 2) + ",\"T\":" + (u + 2) + ",\"s\":\"" + sym + "\",\"U\":" + (u + 1) + ",\"u\":" + (u + 2)
            + ",\"pu\":" + (u + 1) + ",\"b\":" + side(random, 60_000 - random.nextInt(30), -1, 5, 1, 3, "", "")
            + ",\"a\":" + side(random, 60_001 + random.nextInt(30), 1, 5, 1, 3, "", "") + "}}", u + 2);
      }
      books += binance.book(sym).synced() ? 1 : 0;

      String inst = "C" + i + "-USDT-SWAP";
      String bids = side(random, 30_000, -1, levels, 1, 2, "", ",\"0\",\"3\"");
      String asks = side(random, 30_001, 1, levels, 1, 2, "", ",\"0\",\"3\"");
      OrderBook reference = new OrderBook();
      apply(reference, true, bids);
      apply(reference, false, asks);
      okx.onMessage("{\"arg\":{\"channel\":\"books\",\"instId\":\"" + inst + "\"},\"action\":\"snapshot\",\"data\":[{"
          + "\"asks\":" + asks + ",\"bids\":" + bids + ",\"ts\":\"1\",\"checksum\":" + reference.okxChecksum() + "}]}", 1);
      books += okx.book(inst).synced() ? 1 : 0;

      String option = "BTC-27DEC24-" + (40_000 + i * 1000) + "-C";
      deribit.onMessage("{\"jsonrpc\":\"2.0\",\"method\":\"subscription\",\"params\":{\"channel\":\"book." + option
          + ".raw\",\"data\":{\"type\":\"snapshot\",\"timestamp\":1,\"instrument_name\":\"" + option + "\",\"change_id\":1,"
          + "\"bids\":" + side(random, 1_000, -1, levels, 4, 1, "\"new\",", "").replace("\"new\",\"", "\"new\",")
              .replace("\",\"", ",").replace("\"]", "]")
          + ",\"asks\":" + side(random, 1_001, 1, levels, 4, 1, "\"new\",", "").replace("\"new\",\"", "\"new\",")
              .replace("\",\"", ",").replace("\"]", "]") + "}}}", 1);
      books += deribit.book(option).synced() ? 1 : 0;
    }
    long after = retained();
    if (books != 3 * perExchange) {
      throw new IllegalStateException("only " + books + " of " + 3 * perExchange + " books synced");
    }
    System.out.printf(Locale.ROOT, "books\t%d\tlevels_per_side\t%d\tretained_mb\t%.1f\theap_used_mb\t%.1f\tmax_heap_mb\t%.0f%n",
        books, levels, (after - before) / 1048576.0, after / 1048576.0,
        ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getMax() / 1048576.0);
    if (kept.size() != 3 || records[0] == 0) {
      throw new IllegalStateException("books were not built");
    }
  }

  /** Levels {@code [[price, qty...], ...]} walking away from the top, prices with {@code decimals}. */
  private static String side(Random r, int top, int step, int n, int decimals, int qtyDecimals, String prefix,
      String suffix) {
    StringBuilder sb = new StringBuilder(n * 32).append('[');
    int tick = top;
    for (int i = 0; i < n; i++) {
      if (i > 0) {
        sb.append(',');
      }
      tick += step * (1 + r.nextInt(3));
      sb.append('[').append(prefix).append('"').append(fixed(tick, decimals)).append("\",\"")
          .append(fixed(1 + r.nextInt(5_000_000), qtyDecimals + 3)).append('"').append(suffix).append(']');
    }
    return sb.append(']').toString();
  }

  private static String fixed(long units, int decimals) {
    String s = Long.toString(units);
    while (s.length() <= decimals) {
      s = "0" + s;
    }
    return s.substring(0, s.length() - decimals) + "." + s.substring(s.length() - decimals);
  }

  private static void apply(OrderBook book, boolean bid, String levels) {
    for (String level : levels.substring(2, levels.length() - 2).split("\\],\\[")) {
      String[] f = level.split(",");
      book.apply(bid, f[0].replace("\"", ""), f[1].replace("\"", ""));
    }
  }

  private static long retained() {
    MemoryMXBean mx = ManagementFactory.getMemoryMXBean();
    for (int i = 0; i < 2; i++) {
      System.gc();
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    return mx.getHeapMemoryUsage().getUsed();
  }
}
