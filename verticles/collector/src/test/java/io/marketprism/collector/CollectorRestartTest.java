package io.marketprism.collector;

import static io.marketprism.collector.CollectorFaultTest.key;
import static io.marketprism.collector.CollectorFaultTest.report;
import static io.marketprism.collector.SimulatedCollector.INSTRUMENTS;
import static io.marketprism.collector.SimulatedCollector.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.marketprism.collector.backfill.TradeMarkFile;
import io.marketprism.simulator.model.Trade;
import io.marketprism.testkit.NatsServer;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A collector stopped while the simulated exchanges trade on, and a new one started on the same
 * state directory: the trades sent while no collector ran are fetched over REST from the marks the
 * first one saved — up to the first live trade, or up to now when the market stays quiet after
 * the restart — so that both runs together emitted every trade of the simulator, each once per
 * run. A crash that loses the last save only makes the fetched gap larger. The same restart
 * without a state directory loses them (the test tells the difference), and marks older than
 * {@code collector.backfill.max_age_ms} are counted unrecoverable — aged from when the collector
 * last knew them current, not from their last trade: a market quiet for longer than that before
 * the stop loses nothing. The marks are written every {@code collector.state_save_interval_ms}.
 * An unreadable state file does not stop the collector from starting.
 */
class CollectorRestartTest {

  private static final long DOWN_MS = 3000;

  /** How the collector goes down and what the market does when it is back. */
  private enum Mode {
    /** stopped cleanly; trades flow when it is back */
    STOP,
    /** stopped cleanly; no trade when it is back */
    QUIET,
    /** stopped with the state files of 1.5 s before (a crash loses the writes since the last one) */
    CRASH,
    /** stopped cleanly after a market quiet for {@link #QUIET_BEFORE_MS} (watched all along); trades flow when back */
    QUIET_BEFORE,
    /**
     * publishing to NATS, which goes away for {@link #NATS_AWAY_MS} before the stop: the records its bus
     * held go with it; NATS is back before the new collector starts
     */
    NATS_AWAY
  }

  private static final long NATS_AWAY_MS = 2500;

  private static final long QUIET_BEFORE_MS = 4000;

  @Test
  void tradesSentWhileTheCollectorWasStoppedAreFetchedAfterItsRestart() throws Exception {
    assertNoneLost(restart(new JsonObject(), Mode.STOP));
  }

  @Test
  void tradesWhoseRecordsTheBusHeldWhileNatsWasAwayAreFetchedAgainAfterARestart() throws Exception {
    assertNoneLost(restart(new JsonObject(), Mode.NATS_AWAY));
  }

  @Test
  void onAMarketQuietAfterTheRestartTheTradesAreFetchedUpToNow() throws Exception {
    assertNoneLost(restart(new JsonObject(), Mode.QUIET));
  }

  @Test
  void afterACrashTheOlderMarksFetchMoreAndLoseNothing() throws Exception {
    Restart r = restart(new JsonObject(), Mode.CRASH);
    assertNoneLost(r);
    assertThat(r.emittedTwice).as("trades emitted before the crash and fetched again").isPositive();
  }

  /**
   * The crash case on OKX's {@code trades-all} (the default): every live trade is one match under
   * the id {@code history-trades} gives it, so the restart gap fetched from the rolled-back marks
   * overlaps what the first run published only with records of the same identity. Both runs
   * together, after identity de-duplication, carry exactly the simulator's matches, none twice.
   */
  @Test
  void afterACrashTradesAllCarriesEveryMatchOnceAcrossBothRuns() throws Exception {
    Restart r = restart(new JsonObject(), Mode.CRASH, "trades-all");
    assertNoneLost(r);
    for (String[] i : INSTRUMENTS) {
      String key = key(i);
      assertThat(r.carriedTwice.get(key)).as("matches of %s carried by two distinct trades", key).isEmpty();
      if ("okx".equals(i[0])) {
        assertThat(r.overlap.get(key)).as("OKX trades of %s emitted before the crash and fetched again", key)
            .isPositive();
        assertThat(r.aggregated.get(key)).as("OKX trades of %s carrying several matches", key).isZero();
      }
    }
    assertThat(r.requantified).as("trades published again with another quantity").isEmpty();
  }

  /**
   * The same crash on the aggregated {@code trades} channel: the matches a live aggregate carried
   * below its id are fetched again one by one under their own ids and counted twice (why
   * {@code trades-all} is the default); nothing is lost either way.
   */
  @Test
  void afterACrashTheAggregatedTradesChannelCountsSomeMatchesTwice() throws Exception {
    Restart r = restart(new JsonObject(), Mode.CRASH, "trades");
    assertNoneLost(r);
    long okxTwice = 0;
    for (String[] i : INSTRUMENTS) {
      if ("okx".equals(i[0])) {
        okxTwice += r.carriedTwice.get(key(i)).size();
      } else {
        assertThat(r.carriedTwice.get(key(i))).as("matches of %s carried twice", key(i)).isEmpty();
      }
    }
    assertThat(okxTwice).as("OKX matches an aggregate carried and fetched again on their own").isPositive();
  }

  @Test
  void theAggregatedTradesChannelLosesNothingAcrossAStop() throws Exception {
    Restart r = restart(new JsonObject(), Mode.STOP, "trades");
    assertNoneLost(r);
    for (String[] i : INSTRUMENTS) {
      assertThat(r.carriedTwice.get(key(i))).as("matches of %s carried twice", key(i)).isEmpty();
    }
    assertThat(INSTRUMENTS.stream().filter(i -> "okx".equals(i[0])).mapToLong(i -> r.aggregated.get(key(i))).sum())
        .as("OKX trades carrying several matches").isPositive();
  }

  @Test
  void aMarketQuietLongerThanTheBackfillBoundBeforeTheStopLosesNothing() throws Exception {
    // aged by the last trade, every restart gap would be older than the bound: quiet before, and down after
    long bound = QUIET_BEFORE_MS + 2000;
    Restart r = restart(new JsonObject().put("backfill", new JsonObject().put("max_age_ms", bound)), Mode.QUIET_BEFORE);
    assertNoneLost(r);
  }

  @Test
  void theMarksAreWrittenAtTheConfiguredInterval() throws Exception {
    try (SimulatedCollector rig = new SimulatedCollector("", List.of("trade"), new JsonObject()
        .put("state_save_interval_ms", 100), 150)) {
      awaitTrades(rig, Map.of(), 20);
      TradeMarkFile file = new TradeMarkFile(rig.stateDir(), "binance", "spot");
      Set<Long> saves = new TreeSet<>();
      for (long end = System.currentTimeMillis() + 1000; System.currentTimeMillis() < end; Thread.sleep(20)) {
        saves.add(file.load().savedMs());
      }
      assertThat(saves).as("writes within a second").hasSizeGreaterThanOrEqualTo(4);
    }
    try (SimulatedCollector rig = new SimulatedCollector("", List.of("trade"), new JsonObject()
        .put("state_save_interval_ms", 3_600_000), 150)) {
      awaitTrades(rig, Map.of(), 20);
      Thread.sleep(1500);
      TradeMarkFile file = new TradeMarkFile(rig.stateDir(), "binance", "spot");
      assertThat(file.load().problem()).as("nothing written before the first interval").isEqualTo(TradeMarkFile.MISSING);
      rig.stopCollector();
      assertThat(file.load().marks()).as("written on stop").containsKey("BTCUSDT");
    }
  }

  @Test
  void withoutAStateDirectoryTheTradesSentWhileTheCollectorWasStoppedAreLost() throws Exception {
    Restart r = restart(new JsonObject().put("state_dir", ""), Mode.STOP);
    assertThat(lost(r)).as("trades lost across a restart without saved marks").isPositive();
    assertThat(r.status.getJsonObject("trades").getLong("backfilled")).isZero();
  }

  @Test
  void marksOlderThanTheBackfillBoundAreCountedUnrecoverable() throws Exception {
    Restart r = restart(new JsonObject().put("backfill", new JsonObject().put("max_age_ms", 1000)), Mode.STOP);
    JsonObject trades = r.status.getJsonObject("trades");
    assertThat(lost(r)).isPositive();
    assertThat(trades.getLong("backfilled")).isZero();
    // one gap across the restart per instrument, each older than the bound
    assertThat(trades.getLong("gaps")).isEqualTo(INSTRUMENTS.size());
    assertThat(trades.getLong("unrecoverable_gaps")).isEqualTo(INSTRUMENTS.size());
  }

  @Test
  void anUnreadableStateFileIsReplacedAndTheCollectorStartsWithoutMarks(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("trade-marks.binance.spot.json");
    Files.writeString(file, "{\"format\":\"marketprism.trade-marks\",\"marks\":{\"BTCUSDT\":{\"se");
    try (SimulatedCollector rig = new SimulatedCollector("", List.of("trade"), new JsonObject()
        .put("state_dir", dir.toString()), 150)) {
      awaitTrades(rig, Map.of(), 20);
      await("a readable state file", 10_000,
          () -> new TradeMarkFile(dir, "binance", "spot").load().marks().containsKey("BTCUSDT"));
      assertThat(rig.status().getJsonObject("trades").getLong("gaps")).isZero();
    }
  }

  private static void assertNoneLost(Restart r) {
    for (String[] i : INSTRUMENTS) {
      String key = key(i);
      assertThat(r.missing.get(key)).as("trades of %s lost across the restart", key).isEmpty();
      assertThat(r.invented.get(key)).as("trades of %s not sent by the simulator", key).isEmpty();
    }
    JsonObject trades = r.status.getJsonObject("trades");
    assertThat(trades.getLong("backfilled")).isPositive();
    assertThat(trades.getLong("gaps")).isPositive();
    assertThat(trades.getLong("unrecoverable_gaps")).isZero();
  }

  private static long lost(Restart r) {
    return r.missing.values().stream().mapToLong(Set::size).sum();
  }

  /**
   * What the two runs emitted against what the simulator sent, per instrument: matches missing and
   * invented, trades both runs emitted (absorbed downstream by identity), matches carried by two
   * distinct trades (counted twice even after de-duplication), trades carrying several matches
   * (OKX aggregates), and trades published again with another quantity.
   */
  private record Restart(Map<String, Set<Long>> missing, Map<String, Set<Long>> invented, long emittedTwice,
      JsonObject status, Map<String, Long> overlap, Map<String, List<Long>> carriedTwice,
      Map<String, Long> aggregated, Set<String> requantified) {
  }

  private static Restart restart(JsonObject overrides, Mode mode) throws Exception {
    return restart(overrides, mode, null);
  }

  /**
   * Runs a collector until it has trades of every instrument, stops it for {@link #DOWN_MS} while
   * the simulator trades on, starts a new one with the same configuration, lets it catch up with
   * the live trades (or, {@link Mode#QUIET}, pauses the simulator first) and finish its backfill,
   * and compares.
   */
  private static Restart restart(JsonObject overrides, Mode mode, String okxTradeChannel) throws Exception {
    JsonObject config = new JsonObject().put("backfill", new JsonObject().put("quiet_ms", 500)).mergeIn(overrides, true);
    try (NatsServer nats = mode == Mode.NATS_AWAY ? NatsServer.start() : null;
        SimulatedCollector rig = new SimulatedCollector("", List.of("trade"), config, 150, so -> { }, ex -> {
          if (okxTradeChannel != null) {
            ex.getJsonObject("okx").put("trade_channel", okxTradeChannel);
          }
        }, nats == null ? null : nats.url())) {
      awaitTrades(rig, Map.of(), 20);
      Map<Path, byte[]> saved = new HashMap<>();
      if (mode == Mode.CRASH) {
        Thread.sleep(1100); // a periodic save
        try (Stream<Path> files = Files.list(rig.stateDir())) {
          for (Path f : files.filter(f -> f.toString().endsWith(".json")).toList()) {
            saved.put(f, Files.readAllBytes(f));
          }
        }
        assertThat(saved).isNotEmpty();
        Thread.sleep(1500);
      }
      if (mode == Mode.QUIET_BEFORE) {
        // the collector stays connected and watching the whole time
        rig.simulator.pause().await(5, TimeUnit.SECONDS);
        Thread.sleep(QUIET_BEFORE_MS);
      }
      if (mode == Mode.NATS_AWAY) {
        Thread.sleep(1500); // marks saved behind the acks of what came before
        nats.stop();
        Thread.sleep(NATS_AWAY_MS); // trades arrive; their records wait in the bus
        assertThat(rig.collector.status().getJsonObject("bus").getInteger("buffered")).isPositive();
      }
      rig.stopCollector();
      if (mode == Mode.NATS_AWAY) {
        nats.restart();
      }
      if (mode == Mode.QUIET_BEFORE) {
        rig.simulator.resume().await(5, TimeUnit.SECONDS);
      }
      for (Map.Entry<Path, byte[]> e : saved.entrySet()) {
        Files.write(e.getKey(), e.getValue());
      }
      long stoppedMs = System.currentTimeMillis();
      Thread.sleep(200); // records published before the stop are still being delivered
      Map<String, Integer> firstRun = new HashMap<>();
      for (String[] i : INSTRUMENTS) {
        firstRun.put(key(i), rig.trades.get(key(i)).size());
      }
      Thread.sleep(DOWN_MS);
      long restartMs = System.currentTimeMillis();
      if (mode == Mode.QUIET) {
        rig.simulator.pause().await(5, TimeUnit.SECONDS);
      }
      rig.startCollector();
      if (mode != Mode.QUIET) {
        awaitTrades(rig, firstRun, 20);
        rig.simulator.pause().await(5, TimeUnit.SECONDS);
      }
      await("the new collector caught up with the last trades and has no gap left to fill", 30_000, () -> {
        for (String[] i : INSTRUMENTS) {
          List<Trade> truth = rig.simulator.trueTrades(i[3], i[2]);
          if (!rig.trades.get(key(i)).contains(Long.toString(truth.get(truth.size() - 1).id()))) {
            return false;
          }
        }
        try {
          return rig.status().getJsonArray("connections").stream()
              .allMatch(c -> ((JsonObject) c).getLong("trade_gaps_pending") == 0);
        } catch (Exception e) {
          return false;
        }
      });
      Thread.sleep(300);
      JsonObject status = rig.status();
      Map<String, Set<Long>> missing = new HashMap<>();
      Map<String, Set<Long>> invented = new HashMap<>();
      long compared = 0;
      long overlap = 0;
      long down = 0;
      Map<String, Long> overlaps = new HashMap<>();
      Map<String, List<Long>> carriedTwice = new HashMap<>();
      Map<String, Long> aggregated = new HashMap<>();
      for (String[] i : INSTRUMENTS) {
        String key = key(i);
        List<String> all = new ArrayList<>(rig.trades.get(key));
        List<String> first = all.subList(0, firstRun.get(key));
        List<String> second = all.subList(firstRun.get(key), all.size());
        // within one run every trade once; a trade both runs emitted is absorbed downstream by identity
        assertThat(first).as("first run's trades of %s", key).doesNotHaveDuplicates();
        assertThat(second).as("second run's trades of %s", key).doesNotHaveDuplicates();
        Set<String> both = new HashSet<>(first);
        both.retainAll(new HashSet<>(second));
        overlap += both.size();
        overlaps.put(key, (long) both.size());
        // after de-duplication by identity, every match once
        List<String> distinct = new ArrayList<>(new LinkedHashSet<>(all));
        List<Long> carried = rig.matches(i, distinct);
        aggregated.put(key, (long) (carried.size() - distinct.size()));
        Set<Long> once = new HashSet<>();
        carriedTwice.put(key, carried.stream().filter(m -> !once.add(m)).toList());
        // compared by the matches they carry: an OKX record may aggregate several
        TreeSet<Long> got = new TreeSet<>(rig.matches(i, all));
        long from = got.first();
        Set<Long> want = new TreeSet<>();
        int sentWhileDown = 0;
        for (Trade t : rig.simulator.trueTrades(i[3], i[2])) {
          if (t.id() >= from) {
            want.add(t.id());
            if (t.ts() > stoppedMs && t.ts() < restartMs) {
              sentWhileDown++;
            }
          }
        }
        assertThat(sentWhileDown).as("trades of %s sent while no collector ran", key).isPositive();
        down += sentWhileDown;
        Set<Long> lost = new TreeSet<>(want);
        lost.removeAll(got);
        Set<Long> extra = new TreeSet<>(got);
        extra.removeAll(want);
        missing.put(key, lost);
        invented.put(key, extra);
        compared += want.size();
      }
      JsonObject trades = status.getJsonObject("trades");
      report("restart ({} {} okx {}): trades compared={} sent while down={} missing={}; second run: gaps={} "
          + "backfilled={} unrecoverable={}; emitted by both runs={}; matches carried twice={}", mode,
          config.encode(), okxTradeChannel == null ? "default" : okxTradeChannel, compared, down,
          missing.values().stream().mapToLong(Set::size).sum(), trades.getLong("gaps"),
          trades.getLong("backfilled"), trades.getLong("unrecoverable_gaps"), overlap,
          carriedTwice.values().stream().mapToLong(List::size).sum());
      return new Restart(missing, invented, overlap, status, overlaps, carriedTwice, aggregated,
          Set.copyOf(rig.requantified));
    }
  }

  /** Waits until every instrument has {@code n} more trades captured than {@code before}. */
  private static void awaitTrades(SimulatedCollector rig, Map<String, Integer> before, int n)
      throws InterruptedException {
    await(n + " more trades of every instrument", 30_000, () -> INSTRUMENTS.stream().allMatch(i -> {
      List<String> got = rig.trades.get(key(i));
      return got != null && got.size() >= before.getOrDefault(key(i), 0) + n;
    }));
  }
}
