package io.marketprism.collector;

import io.marketprism.collector.connection.ConnectionOptions;
import io.marketprism.collector.feed.BinanceProtocol;
import io.marketprism.collector.feed.DeribitProtocol;
import io.marketprism.collector.feed.Endpoint;
import io.marketprism.collector.feed.ExchangeProtocol;
import io.marketprism.collector.feed.OkxProtocol;
import io.marketprism.collector.subscription.SymbolNames;
import io.marketprism.platform.config.ConfigException;
import io.marketprism.platform.config.ConfigReader;
import io.marketprism.model.DataType;
import io.marketprism.model.Exchange;
import io.marketprism.model.MarketType;
import io.vertx.core.json.JsonObject;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The collector's configuration: the {@code exchanges:} block (per exchange: enabled, endpoints,
 * market types with their symbols and data types, book depth and publish interval, shard size and
 * protocol limits) and the {@code collector:} block (connection timings, book watchdogs,
 * de-duplication windows, REST, trade backfill, the state directory). {@link #from(JsonObject)} validates everything and throws a
 * {@link ConfigException} naming the bad key.
 */
public final class CollectorOptions {

  /** {@code collector.state_dir} when not configured. */
  public static final String DEFAULT_STATE_DIR = "data/collector";

  /**
   * The instruments of one market of one exchange.
   *
   * @param marketType the market
   * @param symbols exchange instrument name → the symbol as configured
   * @param dataTypes what to collect for each
   */
  public record MarketOptions(MarketType marketType, Map<String, String> symbols, Set<DataType> dataTypes) {
  }

  /**
   * One exchange.
   *
   * @param exchange the exchange
   * @param enabled whether it is collected (a disabled one also refuses runtime subscriptions)
   * @param endpoints venue key → endpoint
   * @param markets configured markets
   * @param bookDepth levels per side of published books
   * @param bookIntervalMs a book is published at most this often (and once on every resync)
   * @param shardSize instruments per connection at most
   * @param maxStreamsPerConnection channels per connection at most (Binance: 1024)
   * @param channelsPerMessage channels per subscribe message at most
   * @param connection connection timings (control rate included)
   * @param pingIntervalMs text ping interval where the exchange wants one (OKX)
   * @param pongTimeoutMs a ping unanswered this long drops the connection
   * @param snapshotLimit levels asked for in REST snapshots
   * @param restWeightPerMinute REST request weight spent per minute at most
   * @param protocol the exchange's connection rules
   */
  public record ExchangeOptions(Exchange exchange, boolean enabled, Map<String, Endpoint> endpoints,
      List<MarketOptions> markets, int bookDepth, long bookIntervalMs, int shardSize, int maxStreamsPerConnection,
      int channelsPerMessage, ConnectionOptions connection, long pingIntervalMs, long pongTimeoutMs,
      int snapshotLimit, int restWeightPerMinute, ExchangeProtocol protocol) {
  }

  /**
   * Recovery over REST of the trades a live stream missed (collector.backfill).
   *
   * @param enabled whether gaps are filled at all (they are counted either way)
   * @param maxPages REST pages per gap at most; what is left is unrecoverable
   * @param maxAgeMs a gap whose last trade before it is older than this is not fetched
   * @param quietMs after a reconnect, how long to wait for a live trade that bounds the gap before
   *     fetching up to the newest trade
   * @param retries failed page requests tried again this often (429/418 are waited out by the gate)
   */
  public record BackfillOptions(boolean enabled, int maxPages, long maxAgeMs, long quietMs, int retries) {
  }

  private final Map<Exchange, ExchangeOptions> exchanges;
  private final long reconnectBudgetMs;
  private final long bookStaleMs;
  private final long resyncTimeoutMs;
  private final long snapshotDelayMs;
  private final int tradeDedupWindow;
  private final int otherDedupWindow;
  private final long restPollIntervalMs;
  private final long restTimeoutMs;
  private final int restMaxInFlight;
  private final BackfillOptions backfill;
  private final Path stateDir;
  private final long stateSaveIntervalMs;

  private CollectorOptions(Map<Exchange, ExchangeOptions> exchanges, long reconnectBudgetMs, long bookStaleMs,
      long resyncTimeoutMs, long snapshotDelayMs, int tradeDedupWindow, int otherDedupWindow, long restPollIntervalMs,
      long restTimeoutMs, int restMaxInFlight, BackfillOptions backfill, Path stateDir, long stateSaveIntervalMs) {
    this.backfill = backfill;
    this.stateDir = stateDir;
    this.stateSaveIntervalMs = stateSaveIntervalMs;
    this.exchanges = exchanges;
    this.reconnectBudgetMs = reconnectBudgetMs;
    this.bookStaleMs = bookStaleMs;
    this.resyncTimeoutMs = resyncTimeoutMs;
    this.snapshotDelayMs = snapshotDelayMs;
    this.tradeDedupWindow = tradeDedupWindow;
    this.otherDedupWindow = otherDedupWindow;
    this.restPollIntervalMs = restPollIntervalMs;
    this.restTimeoutMs = restTimeoutMs;
    this.restMaxInFlight = restMaxInFlight;
  }

  /**
   * Reads and validates {@code exchanges:} and {@code collector:}.
   *
   * @param root the whole configuration tree
   * @return the options
   * @throws ConfigException naming the bad key
   */
  public static CollectorOptions from(JsonObject root) {
    ConfigReader collector = ConfigReader.root(root, "collector");
    ConfigReader conn = collector.section("connection");
    long connectTimeout = conn.longIn("connect_timeout_ms", 100, 120_000, 10_000);
    long idle = conn.longIn("idle_timeout_ms", 100, 600_000, 30_000);
    long maxAge = conn.longIn("max_age_ms", 1_000, 24L * 3600 * 1000, 23L * 3600 * 1000);
    long initial = conn.longIn("reconnect_initial_ms", 1, 60_000, 500);
    long max = conn.longIn("reconnect_max_ms", initial, 600_000, Math.max(initial, 30_000));
    long budget = conn.longIn("reconnect_budget_ms", 0, 3_600_000, 60_000);
    long tick = conn.longIn("tick_ms", 10, 10_000, 250);
    ConfigReader books = collector.section("books");
    long stale = books.longIn("stale_ms", 100, 3_600_000, 60_000);
    long resync = books.longIn("resync_timeout_ms", 100, 600_000, 15_000);
    long snapshotDelay = books.longIn("snapshot_delay_ms", 0, 60_000, 250);
    ConfigReader dedup = collector.section("dedup");
    int trades = dedup.intIn("trades", 1, 10_000_000, 10_000);
    int others = dedup.intIn("others", 1, 1_000_000, 256);
    ConfigReader rest = collector.section("rest");
    long poll = rest.longIn("poll_interval_ms", 1_000, 86_400_000, 60_000);
    long restTimeout = rest.longIn("timeout_ms", 100, 120_000, 10_000);
    int inFlight = rest.intIn("max_in_flight", 1, 64, 4);
    ConfigReader fill = collector.section("backfill");
    BackfillOptions backfill = new BackfillOptions(fill.bool("enabled", true), fill.intIn("max_pages", 1, 1000, 10),
        fill.longIn("max_age_ms", 1_000, 7L * 86_400_000L, 600_000), fill.longIn("quiet_ms", 100, 600_000, 3_000),
        fill.intIn("retries", 0, 10, 2));
    Path stateDir = stateDir(collector);
    long saveInterval = collector.longIn("state_save_interval_ms", 1, 3_600_000, 1_000);

    Map<Exchange, ExchangeOptions> out = new EnumMap<>(Exchange.class);
    ConfigReader all = ConfigReader.root(root, "exchanges");
    for (String name : all.json().fieldNames()) {
      Exchange ex;
      try {
        ex = Exchange.fromWire(name);
      } catch (IllegalArgumentException e) {
        throw new ConfigException(all.key(name), "is not an exchange (allowed: binance, okx, deribit)");
      }
      out.put(ex, exchange(ex, all.section(name), connectTimeout, idle, maxAge, initial, max, tick));
    }
    return new CollectorOptions(out, budget, stale, resync, snapshotDelay, trades, others, poll, restTimeout, inFlight,
        backfill, stateDir, saveInterval);
  }

  /** {@code collector.state_dir}: where trade marks are kept across restarts; empty turns that off. */
  private static Path stateDir(ConfigReader collector) {
    String dir = collector.string("state_dir", DEFAULT_STATE_DIR).trim();
    if (dir.isEmpty()) {
      return null;
    }
    try {
      return Path.of(dir);
    } catch (InvalidPathException e) {
      throw new ConfigException(collector.key("state_dir"), "is not a path: " + e.getMessage());
    }
  }

  private static ExchangeOptions exchange(Exchange ex, ConfigReader c, long connectTimeout, long idle, long maxAge,
      long initial, long max, long tick) {
    boolean enabled = c.bool("enabled", true);
    ExchangeProtocol protocol = switch (ex) {
      case BINANCE -> new BinanceProtocol(c.oneOf("futures_trade_stream", Set.of("aggtrade", "trade"), "aggTrade")
          .equals("trade") ? "trade" : "aggTrade", apiKey(c),
          c.oneOf("ticker_stream", Set.of("ticker", "bookticker"), BinanceProtocol.TICKER).equals("bookticker")
              ? BinanceProtocol.BOOK_TICKER : BinanceProtocol.TICKER);
      case OKX -> new OkxProtocol(c.oneOf("trade_channel", Set.of(OkxProtocol.TRADES_ALL, OkxProtocol.TRADES),
          OkxProtocol.TRADES_ALL), c.oneOf("ticker_channel", Set.of(OkxProtocol.TICKERS, OkxProtocol.BBO),
          OkxProtocol.TICKERS));
      case DERIBIT -> new DeribitProtocol(c.oneOf("interval", Set.of("raw", "100ms"), "100ms"),
          c.intIn("heartbeat_s", 1, 3600, 10));
    };
    ConfigReader eps = c.section("endpoints");
    Map<String, Endpoint> endpoints = new LinkedHashMap<>();
    for (String venue : eps.json().fieldNames()) {
      if (!protocol.venues().contains(venue)) {
        throw new ConfigException(eps.key(venue), "is not an endpoint of " + ex.wire() + " (allowed: "
            + String.join(", ", protocol.venues()) + ")");
      }
      ConfigReader e = eps.section(venue);
      String ws = trimSlash(e.requiredString("ws"));
      String rest = trimSlash(e.string("rest", ""));
      if (!ws.matches("wss?://[^\\s/]+(/\\S*)?")) {
        throw new ConfigException(e.key("ws"), "must be a ws:// or wss:// URL, got '" + ws + "'");
      }
      if (!rest.isEmpty() && !rest.matches("https?://[^\\s/]+(/\\S*)?")) {
        throw new ConfigException(e.key("rest"), "must be an http:// or https:// URL, got '" + rest + "'");
      }
      endpoints.put(venue, new Endpoint(ws, rest));
    }
    sharedRest(ex, endpoints);
    ConfigReader mts = c.section("market_types");
    List<MarketOptions> markets = new java.util.ArrayList<>();
    for (String mtName : mts.json().fieldNames()) {
      MarketType mt;
      try {
        mt = MarketType.fromWire(mtName);
      } catch (IllegalArgumentException e) {
        throw new ConfigException(mts.key(mtName), "is not a market type (allowed: spot, perpetual, futures, options)");
      }
      if (!protocol.marketTypes().contains(mt)) {
        throw new ConfigException(mts.key(mtName), ex.wire() + " has no " + mtName + " market here (allowed: "
            + protocol.marketTypes().stream().map(MarketType::wire).collect(Collectors.joining(", ")) + ")");
      }
      ConfigReader m = mts.section(mtName);
      Set<DataType> types = dataTypes(m, "data_types", protocol.supported(mt));
      Map<String, String> symbols = new LinkedHashMap<>();
      for (String s : m.strings("symbols", List.of())) {
        try {
          symbols.put(SymbolNames.exchangeSymbol(ex, mt, s), s);
        } catch (IllegalArgumentException e) {
          throw new ConfigException(m.key("symbols"), e.getMessage());
        }
      }
      markets.add(new MarketOptions(mt, symbols, types));
      if (enabled && !symbols.isEmpty()) {
        for (String exSym : symbols.keySet()) {
          for (DataType t : types) {
            String venue = protocol.venue(mt, exSym, t);
            Endpoint e = endpoints.get(venue);
            if (e == null) {
              throw new ConfigException(eps.key(venue), "is required for " + mtName + " symbol " + symbols.get(exSym)
                  + " (" + t.wire() + ")");
            }
            if (protocol.restSnapshots() && t == DataType.ORDERBOOK && e.rest().isEmpty()) {
              throw new ConfigException(eps.key(venue) + ".rest", "is required for order books (REST snapshots)");
            }
          }
        }
      }
    }
    ConfigReader book = c.section("book");
    int depth = book.intIn("depth", 1, 1000, 20);
    long interval = book.longIn("interval_ms", 10, 3_600_000, 100);
    int snapshotLimit = book.intIn("snapshot_limit", 5, 5000, 1000);
    int maxStreams = c.intIn("max_streams_per_connection", 1, 10_000, ex == Exchange.BINANCE ? 1024 : 1000);
    int shardSize = c.intIn("shard_size", 1, 10_000, ex == Exchange.BINANCE ? 100 : 50);
    int perMessage = c.intIn("channels_per_message", 1, 1024, ex == Exchange.BINANCE ? 100 : 50);
    // Binance counts pongs into its 5 messages/s: leave room for them
    double rate = c.doubleIn("control_rate_per_s", 0.1, 1000, ex == Exchange.BINANCE ? 4 : 3);
    long ping = c.longIn("ping_interval_ms", 100, 600_000, 20_000);
    long pong = c.longIn("pong_timeout_ms", 100, 600_000, 10_000);
    // Binance: 2400 a minute is the USDⓈ-M budget (spot has 6000; one gate serves all three markets);
    // OKX: history-trades allows 20 requests per 2 s; Deribit: about 20 public requests per second
    int weight = c.intIn("rest_weight_per_minute", 60, 1_000_000,
        ex == Exchange.BINANCE ? 2400 : ex == Exchange.OKX ? 600 : 1200);
    ConnectionOptions connection = new ConnectionOptions(connectTimeout, idle, maxAge, initial, max, rate, tick);
    return new ExchangeOptions(ex, enabled, endpoints, markets, depth, interval, shardSize, maxStreams, perMessage,
        connection, ping, pong, snapshotLimit, weight, protocol);
  }

  /**
   * OKX answers REST on one host whatever WebSocket path a channel is served on: the gaps of trades
   * collected on {@code business} ({@code trades-all}) are fetched from {@code public}'s REST
   * endpoint unless {@code business} names one of its own.
   */
  private static void sharedRest(Exchange ex, Map<String, Endpoint> endpoints) {
    Endpoint pub = endpoints.get("public");
    Endpoint business = endpoints.get("business");
    if (ex == Exchange.OKX && pub != null && business != null && business.rest().isEmpty()) {
      endpoints.put("business", new Endpoint(business.ws(), pub.rest()));
    }
  }

  private static String apiKey(ConfigReader c) {
    String key = c.string("api_key", "").trim();
    if (!key.isEmpty() && !key.matches("[A-Za-z0-9]{8,128}")) {
      throw new ConfigException(c.key("api_key"), "must be a Binance API key (8-128 letters and digits)");
    }
    return key;
  }

  /**
   * Reads a list of data type names.
   *
   * @param c the section
   * @param key the key
   * @param supported the allowed types
   * @return the types (all supported ones when absent)
   */
  static Set<DataType> dataTypes(ConfigReader c, String key, Set<DataType> supported) {
    List<String> names = c.strings(key, null);
    if (names == null) {
      return EnumSet.copyOf(supported);
    }
    Set<DataType> out = EnumSet.noneOf(DataType.class);
    for (String n : names) {
      DataType t;
      try {
        t = DataType.fromWire(n.trim());
      } catch (IllegalArgumentException e) {
        t = null;
      }
      if (t == null || !supported.contains(t)) {
        throw new ConfigException(c.key(key), "'" + n + "' is not collected here (allowed: "
            + supported.stream().map(DataType::wire).collect(Collectors.joining(", ")) + ")");
      }
      out.add(t);
    }
    return out;
  }

  private static String trimSlash(String url) {
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }

  /** @return configured exchanges */
  public Map<Exchange, ExchangeOptions> exchanges() {
    return exchanges;
  }

  /** @return how long a connection may be down before health reports DOWN, ms */
  public long reconnectBudgetMs() {
    return reconnectBudgetMs;
  }

  /** @return a synced book without a change for this long is resynced, ms */
  public long bookStaleMs() {
    return bookStaleMs;
  }

  /** @return a resync not complete after this long is started again, ms */
  public long resyncTimeoutMs() {
    return resyncTimeoutMs;
  }

  /** @return wait after subscribing before the first Binance snapshot request, ms */
  public long snapshotDelayMs() {
    return snapshotDelayMs;
  }

  /** @return trade identities remembered per instrument */
  public int tradeDedupWindow() {
    return tradeDedupWindow;
  }

  /** @return identities remembered per instrument and data type for non-trade records */
  public int otherDedupWindow() {
    return otherDedupWindow;
  }

  /** @return REST polling interval, ms */
  public long restPollIntervalMs() {
    return restPollIntervalMs;
  }

  /** @return REST request timeout, ms */
  public long restTimeoutMs() {
    return restTimeoutMs;
  }

  /** @return REST trade backfill settings */
  public BackfillOptions backfill() {
    return backfill;
  }

  /**
   * @return the directory of the collector's state (trade marks kept across restarts), relative
   *     to the working directory unless absolute; {@code null} when nothing is kept
   *     ({@code collector.state_dir} empty)
   */
  public Path stateDir() {
    return stateDir;
  }

  /**
   * @return how often the trade marks are written to the state directory, ms
   *     ({@code collector.state_save_interval_ms}): a crash loses at most this much of them
   */
  public long stateSaveIntervalMs() {
    return stateSaveIntervalMs;
  }

  /** @return REST requests in flight per exchange at most */
  public int restMaxInFlight() {
    return restMaxInFlight;
  }
}
