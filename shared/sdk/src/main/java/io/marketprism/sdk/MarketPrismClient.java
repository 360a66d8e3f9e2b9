package io.marketprism.sdk;

import io.marketprism.model.DataType;
import io.marketprism.model.MarketRecord;
import io.marketprism.model.RecordJson;
import io.netty.channel.ConnectTimeoutException;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.core.buffer.Buffer;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.concurrent.TimeoutException;

/**
 * A client of the MarketPrism gateway (CONTRACT §5): stored records with cursor pagination,
 * OHLCV bars, the latest record, and the live stream.
 *
 * <pre>{@code
 * MarketPrismClient mp = MarketPrismClient.create(vertx, "http://127.0.0.1:8080");
 * mp.records(DataType.TRADE, new Query("binance", "spot", "BTC-USDT").start(t0).end(t1))
 *   .onSuccess(page -> page.records().forEach(System.out::println));
 * mp.stream(List.of("trade.binance.*.*"), record -> System.out.println(record))
 *   .onSuccess(stream -> stream.closed().onFailure(ended -> System.err.println("stream ended: " + ended)));
 * }</pre>
 *
 * Errors answered by the API fail the future with a {@link MarketPrismException} carrying the
 * status, code and message of the error JSON. A request that gets no answer within its timeout
 * ({@link #timeout(Duration)}, 30 s unless set) fails with a {@link MarketPrismException} of
 * status 0 and code {@code timeout}: no call waits for ever on a lost connection.
 */
public final class MarketPrismClient implements AutoCloseable {

  /** How long a request waits for its answer unless {@link #timeout(Duration)} says otherwise. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

  /**
   * The largest live-stream frame and message taken: the most the gateway's
   * {@code gateway.stream.max_frame_bytes} may be, since it sends each record as one message in
   * frames up to that size (256 KB by default). Vert.x's defaults (64 KB frames) cut the stream
   * on a deep book's record.
   */
  static final int MAX_STREAM_MESSAGE_BYTES = 64 * 1024 * 1024;

  private final Vertx vertx;
  private final WebClient http;
  private final WebSocketClient ws;
  private final URI base;
  private volatile TokenProvider tokens;
  private volatile String apiKey;
  private volatile long timeoutMs = DEFAULT_TIMEOUT.toMillis();
  private volatile Reconnect reconnect = Reconnect.DEFAULT;
  /** The streams not ended yet: closed with the client, or they would go on reconnecting through it. */
  private final java.util.Set<LiveStream> streams = java.util.concurrent.ConcurrentHashMap.newKeySet();

  private MarketPrismClient(Vertx vertx, URI base) {
    this.vertx = vertx;
    this.base = base;
    this.http = WebClient.create(vertx, new WebClientOptions().setKeepAlive(true)
        .setDefaultHost(base.getHost()).setDefaultPort(base.getPort() < 0 ? 80 : base.getPort()));
    this.ws = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxFrameSize(MAX_STREAM_MESSAGE_BYTES)
        .setMaxMessageSize(MAX_STREAM_MESSAGE_BYTES));
  }

  /** A client of the gateway at {@code baseUrl}, e.g. {@code http://127.0.0.1:8080}. */
  public static MarketPrismClient create(Vertx vertx, String baseUrl) {
    URI uri = URI.create(baseUrl);
    if (!"http".equals(uri.getScheme()) || uri.getHost() == null) {
      throw new IllegalArgumentException("base URL must be http://host:port, got " + baseUrl);
    }
    return new MarketPrismClient(vertx, uri);
  }

  /** Sends this API key ({@code X-API-Key}) with every request. */
  public MarketPrismClient apiKey(String key) {
    this.apiKey = key;
    return this;
  }

  /** Sends this JWT ({@code Authorization: Bearer}) with every request. */
  public MarketPrismClient bearer(String token) {
    this.tokens = token == null ? null : TokenProvider.fixed(token);
    return this;
  }

  /**
   * Sends a JWT of {@code provider} ({@code Authorization: Bearer}) with every request and stream
   * connection, asking it each time: for tokens that expire. A request or connection the gateway
   * refuses with 401 is made once more with a token asked with {@code refresh} true, unless an
   * {@link #apiKey} is set (the gateway then checks the key, not the token).
   */
  public MarketPrismClient bearer(TokenProvider provider) {
    this.tokens = provider;
    return this;
  }

  /**
   * Tokens from this gateway's {@code POST /api/v1/auth/token} for {@code apiKey}, each kept
   * until 80% of its lifetime passed, then exchanged again; give it to {@link #bearer(TokenProvider)}
   * so that the key travels once per token, not with every request. {@code ttl}, if not null,
   * asks for shorter-lived tokens than the gateway's {@code gateway.auth.jwt.ttl_seconds}.
   */
  public TokenProvider tokensFromApiKey(String apiKey, Duration ttl) {
    if (apiKey == null || apiKey.isEmpty()) {
      throw new IllegalArgumentException("apiKey must not be empty");
    }
    if (ttl != null && ttl.toSeconds() < 1) {
      throw new IllegalArgumentException("ttl must be at least 1 s, got " + ttl);
    }
    JsonObject asked = ttl == null ? null : new JsonObject().put("ttl_seconds", ttl.toSeconds());
    return new ApiKeyTokens(() -> send(http.post("/api/v1/auth/token"), asked, body -> body, apiKey, null));
  }

  /**
   * Fails a request that cannot connect, or gets no data of its answer, for this long (the gateway
   * answers 504 past its own backend timeout, 5 s by default, so this is for a gateway that cannot
   * be reached or a connection that went silent).
   */
  public MarketPrismClient timeout(Duration timeout) {
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive, got " + timeout);
    }
    this.timeoutMs = timeout.toMillis();
    return this;
  }

  /**
   * Exchanges the API key for a JWT ({@code POST /api/v1/auth/token}) and uses it from now on, as
   * a fixed token (it is not renewed when it expires: {@link #tokensFromApiKey} renews them).
   */
  public Future<String> login() {
    return send(http.post("/api/v1/auth/token")).map(body -> {
      String token = body.getString("token");
      bearer(token);
      return token;
    });
  }

  /** One page of stored records, oldest first; follow {@link Page#nextCursor()} for the next. */
  public Future<Page> records(DataType type, Query query) {
    HttpRequest<Buffer> req = http.get("/api/v1/storage/" + type.wire());
    query.applyTo(req);
    return send(req, null, body -> {
      List<MarketRecord> out = new ArrayList<>();
      for (Object o : body.getJsonArray("data", new JsonArray())) {
        out.add(RecordJson.parse(((JsonObject) o).encode()));
      }
      return new Page(out, body.getString("next_cursor"));
    });
  }

  /**
   * Every stored record of a query, page after page: {@code handler} gets each page, oldest first,
   * and the next is asked for once it returned, so a range of any size streams through in memory
   * of one page (hot and cold tiers alike: the API's cursor spans both). The future succeeds after
   * the last page; it fails with the first request's failure, or what the handler threw (no
   * further page is then asked for).
   */
  public Future<Void> forEachPage(DataType type, Query query, Handler<Page> handler) {
    Promise<Void> done = Promise.promise();
    nextPage(type, query, handler, done);
    return done.future();
  }

  private void nextPage(DataType type, Query query, Handler<Page> handler, Promise<Void> done) {
    records(type, query).onComplete(ar -> {
      if (ar.failed()) {
        done.fail(ar.cause());
        return;
      }
      Page page = ar.result();
      try {
        handler.handle(page);
      } catch (RuntimeException e) {
        done.fail(e);
        return;
      }
      if (page.nextCursor() == null) {
        done.complete();
      } else {
        nextPage(type, query.cursor(page.nextCursor()), handler, done);
      }
    });
  }

  /** Every stored record of a query in one list, page after page (mind the size of the range: see {@link #forEachPage}). */
  public Future<List<MarketRecord>> allRecords(DataType type, Query query) {
    List<MarketRecord> acc = new ArrayList<>();
    return forEachPage(type, query, page -> acc.addAll(page.records())).map(v -> acc);
  }

  /**
   * OHLCV bars computed from stored trades, oldest first, as the API's JSON objects
   * ({@code open_time_ms}, {@code open}, ... as in CONTRACT §3's kline); {@link #bars} gives them
   * typed. {@code interval} is 1m, 5m, 15m, 1h, 4h or 1d.
   */
  public Future<JsonArray> klines(Query query, String interval) {
    return send(klineRequest(query, interval), null, body -> body.getJsonArray("data", new JsonArray()));
  }

  /**
   * OHLCV bars computed from stored trades, oldest first, with exact decimal prices and volumes;
   * {@code interval} is 1m, 5m, 15m, 1h, 4h or 1d. The query's instrument must be complete and
   * its limit and cursor are not used (bars are not paged).
   */
  public Future<List<Bar>> bars(Query query, String interval) {
    return send(klineRequest(query, interval), null, body -> {
      List<Bar> out = new ArrayList<>();
      for (Object o : body.getJsonArray("data", new JsonArray())) {
        out.add(Bar.parse((JsonObject) o));
      }
      return out;
    });
  }

  private HttpRequest<Buffer> klineRequest(Query query, String interval) {
    HttpRequest<Buffer> req = http.get("/api/v1/storage/kline").addQueryParam("interval", interval);
    query.applyRangeTo(req);
    return req;
  }

  /** The newest record of a type for one instrument, from the latest cache. */
  public Future<MarketRecord> latest(DataType type, String exchange, String marketType, String symbol) {
    HttpRequest<Buffer> req = http.get("/api/v1/storage/latest/" + type.wire()).addQueryParam("exchange", exchange)
        .addQueryParam("market_type", marketType).addQueryParam("symbol", symbol);
    return send(req, null, body -> RecordJson.parse(body.encode()));
  }

  /** Rows and bytes per table and tier ({@code GET /api/v1/storage/stats}): {@code {"hot_engine", "retention_days", "tables": [...]}}. */
  public Future<JsonObject> stats() {
    return send(http.get("/api/v1/storage/stats"));
  }

  /**
   * Moves the hot records older than {@code beforeEpochMs} to the cold tier, verified
   * ({@code POST /api/v1/storage/archive}, admin: needs an admin {@link #apiKey} or {@link #bearer}
   * token). Queries span both tiers before and after. It can take minutes: give the client a
   * {@link #timeout(Duration)} to match.
   *
   * @return the archive run's report
   */
  public Future<JsonObject> archive(long beforeEpochMs) {
    return send(http.post("/api/v1/storage/archive"), new JsonObject().put("before", beforeEpochMs), body -> body);
  }

  /**
   * Opens the live stream and subscribes to {@code subjects} (NATS wildcards); each record goes
   * to {@code handler}, on this client's event loop. The future succeeds once the gateway
   * acknowledged the subscription, and fails with a {@link MarketPrismException}: the gateway's
   * status and message when it refused the connection (401, 429, ...), code {@code stream_error}
   * when it refused the subscription, code {@code timeout} when no handshake came within the
   * {@link #timeout(Duration)}. Once open, the stream reconnects as {@link #reconnect} says
   * (by default it does). See {@link LiveStream} for unsubscribing, reconnection and its gaps,
   * how it ends, and closing.
   */
  public Future<LiveStream> stream(List<String> subjects, Handler<MarketRecord> handler) {
    LiveStream stream = new LiveStream(vertx, this::connectStream, reconnect, handler, timeoutMs);
    streams.add(stream);
    stream.closed().onComplete(ended -> streams.remove(stream));
    return stream.open(subjects);
  }

  /**
   * How the streams opened from now on reconnect after losing their connection:
   * {@link Reconnect#DEFAULT} unless set, {@link Reconnect#DISABLED} for none.
   */
  public MarketPrismClient reconnect(Reconnect policy) {
    this.reconnect = java.util.Objects.requireNonNull(policy, "policy");
    return this;
  }

  /**
   * A WebSocket to {@code /ws/v1/stream} with the credentials of now (a token asked anew), made
   * once more with a refreshed token when the gateway refuses the token with 401.
   */
  private Future<WebSocket> connectStream() {
    String key = apiKey;
    TokenProvider provider = tokens;
    long ms = timeoutMs;
    boolean mayRefresh = provider != null && key == null;
    return token(provider, false).compose(token -> connectStream(key, token, ms).recover(err ->
        !mayRefresh || !(err instanceof MarketPrismException e) || e.status() != 401 ? Future.failedFuture(err)
            : token(provider, true).compose(fresh -> fresh == null || fresh.equals(token) ? Future.failedFuture(err)
                : connectStream(key, fresh, ms))));
  }

  private Future<WebSocket> connectStream(String key, String token, long ms) {
    WebSocketConnectOptions o = new WebSocketConnectOptions().setHost(base.getHost())
        .setPort(base.getPort() < 0 ? 80 : base.getPort()).setURI("/ws/v1/stream")
        .setConnectTimeout(ms).setTimeout(ms);
    if (token != null) {
      o.addHeader("Authorization", "Bearer " + token);
    }
    if (key != null) {
      o.addHeader("X-API-Key", key);
    }
    return ws.connect(o).recover(err -> Future.failedFuture(connectFailure(err, ms)));
  }

  /** The failure of a stream's connection as a {@link MarketPrismException} where the gateway said why. */
  private Throwable connectFailure(Throwable err, long ms) {
    if (err instanceof UpgradeRejectedException rejected) {
      Buffer b = rejected.getBody();
      JsonObject body;
      try {
        body = b == null || b.length() == 0 ? null : b.toJsonObject();
      } catch (RuntimeException notJson) {
        body = null;
      }
      JsonObject e = body == null ? new JsonObject() : body.getJsonObject("error", new JsonObject());
      return new MarketPrismException(rejected.getStatus(), e.getString("code", "error"),
          e.getString("message", "HTTP " + rejected.getStatus()),
          e.getString("request_id", rejected.getHeaders().get("X-Request-Id")),
          retryAfter(rejected.getHeaders().get("Retry-After")));
    }
    if (isTimeout(err)) {
      return new MarketPrismException(0, "timeout", "no stream handshake from " + base + " within " + ms + " ms");
    }
    return err;
  }

  private Future<JsonObject> send(HttpRequest<Buffer> req) {
    return send(req, null, body -> body);
  }

  /**
   * Sends the request, with {@code json} as its body unless null, and reads its answer with
   * {@code decode}. The answer is decoded on a worker thread, not the event loop: a page of 10,000
   * records is megabytes of JSON, whose parsing would hold up every other request and stream of
   * the loop (and the gateway drops a stream client that reads too slowly).
   */
  private <T> Future<T> send(HttpRequest<Buffer> req, JsonObject json, Function<JsonObject, T> decode) {
    return send(req, json, decode, apiKey, tokens);
  }

  /**
   * {@link #send(HttpRequest, JsonObject, Function)} with these credentials (either may be null);
   * a 401 to a token is answered by one more try with a refreshed token, if it is another.
   */
  private <T> Future<T> send(HttpRequest<Buffer> req, JsonObject json, Function<JsonObject, T> decode, String key,
                             TokenProvider provider) {
    if (key != null) {
      req.putHeader("X-API-Key", key);
    }
    long ms = timeoutMs;
    req.connectTimeout(ms).idleTimeout(ms);
    boolean mayRefresh = provider != null && key == null;
    return token(provider, false).compose(token -> sendOnce(req, json, token, ms).compose(resp ->
        resp.statusCode() != 401 || !mayRefresh ? Future.succeededFuture(resp)
            : token(provider, true).compose(fresh -> fresh == null || fresh.equals(token) ? Future.succeededFuture(resp)
                : sendOnce(req, json, fresh, ms))))
        .compose(resp -> vertx.executeBlocking(() -> decode.apply(body(resp)), false));
  }

  private Future<HttpResponse<Buffer>> sendOnce(HttpRequest<Buffer> req, JsonObject json, String token, long ms) {
    if (token == null) {
      req.headers().remove("Authorization");
    } else {
      req.putHeader("Authorization", "Bearer " + token);
    }
    return (json == null ? req.send() : req.sendJsonObject(json)).recover(err -> Future.failedFuture(
        isTimeout(err) ? new MarketPrismException(0, "timeout", "no answer from " + base + " within " + ms + " ms")
            : err));
  }

  /** @return the provider's token (null without a provider); a provider that throws or fails fails the request */
  private static Future<String> token(TokenProvider provider, boolean refresh) {
    if (provider == null) {
      return Future.succeededFuture();
    }
    try {
      Future<String> t = provider.token(refresh);
      return t == null ? Future.failedFuture(new IllegalStateException("the token provider returned no future")) : t;
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }

  /** @return the answer's JSON object; throws a {@link MarketPrismException} for an API error or a body that is not one */
  private static JsonObject body(HttpResponse<Buffer> resp) {
    JsonObject body;
    try {
      body = resp.bodyAsJsonObject();
    } catch (RuntimeException e) {
      throw new MarketPrismException(resp.statusCode(), "bad_response", "not a JSON object: " + resp.bodyAsString());
    }
    if (resp.statusCode() >= 400) {
      JsonObject err = body == null ? new JsonObject() : body.getJsonObject("error", new JsonObject());
      throw new MarketPrismException(resp.statusCode(), err.getString("code", "error"),
          err.getString("message", "HTTP " + resp.statusCode()),
          err.getString("request_id", resp.getHeader("X-Request-Id")), retryAfter(resp.getHeader("Retry-After")));
    }
    return body == null ? new JsonObject() : body;
  }

  /** @return whether the failure is a timeout: of the connection (Netty's) or of the answer (Vert.x's) */
  private static boolean isTimeout(Throwable err) {
    return err instanceof TimeoutException || err instanceof ConnectTimeoutException;
  }

  /** @return a {@code Retry-After} of delay-seconds (what the gateway sends), or null when absent or not one */
  private static Duration retryAfter(String header) {
    if (header == null) {
      return null;
    }
    try {
      long seconds = Long.parseLong(header.trim());
      return seconds < 0 ? null : Duration.ofSeconds(seconds);
    } catch (NumberFormatException httpDate) {
      return null;
    }
  }

  /** Closes the client and its live streams (which then stop reconnecting). */
  @Override
  public void close() {
    streams.forEach(LiveStream::close);
    http.close();
    ws.close();
  }
}
