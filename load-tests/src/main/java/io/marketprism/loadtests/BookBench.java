package io.marketprism.loadtests;

import io.marketprism.collector.book.BookStats;
import io.marketprism.collector.book.BookUpdate;
import io.marketprism.collector.book.LevelList;
import io.marketprism.collector.book.OkxBookSync;
import io.marketprism.collector.book.SyncOutcome;
import io.marketprism.collector.capture.CaptureLine;
import io.marketprism.collector.normalize.RecordSink;
import io.marketprism.collector.okx.OkxParser;
import io.marketprism.model.MarketRecord;
import io.marketprism.model.Symbols;
import io.marketprism.model.Instrument;
import io.marketprism.model.MarketType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Book maintenance on one thread, checksum verification on: level updates per second through the
 * book syncs (parsing excluded; the normalize benchmark covers it). Two workloads: the OKX
 * {@code books-l2-tbt} capture replayed in a loop (every message's CRC32 verified against the
 * exchange's), and a synthetic 400-level book churned near its top in 10-level OKX-style updates
 * whose checksums were computed beforehand by an independent book.
 *
 * <p>Usage: {@code BookBench FIXTURES_DIR SECONDS}; prints TSV lines
 * {@code workload messages level_updates level_updates_per_s checksum_failures}.
 */
public final class BookBench {

  private BookBench() {
  }

  /**
   * @param args fixtures directory, seconds per workload
   * @throws Exception on I/O errors
   */
  public static void main(String[] args) throws Exception {
    double seconds = Double.parseDouble(args[1]);
    report("okx-books-l2-tbt-replay", capture(Path.of(args[0], "okx/cryptofeed_okx_2022-02-27_ws.txt")), seconds);
    report("okx-books-400-replay", capture(Path.of(args[0], "okx/cryptofeed_okx_2022-05-13_ws.txt")), seconds);
    report("synthetic-400-level-churn", synthetic(), seconds);
  }

  private static List<BookUpdate> capture(Path file) throws Exception {
    OkxParser parser = new OkxParser(new Symbols());
    List<BookUpdate> updates = new ArrayList<>();
    RecordSink sink = new RecordSink() {
      @Override
      public void record(MarketRecord record) {
      }

      @Override
      public void book(BookUpdate update) {
        updates.add(update);
      }
    };
    for (String line : Files.readAllLines(file)) {
      CaptureLine l = CaptureLine.parse(line, 0, file.toString());
      if (l.kind() == CaptureLine.Kind.MESSAGE && l.payload().contains("\"channel\":\"books")) {
        parser.parse(l.payload(), l.recvTsUs(), sink);
      }
    }
    return updates;
  }

  /** A 400-level book and 20,000 updates of 10 levels each, with the checksum each must verify. */
  private static List<BookUpdate> synthetic() {
    Instrument ins = new Instrument("BTC-USDT", MarketType.SPOT);
    io.marketprism.collector.book.OrderBook reference = new io.marketprism.collector.book.OrderBook();
    LevelList bids = new LevelList(400);
    LevelList asks = new LevelList(400);
    for (int i = 0; i < 400; i++) {
      bids.add(price(300_000 - i), "1.5");
      asks.add(price(300_001 + i), "2.5");
    }
    reference.apply(true, bids);
    reference.apply(false, asks);
    List<BookUpdate> out = new ArrayList<>();
    out.add(new BookUpdate(true, "BTC-USDT", ins, 0, 0, BookUpdate.NONE, BookUpdate.NONE, BookUpdate.NONE,
        reference.okxChecksum(), true, bids, asks));
    String[] qty = {"0", "1", "0.25", "3.125", "10", "0.5", "7.75", "2"};
    long seed = 42;
    for (int m = 0; m < 20_000; m++) {
      LevelList b = new LevelList(10);
      LevelList a = new LevelList(10);
      for (int l = 0; l < 10; l++) {
        seed = seed * 6364136223846793005L + 1442695040888963407L;
        int r = (int) ((seed >>> 33) & 0x7fffffff);
        boolean bid = (r & 1) == 0;
        // most activity near the top, some deep in the book, as on a real feed
        int offset = (r >>> 4) % 16 == 0 ? (r >>> 1) % 400 : (r >>> 1) % 40;
        String p = price(bid ? 300_000 - offset : 300_001 + offset);
        String q = qty[(r >>> 12) % qty.length];
        (bid ? b : a).add(p, q);
        reference.apply(bid, p, q);
      }
      out.add(new BookUpdate(false, "BTC-USDT", ins, m, m, BookUpdate.NONE, BookUpdate.NONE, BookUpdate.NONE,
          reference.okxChecksum(), true, b, a));
    }
    return out;
  }

  private static String price(int tick) {
    return (tick / 10) + "." + (tick % 10);
  }

  private static void report(String name, List<BookUpdate> updates, double seconds) {
    long levels = 0;
    for (BookUpdate u : updates) {
      levels += u.bids().size() + u.asks().size();
    }
    long[] failures = new long[1];
    pass(updates, failures);
    long warm = System.nanoTime() + (long) (seconds * 0.3e9);
    while (System.nanoTime() < warm) {
      pass(updates, failures);
    }
    failures[0] = 0;
    long passes = 0;
    // CPU time of this thread, not wall time: the machine is shared, and the figure is per core
    java.lang.management.ThreadMXBean cpu = java.lang.management.ManagementFactory.getThreadMXBean();
    long c0 = cpu.getCurrentThreadCpuTime();
    long t0 = System.nanoTime();
    long end = t0 + (long) (seconds * 1e9);
    long now;
    do {
      pass(updates, failures);
      passes++;
      now = System.nanoTime();
    } while (now < end);
    double perSecond = passes * (double) levels / ((cpu.getCurrentThreadCpuTime() - c0) / 1e9);
    System.out.printf(Locale.ROOT, "%s\t%d\t%d\t%.0f\t%d%n", name, updates.size(), levels, perSecond, failures[0]);
  }

  /** Replays every update through fresh syncs (one per instrument), checksums verified. */
  private static void pass(List<BookUpdate> updates, long[] failures) {
    BookStats stats = new BookStats();
    Map<String, OkxBookSync> books = new HashMap<>();
    for (int i = 0, n = updates.size(); i < n; i++) {
      BookUpdate u = updates.get(i);
      OkxBookSync sync = books.computeIfAbsent(u.exchangeSymbol(), k -> new OkxBookSync(stats, 20));
      if (sync.apply(u) == SyncOutcome.CHECKSUM_FAILED) {
        failures[0]++;
      }
    }
  }
}
