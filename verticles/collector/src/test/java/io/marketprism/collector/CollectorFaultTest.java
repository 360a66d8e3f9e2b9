package io.marketprism.collector;

import static io.marketprism.collector.SimulatedCollector.INSTRUMENTS;
import static io.marketprism.collector.SimulatedCollector.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.marketprism.simulator.TrueBook;
import io.marketprism.simulator.fault.FaultKind;
import io.marketprism.simulator.model.Trade;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The collector against the in-process simulator with faults injected repeatedly: books equal the
 * simulator's true books at checkpoints (simulator paused, collector's last update id equal to the
 * true one), every injected book fault is detected, no trade is lost (what a socket missed is
 * fetched over REST) or duplicated, malformed frames are dropped without closing the connection.
 */
class CollectorFaultTest {

  private static final List<String> BOOKS_AND_TRADES = List.of("trade", "orderbook");

  @Test
  void booksExactAndTradesExactlyOnceUnderDuplicatesAndReordering() throws Exception {
    try (SimulatedCollector rig = new SimulatedCollector("dup:p=0.03,reorder:p=0.03", BOOKS_AND_TRADES,
        new JsonObject(), 150)) {
      awaitAllSynced(rig);
      runUntil(rig, "duplicates and reorders injected, dropped and resynced, over 700 trades", status ->
          rig.simulator.faultStats().get(FaultKind.DUP) >= 3 && rig.simulator.faultStats().get(FaultKind.REORDER) >= 3
              && rig.counter(status, "duplicates", null) > 0 && rig.counter(status, "gaps", null) > 0
              && rig.counter(status, "resyncs", null) > 0 && tradesCaptured(rig) > 700);
      rig.simulator.pause().await(5, TimeUnit.SECONDS);
      int matched = assertBooksEqualTruth(rig);
      JsonObject status = rig.status();
      long[] trades = assertTradesComplete(rig, status);
      long dup = rig.simulator.faultStats().get(FaultKind.DUP);
      long reorder = rig.simulator.faultStats().get(FaultKind.REORDER);
      long gaps = rig.counter(status, "gaps", null);
      long resyncs = rig.counter(status, "resyncs", null);
      report("dup/reorder: injected dup={} reorder={}; gaps={} resyncs={} duplicates dropped={}; trades compared={} "
          + "missing={} in {} outage runs (reconnects={}); books matched={}", dup, reorder, gaps, resyncs,
          rig.counter(status, "duplicates", null), trades[0], trades[1], trades[2],
          rig.counter(status, "reconnects", null), matched);
      assertThat(dup).isPositive();
      assertThat(reorder).isPositive();
      assertThat(rig.counter(status, "duplicates", null)).isPositive();
      // a swapped pair of book messages breaks the chain: detected, and the book was rebuilt
      assertThat(gaps).isPositive();
      assertThat(resyncs).isPositive();
      assertThat(trades[0]).isGreaterThan(500);
      assertInstrumentCountsMatchWhatWasPublished(rig);
    }
  }

  /** The status's per-instrument trade counts equal the trades the bus received, and its duplicates were dropped. */
  private static void assertInstrumentCountsMatchWhatWasPublished(SimulatedCollector rig) throws Exception {
    await("per-instrument trade counts equal the trades published", 5000, () -> {
      JsonArray instruments;
      try {
        instruments = rig.status().getJsonArray("instruments");
      } catch (Exception e) {
        return false;
      }
      return INSTRUMENTS.stream().allMatch(i -> instrument(instruments, i).getJsonObject("records").getLong("trade")
          == rig.trades.getOrDefault(key(i), List.of()).size());
    });
    JsonArray instruments = rig.status().getJsonArray("instruments");
    long duplicates = 0;
    for (String[] i : INSTRUMENTS) {
      JsonObject in = instrument(instruments, i);
      assertThat(in.getJsonObject("records").getLong("orderbook")).as(key(i)).isPositive();
      assertThat(in.getLong("last_recv_ms")).as(key(i)).isGreaterThan(System.currentTimeMillis() - 60_000);
      duplicates += in.getJsonObject("duplicates").getLong("trade", 0L);
    }
    assertThat(duplicates).isPositive();
  }

  private static JsonObject instrument(JsonArray instruments, String[] i) {
    return instruments.stream().map(JsonObject.class::cast)
        .filter(o -> key(i).equals(o.getString("exchange") + "|" + o.getString("market_type") + "|"
            + o.getString("exchange_symbol")))
        .findFirst().orElseThrow(() -> new AssertionError("no instrument " + key(i) + " in " + instruments));
  }

  @Test
  void everyDroppedOrCorruptedBookMessageIsDetectedAndMalformedFramesAreDropped() throws Exception {
    // only book streams, so every injected drop hits a book
    // idle detection is the stall test's subject: here a hiccup of the in-process simulator must
    // not turn into a reconnect that would blur the exact malformed/rejected accounting
    try (SimulatedCollector rig = new SimulatedCollector("drop:p=0.01,checksum:p=0.01:on=okx,malformed:p=0.01",
        List.of("orderbook"), new JsonObject().put("connection", new JsonObject().put("idle_timeout_ms", 20_000)), 150)) {
      awaitAllSynced(rig);
      JsonObject before = rig.status();
      runUntil(rig, "malformed frames rejected, corrupted checksums and lost messages found and resynced", status ->
          rig.simulator.faultStats().get(FaultKind.MALFORMED) >= 3 && rig.counter(status, "rejected", null) >= 3
              && rig.counter(status, "checksum_failures", null) > 0 && rig.counter(status, "gaps", null) > 0
              && rig.counter(status, "resyncs", null) > 0);
      rig.simulator.pause().await(5, TimeUnit.SECONDS);
      // the last frames cut before the pause reach the collector and are counted
      Thread.sleep(300);
      int matched = assertBooksEqualTruth(rig);
      JsonObject status = rig.status();
      long drops = rig.simulator.faultStats().get(FaultKind.DROP);
      long checksums = rig.simulator.faultStats().get(FaultKind.CHECKSUM);
      long malformed = rig.simulator.faultStats().get(FaultKind.MALFORMED);
      long gaps = rig.counter(status, "gaps", null);
      long checksumFailures = rig.counter(status, "checksum_failures", null);
      long rejected = rig.counter(status, "rejected", null);
      long resyncs = rig.counter(status, "resyncs", null);
      report("drop/checksum/malformed: injected drop={} checksum={} malformed={}; detected gaps={} checksum failures={} "
          + "rejected={} resyncs={} stale={}; books matched={}", drops, checksums, malformed, gaps, checksumFailures,
          rejected, resyncs, rig.counter(status, "stale", null), matched);
      // malformed frames never cost a connection, and nothing else here closes one (a pause of this
      // process, e.g. a loaded machine, is not the exchanges' silence)
      assertThat(rig.counter(status, "reconnects", null)).as("reconnects").isZero();
      assertThat(rig.counter(before, "reconnects", null)).as("reconnects before").isZero();
      // every cut frame the simulator wrote to an open socket was received, rejected and logged
      assertThat(malformed).isPositive();
      assertThat(rejected).isEqualTo(malformed);
      // a corrupted message that reaches a book already waiting for its snapshot is skipped unchecked
      assertThat(checksumFailures).isPositive().isLessThanOrEqualTo(checksums);
      // a lost or cut book message is a break in the chain of a synced book, unless the book was
      // already resyncing (its messages are skipped then; how many depends on timing) or it was the
      // last before the pause (found by the stale watchdog). No gap is invented: each one is
      // explained by an injected loss, and the books above equal the truth.
      assertThat(gaps).isPositive().isLessThanOrEqualTo(drops + malformed);
      assertThat(resyncs).isPositive();
    }
  }

  @Test
  void disconnectsAndStallsLoseNoTradeDuplicateNoneAndKeepBooksExact() throws Exception {
    // Binance and Deribit: short stalls lose trades on a socket that stays open (found by their
    // consecutive ids), then a disconnect; OKX: stalls long enough to reconnect (its losses on an
    // open socket are the drop test's)
    try (SimulatedCollector rig = new SimulatedCollector("disconnect:every=2s,stall:every=1s:for=400ms:on=binance+deribit,"
        + "stall:every=1s:for=1500ms:on=okx",
        BOOKS_AND_TRADES, new JsonObject().put("connection", new JsonObject().put("idle_timeout_ms", 800))
            .put("backfill", new JsonObject().put("quiet_ms", 500)), 150)) {
      awaitAllSynced(rig);
      // trades keep flowing while every connection loses its socket again and again
      await("every connection reconnected 4 times", 45_000, () -> {
        try {
          return minConnectionReconnects(rig.status()) >= 4;
        } catch (Exception e) {
          return false;
        }
      });
      rig.simulator.pause().await(5, TimeUnit.SECONDS);
      awaitAllSynced(rig);
      int matched = assertBooksEqualTruth(rig);
      long compared = awaitEveryTradeExactlyOnce(rig);
      JsonObject status = rig.status();
      long reconnects = rig.counter(status, "reconnects", null);
      long gaps = rig.counter(status, "trade_gaps", null);
      long backfilled = rig.counter(status, "trades_backfilled", null);
      report("disconnect/stall: injected disconnects={} stalls={}; reconnects={}; trade gaps={} backfilled={} "
          + "unrecoverable={}; trades compared={} (all present once); books matched={}",
          rig.simulator.faultStats().get(FaultKind.DISCONNECT), rig.simulator.faultStats().get(FaultKind.STALL),
          reconnects, gaps, backfilled, status.getJsonObject("trades").getLong("unrecoverable_gaps"), compared, matched);
      assertThat(rig.simulator.faultStats().get(FaultKind.STALL)).isPositive();
      assertThat(rig.simulator.faultStats().get(FaultKind.DISCONNECT)).isPositive();
      // what the sockets missed came over REST, nothing was given up
      assertThat(gaps).isPositive();
      assertThat(backfilled).isPositive();
      assertThat(status.getJsonObject("trades").getLong("gaps")).isEqualTo(gaps);
      assertThat(status.getJsonObject("trades").getLong("backfilled")).isEqualTo(backfilled);
      assertThat(status.getJsonObject("trades").getLong("unrecoverable_gaps")).isZero();
      assertThat(rig.get("/health").statusCode()).isEqualTo(200);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"trades-all", "trades"})
  void okxTradePushesDroppedOnAnOpenSocketAreFoundByTheirIdsAndFetchedExactlyOnce(String channel) throws Exception {
    // only trade streams, so every drop loses a push (of one match on trades-all; on trades some
    // aggregate several); the sockets stay open: pings keep them alive and drops spare replies
    try (SimulatedCollector rig = new SimulatedCollector("drop:p=0.05:on=okx", List.of("trade"),
        new JsonObject().put("connection", new JsonObject().put("idle_timeout_ms", 20_000)), 150, so -> { },
        ex -> ex.getJsonObject("okx").put("trade_channel", channel))) {
      await("OKX trades", 30_000, () -> rig.trades.containsKey("okx|spot|BTC-USDT")
          && rig.trades.containsKey("okx|perpetual|BTC-USDT-SWAP"));
      runUntil(rig, "OKX pushes dropped, found and fetched", status -> rig.counter(status, "trade_gaps", "okx") >= 3
          && rig.counter(status, "trades_backfilled", "okx") >= 3 && tradesCaptured(rig) > 700);
      rig.simulator.pause().await(5, TimeUnit.SECONDS);
      long compared = awaitEveryTradeExactlyOnce(rig);
      JsonObject status = rig.status();
      long drops = rig.simulator.faultStats().get(FaultKind.DROP);
      long gaps = rig.counter(status, "trade_gaps", "okx");
      long aggregates = 0;
      for (String[] i : INSTRUMENTS) {
        if ("okx".equals(i[0])) {
          List<String> ids = new ArrayList<>(rig.trades.get(key(i)));
          aggregates += rig.matches(i, ids).size() - ids.size();
        }
      }
      report("okx {} drops on an open socket: injected drop={}; trade gaps={} (metric {}) backfilled={} "
          + "unrecoverable={}; matches compared={} (all present once), carried by aggregates beyond their own={}",
          channel, drops, gaps,
          metric(rig, "mp_collector_trade_gaps_total", "okx"), rig.counter(status, "trades_backfilled", "okx"),
          rig.counter(status, "trade_gaps_unrecoverable", "okx"), compared, aggregates);
      assertThat(connectionReconnects(status, "okx", "spot") + connectionReconnects(status, "okx", "perpetual"))
          .as("OKX reconnects").isZero();
      assertThat(drops).isPositive();
      // consecutive drops make one gap, and a drop just before the pause is found by no later trade
      // (it is past the window compared): every gap is an injected loss, every loss was filled
      assertThat(gaps).isPositive().isLessThanOrEqualTo(drops);
      assertThat(metric(rig, "mp_collector_trade_gaps_total", "okx")).isEqualTo(gaps);
      assertThat(rig.counter(status, "trades_backfilled", "okx")).isPositive();
      assertThat(rig.counter(status, "trade_gaps_unrecoverable", "okx")).isZero();
      if ("trades".equals(channel)) {
        assertThat(aggregates).as("live pushes that aggregated several matches").isPositive();
      } else {
        assertThat(aggregates).as("trades-all: every trade one match").isZero();
      }
    }
  }

  @Test
  void futuresTradeStreamGapsWithoutAnApiKeyAreFilledFromTheRecentTrades() throws Exception {
    // short stalls lose Binance trades on sockets that stay open; no API key for historicalTrades
    try (SimulatedCollector rig = new SimulatedCollector("stall:every=1s:for=400ms:on=binance", List.of("trade"),
        new JsonObject(), 150, so -> { }, exchanges -> exchanges.getJsonObject("binance").remove("api_key"))) {
      await("Binance futures trades", 30_000, () -> rig.trades.containsKey("binance|perpetual|BTCUSDT"));
      runUntil(rig, "futures trades lost in stalls and fetched", status ->
          feed(status, "binance", "perpetual").getLong("trade_gaps") >= 2
              && feed(status, "binance", "perpetual").getLong("trades_backfilled") > 0 && tradesCaptured(rig) > 500);
      rig.simulator.pause().await(5, TimeUnit.SECONDS);
      long compared = awaitEveryTradeExactlyOnce(rig);
      JsonObject status = rig.status();
      JsonObject futures = feed(status, "binance", "perpetual");
      report("futures @trade without an API key: stalls={}; futures trade gaps={} backfilled={} unrecoverable={}; "
          + "trades compared={} (all present once)", rig.simulator.faultStats().get(FaultKind.STALL),
          futures.getLong("trade_gaps"), futures.getLong("trades_backfilled"),
          futures.getLong("trade_gaps_unrecoverable"), compared);
      assertThat(connectionReconnects(status, "binance", "perpetual")).as("reconnects").isZero();
      assertThat(futures.getLong("trade_gaps")).isPositive();
      // historicalTrades would have answered 401: what came, came from the recent trades
      assertThat(futures.getLong("trades_backfilled")).isPositive();
      assertThat(futures.getLong("trade_gaps_unrecoverable")).isZero();
    }
  }

  @Test
  void aFuturesTradeGapOlderThanTheRecentTradesIsCountedUnrecoverableAndTheRestIsFilled() throws Exception {
    // a busy market and one 5 s stall per Binance socket: more than the 1000 recent trades are lost
    try (SimulatedCollector rig = new SimulatedCollector("stall:every=7s:for=5000ms:on=binance", List.of("trade"),
        new JsonObject().put("connection", new JsonObject().put("idle_timeout_ms", 15_000)), 800,
        so -> so.setTradeShare(0.6), exchanges -> exchanges.getJsonObject("binance").remove("api_key"))) {
      String[] futures = INSTRUMENTS.get(1);
      await("the futures gap across the stall handled", 40_000, () -> {
        try {
          return feed(rig.status(), "binance", "perpetual").getLong("trade_gaps_unrecoverable") > 0
              && rig.status().getJsonArray("connections").stream()
                  .allMatch(c -> ((JsonObject) c).getLong("trade_gaps_pending") == 0);
        } catch (Exception e) {
          return false;
        }
      });
      rig.simulator.pause().await(5, TimeUnit.SECONDS);
      JsonObject status = rig.status();
      JsonObject feed = feed(status, "binance", "perpetual");
      List<String> ids = new ArrayList<>(rig.trades.get(key(futures)));
      Set<Long> got = new HashSet<>(rig.matches(futures, ids));
      List<Long> lost = new ArrayList<>();
      for (Trade t : window(rig.simulator.trueTrades(futures[3], futures[2]), new ArrayList<>(got))) {
        if (!got.contains(t.id())) {
          lost.add(t.id());
        }
      }
      report("futures @trade gap beyond the recent trades: futures trade gaps={} backfilled={} unrecoverable={}; "
          + "trades lost={} ({}..{})", feed.getLong("trade_gaps"), feed.getLong("trades_backfilled"),
          feed.getLong("trade_gaps_unrecoverable"), lost.size(), lost.isEmpty() ? "-" : lost.get(0),
          lost.isEmpty() ? "-" : lost.get(lost.size() - 1));
      assertThat(connectionReconnects(status, "binance", "perpetual")).as("reconnects").isZero();
      assertThat(ids).doesNotHaveDuplicates();
      assertThat(feed.getLong("trade_gaps_unrecoverable")).isEqualTo(1);
      // the 1000 recent trades were used: only the oldest part of the gap is lost, in one run (the answer's newest
      // trades came on the socket too while it was asked: 100 to 150 of them here, more on a loaded machine)
      assertThat(feed.getLong("trades_backfilled")).isGreaterThan(500);
      assertThat(lost).isNotEmpty();
      assertThat(lost.get(lost.size() - 1) - lost.get(0) + 1).as("one run of lost trades").isEqualTo(lost.size());
      assertThat(feed(status, "binance", "spot").getLong("trade_gaps_unrecoverable"))
          .as("spot pages historicalTrades back to any trade").isZero();
    }
  }

  private static JsonObject feed(JsonObject status, String exchange, String marketType) {
    for (Object o : status.getJsonArray("feeds")) {
      JsonObject f = (JsonObject) o;
      if (exchange.equals(f.getString("exchange")) && marketType.equals(f.getString("market_type"))) {
        return f;
      }
    }
    throw new AssertionError("no feed " + exchange + " " + marketType);
  }

  /** Sum of a Prometheus counter of the collector over the series of one exchange. */
  private static long metric(SimulatedCollector rig, String name, String exchange) throws Exception {
    double sum = 0;
    for (String line : rig.get("/metrics").body().split("\n")) {
      if (line.startsWith(name + "{") && line.contains("exchange=\"" + exchange + "\"")) {
        sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return (long) sum;
  }

  @Test
  void restRateLimitsAndSlowSnapshotsAreHonoured() throws Exception {
    try (SimulatedCollector rig = new SimulatedCollector(
        "slow-snapshot:delay=1500ms,rest-429:p=0.3:retry-after=1s:on=binance,rest-418:p=0.1:retry-after=1s:on=binance,"
            + "drop:p=0.005:on=binance", List.of("orderbook"), new JsonObject(), 100)) {
      awaitAllSynced(rig, 40_000);
      runUntil(rig, "429s and 418s injected and books resynced past them", status ->
          rig.simulator.faultStats().get(FaultKind.REST_429) > 0 && rig.simulator.faultStats().get(FaultKind.REST_418) > 0
              && rig.simulator.faultStats().get(FaultKind.SLOW_SNAPSHOT) > 0 && rig.counter(status, "resyncs", "binance") > 0);
      rig.simulator.pause().await(5, TimeUnit.SECONDS);
      int matched = assertBooksEqualTruth(rig);
      JsonObject status = rig.status();
      long r429 = rig.simulator.faultStats().get(FaultKind.REST_429);
      long r418 = rig.simulator.faultStats().get(FaultKind.REST_418);
      long rejections = status.getJsonObject("rest").getJsonObject("binance").getLong("rejections");
      report("rest faults: injected 429={} 418={} slow={}; collector saw {} rejections, gaps={} resyncs={}; books "
          + "matched={}", r429, r418, rig.simulator.faultStats().get(FaultKind.SLOW_SNAPSHOT), rejections,
          rig.counter(status, "gaps", "binance"), rig.counter(status, "resyncs", "binance"), matched);
      assertThat(rejections).isEqualTo(r429 + r418);
    }
  }

  /**
   * Lets the faulty run go on until the status shows what the test is about (was a fixed sleep of
   * 6–9 s; the counts it then printed were tens of times these bounds), at most 60 s.
   */
  private static void runUntil(SimulatedCollector rig, String what, java.util.function.Predicate<JsonObject> seen)
      throws InterruptedException {
    JsonObject[] last = new JsonObject[1];
    try {
      await(what, 60_000, () -> {
        try {
          last[0] = rig.status();
          return seen.test(last[0]);
        } catch (Exception e) {
          return false;
        }
      });
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + "; faults " + rig.simulator.faultStats() + "; status " + last[0], e);
    }
  }

  private static long tradesCaptured(SimulatedCollector rig) {
    return rig.trades.values().stream().mapToLong(List::size).sum();
  }

  /** Figures of a run, on stdout (kept in the surefire report). */
  static void report(String format, Object... args) {
    System.out.println("FIGURES " + org.slf4j.helpers.MessageFormatter.arrayFormat(format, args).getMessage());
  }

  private static long connectionReconnects(JsonObject status, String exchange, String marketType) {
    long n = 0;
    for (Object o : status.getJsonArray("connections")) {
      JsonObject c = (JsonObject) o;
      if (exchange.equals(c.getString("exchange")) && marketType.equals(c.getString("market_type"))) {
        n += c.getLong("reconnects");
      }
    }
    return n;
  }

  private static long minConnectionReconnects(JsonObject status) {
    long min = Long.MAX_VALUE;
    for (Object o : status.getJsonArray("connections")) {
      min = Math.min(min, ((JsonObject) o).getLong("reconnects"));
    }
    return min;
  }

  /**
   * Waits until the matches the trades captured of every instrument carry (an OKX record may
   * aggregate several, see {@link SimulatedCollector#matches}) are exactly the simulator's matches
   * from the first one captured (earlier ones predate the subscription) to its last one, then checks
   * that no record was published twice and no match carried twice (once in an aggregate and once on
   * its own).
   *
   * @return matches compared
   */
  private static long awaitEveryTradeExactlyOnce(SimulatedCollector rig) throws InterruptedException {
    Map<String, Set<Long>> truth = new HashMap<>();
    // the trades checked below are the ones the passing round compared: more keep arriving
    Map<String, List<String>> captured = new HashMap<>();
    Map<String, String> lastDiff = new HashMap<>();
    try {
      await("every trade of the simulator captured", 30_000, () -> {
        boolean all = true;
        for (String[] i : INSTRUMENTS) {
          captured.put(key(i), new ArrayList<>(rig.trades.getOrDefault(key(i), List.of())));
          List<Long> got = rig.matches(i, captured.get(key(i)));
          Set<Long> want = new HashSet<>();
          window(rig.simulator.trueTrades(i[3], i[2]), got).forEach(t -> want.add(t.id()));
          truth.put(key(i), want);
          Set<Long> have = new HashSet<>(got);
          if (!have.equals(want) || want.isEmpty()) {
            Set<Long> missing = new HashSet<>(want);
            missing.removeAll(have);
            lastDiff.put(key(i), missing.size() + " missing, e.g. " + missing.stream().limit(5).toList());
            all = false;
          } else {
            lastDiff.remove(key(i));
          }
        }
        return all;
      });
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + ": " + lastDiff, e);
    }
    long n = 0;
    for (String[] i : INSTRUMENTS) {
      List<String> ids = captured.get(key(i));
      assertThat(ids).as("trades of %s, each once", key(i)).doesNotHaveDuplicates();
      assertThat(rig.matches(i, ids)).as("matches of %s, each carried once", key(i)).doesNotHaveDuplicates()
          .hasSameSizeAs(truth.get(key(i)));
      n += truth.get(key(i)).size();
    }
    return n;
  }

  static String key(String[] i) {
    return i[0] + "|" + i[1] + "|" + i[2];
  }

  /** True trades from the first to the last match the collector received (earlier ones predate it). */
  private static List<Trade> window(List<Trade> truth, List<Long> got) {
    if (got.isEmpty()) {
      return List.of();
    }
    long first = got.stream().mapToLong(Long::longValue).min().orElseThrow();
    long last = got.stream().mapToLong(Long::longValue).max().orElseThrow();
    List<Trade> out = new ArrayList<>();
    for (Trade t : truth) {
      if (t.id() >= first && t.id() <= last) {
        out.add(t);
      }
    }
    return out;
  }

  /**
   * Compares the matches the captured trades carry with the simulator's: never a duplicate;
   * nothing missing on a connection that never dropped; on one that did, missing trades only in as
   * many contiguous runs as it had outages (trades sent while it was down cannot be replayed by
   * these protocols).
   *
   * @return {compared, missing, runs}
   */
  private static long[] assertTradesComplete(SimulatedCollector rig, JsonObject status) {
    long compared = 0;
    long missing = 0;
    long runs = 0;
    for (String[] i : INSTRUMENTS) {
      List<String> ids = new ArrayList<>(rig.trades.getOrDefault(key(i), List.of()));
      assertThat(ids).as("trades of %s", key(i)).isNotEmpty().doesNotHaveDuplicates();
      List<Long> got = rig.matches(i, ids);
      assertThat(got).as("matches of %s", key(i)).doesNotHaveDuplicates();
      List<Trade> truth = window(rig.simulator.trueTrades(i[3], i[2]), got);
      Set<Long> seen = new HashSet<>(got);
      Set<Long> expected = new HashSet<>();
      int r = 0;
      boolean inRun = false;
      for (Trade t : truth) {
        long id = t.id();
        expected.add(id);
        boolean lost = !seen.contains(id);
        if (lost) {
          missing++;
        }
        if (lost && !inRun) {
          r++;
        }
        inRun = lost;
      }
      assertThat(expected).as("no trade of %s invented", key(i)).containsAll(seen);
      assertThat(r).as("runs of lost trades of %s", key(i))
          .isLessThanOrEqualTo((int) connectionReconnects(status, i[0], i[1]));
      compared += truth.size();
      runs += r;
    }
    return new long[] {compared, missing, runs};
  }

  private static void awaitAllSynced(SimulatedCollector rig) throws InterruptedException {
    awaitAllSynced(rig, 60_000);
  }

  private static void awaitAllSynced(SimulatedCollector rig, long timeoutMs) throws InterruptedException {
    await("every book synced", timeoutMs, () -> {
      try {
        JsonArray books = rig.status().getJsonArray("books");
        return books.size() == INSTRUMENTS.size()
            && books.stream().allMatch(b -> "synced".equals(((JsonObject) b).getString("state")));
      } catch (Exception e) {
        return false;
      }
    });
  }

  /**
   * Waits until the collector's last published book of every instrument is at the true book's
   * update id (directly, or after the stale watchdog resynced a book whose last message was lost)
   * and compares the levels.
   *
   * @return books compared
   */
  private static int assertBooksEqualTruth(SimulatedCollector rig) throws InterruptedException {
    Map<String, TrueBook> truth = new HashMap<>();
    for (String[] i : INSTRUMENTS) {
      truth.put(key(i), rig.simulator.trueBook(i[3], i[2], 20));
    }
    // generous: a book whose last message was lost waits for the stale watchdog and a snapshot,
    // which REST faults may hold back for seconds on a loaded machine; the wait ends when they match
    await("books at the true update ids", 60_000, () -> truth.entrySet().stream().allMatch(e -> {
      JsonObject b = rig.books.get(e.getKey());
      return b != null && b.getLong("last_update_id") == e.getValue().lastUpdateId();
    }));
    for (Map.Entry<String, TrueBook> e : truth.entrySet()) {
      JsonObject b = rig.books.get(e.getKey());
      assertLevels(e.getKey() + " bids", b.getJsonArray("bids"), e.getValue().bids());
      assertLevels(e.getKey() + " asks", b.getJsonArray("asks"), e.getValue().asks());
    }
    return truth.size();
  }

  private static void assertLevels(String what, JsonArray got, List<String[]> expected) {
    assertThat(got.size()).as(what).isEqualTo(expected.size());
    for (int i = 0; i < expected.size(); i++) {
      JsonArray level = got.getJsonArray(i);
      assertThat(new BigDecimal(level.getString(0))).as(what + " price " + i)
          .isEqualByComparingTo(new BigDecimal(expected.get(i)[0]));
      assertThat(new BigDecimal(level.getString(1))).as(what + " qty " + i)
          .isEqualByComparingTo(new BigDecimal(expected.get(i)[1]));
    }
  }
}
