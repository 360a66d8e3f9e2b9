package io.marketprism.loadtest.storage;

import io.marketprism.loadtest.gateway.LoadGenerator;
import io.marketprism.model.Exchange;
import io.marketprism.model.MarketType;
import io.marketprism.model.TradeRecord;
import io.marketprism.platform.bus.BusOptions;
import io.marketprism.platform.bus.RecordBus;
import io.marketprism.storage.StorageVerticle;
import io.marketprism.testkit.RedisServer;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code GET /api/v1/storage/latest/trade} of a storage in embedded mode (event bus, DuckDB), with
 * the memory cache and then with Redis (testkit, on a free port), while trades of
 * {@code INSTRUMENTS} instruments flow in at {@code RATE} records/s and update the cache. Closed-loop
 * HTTP load at {@code CONCURRENCY} on keep-alive connections (HdrHistogram) gives what a client on
 * this machine sees; the service's own {@code mp_storage_latest} timer (from the request's handler
 * to its answer, answered by the cache) gives the time inside the service.
 *
 * <p>Usage: {@code LatestBenchmark [INSTRUMENTS=200] [RATE=5000] [SECONDS=15] [CONCURRENCY=8]}
 */
public final class LatestBenchmark {

  private LatestBenchmark() {
  }

  /**
   * @param args instruments, records/s, seconds measured per cache, concurrent requests
   * @throws Exception on any failure
   */
  public static void main(String[] args) throws Exception {
    int instruments = args.length > 0 ? Integer.parseInt(args[0]) : 200;
    int rate = args.length > 1 ? Integer.parseInt(args[1]) : 5000;
    int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 15;
    int concurrency = args.length > 3 ? Integer.parseInt(args[3]) : 8;
    System.out.printf(Locale.ROOT, "latest of one of %d instruments while %d trades/s update them, %d requests in "
        + "flight, %d s measured after 5 s of warm-up%n", instruments, rate, concurrency, seconds);
    System.out.printf(Locale.ROOT, "%-7s %10s %7s %9s %9s %10s | %-52s%n", "cache", "requests/s", "errors", "p50 µs",
        "p99 µs", "p99.9 µs", "in the service (mp_storage_latest, from cache)");
    run(new JsonObject().put("type", "memory"), instruments, rate, seconds, concurrency);
    try (RedisServer redis = RedisServer.start()) {
      run(new JsonObject().put("type", "redis").put("redis_url", redis.url()), instruments, rate, seconds, concurrency);
    }
    System.out.printf(Locale.ROOT, "load average after: %.2f%n",
        java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
  }

  private static void run(JsonObject cache, int instruments, int rate, int seconds, int concurrency) throws Exception {
    Path dir = Files.createTempDirectory("mp-latest-bench");
    JsonObject cfg = new JsonObject()
        .put("bus", new JsonObject().put("type", BusOptions.EVENTBUS))
        .put("storage", new JsonObject().put("http", new JsonObject().put("port", 0))
            .put("hot", new JsonObject().put("type", "duckdb").put("path", dir.resolve("hot.duckdb").toString()))
            .put("cold", new JsonObject().put("path", dir.resolve("cold").toString()))
            .put("archive", new JsonObject().put("interval_minutes", 0)))
        .put("cache", cache);
    Vertx vertx = Vertx.vertx();
    AtomicBoolean stop = new AtomicBoolean();
    Thread feeder = null;
    try {
      StorageVerticle storage = new StorageVerticle();
      await(vertx.deployVerticle(storage, new DeploymentOptions().setConfig(cfg)));
      RecordBus bus = RecordBus.create(vertx, BusOptions.from(cfg));
      await(bus.start());
      AtomicLong sent = new AtomicLong();
      feeder = new Thread(() -> feed(bus, instruments, rate, stop, sent), "latest-bench-feeder");
      feeder.start();
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (storage.status().getLong("committed") < instruments && System.nanoTime() < until) {
        Thread.sleep(50);
      }
      String uri = "/api/v1/storage/latest/trade?exchange=binance&market_type=spot&symbol=" + symbol(instruments / 2);
      Vertx client = Vertx.vertx();
      LoadGenerator.Result r;
      try {
        r = new LoadGenerator(client, concurrency).run(cache.getString("type"), "127.0.0.1", storage.actualPort(), uri,
            5_000, seconds * 1000L);
      } finally {
        await(client.close());
      }
      String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
          + storage.actualPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
      System.out.printf(Locale.ROOT, "%-7s %10.0f %7d %9d %9d %10d | %s; %d trades fed%n", cache.getString("type"),
          r.rps(), r.errors(), r.latencyUs().getValueAtPercentile(50), r.latencyUs().getValueAtPercentile(99),
          r.latencyUs().getValueAtPercentile(99.9), inService(metrics), sent.get());
    } finally {
      stop.set(true);
      if (feeder != null) {
        feeder.join();
      }
      vertx.close().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    }
  }

  /** Trades of every instrument in turn, paced at {@code rate} per second, until stopped. */
  private static void feed(RecordBus bus, int instruments, int rate, AtomicBoolean stop, AtomicLong sent) {
    long startNs = System.nanoTime();
    long n = 0;
    while (!stop.get()) {
      long due = (long) ((System.nanoTime() - startNs) / 1e9 * rate) + 1;
      for (; n < due; n++) {
        long nowMs = System.currentTimeMillis();
        int i = (int) (n % instruments);
        bus.offer(new TradeRecord(Exchange.BINANCE, MarketType.SPOT, symbol(i), symbol(i).replace("-", ""), nowMs,
            nowMs * 1000, Long.toString(n), "100.5", "0.25", "buy"));
        sent.incrementAndGet();
      }
      try {
        TimeUnit.MICROSECONDS.sleep(500);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private static String symbol(int i) {
    return String.format(Locale.ROOT, "C%03d-USDT", i);
  }

  /** The cache-answered {@code mp_storage_latest} quantiles of a Prometheus text, in µs. */
  private static String inService(String prometheus) {
    StringBuilder sb = new StringBuilder();
    for (String line : prometheus.split("\n")) {
      if (line.startsWith("mp_storage_latest_seconds{") && line.contains("from=\"cache\"")) {
        if (line.contains("quantile=\"")) {
          int q = line.indexOf("quantile=\"") + 10;
          sb.append('p').append(pct(line.substring(q, line.indexOf('"', q)))).append(' ')
              .append(String.format(Locale.ROOT, "%.0f", value(line) * 1e6)).append(" µs, ");
        }
      } else if (line.startsWith("mp_storage_latest_seconds_count{") && line.contains("from=\"cache\"")) {
        sb.append("count ").append(String.format(Locale.ROOT, "%.0f", value(line))).append(", ");
      }
    }
    return sb.length() == 0 ? "not exported" : sb.substring(0, sb.length() - 2);
  }

  private static String pct(String quantile) {
    return switch (quantile) {
      case "0.5" -> "50";
      case "0.99" -> "99";
      case "0.999" -> "99.9";
      default -> quantile;
    };
  }

  private static double value(String line) {
    return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(2, TimeUnit.MINUTES);
  }
}
