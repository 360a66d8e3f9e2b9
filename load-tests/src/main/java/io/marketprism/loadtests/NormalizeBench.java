package io.marketprism.loadtests;

import io.marketprism.collector.capture.CaptureLine;
import io.marketprism.collector.normalize.Normalizer;
import io.marketprism.collector.normalize.ParseException;
import io.marketprism.model.Exchange;
import io.marketprism.model.MarketRecord;
import io.marketprism.model.MarketType;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Normalize throughput on the real fixture captures, per exchange and channel, on one thread
 * (so msgs/s is per core). Each case replays its messages through a fresh {@link Normalizer} per
 * pass (book channels start from their snapshot), JSON parsing included, for a fixed time after a
 * warm-up. It also writes each case's messages to {@code OUT_DIR/<case>.txt} as
 * {@code <recv µs> <json>} lines so that the peer (tardis-dev) normalizes exactly the same input.
 *
 * <p>Usage: {@code NormalizeBench FIXTURES_DIR OUT_DIR SECONDS_PER_CASE}; prints one TSV line per
 * case: {@code case exchange channel messages records msgs_per_s}.
 */
public final class NormalizeBench {

  private NormalizeBench() {
  }

  /** One benchmark case: the messages of one channel of one capture. */
  record Case(String name, Exchange exchange, MarketType type, String channel, String restUrl, List<String> files,
      Predicate<String> select) {
  }

  /** A message to replay: its payload and receive time, and the REST URL for a snapshot body. */
  record Msg(String payload, long recvTsUs, String url) {
  }

  /**
   * @param args fixtures directory, output directory for the peer's inputs, seconds per case
   * @throws Exception on I/O errors
   */
  public static void main(String[] args) throws Exception {
    Path fixtures = Path.of(args[0]);
    Path out = Path.of(args[1]);
    double seconds = Double.parseDouble(args[2]);
    Files.createDirectories(out);
    String spot = "binance/hftbacktest_spot_btcusdt_20240808_first15000.txt";
    String usdm = "binance/hftbacktest_usdm_btcusdt_20240718.txt";
    String okxTbt = "okx/cryptofeed_okx_2022-02-27_ws.txt";
    String okx400 = "okx/cryptofeed_okx_2022-05-13_ws.txt";
    List<Case> cases = List.of(
        new Case("binance-spot-trade", Exchange.BINANCE, MarketType.SPOT, "trade", null, List.of(spot),
            m -> m.contains("@trade\"")),
        new Case("binance-spot-bookTicker", Exchange.BINANCE, MarketType.SPOT, "bookTicker", null, List.of(spot),
            m -> m.contains("@bookTicker\"")),
        new Case("binance-spot-depth", Exchange.BINANCE, MarketType.SPOT, "depth", "https://api.binance.com/api/v3/depth?symbol=BTCUSDT&limit=1000",
            List.of(spot), m -> m.contains("@depth") || m.startsWith("{\"lastUpdateId\"")),
        new Case("binance-usdm-trade", Exchange.BINANCE, MarketType.PERPETUAL, "trade", null, List.of(usdm),
            m -> m.contains("@trade\"")),
        new Case("binance-usdm-bookTicker", Exchange.BINANCE, MarketType.PERPETUAL, "bookTicker", null,
            List.of(usdm), m -> m.contains("@bookTicker\"")),
        new Case("binance-usdm-depth", Exchange.BINANCE, MarketType.PERPETUAL, "depth",
            "https://fapi.binance.com/fapi/v1/depth?symbol=BTCUSDT&limit=1000", List.of(usdm),
            m -> m.contains("@depth") || m.startsWith("{\"lastUpdateId\"")),
        new Case("okx-trades", Exchange.OKX, null, "trades", null, List.of(okx400, okxTbt),
            m -> m.contains("\"channel\":\"trades\"") && !m.contains("\"event\"")),
        new Case("okx-books-l2-tbt", Exchange.OKX, null, "books-l2-tbt", null, List.of(okxTbt),
            m -> m.contains("\"channel\":\"books-l2-tbt\"") && !m.contains("\"event\"")),
        new Case("okx-books", Exchange.OKX, null, "books", null, List.of(okx400),
            m -> m.contains("\"channel\":\"books\"") && !m.contains("\"event\"")),
        new Case("deribit-trades", Exchange.DERIBIT, null, "trades", null,
            List.of("deribit/gocryptotrader_deribit_trades_btc-perpetual_agg2_2025-03-22.jsonl"),
            m -> m.contains("\"channel\":\"trades.")),
        new Case("deribit-book", Exchange.DERIBIT, null, "book", null,
            List.of("deribit/cryptofeed_deribit_2021-07-22_ws.txt",
                "deribit/ssc2ce_deribit_testnet_btc-perpetual_2020-06-22.jsonl"),
            m -> m.contains("\"channel\":\"book.")));
    for (Case c : cases) {
      List<Msg> msgs = load(fixtures, c);
      writePeerInput(out.resolve(c.name() + ".txt"), msgs);
      long[] result = run(c, msgs, seconds);
      System.out.printf(Locale.ROOT, "%s\t%s\t%s\t%d\t%d\t%.0f%n", c.name(), c.exchange().wire(), c.channel(),
          msgs.size(), result[0], result[1] / 1.0);
    }
  }

  private static List<Msg> load(Path fixtures, Case c) throws IOException {
    List<Msg> msgs = new ArrayList<>();
    for (String f : c.files()) {
      long last = 0;
      for (String line : Files.readAllLines(fixtures.resolve(f))) {
        CaptureLine l = CaptureLine.parse(line, last, f);
        last = l.recvTsUs();
        if (l.kind() == CaptureLine.Kind.MESSAGE && c.select().test(l.payload())) {
          boolean snapshot = l.payload().startsWith("{\"lastUpdateId\"");
          msgs.add(new Msg(l.payload(), l.recvTsUs(), snapshot ? c.restUrl() : null));
        }
      }
    }
    return msgs;
  }

  /**
   * The peer reads the same lines; Binance REST snapshots become the {@code depthSnapshot}
   * stream messages tardis-dev records, which its book mapper expects.
   */
  private static void writePeerInput(Path file, List<Msg> msgs) throws IOException {
    try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(file))) {
      for (Msg m : msgs) {
        String payload = m.url() == null ? m.payload()
            : "{\"stream\":\"btcusdt@depthSnapshot\",\"generated\":true,\"data\":" + m.payload() + "}";
        w.print(m.recvTsUs());
        w.print(' ');
        w.println(payload);
      }
    }
  }

  /** @return records per pass and messages per second */
  private static long[] run(Case c, List<Msg> msgs, double seconds) throws ParseException {
    long[] sink = new long[2];
    Consumer<MarketRecord> out = r -> {
      sink[0]++;
      sink[1] += r.tsMs();
    };
    // warm-up, then the measured time
    long records = pass(c, msgs, out, sink);
    long deadline = System.nanoTime() + (long) (seconds * 0.3e9);
    while (System.nanoTime() < deadline) {
      pass(c, msgs, out, sink);
    }
    long passes = 0;
    // CPU time of this thread, not wall time: the machine is shared, and the figure is per core
    java.lang.management.ThreadMXBean cpu = java.lang.management.ManagementFactory.getThreadMXBean();
    long c0 = cpu.getCurrentThreadCpuTime();
    long t0 = System.nanoTime();
    long end = t0 + (long) (seconds * 1e9);
    long now;
    do {
      pass(c, msgs, out, sink);
      passes++;
      now = System.nanoTime();
    } while (now < end);
    double perSecond = passes * (double) msgs.size() / ((cpu.getCurrentThreadCpuTime() - c0) / 1e9);
    if (sink[1] == 42) {
      System.out.print(""); // keeps the sink observable to the JIT
    }
    return new long[] {records, (long) perSecond};
  }

  private static long pass(Case c, List<Msg> msgs, Consumer<MarketRecord> out, long[] sink) throws ParseException {
    long before = sink[0];
    Normalizer n = new Normalizer(c.exchange(), c.type(), 20, s -> true, out, null);
    for (int i = 0, size = msgs.size(); i < size; i++) {
      Msg m = msgs.get(i);
      if (m.url() != null) {
        n.onRest(m.url(), m.payload(), m.recvTsUs());
      } else {
        n.onMessage(m.payload(), m.recvTsUs());
      }
    }
    return sink[0] - before;
  }
}
