package io.marketprism.simulator;

import io.marketprism.simulator.fault.FaultSpec;
import io.marketprism.simulator.model.InstrumentCatalog;
import io.marketprism.simulator.model.Venue;
import io.marketprism.simulator.replay.ReplayPace;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.DayOfWeek;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.TemporalAdjusters;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Options of the {@link SimulatorVerticle}, with fluent setters and a JSON form.
 *
 * <p>JSON keys (all optional):
 * <pre>
 * {
 *   "host": "127.0.0.1",
 *   "exchanges": ["binance", "okx", "deribit"],
 *   "ports": {"binance": 0, "binance-usdm": 0, "binance-coinm": 0, "okx": 0, "deribit": 0},   // 0 = ephemeral
 *   "symbols": {"binance": {"spot": ["BTCUSDT"], "perpetual": ["BTCUSDT", "BTCUSD_PERP"], "futures": []},
 *               "okx": ["BTC-USDT", "BTC-USDT-SWAP"],              // a list: market types from the names
 *               "deribit": {"perpetual": ["BTC-PERPETUAL"], "options": ["BTC-27MAR26-100000-C"]}},
 *   "rate": 200,             // book/trade events per second per exchange (each gives 1-4 messages per stream kind)
 *   "tradeShare": 0.18,      // share of events that are trade bursts (1-4 trades); the rest move or churn the book
 *   "seed": 42,
 *   "faults": "drop:p=0.01,disconnect:every=30s",   // see FaultSpec for the syntax
 *   "bookDepth": 400,        // levels per side
 *   "tradeHistory": 100000,  // trades remembered per instrument for trueTrades()
 *   "pingInterval": 20000,   // ms between Binance server pings; no pong for 3 intervals closes
 *   "replay": {"file": "capture.txt", "pace": "recorded", "loop": false}
 * }
 * </pre>
 * Binance symbols: COIN-M names ({@code BTCUSD_PERP}, {@code BTCUSD_250328}) are served on the
 * {@code binance-coinm} port, other perpetual/futures names on {@code binance-usdm}, spot on {@code binance}.
 *
 * <p>Mapping of {@code bin/marketprism simulate --exchange EX [--port P] [--symbols S,...] [--rate N] [--faults SPEC]}:
 * {@code --exchange} → {@link #setExchanges(List)} with the one exchange; {@code --port} →
 * {@link #setPort(Venue, int)} for OKX or Deribit, and for Binance spot P, USDⓈ-M P+1, COIN-M P+2
 * ({@link #setBinancePorts(int)}); {@code --symbols} → {@link #setSymbols(String, List)} (market types
 * inferred from the names; plain Binance names serve both spot and USDⓈ-M); {@code --rate} →
 * {@link #setRate(double)}; {@code --faults} → {@link #setFaults(String)}.
 */
public final class SimulatorOptions {

  /** The exchanges the simulator speaks. */
  public static final List<String> EXCHANGES = List.of("binance", "okx", "deribit");
  private static final List<String> MARKET_TYPES = List.of("spot", "perpetual", "futures", "options");
  private static final Set<String> KEYS = Set.of("host", "exchanges", "ports", "symbols", "rate", "tradeShare", "seed", "faults",
      "bookDepth", "tradeHistory", "pingInterval", "statsStep", "replay");

  private String host = "127.0.0.1";
  private final Set<String> exchanges = new LinkedHashSet<>(EXCHANGES);
  private final Map<Venue, Integer> ports = new EnumMap<>(Venue.class);
  private final Map<String, Map<String, List<String>>> symbols = new LinkedHashMap<>();
  private double rate = 200;
  private double tradeShare = 0.18;
  private long seed = 42;
  private String faults = "";
  private int bookDepth = 400;
  private int tradeHistory = 100_000;
  private long pingIntervalMs = 20_000;
  private long statsStepMs;
  private boolean idleUntilFirstClient;
  private String replayFile;
  private String replayPace = "recorded";
  private boolean replayLoop;

  /** Options with the defaults: all exchanges, default instruments, ephemeral ports. */
  public SimulatorOptions() {
    for (Venue v : Venue.values()) {
      ports.put(v, 0);
    }
    setSymbols("binance", "spot", List.of("BTCUSDT", "ETHUSDT"));
    setSymbols("binance", "perpetual", List.of("BTCUSDT", "ETHUSDT", "BTCUSD_PERP"));
    setSymbols("okx", "spot", List.of("BTC-USDT", "ETH-USDT"));
    setSymbols("okx", "perpetual", List.of("BTC-USDT-SWAP", "ETH-USDT-SWAP"));
    setSymbols("deribit", "perpetual", List.of("BTC-PERPETUAL", "ETH-PERPETUAL"));
    String exp = deribitExpiry(LocalDate.now(ZoneOffset.UTC));
    setSymbols("deribit", "options", List.of("BTC-" + exp + "-100000-C", "BTC-" + exp + "-100000-P",
        "ETH-" + exp + "-4000-C"));
  }

  /** A Deribit expiry code ({@code 27MAR26}): the last Friday of the month after {@code today}. */
  static String deribitExpiry(LocalDate today) {
    LocalDate d = today.plusMonths(1).with(TemporalAdjusters.lastInMonth(DayOfWeek.FRIDAY));
    return d.getDayOfMonth() + d.getMonth().name().substring(0, 3) + String.format("%02d", d.getYear() % 100);
  }

  /**
   * Reads options from JSON (keys in the class doc); missing keys keep their defaults.
   *
   * @throws IllegalArgumentException naming the bad key and what it allows
   */
  public static SimulatorOptions fromJson(JsonObject json) {
    SimulatorOptions o = new SimulatorOptions();
    if (json == null) {
      return o;
    }
    for (String key : json.fieldNames()) {
      if (!KEYS.contains(key)) {
        throw new IllegalArgumentException("unknown simulator option '" + key + "' (allowed: "
            + String.join(", ", KEYS.stream().sorted().toList()) + ")");
      }
    }
    if (json.containsKey("host")) {
      o.setHost(string(json, "host"));
    }
    if (json.containsKey("exchanges")) {
      o.setExchanges(strings(json.getValue("exchanges"), "exchanges"));
    }
    if (json.containsKey("ports")) {
      JsonObject p = object(json, "ports");
      for (String k : p.fieldNames()) {
        Venue v = Arrays.stream(Venue.values()).filter(x -> x.key().equals(k)).findFirst()
            .orElseThrow(() -> new IllegalArgumentException("unknown simulator option 'ports." + k
                + "' (allowed: binance, binance-usdm, binance-coinm, okx, deribit)"));
        Object val = p.getValue(k);
        if (!(val instanceof Number n) || n.intValue() < 0 || n.intValue() > 65535 || n.doubleValue() != n.intValue()) {
          throw new IllegalArgumentException("simulator option 'ports." + k + "' must be an integer 0..65535 (0 = ephemeral), got " + val);
        }
        o.setPort(v, n.intValue());
      }
    }
    if (json.containsKey("symbols")) {
      JsonObject s = object(json, "symbols");
      for (String ex : s.fieldNames()) {
        if (!EXCHANGES.contains(ex)) {
          throw new IllegalArgumentException("unknown simulator option 'symbols." + ex + "' (allowed: binance, okx, deribit)");
        }
        Object v = s.getValue(ex);
        if (v instanceof JsonObject byType) {
          o.symbols.put(ex, new LinkedHashMap<>());
          for (String mt : byType.fieldNames()) {
            if (!MARKET_TYPES.contains(mt)) {
              throw new IllegalArgumentException("unknown simulator option 'symbols." + ex + "." + mt
                  + "' (allowed: spot, perpetual, futures, options)");
            }
            o.setSymbols(ex, mt, strings(byType.getValue(mt), "symbols." + ex + "." + mt));
          }
        } else {
          o.setSymbols(ex, strings(v, "symbols." + ex));
        }
      }
    }
    if (json.containsKey("rate")) {
      o.setRate(number(json, "rate"));
    }
    if (json.containsKey("tradeShare")) {
      o.setTradeShare(number(json, "tradeShare"));
    }
    if (json.containsKey("seed")) {
      Object v = json.getValue("seed");
      if (!(v instanceof Number n) || n.doubleValue() != n.longValue()) {
        throw new IllegalArgumentException("simulator option 'seed' must be an integer, got " + v);
      }
      o.setSeed(n.longValue());
    }
    if (json.containsKey("faults")) {
      Object v = json.getValue("faults");
      if (v instanceof JsonArray a) {
        o.setFaults(String.join(",", strings(a, "faults")));
      } else {
        o.setFaults(string(json, "faults"));
      }
    }
    if (json.containsKey("bookDepth")) {
      o.setBookDepth((int) integer(json, "bookDepth"));
    }
    if (json.containsKey("tradeHistory")) {
      o.setTradeHistory((int) integer(json, "tradeHistory"));
    }
    if (json.containsKey("pingInterval")) {
      o.setPingIntervalMs(integer(json, "pingInterval"));
    }
    if (json.containsKey("statsStep")) {
      o.setStatsStepMs(integer(json, "statsStep"));
    }
    if (json.containsKey("replay")) {
      JsonObject r = object(json, "replay");
      for (String k : r.fieldNames()) {
        if (!Set.of("file", "pace", "loop").contains(k)) {
          throw new IllegalArgumentException("unknown simulator option 'replay." + k + "' (allowed: file, pace, loop)");
        }
      }
      o.setReplayFile(r.containsKey("file") ? string(r, "file") : null);
      if (r.containsKey("pace")) {
        o.setReplayPace(String.valueOf(r.getValue("pace")));
      }
      if (r.containsKey("loop")) {
        if (!(r.getValue("loop") instanceof Boolean b)) {
          throw new IllegalArgumentException("simulator option 'replay.loop' must be true or false");
        }
        o.setReplayLoop(b);
      }
    }
    return o;
  }

  /** The options as JSON, readable by {@link #fromJson(JsonObject)}. */
  public JsonObject toJson() {
    JsonObject p = new JsonObject();
    ports.forEach((v, port) -> p.put(v.key(), port));
    JsonObject s = new JsonObject();
    symbols.forEach((ex, byType) -> {
      JsonObject t = new JsonObject();
      byType.forEach((mt, list) -> t.put(mt, new JsonArray(list)));
      s.put(ex, t);
    });
    JsonObject json = new JsonObject().put("host", host).put("exchanges", new JsonArray(new ArrayList<>(exchanges)))
        .put("ports", p).put("symbols", s).put("rate", rate).put("tradeShare", tradeShare).put("seed", seed).put("faults", faults)
        .put("bookDepth", bookDepth).put("tradeHistory", tradeHistory).put("pingInterval", pingIntervalMs).put("statsStep", statsStepMs);
    if (replayFile != null) {
      json.put("replay", new JsonObject().put("file", replayFile).put("pace", replayPace).put("loop", replayLoop));
    }
    return json;
  }

  private static String string(JsonObject json, String key) {
    Object v = json.getValue(key);
    if (!(v instanceof String s)) {
      throw new IllegalArgumentException("simulator option '" + key + "' must be a string, got " + v);
    }
    return s;
  }

  private static JsonObject object(JsonObject json, String key) {
    Object v = json.getValue(key);
    if (!(v instanceof JsonObject o)) {
      throw new IllegalArgumentException("simulator option '" + key + "' must be an object, got " + v);
    }
    return o;
  }

  private static double number(JsonObject json, String key) {
    Object v = json.getValue(key);
    if (!(v instanceof Number n)) {
      throw new IllegalArgumentException("simulator option '" + key + "' must be a number, got " + v);
    }
    return n.doubleValue();
  }

  private static long integer(JsonObject json, String key) {
    Object v = json.getValue(key);
    if (!(v instanceof Number n) || n.doubleValue() != n.longValue()) {
      throw new IllegalArgumentException("simulator option '" + key + "' must be an integer, got " + v);
    }
    return n.longValue();
  }

  private static List<String> strings(Object v, String key) {
    List<String> out = new ArrayList<>();
    if (v instanceof String s) {
      for (String part : s.split(",")) {
        if (!part.isBlank()) {
          out.add(part.trim());
        }
      }
      return out;
    }
    if (!(v instanceof JsonArray a)) {
      throw new IllegalArgumentException("simulator option '" + key + "' must be a list of strings, got " + v);
    }
    for (Object x : a) {
      if (!(x instanceof String s) || s.isBlank()) {
        throw new IllegalArgumentException("simulator option '" + key + "' must be a list of strings, got " + x);
      }
      out.add(s.trim());
    }
    return out;
  }

  // ---- setters / getters ----

  /** Interface to bind (default {@code 127.0.0.1}). */
  public SimulatorOptions setHost(String host) {
    if (host == null || host.isBlank()) {
      throw new IllegalArgumentException("simulator option 'host' must be a host name or address");
    }
    this.host = host;
    return this;
  }

  /** The interface bound. */
  public String getHost() {
    return host;
  }

  /**
   * The exchanges to serve.
   *
   * @throws IllegalArgumentException for a name other than binance, okx, deribit
   */
  public SimulatorOptions setExchanges(List<String> names) {
    Set<String> set = new LinkedHashSet<>();
    for (String n : names) {
      String e = n.trim().toLowerCase(Locale.ROOT);
      if (!EXCHANGES.contains(e)) {
        throw new IllegalArgumentException("simulator option 'exchanges' has '" + n + "' (allowed: binance, okx, deribit)");
      }
      set.add(e);
    }
    if (set.isEmpty()) {
      throw new IllegalArgumentException("simulator option 'exchanges' must name at least one of binance, okx, deribit");
    }
    exchanges.clear();
    exchanges.addAll(set);
    return this;
  }

  /** The exchanges served. */
  public Set<String> getExchanges() {
    return Set.copyOf(exchanges);
  }

  /** Whether an exchange is served. */
  public boolean serves(String exchange) {
    return exchanges.contains(exchange);
  }

  /** The port of a venue; 0 picks a free one. */
  public SimulatorOptions setPort(Venue venue, int port) {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("simulator option 'ports." + venue.key() + "' must be 0..65535, got " + port);
    }
    ports.put(venue, port);
    return this;
  }

  /** Binance ports from one base: spot {@code port}, USDⓈ-M {@code port+1}, COIN-M {@code port+2} (0: all ephemeral). */
  public SimulatorOptions setBinancePorts(int port) {
    setPort(Venue.BINANCE_SPOT, port);
    setPort(Venue.BINANCE_USDM, port == 0 ? 0 : port + 1);
    return setPort(Venue.BINANCE_COINM, port == 0 ? 0 : port + 2);
  }

  /** The configured port of a venue (0 = ephemeral). */
  public int getPort(Venue venue) {
    return ports.get(venue);
  }

  /**
   * Instruments of one market type on an exchange, by their exchange names.
   *
   * @throws IllegalArgumentException for an unknown exchange or market type
   */
  public SimulatorOptions setSymbols(String exchange, String marketType, List<String> names) {
    if (!EXCHANGES.contains(exchange)) {
      throw new IllegalArgumentException("simulator option 'symbols." + exchange + "' (allowed: binance, okx, deribit)");
    }
    if (!MARKET_TYPES.contains(marketType)) {
      throw new IllegalArgumentException("simulator option 'symbols." + exchange + "." + marketType
          + "' (allowed: spot, perpetual, futures, options)");
    }
    List<String> list = new ArrayList<>();
    for (String n : names) {
      String sym = n.trim().toUpperCase(Locale.ROOT);
      if (sym.isEmpty()) {
        continue;
      }
      if (!"binance".equals(exchange)) {
        String implied = InstrumentCatalog.marketTypeOf(exchange, sym);
        if (!implied.equals(marketType)) {
          throw new IllegalArgumentException("simulator option 'symbols." + exchange + "." + marketType + "' has '" + n
              + "', which is a " + implied + " instrument name");
        }
      } else if ("spot".equals(marketType) && sym.contains("_")) {
        throw new IllegalArgumentException("simulator option 'symbols.binance.spot' has '" + n
            + "' (spot names have no '_')");
      } else if (!"spot".equals(marketType)) {
        String implied = sym.contains("_") ? InstrumentCatalog.marketTypeOf(exchange, sym) : "perpetual";
        if (!implied.equals(marketType)) {
          throw new IllegalArgumentException("simulator option 'symbols.binance." + marketType + "' has '" + n
              + "', which is a " + implied + " instrument name");
        }
      }
      list.add(sym);
    }
    symbols.computeIfAbsent(exchange, e -> new LinkedHashMap<>()).put(marketType, list);
    return this;
  }

  /**
   * Instruments of an exchange, market types inferred from the names (plain Binance names are
   * served both as spot and as USDⓈ-M perpetual). Replaces the exchange's earlier instruments.
   */
  public SimulatorOptions setSymbols(String exchange, List<String> names) {
    if (!EXCHANGES.contains(exchange)) {
      throw new IllegalArgumentException("simulator option 'symbols." + exchange + "' (allowed: binance, okx, deribit)");
    }
    Map<String, List<String>> byType = new LinkedHashMap<>();
    for (String n : names) {
      String sym = n.trim().toUpperCase(Locale.ROOT);
      if (sym.isEmpty()) {
        continue;
      }
      String mt = InstrumentCatalog.marketTypeOf(exchange, sym);
      byType.computeIfAbsent(mt, k -> new ArrayList<>()).add(sym);
      if ("binance".equals(exchange) && "spot".equals(mt)) {
        byType.computeIfAbsent("perpetual", k -> new ArrayList<>()).add(sym);
      }
    }
    symbols.put(exchange, new LinkedHashMap<>());
    byType.forEach((mt, list) -> setSymbols(exchange, mt, list));
    return this;
  }

  /** Instruments of an exchange by market type. */
  public Map<String, List<String>> getSymbols(String exchange) {
    return symbols.getOrDefault(exchange, Map.of());
  }

  /** Book/trade events per second per exchange (default 200); must be &gt; 0. */
  public SimulatorOptions setRate(double rate) {
    if (!(rate > 0) || Double.isInfinite(rate)) {
      throw new IllegalArgumentException("simulator option 'rate' must be a number > 0 (events per second), got " + rate);
    }
    this.rate = rate;
    return this;
  }

  /** Events per second per exchange. */
  public double getRate() {
    return rate;
  }

  /** Seed of the market model and the fault dice (default 42). */
  public SimulatorOptions setSeed(long seed) {
    this.seed = seed;
    return this;
  }

  /** The seed. */
  public long getSeed() {
    return seed;
  }

  /**
   * The fault spec (see {@link FaultSpec}); validated here.
   *
   * @throws IllegalArgumentException when it does not parse
   */
  public SimulatorOptions setFaults(String spec) {
    FaultSpec.parse(spec);
    this.faults = spec == null ? "" : spec;
    return this;
  }

  /** The fault spec text. */
  public String getFaults() {
    return faults;
  }

  /**
   * The share of model events that are trade bursts (0.01..1, default 0.18); a busy, trade-heavy
   * market (a liquidation cascade) is near 1. The rest of the events move the price or churn the book.
   */
  public SimulatorOptions setTradeShare(double share) {
    if (!(share >= 0.01 && share <= 1)) {
      throw new IllegalArgumentException("simulator option 'tradeShare' must be 0.01..1, got " + share);
    }
    this.tradeShare = share;
    return this;
  }

  /** The share of model events that are trade bursts. */
  public double getTradeShare() {
    return tradeShare;
  }

  /** Levels per book side (50..5000, default 400: OKX's {@code books} depth). */
  public SimulatorOptions setBookDepth(int depth) {
    if (depth < 50 || depth > 5000) {
      throw new IllegalArgumentException("simulator option 'bookDepth' must be 50..5000, got " + depth);
    }
    this.bookDepth = depth;
    return this;
  }

  /** Levels per book side. */
  public int getBookDepth() {
    return bookDepth;
  }

  /** Trades remembered per instrument for tests (0..10,000,000, default 100,000). */
  public SimulatorOptions setTradeHistory(int n) {
    if (n < 0 || n > 10_000_000) {
      throw new IllegalArgumentException("simulator option 'tradeHistory' must be 0..10000000, got " + n);
    }
    this.tradeHistory = n;
    return this;
  }

  /** Trades remembered per instrument. */
  public int getTradeHistory() {
    return tradeHistory;
  }

  /**
   * Whether the market stays still until the first request or WebSocket handshake reaches one of
   * its exchanges (then it runs on, clients or not): a simulator that {@code run} starts beside
   * collectors of the live exchanges costs neither CPU nor the memory of a trade history. Off by
   * default ({@code simulate} and tests: the market moves from the start).
   */
  public SimulatorOptions setIdleUntilFirstClient(boolean idle) {
    this.idleUntilFirstClient = idle;
    return this;
  }

  /** @see #setIdleUntilFirstClient(boolean) */
  public boolean isIdleUntilFirstClient() {
    return idleUntilFirstClient;
  }

  /** Milliseconds between Binance server pings (100..600000, default 20000). */
  public SimulatorOptions setPingIntervalMs(long ms) {
    if (ms < 100 || ms > 600_000) {
      throw new IllegalArgumentException("simulator option 'pingInterval' must be 100..600000 ms, got " + ms);
    }
    this.pingIntervalMs = ms;
    return this;
  }

  /** Milliseconds between Binance server pings. */
  public long getPingIntervalMs() {
    return pingIntervalMs;
  }

  /**
   * Milliseconds between the points of the REST statistics (long/short ratios), 1000..86400000, or
   * 0 (the default) for the period each request names, as the exchanges answer. A demo sets a few
   * seconds so that a new point appears as often as the other data types.
   */
  public SimulatorOptions setStatsStepMs(long ms) {
    if (ms != 0 && (ms < 1_000 || ms > 86_400_000)) {
      throw new IllegalArgumentException("simulator option 'statsStep' must be 0 or 1000..86400000 ms, got " + ms);
    }
    this.statsStepMs = ms;
    return this;
  }

  /** @return the step between statistics points for a request naming {@code periodMs} */
  public long statsStepMs(long periodMs) {
    return statsStepMs == 0 ? periodMs : statsStepMs;
  }

  /** A capture file to replay instead of the model for the exchanges it holds (null: none). */
  public SimulatorOptions setReplayFile(String file) {
    this.replayFile = file == null || file.isBlank() ? null : file;
    return this;
  }

  /** The capture file, or null. */
  public String getReplayFile() {
    return replayFile;
  }

  /**
   * Replay pace: {@code recorded}, {@code Nx}, {@code max} or messages per second.
   *
   * @throws IllegalArgumentException when malformed
   */
  public SimulatorOptions setReplayPace(String pace) {
    ReplayPace.parse(pace);
    this.replayPace = pace;
    return this;
  }

  /** The replay pace. */
  public String getReplayPace() {
    return replayPace;
  }

  /** Whether the replay starts again at its end. */
  public SimulatorOptions setReplayLoop(boolean loop) {
    this.replayLoop = loop;
    return this;
  }

  /** Whether the replay loops. */
  public boolean isReplayLoop() {
    return replayLoop;
  }
}
