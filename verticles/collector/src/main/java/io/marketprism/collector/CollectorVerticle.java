package io.marketprism.collector;

import io.marketprism.collector.backfill.TradeMarkFile;
import io.marketprism.collector.connection.RestGate;
import io.marketprism.collector.feed.Feed;
import io.marketprism.collector.feed.FeedContext;
import io.marketprism.collector.feed.FeedMetrics;
import io.marketprism.collector.feed.TradeMarkState;
import io.marketprism.collector.subscription.SubscriptionApi;
import io.marketprism.collector.subscription.SubscriptionRequest;
import io.marketprism.collector.subscription.Subscriptions;
import io.marketprism.collector.subscription.SymbolNames;
import io.marketprism.model.DataType;
import io.marketprism.model.Exchange;
import io.marketprism.model.MarketRecord;
import io.marketprism.model.MarketType;
import io.marketprism.model.Symbols;
import io.marketprism.platform.bus.BusOptions;
import io.marketprism.platform.bus.BusStats;
import io.marketprism.platform.bus.RecordBus;
import io.marketprism.platform.service.ServiceVerticle;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.Future;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.Status;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The collector service: keeps WebSocket connections to the configured exchanges, normalizes
 * what they send, keeps the order books exact, and publishes every record on the bus
 * (CONTRACT §3–§5). Routes: {@code GET /api/v1/collector/status},
 * {@code GET/POST/DELETE /api/v1/collector/subscriptions}; event-bus address
 * {@value SubscriptionApi#ADDRESS}. Health is UP while every connection is up or reconnecting
 * within {@code collector.connection.reconnect_budget_ms}.
 *
 * <p>Trade marks (the last trade handled per instrument) are kept in {@code collector.state_dir}
 * ({@link TradeMarkFile}, one file per exchange and market type, written every
 * {@code collector.state_save_interval_ms} and on stop) and read back at start, so the trades sent
 * while the collector was stopped are fetched over REST like those of a reconnect, within
 * {@code collector.backfill.max_age_ms} of the time each mark was last known current (the last save
 * while its live stream was up, however long before that its last trade was).
 */
public class CollectorVerticle extends ServiceVerticle implements Subscriptions {

  private static final Logger LOG = LoggerFactory.getLogger(CollectorVerticle.class);

  private CollectorOptions options;
  private RecordBus bus;
  private WebSocketClient wsClient;
  private WebClient webClient;
  private final Map<Exchange, RestGate> restGates = new EnumMap<>(Exchange.class);
  private final Map<Exchange, Map<MarketType, Feed>> feeds = new EnumMap<>(Exchange.class);
  /** Marks read at start, by exchange and market type (feeds created later take theirs from here). */
  private final Map<String, TradeMarkFile.Loaded> restoredMarks = new HashMap<>();
  /** One thread for the state files, off the event loop and out of the shared worker pool. */
  private WorkerExecutor stateWorker;
  private MessageConsumer<JsonObject> subscriptionConsumer;
  private Counter publishDropsCounter;
  private long publishDrops;
  private final Symbols symbols = new Symbols();

  @Override
  public String serviceName() {
    return "collector";
  }

  @Override
  public void validate(JsonObject root) {
    super.validate(root);
    CollectorOptions.from(root);
    BusOptions.from(root);
  }

  @Override
  protected Future<?> startService(Router router) {
    eventBusAddress("collector-subscriptions", SubscriptionApi.ADDRESS);
    JsonObject root = rootConfig();
    options = CollectorOptions.from(root);
    bus = RecordBus.create(vertx, BusOptions.from(root));
    publishDropsCounter = Counter.builder("mp.collector.publish.drops")
        .description("records the bus could not take (buffer full)").register(platform.meters());
    return bus.start()
        .compose(v -> loadTradeMarks())
        .map(v -> {
          openClients();
          options.exchanges().values().stream().filter(CollectorOptions.ExchangeOptions::enabled)
              .forEach(this::startExchange);
          router.get("/api/v1/collector/status").handler(ctx -> ctx.json(status()));
          SubscriptionApi.mount(router, this);
          health.register("collector.connections", p -> p.complete(connectionHealth()));
          // records still flow into the buffer while the bus is away, but nothing reaches storage
          health.register("bus", p -> {
            BusStats b = bus.stats();
            JsonObject data = new JsonObject().put("buffered", b.buffered()).put("pending_bytes", b.pendingBytes())
                .put("dropped", b.dropped());
            p.complete(bus.connected() ? Status.OK(data) : Status.KO(data.put("error", bus.problem())));
          });
          return v;
        })
        .compose(v -> SubscriptionApi.listen(vertx, this))
        .onSuccess(c -> subscriptionConsumer = c);
  }

  /** Reads every exchange's and market's trade marks file, off the event loop; logs what it found. */
  private Future<Void> loadTradeMarks() {
    Path dir = options.stateDir();
    if (dir == null) {
      LOG.info("collector.state_dir is empty: trade marks are not kept, trades sent while the collector is stopped "
          + "are not fetched after a restart");
      return Future.succeededFuture();
    }
    Map<String, TradeMarkFile> files = new LinkedHashMap<>();
    for (Exchange ex : Exchange.values()) {
      for (MarketType mt : MarketType.values()) {
        files.put(feedKey(ex, mt), new TradeMarkFile(dir, ex.wire(), mt.wire()));
      }
    }
    stateWorker = vertx.createSharedWorkerExecutor("marketprism-collector-state", 1);
    return stateWorker.executeBlocking(() -> {
      Map<String, TradeMarkFile.Loaded> out = new LinkedHashMap<>();
      files.forEach((key, file) -> out.put(key, file.load()));
      return out;
    }).map(loaded -> {
      long now = System.currentTimeMillis();
      List<String> missing = new ArrayList<>();
      loaded.forEach((key, l) -> {
        if (l.ok()) {
          restoredMarks.put(key, l);
          LOG.info("read the trade marks of {} instruments of {} from {} (written {} ms ago)", l.marks().size(), key,
              files.get(key).file(), now - l.savedMs());
        } else if (!TradeMarkFile.MISSING.equals(l.problem())) {
          LOG.warn("the trade marks file {} {}; starting {} without marks (trades sent while the collector was stopped "
              + "are not fetched)", files.get(key).file(), l.problem(), key);
        } else if (collectsTrades(key)) {
          missing.add(key);
        }
      });
      if (!missing.isEmpty()) {
        LOG.info("no trade marks in {} for {} (first start, or the state directory changed): their trades are "
            + "collected from the first live one", dir.toAbsolutePath(), missing);
      }
      return null;
    });
  }

  private boolean collectsTrades(String feedKey) {
    return options.exchanges().values().stream().filter(CollectorOptions.ExchangeOptions::enabled)
        .anyMatch(ex -> ex.markets().stream().anyMatch(m -> feedKey.equals(feedKey(ex.exchange(), m.marketType()))
            && !m.symbols().isEmpty() && m.dataTypes().contains(DataType.TRADE)));
  }

  private static String feedKey(Exchange ex, MarketType mt) {
    return ex.wire() + " " + mt.wire();
  }

  private TradeMarkState tradeMarks(Exchange ex, MarketType mt) {
    Path dir = options.stateDir();
    if (dir == null) {
      return TradeMarkState.off();
    }
    TradeMarkFile.Loaded loaded = restoredMarks.remove(feedKey(ex, mt));
    return new TradeMarkState(stateWorker, new TradeMarkFile(dir, ex.wire(), mt.wire()),
        loaded == null ? Map.of() : loaded.marks(), options.backfill().maxAgeMs());
  }

  private void openClients() {
    wsClient = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxFrameSize(4 * 1024 * 1024)
        .setMaxMessageSize(64 * 1024 * 1024).setMaxConnections(100_000).setVerifyHost(true));
    webClient = WebClient.create(vertx, new WebClientOptions().setUserAgent("marketprism-collector")
        .setKeepAlive(true).setDecompressionSupported(true));
  }

  private void startExchange(CollectorOptions.ExchangeOptions ex) {
    Map<MarketType, Feed> byType = feeds.computeIfAbsent(ex.exchange(), k -> new EnumMap<>(MarketType.class));
    for (CollectorOptions.MarketOptions m : ex.markets()) {
      Feed feed = feed(ex, m.marketType(), byType);
      m.symbols().keySet().forEach(sym -> feed.set(sym, m.dataTypes()));
    }
    LOG.info("collecting {}: {}", ex.exchange().wire(), ex.markets().stream()
        .map(m -> m.marketType().wire() + " " + m.symbols().values()).collect(Collectors.joining(", ")));
  }

  private Feed feed(CollectorOptions.ExchangeOptions ex, MarketType mt, Map<MarketType, Feed> byType) {
    return byType.computeIfAbsent(mt, k -> {
      FeedMetrics metrics = new FeedMetrics(platform.meters(), ex.exchange().wire(), mt.wire());
      RestGate gate = restGates.computeIfAbsent(ex.exchange(), e -> {
        Counter rejections = Counter.builder("mp.collector.rest.rejections").description("REST 429/418 answers")
            .tag("exchange", e.wire()).register(platform.meters());
        return new RestGate(vertx, webClient, e.wire(), options.restMaxInFlight(), options.restTimeoutMs(),
            ex.restWeightPerMinute(), ex.protocol()::restWeight, (status, wait) -> rejections.increment());
      });
      Feed f = new Feed(new FeedContext(vertx, wsClient, gate, options, ex, mt, metrics, this::publish, bus::stats),
          tradeMarks(ex.exchange(), mt));
      f.start();
      return f;
    });
  }

  private void publish(MarketRecord record) {
    if (!bus.offer(record)) {
      publishDrops++;
      publishDropsCounter.increment();
    }
  }

  private Status connectionHealth() {
    long now = System.currentTimeMillis();
    JsonObject data = new JsonObject();
    boolean up = true;
    for (Map<MarketType, Feed> byType : feeds.values()) {
      for (Feed f : byType.values()) {
        up &= f.healthy(now, options.reconnectBudgetMs());
      }
    }
    JsonArray conns = new JsonArray();
    feeds.values().forEach(m -> m.values().forEach(f -> f.connections().forEach(c -> conns.add(
        new JsonObject().put("id", c.id()).put("state", c.state().wire())))));
    data.put("connections", conns);
    return up ? Status.OK(data) : Status.KO(data);
  }

  /**
   * The status document of {@code GET /api/v1/collector/status}.
   *
   * @return per connection its state, messages and reconnects; per book its sync state, resyncs,
   *     gaps and checksum failures; per instrument the records handed to the bus and duplicates
   *     dropped by data type; per feed its counters; trade gaps, backfilled trades and
   *     unrecoverable gaps in total; the bus's publisher counters
   */
  public JsonObject status() {
    JsonArray connections = new JsonArray();
    JsonArray books = new JsonArray();
    JsonArray counters = new JsonArray();
    JsonArray instruments = new JsonArray();
    feeds.forEach((ex, byType) -> byType.forEach((mt, f) -> {
      f.connectionsJson(connections);
      f.booksJson(books);
      f.instrumentsJson(instruments);
      counters.add(f.metrics().toJson().put("exchange", ex.wire()).put("market_type", mt.wire()));
    }));
    JsonObject rest = new JsonObject();
    restGates.forEach((ex, g) -> rest.put(ex.wire(), new JsonObject().put("rejections", g.rejections())
        .put("held_back", g.closed()).put("weight_waits", g.weightWaits())));
    long gaps = 0;
    long backfilled = 0;
    long unrecoverable = 0;
    for (Map<MarketType, Feed> byType : feeds.values()) {
      for (Feed f : byType.values()) {
        gaps += f.metrics().tradeGaps();
        backfilled += f.metrics().backfilled();
        unrecoverable += f.metrics().unrecoverable();
      }
    }
    JsonObject trades = new JsonObject().put("backfill_enabled", options.backfill().enabled()).put("gaps", gaps)
        .put("backfilled", backfilled).put("unrecoverable_gaps", unrecoverable);
    return new JsonObject().put("connections", connections).put("books", books).put("instruments", instruments)
        .put("feeds", counters).put("rest", rest).put("trades", trades)
        .put("publish_drops", publishDrops).put("bus", bus == null ? null : bus.stats().toJson());
  }

  /**
   * @param exchange an exchange
   * @param marketType a market
   * @return its feed, or {@code null} when nothing is collected there
   */
  public Feed feed(Exchange exchange, MarketType marketType) {
    Map<MarketType, Feed> byType = feeds.get(exchange);
    return byType == null ? null : byType.get(marketType);
  }

  // ---- Subscriptions ----

  @Override
  public JsonObject list() {
    JsonArray out = new JsonArray();
    feeds.forEach((ex, byType) -> byType.forEach((mt, f) -> f.subscriptions().forEach((sym, types) -> {
      String normalized;
      try {
        normalized = symbols.normalize(ex, sym, mt).symbol();
      } catch (IllegalArgumentException e) {
        normalized = sym;
      }
      out.add(new JsonObject().put("exchange", ex.wire()).put("market_type", mt.wire()).put("symbol", normalized)
          .put("exchange_symbol", sym)
          .put("data_types", new JsonArray(types.stream().map(DataType::wire).collect(Collectors.toList()))));
    })));
    return new JsonObject().put("subscriptions", out);
  }

  @Override
  public JsonObject add(SubscriptionRequest r) {
    CollectorOptions.ExchangeOptions ex = enabled(r.exchange());
    Set<DataType> supported = ex.protocol().supported(r.marketType());
    if (supported.isEmpty()) {
      throw new IllegalArgumentException(r.exchange().wire() + " has no " + r.marketType().wire() + " market here");
    }
    Set<DataType> types = r.dataTypes().isEmpty() ? EnumSet.copyOf(supported) : r.dataTypes();
    for (DataType t : types) {
      if (!supported.contains(t)) {
        throw new IllegalArgumentException("data type " + t.wire() + " is not collected for " + r.exchange().wire()
            + " " + r.marketType().wire() + " (allowed: " + supported.stream().map(DataType::wire)
            .collect(Collectors.joining(", ")) + ")");
      }
    }
    Map<String, String> names = resolve(ex, r, types);
    Feed feed = feed(ex, r.marketType(), feeds.computeIfAbsent(r.exchange(), k -> new EnumMap<>(MarketType.class)));
    Map<String, Set<DataType>> current = feed.subscriptions();
    for (String sym : names.keySet()) {
      Set<DataType> next = EnumSet.copyOf(types);
      Set<DataType> had = current.get(sym);
      if (had != null) {
        next.addAll(had);
      }
      feed.set(sym, next);
    }
    LOG.info("subscribed {} {} {} to {}", r.exchange().wire(), r.marketType().wire(), names.values(), types);
    return list();
  }

  @Override
  public JsonObject remove(SubscriptionRequest r) {
    CollectorOptions.ExchangeOptions ex = enabled(r.exchange());
    Map<String, String> names = resolve(ex, r, r.dataTypes());
    Feed feed = feed(r.exchange(), r.marketType());
    if (feed == null) {
      return list();
    }
    Map<String, Set<DataType>> current = feed.subscriptions();
    for (String sym : names.keySet()) {
      Set<DataType> had = current.get(sym);
      if (had == null) {
        continue;
      }
      Set<DataType> next = EnumSet.noneOf(DataType.class);
      if (!r.dataTypes().isEmpty()) {
        next.addAll(had);
        next.removeAll(r.dataTypes());
      }
      feed.set(sym, next);
    }
    LOG.info("unsubscribed {} {} {} from {}", r.exchange().wire(), r.marketType().wire(), names.values(),
        r.dataTypes().isEmpty() ? "everything" : r.dataTypes());
    return list();
  }

  private CollectorOptions.ExchangeOptions enabled(Exchange exchange) {
    CollectorOptions.ExchangeOptions ex = options.exchanges().get(exchange);
    if (ex == null || !ex.enabled()) {
      throw new IllegalArgumentException("exchange " + exchange.wire() + " is not enabled in this collector");
    }
    return ex;
  }

  /**
   * @param types the data types concerned: each needs its venue's endpoint; when empty (removing
   *     everything) one endpoint of the instrument is enough
   */
  private static Map<String, String> resolve(CollectorOptions.ExchangeOptions ex, SubscriptionRequest r,
      Set<DataType> types) {
    Map<String, String> names = new LinkedHashMap<>();
    for (String s : r.symbols()) {
      String name = SymbolNames.exchangeSymbol(r.exchange(), r.marketType(), s);
      Set<String> venues = new LinkedHashSet<>();
      for (DataType t : types.isEmpty() ? ex.protocol().supported(r.marketType()) : types) {
        venues.add(ex.protocol().venue(r.marketType(), name, t));
      }
      List<String> missing = venues.stream().filter(v -> !ex.endpoints().containsKey(v)).toList();
      if (!missing.isEmpty() && (!types.isEmpty() || missing.size() == venues.size())) {
        throw new IllegalArgumentException("no endpoint '" + missing.get(0) + "' is configured for "
            + r.exchange().wire() + " (needed by " + s + ")");
      }
      names.put(name, s);
    }
    return names;
  }

  @Override
  protected Future<?> stopService() {
    List<Future<?>> closing = new ArrayList<>();
    if (subscriptionConsumer != null) {
      closing.add(subscriptionConsumer.unregister());
    }
    feeds.values().forEach(m -> m.values().forEach(f -> closing.add(f.stop())));
    feeds.clear();
    restGates.values().forEach(RestGate::stop);
    return Future.join(closing)
        .eventually(() -> wsClient == null ? Future.succeededFuture() : wsClient.close())
        .eventually(() -> {
          if (webClient != null) {
            webClient.close();
          }
          if (stateWorker != null) {
            stateWorker.close();
          }
          return bus == null ? Future.succeededFuture() : bus.close();
        });
  }
}
