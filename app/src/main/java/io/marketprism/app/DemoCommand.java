package io.marketprism.app;

import io.marketprism.platform.config.ConfigLoader;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import io.marketprism.simulator.SimulatorOptions;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code demo}: every service in one JVM, embedded mode, with the exchange simulator serving
 * Binance, OKX and Deribit on loopback. Prints the dashboard URL, the API base URL and an admin
 * token, and stops cleanly on Ctrl-C / SIGTERM or after {@code --seconds}.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    // each element is a paragraph (the first is the command list's line): picocli wraps within one, not across
    description = {"Run everything in one JVM (embedded mode: event bus, DuckDB, Parquet, in-memory cache) "
        + "with the built-in exchange simulator.", "Stops on Ctrl-C / SIGTERM or after --seconds."})
final class DemoCommand implements Callable<Integer> {

  @Option(names = "--port", paramLabel = "PORT",
      description = "gateway port (default: gateway.port, 8080 unless MP_GATEWAY_PORT says otherwise; 0: any free port, printed)")
  Integer port;

  @Option(names = "--data", paramLabel = "DIR", defaultValue = "data", description = "data directory (default ./data)")
  Path data;

  @Option(names = "--seconds", paramLabel = "N", defaultValue = "0", description = "stop after N seconds (0: run until stopped)")
  long seconds;

  @Override
  public Integer call() throws Exception {
    if (port != null) {
      Cli.port("--port", port);
    }
    if (seconds < 0) {
      throw new Main.UsageException("--seconds must be 0 or more, got " + seconds);
    }
    String adminKey = "mp_demo_" + HexFormat.of().formatHex(new SecureRandom().generateSeed(16));
    JsonObject root = ConfigLoader.deepMerge(ConfigLoader.load(null), demoOverrides(adminKey));
    if (root.getJsonObject("gateway").getInteger("port") == 0) {
      // any free port, chosen here so that the URLs printed below name it (they said 127.0.0.1:0)
      root.getJsonObject("gateway").put("port", freePort());
    }
    int gatewayPort = root.getJsonObject("gateway").getInteger("port");
    return NodeRunner.runUntilStopped(root, false, ServiceCatalog.names(), node -> {
      String base = "http://127.0.0.1:" + gatewayPort;
      String token = fetchToken(base, adminKey);
      System.out.println();
      System.out.println("MarketPrism demo is running (embedded mode, simulated exchanges).");
      System.out.println("  dashboard : " + base + "/");
      System.out.println("  API       : " + base + "/api/v1/");
      System.out.println("  stream    : ws://127.0.0.1:" + gatewayPort + "/ws/v1/stream");
      System.out.println("  admin key : " + adminKey + "   (header X-API-Key)");
      System.out.println("  admin JWT : " + token + "   (header Authorization: Bearer ...)");
      System.out.println("  try       : curl '" + base + "/api/v1/storage/trade?exchange=binance&market_type=spot&symbol=BTC-USDT&limit=5'");
      System.out.println("Stop with Ctrl-C.");
      System.out.flush();
    }, seconds);
  }

  private JsonObject demoOverrides(String adminKey) throws Exception {
    String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
        .digest(adminKey.getBytes(StandardCharsets.UTF_8)));
    JsonObject gateway = new JsonObject().put("host", "127.0.0.1")
        .put("auth", new JsonObject().put("api_keys", new JsonArray()
            .add(new JsonObject().put("name", "demo-admin").put("sha256", sha).put("roles", new JsonArray().add("admin")))));
    if (port != null) {
      gateway.put("port", port);
    }
    return new JsonObject()
        .put("mode", "embedded")
        .put("gateway", gateway)
        .put("simulator", simulatorPorts())
        .put("exchanges", simulatedExchanges())
        // the simulated market starts afresh with every demo: trade marks of an earlier one never apply
        .put("collector", new JsonObject().put("state_dir", "")
            // REST-only data (open interest, long/short ratios) every few seconds, as the simulator's market moves
            .put("rest", new JsonObject().put("poll_interval_ms", 5_000)))
        .put("storage", new JsonObject()
            .put("hot", new JsonObject().put("type", "duckdb").put("path", data.resolve("marketprism.duckdb").toAbsolutePath().toString()))
            .put("cold", new JsonObject().put("path", data.resolve("cold").toAbsolutePath().toString())));
  }

  private final Map<String, Integer> simPorts = new LinkedHashMap<>();

  /** Fixed free ports for the simulator's venues, so the collector can be pointed at them up front. */
  private JsonObject simulatorPorts() throws IOException {
    JsonObject ports = new JsonObject();
    for (String venue : List.of("binance", "binance-usdm", "binance-coinm", "okx", "deribit")) {
      int port = freePort();
      simPorts.put(venue, port);
      ports.put(venue, port);
    }
    // a new long/short ratio point every 5 s, polled as often (the exchanges' periods are 5 min at least)
    return new JsonObject().put("ports", ports).put("statsStep", 5_000);
  }

  /** The collector's exchanges pointed at the simulator, with the simulator's default instruments. */
  private JsonObject simulatedExchanges() {
    Map<String, List<String>> deribit = new SimulatorOptions().getSymbols("deribit");
    String local = "127.0.0.1:";
    return new JsonObject()
        .put("binance", new JsonObject().put("endpoints", new JsonObject()
            .put("spot", endpoint("ws://" + local + simPorts.get("binance"), "http://" + local + simPorts.get("binance")))
            .put("usdm", endpoint("ws://" + local + simPorts.get("binance-usdm"), "http://" + local + simPorts.get("binance-usdm")))
            .put("coinm", endpoint("ws://" + local + simPorts.get("binance-coinm"), "http://" + local + simPorts.get("binance-coinm")))))
        .put("okx", new JsonObject().put("endpoints", new JsonObject()
            .put("public", endpoint("ws://" + local + simPorts.get("okx") + "/ws/v5/public", "http://" + local + simPorts.get("okx")))
            .put("business", endpoint("ws://" + local + simPorts.get("okx") + "/ws/v5/business", "http://" + local + simPorts.get("okx")))))
        .put("deribit", new JsonObject()
            .put("endpoints", new JsonObject()
                .put("public", endpoint("ws://" + local + simPorts.get("deribit") + "/ws/api/v2", "http://" + local + simPorts.get("deribit"))))
            .put("market_types", new JsonObject()
                .put("options", new JsonObject()
                    .put("symbols", new JsonArray(deribit.getOrDefault("options", List.of())))
                    .put("data_types", new JsonArray(List.of("trade", "orderbook", "ticker", "mark_price", "open_interest"))))));
  }

  private static JsonObject endpoint(String ws, String rest) {
    return new JsonObject().put("ws", ws).put("rest", rest);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static String fetchToken(String base, String key) {
    try {
      HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base + "/api/v1/auth/token"))
          .timeout(Duration.ofSeconds(5)).header("X-API-Key", key).POST(HttpRequest.BodyPublishers.noBody()).build(),
          HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 ? new JsonObject(r.body()).getString("token") : "(token endpoint answered " + r.statusCode() + ")";
    } catch (Exception e) {
      return "(could not fetch a token: " + e.getMessage() + ")";
    }
  }
}
