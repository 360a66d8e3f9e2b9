package io.marketprism.loadtest.gateway;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The gateway benchmark (issue: cluster shape, item 16). One run, same machine, same backend:
 * <ol>
 *   <li>a MarketPrism node ({@code marketprism.jar run gateway scheduler}) in its own JVM; the
 *       backend is the scheduler's {@code GET /api/v1/scheduler/jobs} (a small JSON answer);</li>
 *   <li>nginx (Debian package) in its own process as a reverse proxy to that same backend, with
 *       upstream keep-alive;</li>
 *   <li>this JVM as the load generator: fixed concurrency, closed loop, HdrHistogram latency.</li>
 * </ol>
 * It prints requests/s and p50/p99/p99.9 for the backend hit directly, through nginx and through
 * the gateway, and the gateway's added p99 against nginx's added p99.
 *
 * <p>Run: {@code load-tests/run-gateway-bench.sh [concurrency] [seconds]}.
 */
public final class GatewayBenchmark {

  public static void main(String[] args) throws Exception {
    int concurrency = args.length > 0 ? Integer.parseInt(args[0]) : 64;
    long seconds = args.length > 1 ? Long.parseLong(args[1]) : 15;
    Path jar = Path.of(args.length > 2 ? args[2] : "app/target/marketprism.jar");
    String nginxBin = Files.isExecutable(Path.of("/usr/sbin/nginx")) ? "/usr/sbin/nginx" : "nginx";

    int gatewayPort = freePort();
    Path work = Files.createTempDirectory("mp-gw-bench");
    List<Process> procs = new ArrayList<>();
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    try {
      ProcessBuilder node = new ProcessBuilder(javaBin(), "-Xmx512m", "-XX:+UseParallelGC", "-jar", jar.toString(),
          "run", "gateway", "scheduler")
          .redirectErrorStream(true).redirectOutput(work.resolve("node.log").toFile());
      node.environment().put("MP_GATEWAY_PORT", String.valueOf(gatewayPort));
      node.environment().put("MP_GATEWAY_HOST", "127.0.0.1");
      node.environment().put("MP_GATEWAY_RATE_LIMITS_ENABLED", "false");
      node.environment().put("MP_LOG_LEVEL", "WARN");
      procs.add(node.start());

      WebClient web = WebClient.create(vertx);
      int backendPort = awaitBackendPort(web, gatewayPort);

      int nginxPort = freePort();
      Path conf = writeNginxConf(work, nginxPort, backendPort);
      procs.add(new ProcessBuilder(nginxBin, "-c", conf.toString(), "-p", work.toString(), "-g", "daemon off;")
          .redirectErrorStream(true).redirectOutput(work.resolve("nginx.log").toFile()).start());
      Thread.sleep(500);

      String uri = "/api/v1/scheduler/jobs";
      LoadGenerator gen = new LoadGenerator(vertx, concurrency);
      long warm = 3000;
      long measure = seconds * 1000;
      System.out.printf(Locale.ROOT, "gateway benchmark: GET %s, concurrency %d, %d rounds of %d s per target "
              + "(after %d s warm-up each, targets interleaved so load from elsewhere hits all alike), %d cores, load %.1f%n",
          uri, concurrency, ROUNDS, seconds, warm / 1000, Runtime.getRuntime().availableProcessors(),
          java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
      List<LoadGenerator.Result> directs = new ArrayList<>();
      List<LoadGenerator.Result> nginxes = new ArrayList<>();
      List<LoadGenerator.Result> gateways = new ArrayList<>();
      for (int round = 0; round < ROUNDS; round++) {
        directs.add(gen.run("direct", "127.0.0.1", backendPort, uri, warm, measure));
        nginxes.add(gen.run("nginx", "127.0.0.1", nginxPort, uri, warm, measure));
        gateways.add(gen.run("gateway", "127.0.0.1", gatewayPort, uri, warm, measure));
      }
      LoadGenerator.Result direct = median(directs);
      LoadGenerator.Result nginx = median(nginxes);
      LoadGenerator.Result gateway = median(gateways);
      System.out.println("median round per target (by requests/s):");

      System.out.printf(Locale.ROOT, "%-8s %12s %8s %10s %10s %10s%n", "target", "requests/s", "errors", "p50 µs", "p99 µs", "p99.9 µs");
      for (LoadGenerator.Result r : List.of(direct, nginx, gateway)) {
        System.out.printf(Locale.ROOT, "%-8s %12.0f %8d %10d %10d %10d%n", r.target(), r.rps(), r.errors(),
            r.latencyUs().getValueAtPercentile(50), r.latencyUs().getValueAtPercentile(99),
            r.latencyUs().getValueAtPercentile(99.9));
      }
      long base = direct.latencyUs().getValueAtPercentile(99);
      long nginxAdded = nginx.latencyUs().getValueAtPercentile(99) - base;
      long gatewayAdded = gateway.latencyUs().getValueAtPercentile(99) - base;
      System.out.printf(Locale.ROOT, "added p99 over direct: nginx %d µs, gateway %d µs%s (target: gateway <= 1.5 x nginx); "
              + "p99 gateway/nginx %.2f; gateway %.0f routed req/s (target >= 20000)%n",
          nginxAdded, gatewayAdded, nginxAdded > 0 ? String.format(Locale.ROOT, ", ratio %.2f", gatewayAdded / (double) nginxAdded) : "",
          gateway.latencyUs().getValueAtPercentile(99) / (double) nginx.latencyUs().getValueAtPercentile(99), gateway.rps());
    } finally {
      for (Process p : procs) {
        p.destroy();
        p.waitFor(10, TimeUnit.SECONDS);
      }
      vertx.close();
    }
  }

  private static final int ROUNDS = 3;

  private static LoadGenerator.Result median(List<LoadGenerator.Result> results) {
    List<LoadGenerator.Result> sorted = new ArrayList<>(results);
    sorted.sort(java.util.Comparator.comparingDouble(LoadGenerator.Result::rps));
    return sorted.get(sorted.size() / 2);
  }

  private static int awaitBackendPort(WebClient web, int gatewayPort) throws Exception {
    long deadline = System.currentTimeMillis() + 60_000;
    while (System.currentTimeMillis() < deadline) {
      try {
        JsonObject services = web.get(gatewayPort, "127.0.0.1", "/api/v1/gateway/services").send()
            .await(2, TimeUnit.SECONDS).bodyAsJsonObject();
        var inst = services.getJsonObject("services").getJsonObject("scheduler").getJsonArray("instances");
        if (!inst.isEmpty()) {
          return inst.getJsonObject(0).getInteger("port");
        }
      } catch (Exception notYet) {
        Thread.sleep(300);
      }
    }
    throw new IllegalStateException("the node did not come up within 60 s");
  }

  private static Path writeNginxConf(Path dir, int port, int backendPort) throws IOException {
    Files.createDirectories(dir.resolve("logs"));
    Path conf = dir.resolve("nginx.conf");
    Files.writeString(conf, """
        worker_processes auto;
        pid %1$s/nginx.pid;
        error_log %1$s/logs/error.log warn;
        events { worker_connections 4096; }
        http {
          access_log off;
          client_body_temp_path %1$s/body;
          proxy_temp_path %1$s/proxy;
          fastcgi_temp_path %1$s/fastcgi;
          uwsgi_temp_path %1$s/uwsgi;
          scgi_temp_path %1$s/scgi;
          upstream backend { server 127.0.0.1:%3$d; keepalive 128; }
          server {
            listen 127.0.0.1:%2$d;
            location / {
              proxy_pass http://backend;
              proxy_http_version 1.1;
              proxy_set_header Connection "";
            }
          }
        }
        """.formatted(dir, port, backendPort));
    return conf;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static String javaBin() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }
}
