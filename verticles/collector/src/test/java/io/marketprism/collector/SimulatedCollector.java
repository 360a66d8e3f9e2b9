package io.marketprism.collector;

import io.marketprism.platform.bus.EventBusRecordBus;
import io.marketprism.simulator.SimulatorOptions;
import io.marketprism.simulator.SimulatorVerticle;
import io.marketprism.simulator.TrueMatches;
import io.marketprism.simulator.model.Venue;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * A test rig: the exchange simulator on ephemeral loopback ports, a {@link CollectorVerticle}
 * pointed at it with short timings (its state directory a fresh temporary one unless the overrides
 * name one), and every record the collector publishes captured from the event bus (trade ids per
 * instrument in arrival order, the latest book per instrument). The collector can be stopped and
 * a new one started with the same configuration ({@link #stopCollector}, {@link #startCollector}).
 */
final class SimulatedCollector implements AutoCloseable {

  /** Instruments used by the tests: key {@code exchange|exchange symbol}. */
  static final List<String[]> INSTRUMENTS = List.of(
      new String[] {"binance", "spot", "BTCUSDT", "binance"},
      new String[] {"binance", "perpetual", "BTCUSDT", "binance-usdm"},
      new String[] {"okx", "spot", "BTC-USDT", "okx"},
      new String[] {"okx", "perpetual", "BTC-USDT-SWAP", "okx"},
      new String[] {"deribit", "perpetual", "BTC-PERPETUAL", "deribit"});

  /** The admin API key of the rig's gateway.auth: subscription changes on the collector's port need it. */
  static final String ADMIN_KEY = "collector-test-admin-key";

  final Vertx vertx = Vertx.vertx();
  private io.nats.client.Connection nats;
  final SimulatorVerticle simulator;
  volatile CollectorVerticle collector;
  private String collectorDeployment;
  private final JsonObject root;
  private final Path stateDir;
  final Map<String, List<String>> trades = new ConcurrentHashMap<>();
  /**
   * Quantity of each captured trade, by {@code key#trade_id}: the first one captured, as
   * de-duplication by identity downstream keeps the first record of an identity.
   */
  private final Map<String, String> quantities = new ConcurrentHashMap<>();
  /**
   * Trades captured again under an id with another quantity than before ({@code key#trade_id}): an
   * OKX aggregate and the single match of its id fetched over REST, whose other matches are then
   * counted twice.
   */
  final Set<String> requantified = ConcurrentHashMap.newKeySet();
  final Map<String, JsonObject> books = new ConcurrentHashMap<>();
  final Map<String, Long> records = new ConcurrentHashMap<>();
  /** Records by {@code data_type|exchange|exchange_symbol}, the newest of each. */
  final Map<String, JsonObject> newest = new ConcurrentHashMap<>();
  /** Distinct {@code ts_ms} by {@code data_type|exchange|exchange_symbol}. */
  final Map<String, Set<Long>> times = new ConcurrentHashMap<>();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  /**
   * @param faults simulator fault spec
   * @param dataTypes data types to collect for every instrument
   * @param collectorOverrides merged over the {@code collector:} test section
   * @param rate simulator events per second per exchange
   */
  SimulatedCollector(String faults, List<String> dataTypes, JsonObject collectorOverrides, double rate)
      throws Exception {
    this(faults, dataTypes, collectorOverrides, rate, so -> { });
  }

  /**
   * @param faults simulator fault spec
   * @param dataTypes data types to collect for every instrument
   * @param collectorOverrides merged over the {@code collector:} test section
   * @param rate simulator events per second per exchange
   * @param simulatorTweaks applied to the simulator options before it starts
   */
  SimulatedCollector(String faults, List<String> dataTypes, JsonObject collectorOverrides, double rate,
      Consumer<SimulatorOptions> simulatorTweaks) throws Exception {
    this(faults, dataTypes, collectorOverrides, rate, simulatorTweaks, exchanges -> { });
  }

  /**
   * @param faults simulator fault spec
   * @param dataTypes data types to collect for every instrument
   * @param collectorOverrides merged over the {@code collector:} test section
   * @param rate simulator events per second per exchange
   * @param simulatorTweaks applied to the simulator options before it starts
   * @param exchangeTweaks applied to the {@code exchanges:} test section before the collector starts
   */
  SimulatedCollector(String faults, List<String> dataTypes, JsonObject collectorOverrides, double rate,
      Consumer<SimulatorOptions> simulatorTweaks, Consumer<JsonObject> exchangeTweaks) throws Exception {
    this(faults, dataTypes, collectorOverrides, rate, simulatorTweaks, exchangeTweaks, null);
  }

  /**
   * @param faults simulator fault spec
   * @param dataTypes data types to collect for every instrument
   * @param collectorOverrides merged over the {@code collector:} test section
   * @param rate simulator events per second per exchange
   * @param simulatorTweaks applied to the simulator options before it starts
   * @param exchangeTweaks applied to the {@code exchanges:} test section before the collector starts
   * @param natsUrl a nats-server the collector publishes to (records captured from it), or null for the event bus
   */
  SimulatedCollector(String faults, List<String> dataTypes, JsonObject collectorOverrides, double rate,
      Consumer<SimulatorOptions> simulatorTweaks, Consumer<JsonObject> exchangeTweaks, String natsUrl)
      throws Exception {
    SimulatorOptions so = new SimulatorOptions().setExchanges(List.of("binance", "okx", "deribit")).setRate(rate)
        .setSeed(7).setFaults(faults).setTradeHistory(200_000);
    simulatorTweaks.accept(so);
    so.setSymbols("binance", "spot", List.of("BTCUSDT", "ETHUSDT")); // ETHUSDT: added at runtime by tests
    so.setSymbols("binance", "perpetual", List.of("BTCUSDT"));
    so.setSymbols("okx", "spot", List.of("BTC-USDT"));
    so.setSymbols("okx", "perpetual", List.of("BTC-USDT-SWAP"));
    so.setSymbols("deribit", "perpetual", List.of("BTC-PERPETUAL"));
    so.setSymbols("deribit", "options", List.of());
    simulator = new SimulatorVerticle(so);
    vertx.deployVerticle(simulator).await(20, TimeUnit.SECONDS);
    if (natsUrl == null) {
      vertx.eventBus().<Buffer>consumer(EventBusRecordBus.STREAM_ADDRESS, m -> capture(m.body()));
    } else {
      // what reached the stream, as it reached it (a core subscription sees each publish the server took)
      nats = io.nats.client.Nats.connect(new io.nats.client.Options.Builder().server(natsUrl).maxReconnects(-1)
          .reconnectWait(Duration.ofMillis(100)).build());
      nats.createDispatcher(m -> capture(Buffer.buffer(m.getData()))).subscribe("trade.>");
    }
    JsonObject root = new JsonObject()
        .put("collector", new JsonObject()
            .put("http", new JsonObject().put("host", "127.0.0.1").put("port", 0))
            .put("connection", new JsonObject().put("connect_timeout_ms", 2000).put("idle_timeout_ms", 3000)
                .put("reconnect_initial_ms", 20).put("reconnect_max_ms", 500).put("reconnect_budget_ms", 5000)
                .put("tick_ms", 50))
            .put("books", new JsonObject().put("stale_ms", 3000).put("resync_timeout_ms", 2000)
                .put("snapshot_delay_ms", 50))
            .put("rest", new JsonObject().put("poll_interval_ms", 5000)))
        .put("exchanges", exchanges(dataTypes))
        .put("gateway", new JsonObject().put("auth", new JsonObject().put("api_keys", new io.vertx.core.json.JsonArray()
            .add(new JsonObject().put("name", "ops").put("sha256", io.marketprism.platform.auth.ApiKey.sha256Hex(ADMIN_KEY))
                .put("roles", new io.vertx.core.json.JsonArray().add("admin"))))));
    stateDir = Files.createTempDirectory("mp-collector-state");
    root.getJsonObject("collector").put("state_dir", stateDir.toString()).mergeIn(collectorOverrides, true);
    exchangeTweaks.accept(root.getJsonObject("exchanges"));
    if (natsUrl != null) {
      root.put("bus", new JsonObject().put("type", "nats").put("nats", new JsonObject().put("url", natsUrl)
          .put("reconnect_wait_ms", 100)));
    }
    this.root = root;
    startCollector();
  }

  /** Deploys a new collector with the rig's configuration (after {@link #stopCollector}). */
  void startCollector() throws Exception {
    CollectorVerticle c = new CollectorVerticle();
    collectorDeployment = vertx.deployVerticle(c, new DeploymentOptions().setConfig(root)).await(20, TimeUnit.SECONDS);
    collector = c;
  }

  /** @return the collector's state directory */
  Path stateDir() {
    return Path.of(root.getJsonObject("collector").getString("state_dir"));
  }

  /** Undeploys the collector; it has stopped publishing when this returns. */
  void stopCollector() throws Exception {
    vertx.undeploy(collectorDeployment).await(20, TimeUnit.SECONDS);
  }

  private JsonObject exchanges(List<String> dataTypes) {
    JsonArray types = new JsonArray(new ArrayList<>(dataTypes));
    String binanceSpot = "ws://127.0.0.1:" + simulator.port(Venue.BINANCE_SPOT);
    String binanceUsdm = "ws://127.0.0.1:" + simulator.port(Venue.BINANCE_USDM);
    JsonObject market = new JsonObject();
    return new JsonObject()
        // the futures trade stream's gaps are fetched from historicalTrades, which wants an API key; the
        // simulator enforces no weight budget, and reconnects every 2 s would exhaust Binance's real one
        .put("binance", new JsonObject().put("futures_trade_stream", "trade").put("api_key", "simulatorKey0001")
            .put("rest_weight_per_minute", 100_000)
            .put("endpoints", new JsonObject()
                .put("spot", new JsonObject().put("ws", binanceSpot).put("rest", simulator.httpUrl(Venue.BINANCE_SPOT)))
                .put("usdm", new JsonObject().put("ws", binanceUsdm).put("rest", simulator.httpUrl(Venue.BINANCE_USDM))))
            .put("market_types", new JsonObject()
                .put("spot", new JsonObject().put("symbols", new JsonArray().add("BTCUSDT")).put("data_types", types))
                .put("perpetual", new JsonObject().put("symbols", new JsonArray().add("BTCUSDT"))
                    .put("data_types", types))))
        .put("okx", new JsonObject().put("ping_interval_ms", 500).put("pong_timeout_ms", 1000)
            .put("endpoints", new JsonObject().put("public", new JsonObject().put("ws", simulator.wsUrl(Venue.OKX))
                .put("rest", simulator.httpUrl(Venue.OKX)))
                .put("business", new JsonObject().put("ws", simulator.wsUrl(Venue.OKX).replace("/public", "/business"))))
            .put("market_types", new JsonObject()
                .put("spot", new JsonObject().put("symbols", new JsonArray().add("BTC-USDT")).put("data_types", types))
                .put("perpetual", new JsonObject().put("symbols", new JsonArray().add("BTC-USDT-SWAP"))
                    .put("data_types", types))))
        .put("deribit", new JsonObject().put("heartbeat_s", 1).put("interval", "raw")
            .put("endpoints", new JsonObject().put("public", new JsonObject().put("ws", simulator.wsUrl(Venue.DERIBIT))
                .put("rest", simulator.httpUrl(Venue.DERIBIT))))
            .put("market_types", new JsonObject().put("perpetual", new JsonObject()
                .put("symbols", new JsonArray().add("BTC-PERPETUAL")).put("data_types", types))));
  }

  private void capture(Buffer body) {
    JsonObject r = body.toJsonObject();
    String key = r.getString("exchange") + "|" + r.getString("market_type") + "|" + r.getString("exchange_symbol");
    records.merge(r.getString("data_type"), 1L, Long::sum);
    String typed = r.getString("data_type") + "|" + r.getString("exchange") + "|" + r.getString("exchange_symbol");
    newest.put(typed, r);
    times.computeIfAbsent(typed, k -> ConcurrentHashMap.newKeySet()).add(r.getLong("ts_ms"));
    switch (r.getString("data_type")) {
      case "trade" -> {
        String id = key + '#' + r.getString("trade_id");
        String before = quantities.putIfAbsent(id, r.getString("quantity"));
        if (before != null && !before.equals(r.getString("quantity"))) {
          requantified.add(id);
        }
        trades.computeIfAbsent(key, k -> java.util.Collections.synchronizedList(new ArrayList<>()))
            .add(r.getString("trade_id"));
      }
      case "orderbook" -> books.put(key, r);
      default -> { }
    }
  }

  /**
   * The simulator's matches that captured trade records of an instrument carry, in their order (an
   * OKX record may aggregate several: {@link TrueMatches}).
   *
   * @param instrument one of {@link #INSTRUMENTS}
   * @param ids trade ids captured of it
   * @return the ids of the matches they carry
   */
  List<Long> matches(String[] instrument, List<String> ids) {
    TrueMatches truth = simulator.trueMatches(instrument[3], instrument[2]);
    String key = instrument[0] + "|" + instrument[1] + "|" + instrument[2];
    List<Long> out = new ArrayList<>();
    for (String id : ids) {
      out.addAll(truth.carried(Long.parseLong(id), quantities.get(key + '#' + id)));
    }
    return out;
  }

  /** The collector's status over HTTP. */
  JsonObject status() throws Exception {
    return new JsonObject(get("/api/v1/collector/status").body());
  }

  HttpResponse<String> get(String path) throws Exception {
    return send(HttpRequest.newBuilder(uri(path)).GET());
  }

  HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
    return http.send(b.timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Sends with the admin key, as the gateway forwards an admin's request. */
  HttpResponse<String> sendAsAdmin(HttpRequest.Builder b) throws Exception {
    return send(b.header("X-API-Key", ADMIN_KEY));
  }

  URI uri(String path) {
    return URI.create("http://127.0.0.1:" + collector.actualPort() + path);
  }

  /** Sum of a feed counter over every feed (optionally of one exchange). */
  long counter(JsonObject status, String name, String exchange) {
    long n = 0;
    for (Object o : status.getJsonArray("feeds")) {
      JsonObject f = (JsonObject) o;
      if (exchange == null || exchange.equals(f.getString("exchange"))) {
        n += f.getLong(name);
      }
    }
    return n;
  }

  static void await(String what, long timeoutMs, BooleanSupplier condition) throws InterruptedException {
    long end = System.currentTimeMillis() + timeoutMs;
    while (!condition.getAsBoolean()) {
      if (System.currentTimeMillis() > end) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(50);
    }
  }

  @Override
  public void close() throws Exception {
    try {
      if (nats != null) {
        nats.close();
      }
      vertx.close().await(20, TimeUnit.SECONDS);
    } finally {
      try (Stream<Path> files = Files.walk(stateDir)) {
        files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
  }
}
