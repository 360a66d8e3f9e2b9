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
  private volatile String bearer;
  private volatile String apiKey;
  private volatile long timeoutMs = DEFAULT_TIMEOUT.toMillis();

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
    this.bearer = token;
    return this;
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

  /** Exchanges the API key for a JWT ({@code POST /api/v1/auth/token}) and uses it from now on. */
  public Future<String> login() {
    return send(http.post("/api/v1/auth/token")).map(body -> {
      bearer = body.getString("token");
      return bearer;
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
   * {@link #timeout(Duration)}. See {@link LiveStream} for unsubscribing, how it ends, and closing.
   */
  public Future<LiveStream> stream(List<String> subjects, Handler<MarketRecord> handler) {
    WebSocketConnectOptions o = new WebSocketConnectOptions().setHost(base.getHost())
        .setPort(base.getPort() < 0 ? 80 : base.getPort()).setURI("/ws/v1/stream")
        .setConnectTimeout(timeoutMs).setTimeout(timeoutMs);
    if (bearer != null) {
      o.addHeader("Authorization", "Bearer " + bearer);
    }
    if (apiKey != null) {
      o.addHeader("X-API-Key", apiKey);
    }
    long ms = timeoutMs;
    return ws.connect(o).recover(err -> Future.failedFuture(connectFailure(err, ms))).compose(socket -> {
      LiveStream stream = new LiveStream(socket, handler);
      return stream.subscribe(subjects).map(stream)
          .onFailure(refused -> socket.close());
    });
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
    if (bearer != null) {
      req.putHeader("Authorization", "Bearer " + bearer);
    }
    if (apiKey != null) {
      req.putHeader("X-API-Key", apiKey);
    }
    long ms = timeoutMs;
    req.connectTimeout(ms).idleTimeout(ms);
    return (json == null ? req.send() : req.sendJsonObject(json)).recover(err -> Future.failedFuture(
        isTimeout(err) ? new MarketPrismException(0, "timeout", "no answer from " + base + " within " + ms + " ms")
            : err)).compose(resp -> vertx.executeBlocking(() -> decode.apply(body(resp)), false));
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

  @Override
  public void close() {
    http.close();
    ws.close();
  }
}
