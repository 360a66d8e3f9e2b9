package io.marketprism.loadtests;

import io.marketprism.collector.binance.BinanceParser;
import io.marketprism.collector.book.BookUpdate;
import io.marketprism.collector.capture.CaptureLine;
import io.marketprism.collector.deribit.DeribitParser;
import io.marketprism.collector.normalize.MessageParser;
import io.marketprism.collector.normalize.Normalizer;
import io.marketprism.collector.normalize.ParseException;
import io.marketprism.collector.normalize.RecordSink;
import io.marketprism.collector.okx.OkxParser;
import io.marketprism.model.Exchange;
import io.marketprism.model.MarketRecord;
import io.marketprism.model.MarketType;
import io.marketprism.model.Symbols;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Normalize throughput on the real fixture captures, per exchange and channel, on one thread
 * (so msgs/s is per core), JSON parsing included. Each case keeps one {@link Normalizer} for the
 * whole run, as a collector keeps one per connection; a book case forgets its books before each
 * pass (as the collector does on a reconnect), so every pass starts from the capture's snapshot.
 *
 * <p>It writes each case's messages to {@code OUT_DIR/<case>.txt} as {@code <recv µs> <json>}
 * lines and the list of cases to {@code OUT_DIR/cases.tsv}, so that the peer (tardis-dev,
 * {@code peers/tardis-normalize.js}) normalizes exactly the same input, then serves measurements
 * on standard input so that the driver ({@code run-normalize-bench.sh}) can interleave it with the
 * peer, case by case and round by round, on a machine whose load changes: each line
 * {@code <case index> <seconds>} runs that case for about that long and answers its rate, in
 * messages per second of process CPU time ({@link CpuRate}); {@code quit} ends.
 *
 * <p>Usage: {@code NormalizeBench FIXTURES_DIR OUT_DIR [CASE_REGEX]}; first prints one TSV line per
 * case, {@code case <name> <exchange> <channel> <messages> <records> <level updates>} (records and
 * level updates per pass), then {@code ready}.
 */
public final class NormalizeBench {

  private NormalizeBench() {
  }

  /**
   * One benchmark case: the messages of one channel of one capture, and the tardis-dev exchange id
   * and normalizer ({@code trades}, {@code book} or {@code bookTicker}) the peer runs on them.
   */
  record Case(String name, Exchange exchange, MarketType type, String channel, String restUrl, List<String> files,
      Predicate<String> select, String peerExchange, String peerKind) {

    boolean book() {
      return peerKind.equals("book");
    }
  }

  /** A message to replay: its payload and receive time, and the REST URL for a snapshot body. */
  record Msg(String payload, long recvTsUs, String url) {
  }

  /**
   * @param args fixtures directory, output directory for the peer's inputs, optional regex on
   *     case names
   * @throws Exception on I/O errors
   */
  public static void main(String[] args) throws Exception {
    Path fixtures = Path.of(args[0]);
    Path out = Path.of(args[1]);
    Pattern only = Pattern.compile(args.length > 2 ? args[2] : ".*");
    Files.createDirectories(out);
    List<Run> runs = new ArrayList<>();
    try (PrintWriter manifest = new PrintWriter(Files.newBufferedWriter(out.resolve("cases.tsv")))) {
      for (Case c : cases()) {
        if (!only.matcher(c.name()).matches()) {
          continue;
        }
        List<Msg> msgs = load(fixtures, c);
        Path peerInput = out.resolve(c.name() + ".txt");
        writePeerInput(peerInput, msgs);
        manifest.printf("%s\t%s\t%s\t%s%n", c.name(), c.peerExchange(), c.peerKind(), peerInput.toAbsolutePath());
        runs.add(new Run(c, msgs));
      }
    }
    for (Run r : runs) {
      System.out.printf(Locale.ROOT, "case\t%s\t%s\t%s\t%d\t%d\t%d%n", r.c.name(), r.c.exchange().wire(),
          r.c.channel(), r.msgs.size(), r.records, r.levels);
    }
    System.out.println("ready");
    System.out.flush();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line = in.readLine(); line != null && !line.equals("quit"); line = in.readLine()) {
      String[] request = line.trim().split(" ");
      Run r = runs.get(Integer.parseInt(request[0]));
      System.out.printf(Locale.ROOT, "%.0f%n", CpuRate.measure(r::pass, r.msgs.size(),
          Double.parseDouble(request[1])));
      System.out.flush();
    }
    if (Run.blackhole == 42) {
      System.out.print(""); // keeps the sink observable to the JIT
    }
  }

  private static List<Case> cases() {
    String spot = "binance/hftbacktest_spot_btcusdt_20240808_first15000.txt";
    String usdm = "binance/hftbacktest_usdm_btcusdt_20240718.txt";
    String okxTbt = "okx/cryptofeed_okx_2022-02-27_ws.txt";
    String okx400 = "okx/cryptofeed_okx_2022-05-13_ws.txt";
    Predicate<String> depth = m -> m.contains("@depth") || m.startsWith("{\"lastUpdateId\"");
    return List.of(
        new Case("binance-spot-trade", Exchange.BINANCE, MarketType.SPOT, "trade", null, List.of(spot),
            m -> m.contains("@trade\""), "binance", "trades"),
        new Case("binance-spot-bookTicker", Exchange.BINANCE, MarketType.SPOT, "bookTicker", null, List.of(spot),
            m -> m.contains("@bookTicker\""), "binance", "bookTicker"),
        new Case("binance-spot-depth", Exchange.BINANCE, MarketType.SPOT, "depth",
            "https://api.binance.com/api/v3/depth?symbol=BTCUSDT&limit=1000", List.of(spot), depth,
            "binance", "book"),
        new Case("binance-usdm-trade", Exchange.BINANCE, MarketType.PERPETUAL, "trade", null, List.of(usdm),
            m -> m.contains("@trade\""), "binance-futures", "trades"),
        new Case("binance-usdm-bookTicker", Exchange.BINANCE, MarketType.PERPETUAL, "bookTicker", null,
            List.of(usdm), m -> m.contains("@bookTicker\""), "binance-futures", "bookTicker"),
        new Case("binance-usdm-depth", Exchange.BINANCE, MarketType.PERPETUAL, "depth",
            "https://fapi.binance.com/fapi/v1/depth?symbol=BTCUSDT&limit=1000", List.of(usdm), depth,
            "binance-futures", "book"),
        new Case("okx-trades", Exchange.OKX, null, "trades", null, List.of(okx400, okxTbt),
            m -> m.contains("\"channel\":\"trades\"") && !m.contains("\"event\""), "okex", "trades"),
        new Case("okx-books-l2-tbt", Exchange.OKX, null, "books-l2-tbt", null, List.of(okxTbt),
            m -> m.contains("\"channel\":\"books-l2-tbt\"") && !m.contains("\"event\""), "okex", "book"),
        new Case("okx-books", Exchange.OKX, null, "books", null, List.of(okx400),
            m -> m.contains("\"channel\":\"books\"") && !m.contains("\"event\""), "okex", "book"),
        new Case("deribit-trades", Exchange.DERIBIT, null, "trades", null,
            List.of("deribit/gocryptotrader_deribit_trades_btc-perpetual_agg2_2025-03-22.jsonl"),
            m -> m.contains("\"channel\":\"trades."), "deribit", "trades"),
        new Case("deribit-book", Exchange.DERIBIT, null, "book", null,
            List.of("deribit/cryptofeed_deribit_2021-07-22_ws.txt",
                "deribit/ssc2ce_deribit_testnet_btc-perpetual_2020-06-22.jsonl"),
            m -> m.contains("\"channel\":\"book."), "deribit", "book"));
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

  /** One case while it runs: its messages, its normalizer, and what one pass yields. */
  private static final class Run {
    static long blackhole;

    final Case c;
    final List<Msg> msgs;
    final Normalizer normalizer;
    /** Records and book level updates (snapshot levels included) of one pass. */
    final long records;
    final long levels;
    private long emitted;

    Run(Case c, List<Msg> msgs) throws ParseException {
      this.c = c;
      this.msgs = msgs;
      this.normalizer = new Normalizer(c.exchange(), c.type(), 20, s -> true, r -> {
        emitted++;
        blackhole += r.tsMs();
      }, null);
      this.records = pass();
      this.levels = countLevels();
    }

    /** @return records emitted */
    long pass() throws ParseException {
      Normalizer n = normalizer;
      if (c.book()) {
        for (String sym : n.instrumentsSeen()) {
          n.forgetBook(sym);
        }
      }
      long before = emitted;
      for (int i = 0, size = msgs.size(); i < size; i++) {
        Msg m = msgs.get(i);
        if (m.url() != null) {
          n.onRest(m.url(), m.payload(), m.recvTsUs());
        } else {
          n.onMessage(m.payload(), m.recvTsUs());
        }
      }
      return emitted - before;
    }

    /** Book levels the parser hands to the books in one pass. */
    private long countLevels() throws ParseException {
      long[] levels = new long[1];
      RecordSink sink = new RecordSink() {
        @Override
        public void record(MarketRecord record) {
        }

        @Override
        public void book(BookUpdate u) {
          levels[0] += u.bids().size() + u.asks().size();
        }
      };
      MessageParser parser = switch (c.exchange()) {
        case BINANCE -> new BinanceParser(c.type(), new Symbols());
        case OKX -> new OkxParser(new Symbols());
        case DERIBIT -> new DeribitParser(new Symbols());
      };
      for (Msg m : msgs) {
        if (m.url() != null) {
          parser.parseRest(m.url(), m.payload(), m.recvTsUs(), sink);
        } else {
          parser.parse(m.payload(), m.recvTsUs(), sink);
        }
      }
      return levels[0];
    }
  }
}
