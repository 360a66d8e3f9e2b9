package io.marketprism.loadtest.pipeline;

import io.marketprism.collector.CollectorVerticle;
import io.marketprism.simulator.SimulatorOptions;
import io.marketprism.simulator.SimulatorVerticle;
import io.marketprism.simulator.TradeAudit;
import io.marketprism.storage.StorageOptions;
import io.marketprism.storage.StorageVerticle;
import io.marketprism.storage.hot.ClickHouseHttp;
import io.marketprism.testkit.ClickHouseServer;
import io.marketprism.testkit.NatsServer;
import io.marketprism.testkit.ServiceNode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The whole pipeline as it runs for real, on this machine: the exchange simulator (Binance spot
 * and USDⓈ-M, OKX spot and swap, Deribit perpetual, market model at a set event rate) → the
 * collector over WebSocket (parsing, books, normalizing) → JetStream (nats-server) → the storage
 * service → ClickHouse 18.16. The collector and the storage run on Vert.x instances of their own,
 * as they would in separate processes.
 *
 * <p>Per rate it runs {@code MP_BENCH_WARMUP_SECONDS} (60 by default: the JIT compiles the services'
 * hot paths), then measures. It prints the records/s the collector published and the storage
 * committed over the measurement, receive→JetStream ack over its last minute (the collector's bus
 * histogram: from the moment each WebSocket frame arrived to the stream's ack), receive→commit
 * (the storage metric, also a recent window), the CPU each part used, and the no-loss check on
 * trades: for every instrument, the trade ids in ClickHouse equal the ids the simulator emitted
 * from the first stored one to the pause, no duplicates, nothing missing.
 *
 * <p>Usage: {@code CollectorPipelineBenchmark [RATES=2000,5000] [SECONDS=60] [TRADE_SHARE=0.18]} (RATES:
 * simulator events per second per exchange, comma separated; TRADE_SHARE: the share of events that
 * are trade bursts, 0.18 the simulator's default mix, near 1 a trade-heavy market).
 */
public final class CollectorPipelineBenchmark {


  /** The services' JVM options: bin/marketprism's, or MP_BENCH_SERVICE_JAVA_OPTS. */
  private static final List<String> SERVICE_JVM = List.of(System.getenv()
      .getOrDefault("MP_BENCH_SERVICE_JAVA_OPTS", "-Xms256m -Xmx2g -XX:+UseG1GC").trim().split("\\s+"));

  /** Seconds the pipeline runs before each measurement: MP_BENCH_WARMUP_SECONDS, 60 by default. */
  private static final int WARMUP_SECONDS = Integer.parseInt(System.getenv().getOrDefault("MP_BENCH_WARMUP_SECONDS",
      "60"));

  /** The storage's longest wait before a partial batch is committed: MP_BENCH_FLUSH_INTERVAL_MS, its default 1000. */
  private static final long FLUSH_INTERVAL_MS = Long.parseLong(System.getenv().getOrDefault(
      "MP_BENCH_FLUSH_INTERVAL_MS", "1000"));
  /** ClickHouse's buffer in front of each table: MP_BENCH_BUFFER_SECONDS, the server mode's default (0: a part per batch). */
  static final long BUFFER_SECONDS = Long.parseLong(System.getenv().getOrDefault(
      "MP_BENCH_BUFFER_SECONDS", Long.toString(StorageOptions.DEFAULT_BUFFER_SECONDS)));

  /**
   * The command ClickHouse runs under, MP_BENCH_CLICKHOUSE_LAUNCHER (empty: none): its CPU priority,
   * e.g. {@code nice -n 19} or {@code chrt --idle 0}, to see what its bursts of insert and merge
   * work cost the collector's receive->ack tail on cores they share.
   */
  private static final String CLICKHOUSE_LAUNCHER = System.getenv().getOrDefault("MP_BENCH_CLICKHOUSE_LAUNCHER", "")
      .trim();

  private CollectorPipelineBenchmark() {
  }

  /**
   * @param args rates, seconds per rate
   * @throws Exception on any failure
   */
  public static void main(String[] args) throws Exception {
    String[] rates = (args.length > 0 ? args[0] : "2000,5000").split(",");
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 60;
    double tradeShare = args.length > 2 ? Double.parseDouble(args[2]) : 0.18;
    try (NatsServer nats = NatsServer.start(); ClickHouseServer ch = ClickHouseServer.start(
        CLICKHOUSE_LAUNCHER.isEmpty() ? List.of() : List.of(CLICKHOUSE_LAUNCHER.split("\\s+")))) {
      int run = 0;
      for (String rate : rates) {
        runAt(nats, ch, Double.parseDouble(rate.trim()), tradeShare, seconds, ++run);
      }
    }
  }

  private static void runAt(NatsServer nats, ClickHouseServer ch, double rate, double tradeShare, int seconds, int run)
      throws Exception {
    String db = "cpipe" + run;
    PipelineBenchmark.purge(nats.url()); // a run's durable reads the stream from the start: only its own records
    JsonObject bus = new JsonObject().put("type", "nats").put("nats", new JsonObject().put("url", nats.url()));
    Vertx exchangeVertx = Vertx.vertx(io.marketprism.platform.node.NativeTransport.prefer(new io.vertx.core.VertxOptions()));
    JsonObject storageCfg = new JsonObject().put("bus", bus)
        .put("storage", new JsonObject().put("http", new JsonObject().put("port", 0))
            .put("hot", new JsonObject().put("type", "clickhouse").put("url", ch.httpUrl()).put("database", db)
                .put("buffer_seconds", BUFFER_SECONDS))
            .put("cold", new JsonObject().put("database", db + "_cold"))
            .put("consumer", new JsonObject().put("durable", "storage_" + db))
            .put("archive", new JsonObject().put("interval_minutes", 0))
            .put("flush_interval_ms", FLUSH_INTERVAL_MS))
        .put("cache", new JsonObject().put("type", "memory"));
    // the collector and the storage run in JVMs of their own, as deployed (bin/marketprism's JVM options);
    // this JVM is the exchange: the simulator
    try (ServiceNode storage = ServiceNode.start(StorageVerticle.class, storageCfg, SERVICE_JVM)) {
      SimulatorOptions so = new SimulatorOptions().setExchanges(List.of("binance", "okx", "deribit")).setRate(rate)
          .setTradeShare(tradeShare).setSeed(run).setTradeHistory(2_000_000);
      TradeAudit.listBtcAlone(so);
      SimulatorVerticle simulator = new SimulatorVerticle(so);
      await(exchangeVertx.deployVerticle(simulator));
      JsonObject collectorCfg = new JsonObject().put("bus", bus)
          // a fresh simulator every round: no trade marks to carry over from the last one
          .put("collector", new JsonObject().put("http", new JsonObject().put("port", 0)).put("state_dir", ""))
          .put("exchanges", simulator.collectorExchanges(List.of("trade", "orderbook")));
      runWithCollector(storage, simulator, collectorCfg, ch, db, rate, tradeShare, seconds, nats.url());
    } finally {
      exchangeVertx.close().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    }
  }

  private static void runWithCollector(ServiceNode storage, SimulatorVerticle simulator, JsonObject collectorCfg,
      ClickHouseServer ch, String db, double rate, double tradeShare, int seconds, String natsUrl) throws Exception {
    try (ServiceNode collectorNode = ServiceNode.start(CollectorVerticle.class, collectorCfg, SERVICE_JVM)) {
      Status collector = () -> collectorNode.json("/api/v1/collector/status");
      Thread.sleep(WARMUP_SECONDS * 1000L);

      long t0 = System.nanoTime();
      long messages0 = simulator.messagesProduced();
      long committed0 = storage.json("/api/v1/storage/status").getLong("committed");
      JsonObject bus0 = collector.status().getJsonObject("bus");
      double load0 = loadAverage();
      CpuAccount cpu = CpuAccount.start();
      // a minute's p99 moves by a millisecond from one minute to the next: every full minute's is kept
      List<String> minuteP99s = new ArrayList<>();
      for (int minute = 1; minute * 60 <= seconds; minute++) {
        Thread.sleep(60_000L);
        minuteP99s.add(String.format(Locale.ROOT, "%.2f", collector.status().getJsonObject("bus")
            .getJsonObject("last_minute").getLong("ack_p99_us") / 1000.0));
      }
      Thread.sleep(seconds % 60 * 1000L);
      await(simulator.pause());
      double sendSeconds = (System.nanoTime() - t0) / 1e9;
      long messages = simulator.messagesProduced() - messages0;
      // the latencies of the measurement's last minute, before the drain adds its few
      JsonObject latency = collector.status().getJsonObject("bus").getJsonObject("last_minute");
      // drain: everything the collector published is acked by JetStream and committed by the storage (both
      // started with this collector, so their totals compare)
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      JsonObject busStats;
      do {
        Thread.sleep(100);
        busStats = collector.status().getJsonObject("bus");
      } while (System.nanoTime() < deadline && !drained(busStats, storage));
      double drainSeconds = (System.nanoTime() - t0) / 1e9;
      // frames still queued in sockets at the pause arrive a little later: wait until nothing moves for 2 s
      long last = -1;
      while (System.nanoTime() < deadline && busStats.getLong("published") != last) {
        last = busStats.getLong("published");
        Thread.sleep(2000);
        busStats = collector.status().getJsonObject("bus");
      }
      while (System.nanoTime() < deadline && !drained(busStats, storage)) {
        Thread.sleep(100);
      }
      if (System.nanoTime() >= deadline) {
        System.out.println("drain timed out: collector bus " + busStats.encode() + "; storage "
            + storage.json("/api/v1/storage/status").encode());
      }
      long committed = storage.json("/api/v1/storage/status").getLong("committed") - committed0;
      JsonObject end = busStats;
      java.util.function.ToLongFunction<String> run = key -> end.getLong(key) - bus0.getLong(key);
      long reconnects = 0;
      long resyncs = 0;
      JsonObject status = collector.status();
      for (Object c : status.getJsonArray("connections")) {
        reconnects += ((JsonObject) c).getLong("reconnects", 0L);
      }
      for (Object b : status.getJsonArray("books")) {
        resyncs += ((JsonObject) b).getLong("resyncs", 0L);
      }
      String cpuLine = cpu.report(run.applyAsLong("published"), t -> "simulator");
      String metrics = storage.metrics();

      System.out.printf(Locale.ROOT, "%n== simulator %.0f events/s per exchange (trade share %.2f) for %d s after %d s "
          + "of warm-up, storage flush_interval_ms %d and hot.buffer_seconds %d, ClickHouse launched %s (load average %.2f at start, %.2f at end) "
          + "==%n", rate, tradeShare, seconds, WARMUP_SECONDS, FLUSH_INTERVAL_MS, BUFFER_SECONDS,
          CLICKHOUSE_LAUNCHER.isEmpty() ? "as is" : "under '" + CLICKHOUSE_LAUNCHER + "'", load0, loadAverage());
      System.out.printf(Locale.ROOT, "simulator messages %d (%.0f/s); collector published %d records (%.0f/s), "
          + "dropped %d, duplicates absorbed by the stream %d; storage committed %d (%.0f/s over the run incl. "
          + "drain of %.1f s)%n", messages, messages / sendSeconds, run.applyAsLong("published"),
          run.applyAsLong("published") / sendSeconds, run.applyAsLong("dropped"), run.applyAsLong("duplicates"),
          committed, committed / drainSeconds, drainSeconds - sendSeconds);
      System.out.printf(Locale.ROOT, "receive->JetStream ack (collector, every record, last minute of the run): p50 "
          + "%.2f ms, p99 %.2f ms (receive->publish alone p99 %.2f ms, publish->ack alone p99 %.2f ms); collector "
          + "reconnects %d, book resyncs %d%n",
          latency.getLong("ack_p50_us") / 1000.0, latency.getLong("ack_p99_us") / 1000.0,
          latency.getLong("publish_p99_us") / 1000.0, latency.getLong("bus_p99_us") / 1000.0, reconnects, resyncs);
      if (minuteP99s.size() > 1) {
        System.out.println("receive->JetStream ack p99 of each minute measured: " + String.join(", ", minuteP99s)
            + " ms");
      }
      System.out.println("receive->commit (storage metric, recent): "
          + PipelineBenchmark.metric(metrics, "mp_storage_receive_to_commit"));
      System.out.println("collector GC: " + gcLine(collectorNode.metrics()));
      System.out.println(cpuLine.replace("records", "published records"));
      double published = run.applyAsLong("published") / sendSeconds;
      System.out.printf(Locale.ROOT, "raw jnats publishAsync at the same %.0f msgs/s, 300-byte payloads, nothing else "
          + "running, after %d s of warm-up: publish->ack %s%n", published, RAW_WARMUP_SECONDS,
          rawAckLatency(natsUrl, published, 10));
      Vertx vertx = Vertx.vertx();
      ClickHouseHttp http = new ClickHouseHttp(vertx, ch.httpUrl(), Duration.ofMinutes(5));
      try {
        checkTrades(http, db, simulator);
      } finally {
        http.close();
        vertx.close();
      }
    }
  }

  /** Whether every record the collector published is acked by JetStream and committed by the storage. */
  private static boolean drained(JsonObject bus, ServiceNode storage) throws Exception {
    return bus.getLong("acked") >= bus.getLong("published") - bus.getLong("dropped")
        && storage.json("/api/v1/storage/status").getLong("committed")
        >= bus.getLong("acked") - bus.getLong("duplicates");
  }

  /** A status document of a service in another JVM. */
  @FunctionalInterface
  private interface Status {
    JsonObject status() throws Exception;
  }

  /** Pause count, total and longest from the JVM metrics a service exports. */
  private static String gcLine(String prometheus) {
    double count = 0;
    double sum = 0;
    double max = 0;
    for (String line : prometheus.split("\n")) {
      double v = line.startsWith("jvm_gc_pause_seconds") ? Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))
          : 0;
      if (line.startsWith("jvm_gc_pause_seconds_count")) {
        count += v;
      } else if (line.startsWith("jvm_gc_pause_seconds_sum")) {
        sum += v;
      } else if (line.startsWith("jvm_gc_pause_seconds_max")) {
        max = Math.max(max, v);
      }
    }
    return count == 0 ? "no jvm_gc_pause metric" : String.format(Locale.ROOT,
        "%.0f pauses since start, %.0f ms in total, longest of the last minutes %.1f ms", count, sum * 1000, max * 1000);
  }

  /** Seconds the raw client publishes before its acks are timed: its JIT warm-up doubled the p99. */
  private static final int RAW_WARMUP_SECONDS = 5;

  /**
   * The floor of the receive->ack figure on this machine: one jnats client publishing asynchronously
   * at a fixed rate to a file stream of its own (with message ids, as the collector does), every
   * ack after the warm-up timed.
   */
  static String rawAckLatency(String url, double rate, int seconds) throws Exception {
    try (io.nats.client.Connection nc = io.nats.client.Nats.connect(url)) {
      io.nats.client.JetStreamManagement jsm = nc.jetStreamManagement();
      jsm.addStream(io.nats.client.api.StreamConfiguration.builder().name("RAWLAT").subjects("rawlat.>")
          .storageType(io.nats.client.api.StorageType.File).duplicateWindow(Duration.ofMinutes(2)).build());
      io.nats.client.JetStream js = nc.jetStream();
      org.HdrHistogram.Histogram h = new org.HdrHistogram.ConcurrentHistogram(3);
      byte[] payload = new byte[300];
      java.util.Arrays.fill(payload, (byte) 'x');
      long warm = (long) (rate * RAW_WARMUP_SECONDS);
      long n = (long) (rate * seconds);
      long t0 = System.nanoTime();
      List<java.util.concurrent.CompletableFuture<?>> acks = new ArrayList<>();
      for (long i = -warm; i < n; i++) {
        long due = t0 + (long) ((i + warm) * 1e9 / rate);
        long wait = due - System.nanoTime();
        if (wait > 0) {
          java.util.concurrent.locks.LockSupport.parkNanos(wait);
        }
        long sent = System.nanoTime();
        boolean timed = i >= 0;
        acks.add(js.publishAsync("rawlat." + (i + warm) % 8, payload,
            io.nats.client.PublishOptions.builder().messageId("r" + i).build())
            .whenComplete((a, e) -> {
              if (timed) {
                h.recordValue((System.nanoTime() - sent) / 1000);
              }
            }));
      }
      for (java.util.concurrent.CompletableFuture<?> f : acks) {
        f.get(30, TimeUnit.SECONDS);
      }
      jsm.deleteStream("RAWLAT");
      return String.format(Locale.ROOT, "p50 %.2f ms, p99 %.2f ms", h.getValueAtPercentile(50) / 1000.0,
          h.getValueAtPercentile(99) / 1000.0);
    }
  }

  /** Writes what the tables' buffers ({@code storage.hot.buffer_seconds}) hold into them, so that they are read with FINAL. */
  static void writeOutBuffers(ClickHouseHttp http, String db, String... tables) throws Exception {
    for (String table : tables) {
      if (await(http.scalar("EXISTS TABLE " + db + "." + table + "_buffer")) == 1) {
        await(http.execute("OPTIMIZE TABLE " + db + "." + table + "_buffer"));
      }
    }
  }

  /**
   * Per instrument: the matches the stored trades carry (an OKX trade may aggregate several) == the
   * simulator's from the first stored one on ({@link TradeAudit}).
   */
  private static void checkTrades(ClickHouseHttp http, String db, SimulatorVerticle simulator) throws Exception {
    writeOutBuffers(http, db, "trade");
    long total = 0;
    boolean ok = true;
    for (TradeAudit.Instrument in : TradeAudit.BTC) {
      List<java.util.Map<String, Object>> rows = await(http.select("SELECT trade_id, toString(quantity) AS q FROM "
          + db + ".trade FINAL WHERE exchange = '" + in.exchange() + "' AND market_type = '" + in.marketType()
          + "' AND symbol = '" + in.symbol() + "'"));
      TradeAudit audit = TradeAudit.of(simulator, in.venue(), in.exchangeSymbol(), rows.stream()
          .map(r -> new String[] {r.get("trade_id").toString(), r.get("q").toString()}).toList());
      total += audit.carried();
      ok &= audit.exact();
      System.out.println("  " + audit);
    }
    System.out.printf(Locale.ROOT, "trades stored %d -> %s%n", total, ok ? "NO LOSS, NO DUPLICATE" : "MISMATCH");
  }

  private static double loadAverage() {
    return java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(5, TimeUnit.MINUTES);
  }
}
