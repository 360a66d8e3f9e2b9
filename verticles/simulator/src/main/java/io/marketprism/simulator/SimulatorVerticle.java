package io.marketprism.simulator;

import io.marketprism.simulator.binance.BinanceRest;
import io.marketprism.simulator.binance.BinanceServer;
import io.marketprism.simulator.deribit.DeribitServer;
import io.marketprism.simulator.fault.FaultSpec;
import io.marketprism.simulator.fault.FaultStats;
import io.marketprism.simulator.model.InstrumentCatalog;
import io.marketprism.simulator.model.InstrumentModel;
import io.marketprism.simulator.model.InstrumentSpec;
import io.marketprism.simulator.model.MarketModel;
import io.marketprism.simulator.model.Trade;
import io.marketprism.simulator.model.Venue;
import io.marketprism.simulator.okx.OkxServer;
import io.marketprism.simulator.replay.CaptureReader;
import io.marketprism.simulator.replay.ReplayEngine;
import io.marketprism.simulator.replay.ReplayMessage;
import io.marketprism.simulator.replay.ReplayPace;
import io.marketprism.simulator.replay.ReplayStore;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The exchange simulator: serves Binance (spot, USDⓈ-M, COIN-M), OKX v5 and Deribit v2 market-data
 * protocols on loopback ports, driven by a seeded market model or by the replay of a capture, with
 * configurable fault injection (see {@link io.marketprism.simulator.fault.FaultSpec}).
 *
 * <p>Configure with {@link SimulatorOptions} (constructor) or the deployment config JSON (same keys).
 * After the deployment completes, {@link #port(Venue)}, {@link #wsUrl(Venue)} and {@link #httpUrl(Venue)}
 * give the bound endpoints. Tests read the true state with {@link #trueBook(String, String, int)},
 * {@link #trueTrades(String, String)}, {@link #trueMatches(String, String)}, {@link #tradeCount(String, String)}
 * and {@link #faultStats()},
 * or over HTTP at {@code GET /sim/state?exchange=&symbol=&depth=} on any of the simulator's ports.
 */
public final class SimulatorVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(SimulatorVerticle.class);
  private final SimulatorOptions preset;
  private SimulatorOptions options;
  private final Map<String, MarketModel> models = new LinkedHashMap<>();
  private final Map<Venue, ExchangeServer> servers = new EnumMap<>(Venue.class);
  private final FaultStats faultStats = new FaultStats();
  private ReplayStore replayStore;
  private ReplayEngine replay;
  private long driver = -1;
  /** False while the market waits for its first client ({@link SimulatorOptions#setIdleUntilFirstClient}). */
  private boolean awake = true;

  /** A simulator configured from the deployment's config JSON (defaults when empty). */
  public SimulatorVerticle() {
    this(null);
  }

  /**
   * A simulator with the given options (the deployment config is then ignored).
   *
   * @param options its options
   */
  public SimulatorVerticle(SimulatorOptions options) {
    this.preset = options;
  }

  @Override
  public Future<?> start() {
    return Future.succeededFuture()
        .map(v -> {
          options = preset != null ? preset : SimulatorOptions.fromJson(config());
          return FaultSpec.parse(options.getFaults());
        })
        .compose(faults -> loadReplay().map(store -> {
          replayStore = store;
          return faults;
        }))
        .compose(this::startServers)
        .onSuccess(v -> {
          buildReplayEngine();
          if (awake) {
            driver = vertx.setPeriodic(10, t -> drive());
          }
        });
  }

  @Override
  public Future<?> stop() {
    if (driver >= 0) {
      vertx.cancelTimer(driver);
    }
    if (replay != null) {
      replay.stop();
    }
    List<Future<Void>> closing = new ArrayList<>();
    servers.values().forEach(s -> closing.add(s.close()));
    return Future.join(closing);
  }

  private Future<ReplayStore> loadReplay() {
    if (options.getReplayFile() == null) {
      return Future.succeededFuture(null);
    }
    ReplayPace.parse(options.getReplayPace());
    return vertx.fileSystem().readFile(options.getReplayFile())
        .compose(buf -> vertx.executeBlocking(() -> CaptureReader.parse(buf.toString())));
  }

  private Future<Void> startServers(FaultSpec faults) {
    awake = !options.isIdleUntilFirstClient();
    ServerContext ctx = new ServerContext(vertx, options, faults, faultStats, replayStore, this::state,
        this::subscribed, new AtomicLong(), this::client);
    long seed = options.getSeed();
    for (String exchange : SimulatorOptions.EXCHANGES) {
      if (!options.serves(exchange)) {
        continue;
      }
      MarketModel model = new MarketModel(seed * 7 + exchange.hashCode(), options.getRate());
      options.getSymbols(exchange).forEach((marketType, symbols) -> {
        for (String symbol : symbols) {
          Venue venue = switch (exchange) {
            case "binance" -> InstrumentCatalog.binanceVenue(symbol, marketType);
            case "okx" -> Venue.OKX;
            default -> Venue.DERIBIT;
          };
          InstrumentSpec spec = InstrumentCatalog.spec(venue, symbol, marketType);
          long instrumentSeed = seed * 1_000_003L + (venue.key() + spec.symbol()).hashCode();
          // ids from a base of the wall clock: a restart continues above the previous run's ids
          InstrumentModel instrument = new InstrumentModel(spec, instrumentSeed, options.getBookDepth(),
              options.getTradeHistory());
          instrument.setTradeShare(options.getTradeShare());
          model.add(instrument);
        }
      });
      models.put(exchange, model);
      if (replayStore != null && replayStore.exchanges().contains(exchange)) {
        model.paused(true);
      }
      switch (exchange) {
        case "binance" -> {
          BinanceRest rest = new BinanceRest(ctx, model.instruments());
          for (Venue v : new Venue[] {Venue.BINANCE_SPOT, Venue.BINANCE_USDM, Venue.BINANCE_COINM}) {
            servers.put(v, new BinanceServer(ctx, v, rest));
          }
        }
        case "okx" -> servers.put(Venue.OKX, new OkxServer(ctx, model));
        default -> servers.put(Venue.DERIBIT, new DeribitServer(ctx, model));
      }
      servers.values().stream().filter(s -> s.venue().exchange().equals(exchange)).forEach(model::listen);
    }
    List<Future<ExchangeServer>> listening = new ArrayList<>();
    servers.values().forEach(s -> listening.add(s.listen(options.getHost(), options.getPort(s.venue()))));
    return Future.all(listening).mapEmpty();
  }

  private void buildReplayEngine() {
    if (replayStore == null) {
      return;
    }
    replay = new ReplayEngine(vertx, replayStore, ReplayPace.parse(options.getReplayPace()), options.isReplayLoop(),
        this::dispatch);
  }

  private void dispatch(ReplayMessage m) {
    for (ExchangeServer s : servers.values()) {
      if (s.venue().exchange().equals(m.exchange())) {
        s.replay(m);
      }
    }
  }

  private void subscribed() {
    if (replay != null) {
      replay.start();
    }
  }

  /** On the servers' event loop (this verticle's context): the first client starts the market. */
  private void client() {
    if (!awake) {
      awake = true;
      driver = vertx.setPeriodic(10, t -> drive());
      LOG.info("simulator: a first client came, the market runs from now on");
    }
  }

  private void drive() {
    long now = System.currentTimeMillis();
    for (MarketModel m : models.values()) {
      try {
        m.advance(now);
      } catch (RuntimeException e) {
        e.printStackTrace();
      }
    }
  }

  // ---- endpoints ----

  /** The bound port of a venue, or -1 when it is not served. */
  public int port(Venue venue) {
    ExchangeServer s = servers.get(venue);
    return s == null ? -1 : s.port();
  }

  /** {@code http://host:port} of a venue (REST and {@code /sim/state}). */
  public String httpUrl(Venue venue) {
    return "http://" + options.getHost() + ":" + port(venue);
  }

  /**
   * The WebSocket base URL of a venue: Binance {@code ws://host:port/ws} (append {@code /<stream>},
   * or use {@code ws://host:port/stream?streams=}), OKX {@code ws://host:port/ws/v5/public},
   * Deribit {@code ws://host:port/ws/api/v2}.
   */
  public String wsUrl(Venue venue) {
    String base = "ws://" + options.getHost() + ":" + port(venue);
    return switch (venue) {
      case OKX -> base + "/ws/v5/public";
      case DERIBIT -> base + "/ws/api/v2";
      default -> base + "/ws";
    };
  }

  /** Every served venue's WebSocket and HTTP base URLs, keyed {@code <venue>.ws} and {@code <venue>.http}. */
  public Map<String, String> endpoints() {
    Map<String, String> out = new LinkedHashMap<>();
    for (Venue v : servers.keySet()) {
      out.put(v.key() + ".ws", wsUrl(v));
      out.put(v.key() + ".http", httpUrl(v));
    }
    return out;
  }

  /**
   * The collector's {@code exchanges:} configuration pointed at this simulator (after start): every
   * served venue's endpoints, and per exchange and market type the simulated instruments with the
   * given data types. Binance futures use the {@code trade} stream (the simulator's trade ids).
   *
   * @param dataTypes data types to collect for every instrument, e.g. {@code trade}, {@code orderbook}
   * @return the {@code exchanges:} section
   */
  public JsonObject collectorExchanges(List<String> dataTypes) {
    JsonObject out = new JsonObject();
    for (String ex : options.getExchanges()) {
      JsonObject endpoints = new JsonObject();
      for (Venue v : servers.keySet()) {
        if (!v.exchange().equals(ex)) {
          continue;
        }
        JsonObject e = new JsonObject().put("ws", v == Venue.OKX || v == Venue.DERIBIT ? wsUrl(v)
            : "ws://" + options.getHost() + ":" + port(v)).put("rest", httpUrl(v));
        switch (v) {
          case BINANCE_SPOT -> endpoints.put("spot", e);
          case BINANCE_USDM -> endpoints.put("usdm", e);
          case BINANCE_COINM -> endpoints.put("coinm", e);
          case OKX -> endpoints.put("public", e).put("business",
              new JsonObject().put("ws", wsUrl(v).replace("/public", "/business")).put("rest", httpUrl(v)));
          default -> endpoints.put("public", e);
        }
      }
      JsonObject markets = new JsonObject();
      options.getSymbols(ex).forEach((marketType, names) -> {
        if (!names.isEmpty()) {
          markets.put(marketType, new JsonObject().put("symbols", new JsonArray(new ArrayList<>(names)))
              .put("data_types", new JsonArray(new ArrayList<>(dataTypes))));
        }
      });
      JsonObject section = new JsonObject().put("endpoints", endpoints).put("market_types", markets);
      if ("binance".equals(ex)) {
        section.put("futures_trade_stream", "trade");
      }
      out.put(ex, section);
    }
    return out;
  }

  /** The options in effect (after start). */
  public SimulatorOptions options() {
    return options;
  }

  // ---- true state ----

  /**
   * The model of an instrument.
   *
   * @param exchange   {@code binance} (spot first, then USDⓈ-M, then COIN-M), a venue key such as
   *                   {@code binance-usdm}, {@code okx} or {@code deribit}
   * @param instrument the exchange's instrument name
   * @throws IllegalArgumentException when unknown
   */
  public InstrumentModel instrument(String exchange, String instrument) {
    String ex = exchange.toLowerCase(Locale.ROOT);
    for (Venue v : Venue.values()) {
      if (!v.key().equals(ex) && !v.exchange().equals(ex)) {
        continue;
      }
      MarketModel model = models.get(v.exchange());
      if (model == null) {
        continue;
      }
      for (InstrumentModel m : model.instruments()) {
        if (m.spec().venue() == v && m.spec().symbol().equalsIgnoreCase(instrument)) {
          return m;
        }
      }
    }
    throw new IllegalArgumentException("simulator has no instrument '" + instrument + "' on '" + exchange + "'");
  }

  /**
   * The true book: top {@code depth} levels per side and the update id they include.
   *
   * @see #instrument(String, String)
   */
  public TrueBook trueBook(String exchange, String instrument, int depth) {
    InstrumentModel m = instrument(exchange, instrument);
    InstrumentSpec s = m.spec();
    var snap = m.snapshot(depth);
    return new TrueBook(s.exchange(), s.venue().key(), s.symbol(), snap.lastUpdateId(), strings(s, snap.bids()),
        strings(s, snap.asks()));
  }

  /** The true book's top 20 levels. */
  public TrueBook trueBook(String exchange, String instrument) {
    return trueBook(exchange, instrument, 20);
  }

  private static List<String[]> strings(InstrumentSpec s, List<long[]> levels) {
    List<String[]> out = new ArrayList<>(levels.size());
    for (long[] l : levels) {
      out.add(new String[] {s.price(l[0]), s.qty(l[1])});
    }
    return out;
  }

  /** Trades emitted for an instrument (the most recent, up to the trade-history option), oldest first. */
  public List<Trade> trueTrades(String exchange, String instrument) {
    return instrument(exchange, instrument).recentTrades();
  }

  /** The matches that published trades of an instrument carry (see {@link TrueMatches}). */
  public TrueMatches trueMatches(String exchange, String instrument) {
    InstrumentModel m = instrument(exchange, instrument);
    return new TrueMatches(m.spec(), m.recentTrades());
  }

  /** Number of trades emitted for an instrument since start. */
  public long tradeCount(String exchange, String instrument) {
    return instrument(exchange, instrument).tradeCount();
  }

  /** Injected-fault counters. */
  public FaultStats faultStats() {
    return faultStats;
  }

  /** Data messages produced for subscribers across all servers (before faults). */
  public long messagesProduced() {
    return context == null ? 0 : servers.values().stream().mapToLong(ExchangeServer::messages).sum();
  }

  /** Messages replayed so far (0 without a replay). */
  public long replayed() {
    return replay == null ? 0 : replay.sent();
  }

  /** Whether a replay has reached the end of its capture. */
  public boolean replayFinished() {
    return replay != null && replay.finished();
  }

  /** Stops the market model (no book, trade or stats events) until {@link #resume()}; completes on the simulator's context. */
  public Future<Void> pause() {
    return onContext(true);
  }

  /** Restarts the market model. */
  public Future<Void> resume() {
    return onContext(false);
  }

  private Future<Void> onContext(boolean paused) {
    Promise<Void> p = Promise.promise();
    context.runOnContext(v -> {
      models.forEach((ex, m) -> m.paused(paused || replayStore != null && replayStore.exchanges().contains(ex)));
      p.complete();
    });
    return p.future();
  }

  /** The {@code /sim/state} document. */
  public JsonObject state(String exchange, String symbol, int depth) {
    JsonArray instruments = new JsonArray();
    models.forEach((ex, model) -> {
      for (InstrumentModel m : model.instruments()) {
        InstrumentSpec s = m.spec();
        if (exchange != null && !exchange.equals(ex) && !exchange.equals(s.venue().key())
            || symbol != null && !symbol.equalsIgnoreCase(s.symbol())) {
          continue;
        }
        TrueBook b = trueBook(s.venue().key(), s.symbol(), depth);
        instruments.add(new JsonObject().put("exchange", ex).put("venue", s.venue().key()).put("symbol", s.symbol())
            .put("market_type", s.marketType()).put("last_update_id", b.lastUpdateId())
            .put("trades", m.tradeCount()).put("book_updates", m.bookUpdateCount())
            .put("mark_price", s.price(m.markPrice())).put("index_price", s.price(m.indexPrice()))
            .put("funding_rate", m.fundingRate()).put("open_interest", s.qty(m.openInterest()))
            .put("bids", levels(b.bids())).put("asks", levels(b.asks())));
      }
    });
    JsonArray srv = new JsonArray();
    servers.values().forEach(s -> srv.add(new JsonObject().put("venue", s.venue().key()).put("port", s.port())
        .put("ws", wsUrl(s.venue())).put("sessions", s.sessionCount()).put("messages", s.messages())));
    JsonObject out = new JsonObject().put("seed", options.getSeed()).put("rate", options.getRate())
        .put("paused", models.values().stream().allMatch(MarketModel::paused))
        .put("servers", srv).put("instruments", instruments)
        .put("faults", new JsonObject().put("spec", FaultSpec.parse(options.getFaults()).toString())
            .put("injected", faultStats.toJson()));
    if (replayStore != null) {
      out.put("replay", new JsonObject().put("file", options.getReplayFile()).put("pace", options.getReplayPace())
          .put("messages", replayStore.messages().size()).put("sent", replayed()).put("finished", replayFinished()));
    }
    return out;
  }

  private static JsonArray levels(List<String[]> levels) {
    JsonArray a = new JsonArray();
    levels.forEach(l -> a.add(new JsonArray().add(l[0]).add(l[1])));
    return a;
  }

  private void state(RoutingContext rc) {
    int depth;
    try {
      depth = Integer.parseInt(rc.request().getParam("depth", "10"));
    } catch (NumberFormatException e) {
      depth = -1;
    }
    if (depth < 0 || depth > 5000) {
      rc.response().setStatusCode(400).putHeader("Content-Type", "application/json")
          .end("{\"error\":\"depth must be 0..5000\"}");
      return;
    }
    rc.response().putHeader("Content-Type", "application/json")
        .end(state(rc.request().getParam("exchange"), rc.request().getParam("symbol"), depth).encode());
  }
}
