package io.marketprism.loadtest.pipeline;

import io.marketprism.loadtest.storage.CaptureCorpus;
import io.marketprism.model.MarketRecord;
import io.marketprism.model.OrderBookRecord;
import io.marketprism.model.RecordJson;
import io.marketprism.model.TradeRecord;
import io.marketprism.platform.bus.BusOptions;
import io.marketprism.platform.bus.BusStats;
import io.marketprism.platform.bus.RecordBus;
import io.marketprism.storage.StorageVerticle;
import io.marketprism.storage.hot.ClickHouseHttp;
import io.marketprism.testkit.ClickHouseServer;
import io.marketprism.testkit.NatsServer;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamManagement;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.PullSubscribeOptions;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.PublishAck;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToLongFunction;

/**
 * End-to-end pipeline benchmark on this machine: normalized records (the trades and book
 * snapshots {@link CaptureCorpus} makes of real captures, in their captured mix, with fresh ids)
 * published at a fixed rate through {@link RecordBus} into JetStream (nats-server from the
 * testkit), read by a {@link StorageVerticle} and committed to ClickHouse 18.16 (testkit). Per
 * rate it prints the records/s stored end to end with the loss check (distinct records in
 * ClickHouse == sent), receive→JetStream ack (every record, from its scheduled receive time, by
 * the bus's own histogram in {@link BusStats}), and receive→commit from the storage's
 * {@code mp_storage_receive_to_commit} metric. In the same run: raw jnats {@code publishAsync}
 * to a stream of its own with the same payloads, the ceiling of one publisher; and the same with
 * a durable pull consumer acking each message and storing nothing, the floor of what JetStream
 * alone costs a stored record.
 *
 * <p>Usage: {@code PipelineBenchmark FIXTURES_DIR [RATES=10000,20000,30000] [SECONDS=15] [CEILING_MSGS=300000]
 * [BATCH_SIZE=20000]} (the storage's {@code storage.batch_size}).
 */
public final class PipelineBenchmark {

  private PipelineBenchmark() {
  }

  /**
   * @param args fixtures directory, rates (comma separated), seconds per rate, messages of the ceiling run
   * @throws Exception on any failure
   */
  public static void main(String[] args) throws Exception {
    Path fixtures = Path.of(args[0]);
    String[] rates = (args.length > 1 ? args[1] : "10000,20000,30000").split(",");
    int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 15;
    int ceilingMsgs = args.length > 3 ? Integer.parseInt(args[3]) : 300_000;
    int batchSize = args.length > 4 ? Integer.parseInt(args[4]) : 20000;
    CaptureCorpus corpus = CaptureCorpus.load(fixtures);
    List<MarketRecord> mix = new ArrayList<>(corpus.trades());
    mix.addAll(corpus.books());
    mix.sort(java.util.Comparator.comparingLong(MarketRecord::recvTsUs));
    long bytes = 0;
    for (MarketRecord r : mix) {
      bytes += RecordJson.toBytes(r).length;
    }
    System.out.printf(Locale.ROOT, "records: %d trades + %d book snapshots per copy, mean %d bytes of JSON%n",
        corpus.trades().size(), corpus.books().size(), bytes / mix.size());
    try (NatsServer nats = NatsServer.start(); ClickHouseServer ch = ClickHouseServer.start()) {
      System.out.printf(Locale.ROOT, "raw jnats publishAsync ceiling (one publisher, same payloads, 8192 in flight): "
          + "%.0f msgs/s%n", raw(nats.url(), mix, ceilingMsgs, 0, false));
      int run = 0;
      for (String r : rates) {
        int rate = Integer.parseInt(r.trim());
        runAt(nats, ch, mix, rate, seconds, ++run, batchSize);
        System.out.printf(Locale.ROOT, "JetStream alone at the same rate (raw publishAsync, a durable pull consumer "
            + "acking each message, nothing stored): %.0f msgs/s%n", raw(nats.url(), mix, rate * seconds, rate, true));
      }
      System.out.printf(Locale.ROOT, "raw jnats publishAsync ceiling again after the runs: %.0f msgs/s%n",
          raw(nats.url(), mix, ceilingMsgs, 0, false));
    }
  }

  /** A record with an identity of its own (copy and position in the mix) and the given receive time. */
  private static MarketRecord fresh(MarketRecord r, long copy, int index, long recvUs) {
    long tsMs = recvUs / 1000;
    if (r instanceof TradeRecord t) {
      return new TradeRecord(t.exchange(), t.marketType(), t.symbol(), t.exchangeSymbol(), tsMs, recvUs,
          copy + "-" + index, t.price(), t.quantity(), t.side());
    }
    OrderBookRecord b = (OrderBookRecord) r;
    return new OrderBookRecord(b.exchange(), b.marketType(), b.symbol(), b.exchangeSymbol(), tsMs, recvUs, b.bids(),
        b.asks(), b.depth(), copy * 100_000L + index, b.checksumOk());
  }

  /**
   * Raw jnats {@code publishAsync} of {@code n} of the mix's payloads to a stream of its own, with
   * 8192 in flight, as fast as it goes or at {@code rate}. With {@code consume}, a durable pull
   * consumer on a second connection reads the stream as the storage does (batches of 20,000, an
   * explicit ack per message) and stores nothing: what nats-server and jnats alone cost a record
   * that is published, delivered and acknowledged, the floor of any pipeline that stores from a
   * durable consumer.
   *
   * @param rate records/s, or 0 for as fast as the window allows
   * @return records/s, to the last publish ack (and with {@code consume}, to the last consumer ack)
   */
  private static double raw(String url, List<MarketRecord> mix, int n, int rate, boolean consume) throws Exception {
    try (Connection nc = Nats.connect(url); Connection reader = consume ? Nats.connect(url) : null) {
      JetStreamManagement jsm = nc.jetStreamManagement();
      try {
        jsm.deleteStream("RAWBENCH");
      } catch (Exception absent) {
        // first run
      }
      jsm.addStream(StreamConfiguration.builder().name("RAWBENCH").subjects("rawbench.>")
          .storageType(StorageType.File).duplicateWindow(Duration.ofMinutes(2)).build());
      JetStream js = nc.jetStream();
      byte[][] payloads = new byte[mix.size()][];
      for (int i = 0; i < payloads.length; i++) {
        payloads[i] = RecordJson.toBytes(mix.get(i));
      }
      AtomicLong acked = new AtomicLong();
      Thread consumer = null;
      if (consume) {
        jsm.addOrUpdateConsumer("RAWBENCH", ConsumerConfiguration.builder().durable("rawbench")
            .ackPolicy(AckPolicy.Explicit).maxAckPending(60_000).build());
        JetStreamSubscription sub = reader.jetStream().subscribe(null, PullSubscribeOptions.bind("RAWBENCH", "rawbench"));
        long giveUpNs = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        consumer = new Thread(() -> {
          while (acked.get() < n && System.nanoTime() < giveUpNs) {
            for (Message m : sub.fetch(20_000, Duration.ofMillis(500))) {
              m.ack();
              acked.incrementAndGet();
            }
          }
        }, "consumer");
        consumer.setDaemon(true);
        consumer.start();
      }
      Semaphore window = new Semaphore(8192);
      AtomicLong failed = new AtomicLong();
      CpuAccount cpu = CpuAccount.start();
      long t0 = System.nanoTime();
      paced(t0, n, rate, i -> {
        window.acquire();
        CompletableFuture<PublishAck> cf = js.publishAsync("rawbench." + (i % 8), payloads[i % payloads.length],
            io.nats.client.PublishOptions.builder().messageId("m" + i).build());
        cf.whenComplete((a, e) -> {
          if (e != null) {
            failed.incrementAndGet();
          }
          window.release();
        });
      });
      window.acquire(8192);
      if (consumer != null) {
        consumer.join();
        reader.flush(Duration.ofSeconds(10));
      }
      double achieved = n / ((System.nanoTime() - t0) / 1e9);
      System.out.println("  " + (consume ? "JetStream alone " : "raw publish ")
          + cpu.report(n, t -> t.equals("main") ? "publisher" : "jnats"));
      jsm.deleteStream("RAWBENCH");
      if (failed.get() > 0) {
        System.out.println("  (" + failed.get() + " raw publishes failed)");
      }
      if (consume && acked.get() < n) {
        System.out.println("  (the consumer acked only " + acked.get() + " of " + n + ")");
      }
      return achieved;
    }
  }

  private static void runAt(NatsServer nats, ClickHouseServer ch, List<MarketRecord> mix, int rate, int seconds,
      int run, int batchSize) throws Exception {
    String db = "pipe" + run;
    JsonObject cfg = new JsonObject()
        .put("bus", new JsonObject().put("type", "nats").put("nats", new JsonObject().put("url", nats.url())))
        .put("storage", new JsonObject().put("http", new JsonObject().put("port", 0))
            .put("hot", new JsonObject().put("type", "clickhouse").put("url", ch.httpUrl()).put("database", db)
                .put("buffer_seconds", CollectorPipelineBenchmark.BUFFER_SECONDS))
            .put("cold", new JsonObject().put("database", db + "_cold"))
            .put("consumer", new JsonObject().put("durable", "storage_" + db)).put("batch_size", batchSize)
            .put("archive", new JsonObject().put("interval_minutes", 0)))
        .put("cache", new JsonObject().put("type", "memory"));
    purge(nats.url());
    Vertx storageVertx = Vertx.vertx();
    Vertx pubVertx = Vertx.vertx();
    try {
      StorageVerticle storage = new StorageVerticle();
      await(storageVertx.deployVerticle(storage, new DeploymentOptions().setConfig(cfg)));
      long committedBefore = storage.status().getLong("committed");
      RecordBus bus = RecordBus.create(pubVertx, BusOptions.from(cfg));
      await(bus.start());
      AtomicLong failed = new AtomicLong();
      int total = rate * seconds;
      long startUs = System.currentTimeMillis() * 1000 + 200_000;
      long startNs = System.nanoTime() + 200_000_000L;
      double load0 = loadAverage();
      ClickHouseHttp http = new ClickHouseHttp(pubVertx, ch.httpUrl(), Duration.ofMinutes(5));
      Map<String, Long> events0 = events(http);
      CpuAccount cpu = CpuAccount.start();
      // the publisher: each record stamped with its scheduled receive time
      long maxLagUs = paced(startNs, total, rate, sent -> {
        long recvUs = startUs + (long) (sent * 1e6 / rate);
        MarketRecord r = fresh(mix.get(sent % mix.size()), (long) run * 1_000_000 + sent / mix.size(),
            sent % mix.size(), recvUs);
        if (!bus.offer(r)) {
          failed.incrementAndGet();
        }
      });
      double publishSeconds = (System.nanoTime() - startNs) / 1e9;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      long committed = 0;
      while (System.nanoTime() < deadline) {
        committed = storage.status().getLong("committed") - committedBefore;
        // records the full buffer refused were never accepted (and are counted): nothing to wait for
        if (committed >= total - failed.get()) {
          break;
        }
        Thread.sleep(20);
      }
      double e2eSeconds = (System.nanoTime() - startNs) / 1e9;
      String cpuLine = cpu.report(total, CpuAccount::pipelineGroup);
      // the timer's percentiles decay within minutes: read them as the last batch commits
      String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
          + storage.actualPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
      JsonObject consumer = storage.status().getJsonObject("consumer");
      BusStats stats = bus.stats();
      CollectorPipelineBenchmark.writeOutBuffers(http, db, "trade", "orderbook");
      long stored = await(http.scalar("SELECT (SELECT count() FROM " + db + ".trade FINAL) + (SELECT count() FROM "
          + db + ".orderbook FINAL)"));
      System.out.printf(Locale.ROOT, "%n== target %d records/s for %d s, storage batch_size %d, hot.buffer_seconds %d "
          + "(load average %.2f at start, %.2f at end) ==%n", rate, seconds, batchSize, CollectorPipelineBenchmark.BUFFER_SECONDS,
          load0, loadAverage());
      System.out.printf(Locale.ROOT, "sent %d in %.2f s (%.0f/s offered, publisher max lag %.1f ms), dropped %d%n",
          total, publishSeconds, total / publishSeconds, maxLagUs / 1000.0, failed.get());
      long accepted = total - failed.get();
      String verdict = stored != accepted ? "MISMATCH"
          : failed.get() == 0 ? "NO LOSS" : "OVERLOADED: every accepted record stored, " + failed.get()
              + " refused by the full publish buffer (bus.publish.buffer_max or buffer_max_bytes) and counted; not a sustained rate";
      System.out.printf(Locale.ROOT, "committed %d, stored in ClickHouse (distinct) %d -> %s; end to end %.0f records/s "
          + "(last commit %.2f s after the first send)%n", committed, stored, verdict, committed / e2eSeconds,
          e2eSeconds);
      System.out.printf(Locale.ROOT, "receive->JetStream ack (every record, from its scheduled receive time; the bus's "
          + "own histogram): p50 %.2f ms, p99 %.2f ms%n", stats.sinceStart().ackP50Micros() / 1000.0,
          stats.sinceStart().ackP99Micros() / 1000.0);
      System.out.println("receive->commit (storage metric): " + metric(metrics, "mp_storage_receive_to_commit"));
      System.out.println("storage consumer: " + consumer.encode());
      System.out.println(cpuLine);
      Map<String, Long> events1 = events(http);
      ToLongFunction<String> delta = k -> events1.getOrDefault(k, 0L) - events0.getOrDefault(k, 0L);
      long inserted = delta.applyAsLong("InsertedRows");
      System.out.printf(Locale.ROOT, "clickhouse during the run: %d inserts, %d rows inserted, %d rows rewritten by "
          + "merges (%.1f per inserted row), %.1f s in merges%n", delta.applyAsLong("InsertQuery"), inserted,
          delta.applyAsLong("MergedRows"), delta.applyAsLong("MergedRows") / (double) Math.max(1, inserted),
          delta.applyAsLong("MergesTimeMilliseconds") / 1000.0);
      http.close();
      await(bus.close());
    } finally {
      storageVertx.close().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
      pubVertx.close().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    }
  }

  /** Sends record {@code i}; may block. */
  private interface Send {
    void send(int i) throws InterruptedException;
  }

  /**
   * Sends records 0 to {@code total - 1}, each when it is due at {@code rate} per second from
   * {@code startNs}: every millisecond, the records due by then.
   *
   * @param rate records/s, or 0 for all at once
   * @return how far, at most, the sends fell behind their schedule, µs
   */
  private static long paced(long startNs, int total, int rate, Send send) throws InterruptedException {
    int sent = 0;
    long maxLagUs = 0;
    while (sent < total) {
      long due = rate <= 0 ? total : Math.min(total, (long) ((System.nanoTime() - startNs) / 1e9 * rate) + 1);
      for (; sent < due; sent++) {
        send.send(sent);
      }
      if (rate <= 0) {
        break;
      }
      maxLagUs = Math.max(maxLagUs, (System.nanoTime() - (startNs + (long) (sent * 1e9 / rate))) / 1000);
      long sleepNs = startNs + (long) (sent * 1e9 / rate) - System.nanoTime();
      if (sleepNs > 0) {
        TimeUnit.NANOSECONDS.sleep(Math.min(sleepNs, 1_000_000));
      }
    }
    return maxLagUs;
  }

  /** ClickHouse's event counters since it started (inserts, merges). */
  private static Map<String, Long> events(ClickHouseHttp http) throws Exception {
    Map<String, Long> out = new HashMap<>();
    for (Map<String, Object> row : await(http.select("SELECT event, value FROM system.events"))) {
      out.put(row.get("event").toString(), Long.parseLong(row.get("value").toString()));
    }
    return out;
  }

  /** Empties the stream (a run's durable reads it from the start) so each run reads only its own records. */
  static void purge(String url) throws Exception {
    try (Connection nc = Nats.connect(url)) {
      JetStreamManagement jsm = nc.jetStreamManagement();
      if (jsm.getStreamNames().contains(BusOptions.MARKET_DATA)) {
        jsm.purgeStream(BusOptions.MARKET_DATA);
      }
    }
  }

  /** The quantile and count lines of one Prometheus timer, in ms. */
  static String metric(String text, String name) {
    StringBuilder sb = new StringBuilder();
    for (String line : text.split("\n")) {
      if (line.startsWith(name + "_seconds{") && line.contains("quantile")) {
        String q = line.substring(line.indexOf("quantile=\"") + 10, line.indexOf('"', line.indexOf("quantile=\"") + 10));
        double v = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)) * 1000;
        sb.append(String.format(Locale.ROOT, "p%s %.1f ms, ", q.equals("0.5") ? "50" : q.equals("0.99") ? "99" : q, v));
      } else if (line.startsWith(name + "_seconds_count")) {
        sb.append("count ").append(line.substring(line.lastIndexOf(' ') + 1)).append(", ");
      } else if (line.startsWith(name + "_seconds_max")) {
        sb.append(String.format(Locale.ROOT, "max %.1f ms, ",
            Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)) * 1000));
      }
    }
    return sb.length() == 0 ? "not exported" : sb.substring(0, sb.length() - 2);
  }

  private static double loadAverage() {
    return java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(5, TimeUnit.MINUTES);
  }
}
