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
import java.util.LinkedHashMap;
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
 * <p>Every workload is warmed up, then run in {@code ROUNDS} round-robin rounds of {@code SECONDS};
 * rates are over process CPU time ({@link CpuRate}). Usage: {@code BookBench FIXTURES_DIR SECONDS
 * [ROUNDS]}; prints TSV lines {@code workload messages level_updates median min max} (level
 * updates per second) and fails if any checksum did not match.
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
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 5;
    Map<String, List<BookUpdate>> workloads = new LinkedHashMap<>();
    workloads.put("okx-books-l2-tbt-replay", capture(Path.of(args[0], "okx/cryptofeed_okx_2022-02-27_ws.txt")));
    workloads.put("okx-books-400-replay", capture(Path.of(args[0], "okx/cryptofeed_okx_2022-05-13_ws.txt")));
    workloads.put("synthetic-400-level-churn", synthetic());
    Map<String, double[]> rates = new LinkedHashMap<>();
    long[] failures = new long[1];
    // every workload warmed up, then round-robin rounds
    for (int round = -2; round < rounds; round++) {
      for (Map.Entry<String, List<BookUpdate>> w : workloads.entrySet()) {
        List<BookUpdate> updates = w.getValue();
        double rate = CpuRate.measure(() -> pass(updates, failures), levels(updates), seconds);
        if (round >= 0) {
          rates.computeIfAbsent(w.getKey(), k -> new double[rounds])[round] = rate;
        }
      }
    }
    for (Map.Entry<String, List<BookUpdate>> w : workloads.entrySet()) {
      double[] m = CpuRate.medianMinMax(rates.get(w.getKey()));
      System.out.printf(Locale.ROOT, "%s\t%d\t%d\t%.0f\t%.0f\t%.0f%n", w.getKey(), w.getValue().size(),
          levels(w.getValue()), m[0], m[1], m[2]);
    }
    // a mismatch is a bug, never a figure: the replays are real captures with their own checksums
    if (failures[0] != 0) {
      throw new IllegalStateException(failures[0] + " checksum failures");
    }
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

  private static long levels(List<BookUpdate> updates) {
    long levels = 0;
    for (BookUpdate u : updates) {
      levels += u.bids().size() + u.asks().size();
    }
    return levels;
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
