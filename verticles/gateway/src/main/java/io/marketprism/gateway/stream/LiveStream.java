package io.marketprism.gateway.stream;

import io.marketprism.model.SubjectPattern;
import io.marketprism.platform.bus.BusMessage;
import io.marketprism.platform.bus.LiveDrops;
import io.marketprism.platform.bus.RecordBus;
import io.marketprism.platform.bus.RecordConsumer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.internal.http.WebSocketInternal;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * {@code GET /ws/v1/stream} (CONTRACT §5): live records from the bus, fanned out to WebSocket
 * clients by NATS-style subject patterns.
 *
 * <p>Protocol, text frames of JSON: the client sends
 * {@code {"op":"subscribe","subjects":["trade.binance.spot.BTC-USDT","orderbook.okx.*.*"]}} or
 * {@code "unsubscribe"} with the same shape, and gets {@code {"op":"subscribed"|"unsubscribed",
 * "subjects":[...]}} back, then each matching record as one text frame (its JSON, CONTRACT §3).
 * A {@code subscribed} goes out once the bus delivers to the gateway (on NATS: once the server
 * has its subscription), so every record published after the client read it reaches the client;
 * answers keep the order of the requests.
 * A bad request (a pattern that can never match a record's subject, a request over the server's
 * WebSocket message size limit too) gets
 * {@code {"op":"error","message":...}} and the connection stays open; so does an
 * {@code unsubscribe} naming a pattern the client has not subscribed (patterns are compared as
 * strings, a narrower one under a subscribed wider one is not subscribed), which then changes
 * nothing. Subscribing a pattern the client already has is acknowledged and changes nothing, so
 * it never runs into the cap of {@code maxSubscriptions} patterns.
 *
 * <p>One bus subscription ({@code >}) serves all clients of this gateway while any has a pattern;
 * each record is matched against each client's patterns and written once per client however
 * many of its patterns match. A client that cannot keep up (more than {@code maxQueuedBytes}
 * waiting in its socket for longer than {@code slowGraceMs}, or {@code maxQueuedMessagesWhileFull}
 * more records, or more than {@code maxQueuedBytesWhileFull} bytes of them, arriving meanwhile) is closed with status 1008 and the reason, so it never slows
 * the others nor grows memory without bound; one that has not read up to that close frame
 * {@code closeTimeoutMs} later loses its connection.
 *
 * <p>Credentials are checked at the upgrade only, so a client connected with a token would keep
 * its stream past the token's {@code exp}: at that instant it is closed with
 * {@value #CREDENTIAL_EXPIRED_STATUS} and reason {@code token expired} (the HTTP 401 of the
 * upgrade, in the range RFC 6455 leaves to applications), counted and logged; it connects again
 * with a fresh token.
 *
 * <p>While the gateway's own bus connection is down (NATS, in server mode) no record reaches it,
 * and its clients would only hear silence: each is sent
 * {@code {"op":"notice","bus":"down","down_at_ms":T,"message":...}} when it is lost (or on
 * connecting while it is), and {@code {"op":"notice","bus":"up","down_at_ms":T,"up_at_ms":U,
 * "message":...}} once it is back, so they know records published between the two (gateway's
 * clock) may be missing, to fetch from storage.
 *
 * <p>Likewise when this stream's event loop was behind its bus subscription by more than its bound
 * ({@code bus.*.live_max_pending_bytes}): the subscription dropped records for every client, and
 * once the loop has caught up with what it held (at most once a second) each client whose patterns
 * match a dropped record's subject (every client, past {@link LiveDrops#MAX_SUBJECTS} subjects) gets
 * {@code {"op":"notice","dropped":N,"from_ms":T1,"to_ms":T2,"message":...}}: N records of any
 * subject, dropped between T1 and T2 (gateway's clock). They are counted in
 * {@code marketprism_stream_dropped_total} and logged.
 */
public final class LiveStream {

  /** Close status for a client dropped because it reads too slowly (policy violation). */
  public static final short SLOW_CLIENT_STATUS = 1008;
  /** Close status for a client that answered no ping for two intervals (gone, as far as the gateway can tell). */
  public static final short GONE_STATUS = 1001;
  /** Close status for a client that sent a frame over the size limit. */
  public static final short MESSAGE_TOO_BIG_STATUS = 1009;
  /** Close status for a client whose credential (its token) expired: 4000 + HTTP's 401. */
  public static final short CREDENTIAL_EXPIRED_STATUS = 4401;
  private static final Logger LOG = LoggerFactory.getLogger(LiveStream.class);

  private final RecordBus bus;
  private final StreamOptions options;
  private final Map<ServerWebSocket, Client> clients = new ConcurrentHashMap<>();
  private final AtomicInteger connected;
  private final Counter delivered;
  private final Counter slowDropped;
  private final Counter expired;
  private final Counter busDropped;
  private Future<RecordConsumer> subscription;
  /** Since when the bus has been unreachable (epoch ms), 0 while it is reachable. */
  private long busDownAtMs;
  private io.vertx.core.Vertx pingVertx;
  private long pingTimer = -1;

  /** A stream that alone serves its process's clients. */
  public LiveStream(RecordBus bus, StreamOptions options, MeterRegistry meters) {
    this(bus, options, meters, new AtomicInteger());
  }

  /**
   * @param connected the clients of every stream of this process (a gateway runs one verticle,
   *                  each with its stream, per event loop): counted in the gauge and against
   *                  {@code maxClients} together
   */
  public LiveStream(RecordBus bus, StreamOptions options, MeterRegistry meters, AtomicInteger connected) {
    this.bus = bus;
    this.options = options;
    this.connected = connected;
    this.delivered = Counter.builder("marketprism_stream_messages_total").description("records sent to stream clients")
        .register(meters);
    this.slowDropped = Counter.builder("marketprism_stream_slow_clients_total")
        .description("stream clients closed because they read too slowly").register(meters);
    this.expired = Counter.builder("marketprism_stream_expired_clients_total")
        .description("stream clients closed because their token expired").register(meters);
    this.busDropped = Counter.builder("marketprism_stream_dropped_total")
        .description("records the gateway's bus subscription dropped, its event loop behind by more than "
            + "bus.*.live_max_pending_bytes (counted once the loop caught up)").register(meters);
    // the first stream's gauge is the one registered: it reads the count they share
    Gauge.builder("marketprism_stream_clients", connected, AtomicInteger::get)
        .description("stream clients connected to this gateway").register(meters);
    busDownAtMs = bus.connected() ? 0 : System.currentTimeMillis();
    bus.connectionHandler(this::onBusConnection);
  }

  /** Tells every client that the bus went away or came back (see the class comment). */
  private void onBusConnection(boolean up) {
    long now = System.currentTimeMillis();
    JsonObject notice;
    if (up) {
      if (busDownAtMs == 0) {
        return; // the first connect, or a change nobody was told the other half of
      }
      notice = new JsonObject().put("op", "notice").put("bus", "up").put("down_at_ms", busDownAtMs).put("up_at_ms", now)
          .put("message", "the gateway's bus connection is back: records published from down_at_ms to up_at_ms may"
              + " be missing");
      busDownAtMs = 0;
    } else {
      if (busDownAtMs != 0) {
        return;
      }
      busDownAtMs = now;
      notice = busDownNotice();
    }
    LOG.info("live stream: the bus is {}, telling {} clients", up ? "back" : "down", clients.size());
    clients.values().forEach(c -> c.notice(notice));
  }

  /** Tells the clients that may have missed some of {@code drops} (see the class comment). */
  private void onDrops(LiveDrops drops) {
    busDropped.increment(drops.count());
    JsonObject notice = new JsonObject().put("op", "notice").put("dropped", drops.count())
        .put("from_ms", drops.fromMs()).put("to_ms", drops.toMs())
        .put("message", "the gateway fell behind its bus and dropped " + drops.count() + " records (of any subject)"
            + " published from from_ms to to_ms: those your patterns match are missing");
    int told = 0;
    for (Client c : clients.values()) {
      if (c.mayHaveMissed(drops)) {
        c.notice(notice);
        told++;
      }
    }
    LOG.warn("live stream: its bus subscription dropped {} records from {} to {} (its event loop was behind), "
        + "telling {} clients", drops.count(), drops.fromMs(), drops.toMs(), told);
  }

  private JsonObject busDownNotice() {
    return new JsonObject().put("op", "notice").put("bus", "down").put("down_at_ms", busDownAtMs)
        .put("message", "the gateway lost its bus connection: records published until a notice of bus up may be"
            + " missing");
  }

  /** Takes over an upgraded WebSocket whose credential does not expire (or that had none). */
  public void accept(ServerWebSocket ws) {
    accept(ws, 0);
  }

  /**
   * Takes over an upgraded WebSocket; refuses it (1013) when this process's client limit is reached.
   *
   * @param credentialExpiresAtMs when the credential it was admitted with expires (epoch ms; 0:
   *                              never): it is closed then
   */
  public void accept(ServerWebSocket ws, long credentialExpiresAtMs) {
    if (connected.incrementAndGet() > options.maxClients()) {
      connected.decrementAndGet();
      ws.close((short) 1013, "too many stream clients (" + options.maxClients() + ")");
      return;
    }
    ws.setWriteQueueMaxSize(options.maxQueuedBytes());
    Client client = new Client(ws);
    clients.put(ws, client);
    client.expireAt(credentialExpiresAtMs);
    if (busDownAtMs != 0) {
      client.notice(busDownNotice());
    }
    startPinging();
    ws.pongHandler(b -> client.heardAt = System.currentTimeMillis());
    ws.textMessageHandler(text -> {
      client.heardAt = System.currentTimeMillis();
      client.onRequest(text);
    });
    ws.binaryMessageHandler(b -> client.error("send JSON text frames"));
    ws.closeHandler(v -> remove(ws));
    ws.exceptionHandler(client::onException);
  }

  /** Number of connected clients. */
  public int clients() {
    return clients.size();
  }

  /**
   * The figures of the gateway's {@code stream} health check, for this process (every stream's):
   * {@code clients} connected and records its bus subscriptions {@code dropped} (as in
   * {@code marketprism_stream_dropped_total}: told once a stream's loop caught up).
   */
  public JsonObject status() {
    return new JsonObject().put("clients", connected.get()).put("dropped", (long) busDropped.count());
  }

  /**
   * Pings the clients every {@code pingIntervalMs} from the first one on (on the event loop that
   * accepted it) and closes those heard nothing from for two intervals: a peer gone without a FIN
   * on a quiet pattern is never written to, so no write fails and no queue fills to show it.
   */
  private void startPinging() {
    io.vertx.core.Context context = io.vertx.core.Vertx.currentContext();
    if (pingTimer >= 0 || options.pingIntervalMs() <= 0 || context == null) {
      return;
    }
    pingVertx = context.owner();
    pingTimer = pingVertx.setPeriodic(options.pingIntervalMs(), t -> {
      long now = System.currentTimeMillis();
      for (Client c : clients.values()) {
        if (now - c.heardAt > 2 * options.pingIntervalMs()) {
          LOG.info("closing stream client {}: nothing heard from it for {} ms", c.ws.remoteAddress(), now - c.heardAt);
          remove(c.ws);
          c.closing = true;
          c.ws.close(GONE_STATUS, "no pong for " + (now - c.heardAt) + " ms: connection presumed lost");
          c.cutAfterCloseTimeout();
        } else if (!c.closing) {
          c.ws.writePing(Buffer.buffer());
        }
      }
    });
  }

  /** Closes every client and the bus subscription. */
  public Future<Void> close() {
    if (pingTimer >= 0) {
      pingVertx.cancelTimer(pingTimer);
      pingTimer = -1;
    }
    clients.keySet().forEach(ws -> {
      forget(ws);
      ws.close((short) 1001, "gateway stopping");
    });
    return unsubscribeBus();
  }

  private void remove(ServerWebSocket ws) {
    if (forget(ws)) {
      unsubscribeBusIfUnwanted();
    }
  }

  /** Ends the bus subscription when no client has a pattern left: it would carry every record for nobody. */
  private void unsubscribeBusIfUnwanted() {
    if (clients.values().stream().allMatch(c -> c.patterns.isEmpty())) {
      unsubscribeBus();
    }
  }

  /** @return whether the client was still known (it is counted off once) */
  private boolean forget(ServerWebSocket ws) {
    Client c = clients.remove(ws);
    if (c == null) {
      return false;
    }
    c.cancelExpiry();
    connected.decrementAndGet();
    return true;
  }

  /** @return completes when the bus delivers to this stream (NATS: the server has the subscription) */
  private synchronized Future<RecordConsumer> ensureBusSubscription() {
    if (subscription == null) {
      subscription = bus.subscribe(">", this::fanOut, this::onDrops);
      subscription.onFailure(err -> {
        LOG.warn("live stream cannot subscribe to the bus: {}", err.getMessage());
        synchronized (this) {
          subscription = null;
        }
      });
    }
    return subscription;
  }

  private synchronized Future<Void> unsubscribeBus() {
    Future<RecordConsumer> s = subscription;
    subscription = null;
    return s == null ? Future.succeededFuture() : s.compose(RecordConsumer::close).recover(e -> Future.succeededFuture());
  }

  private void fanOut(BusMessage msg) {
    Buffer frame = null;
    for (Client c : clients.values()) {
      if (c.wants(msg.subject())) {
        if (frame == null) {
          frame = Buffer.buffer(msg.json());
        }
        try {
          c.send(frame);
        } catch (IllegalStateException closedMeanwhile) {
          // its socket closed before its close handler ran: forget it, the others still get the record
          remove(c.ws);
        }
      }
    }
  }

  /** One connected WebSocket client and its patterns. */
  private final class Client {
    final ServerWebSocket ws;
    final Map<String, SubjectPattern> patterns = new LinkedHashMap<>();
    boolean closing;
    /** When a pong or a request last came from it. */
    long heardAt = System.currentTimeMillis();
    /** The last answer written or waiting: answers go out in the order of the requests. */
    Future<Void> answers = Future.succeededFuture();
    long fullSince;
    int writtenWhileFull;
    /** Bytes written since its queue became full: bounded by {@code maxQueuedBytesWhileFull}. */
    long bytesWhileFull;
    io.vertx.core.Vertx expiryVertx;
    long expiryTimer = -1;

    Client(ServerWebSocket ws) {
      this.ws = ws;
    }

    /** Closes it at {@code atMs} (epoch ms, 0: never), on the event loop that accepted it. */
    void expireAt(long atMs) {
      io.vertx.core.Context context = io.vertx.core.Vertx.currentContext();
      if (atMs <= 0 || context == null) {
        return;
      }
      expiryVertx = context.owner();
      expiryTimer = expiryVertx.setTimer(Math.max(1, atMs - System.currentTimeMillis()), t -> {
        expiryTimer = -1;
        if (closing || !clients.containsKey(ws)) {
          return;
        }
        closing = true;
        expired.increment();
        LOG.info("closing stream client {}: its token expired", ws.remoteAddress());
        remove(ws);
        ws.close(CREDENTIAL_EXPIRED_STATUS, "token expired");
        cutAfterCloseTimeout();
      });
    }

    /** Writes a notice of the gateway's state at once (it answers no request). */
    void notice(JsonObject notice) {
      if (closing || ws.isClosed()) {
        return;
      }
      try {
        ws.writeTextMessage(notice.encode());
      } catch (IllegalStateException closedMeanwhile) {
        remove(ws);
      }
    }

    void cancelExpiry() {
      if (expiryTimer >= 0) {
        expiryVertx.cancelTimer(expiryTimer);
        expiryTimer = -1;
      }
    }

    /** @return whether a record of one of its patterns may be among {@code drops} */
    boolean mayHaveMissed(LiveDrops drops) {
      if (drops.subjects() == null) {
        return true;
      }
      for (String subject : drops.subjects()) {
        if (wants(subject)) {
          return true;
        }
      }
      return false;
    }

    boolean wants(String subject) {
      for (SubjectPattern p : patterns.values()) {
        if (p.matches(subject)) {
          return true;
        }
      }
      return false;
    }

    void send(Buffer frame) {
      if (closing) {
        return;
      }
      if (ws.isClosed()) {
        remove(ws);
        return;
      }
      if (ws.writeQueueFull()) {
        // a burst may fill the queue of a healthy client for a moment: only a queue that stays
        // full for the grace period, or grows to the hard bound, marks a slow client
        long now = System.currentTimeMillis();
        if (fullSince == 0) {
          fullSince = now;
          ws.drainHandler(v -> {
            fullSince = 0;
            writtenWhileFull = 0;
            bytesWhileFull = 0;
          });
        }
        // bounded in bytes too: 20,000 records of order books are a hundred megabytes
        bytesWhileFull += frame.length();
        if (now - fullSince < options.slowGraceMs() && ++writtenWhileFull < options.maxQueuedMessagesWhileFull()
            && bytesWhileFull <= options.maxQueuedBytesWhileFull()) {
          ws.writeTextMessage(frame.toString());
          delivered.increment();
          return;
        }
        closing = true;
        slowDropped.increment();
        String reason = "slow consumer: more than " + options.maxQueuedBytes() + " bytes waiting for "
            + (now - fullSince) + " ms";
        LOG.info("closing stream client {}: {}", ws.remoteAddress(), reason);
        // forget it now: its close handshake waits behind the queue it does not read
        remove(ws);
        ws.close(SLOW_CLIENT_STATUS, reason);
        cutAfterCloseTimeout();
        return;
      }
      ws.writeTextMessage(frame.toString());
      delivered.increment();
    }

    /**
     * A request over the server's WebSocket message size limit reaches here, not the text
     * handler: Vert.x drops it and keeps the connection open, so it is answered like any bad
     * request and the client keeps its patterns. A frame over the frame size limit cannot be
     * skipped (its length is all that was read of it), so the connection is closed, as RFC 6455
     * says, with 1009 and the limit; Vert.x alone would drop it without a close frame (1006).
     * Anything else ends the client.
     */
    void onException(Throwable err) {
      if (err instanceof IllegalStateException && !ws.isClosed()) {
        error("request too large, not read: " + err.getMessage());
        return;
      }
      if (err instanceof CorruptedWebSocketFrameException e && e.closeStatus() == WebSocketCloseStatus.MESSAGE_TOO_BIG
          && !ws.isClosed()) {
        LOG.info("closing stream client {}: a frame over {} bytes", ws.remoteAddress(), options.maxFrameBytes());
        ws.close(MESSAGE_TOO_BIG_STATUS, "frame too large: over " + options.maxFrameBytes() + " bytes");
      }
      remove(ws);
    }

    /**
     * Vert.x starts its closing timeout only once the close frame is written, which for a client
     * that does not read is never: the connection, and the queue it holds in this process, would
     * stay for as long as the client does. It gets {@code closeTimeoutMs} to read up to its close
     * frame; then its connection is cut.
     */
    void cutAfterCloseTimeout() {
      WebSocketInternal internal = internal(ws);
      if (internal != null) {
        ChannelHandlerContext ctx = internal.channelHandlerContext();
        ctx.executor().schedule(() -> {
          if (ctx.channel().isOpen()) {
            LOG.info("cutting stream client {}: it did not read its close frame in {} ms", ws.remoteAddress(),
                options.closeTimeoutMs());
            ctx.close(); // from Vert.x's own handler outwards: not again its close handshake
          }
        }, options.closeTimeoutMs(), TimeUnit.MILLISECONDS);
      }
    }

    void onRequest(String text) {
      JsonObject req;
      try {
        req = new JsonObject(text);
      } catch (RuntimeException e) {
        error("not a JSON object: " + abbreviate(text));
        return;
      }
      String op = req.getValue("op") instanceof String s ? s : null;
      if ("ping".equals(op)) {
        answer(new JsonObject().put("op", "pong"));
        return;
      }
      if (!"subscribe".equals(op) && !"unsubscribe".equals(op)) {
        error("op must be subscribe, unsubscribe or ping");
        return;
      }
      List<String> subjects = new ArrayList<>();
      if (!(req.getValue("subjects") instanceof JsonArray arr) || arr.isEmpty()) {
        error("subjects must be a non-empty list of subject patterns");
        return;
      }
      for (Object o : arr) {
        if (!(o instanceof String s)) {
          error("subjects must be strings");
          return;
        }
        try {
          SubjectPattern p = SubjectPattern.parse(s);
          if ("subscribe".equals(op)) {
            p.requireRecordSubjects();
          }
        } catch (IllegalArgumentException e) {
          error(e.getMessage());
          return;
        }
        subjects.add(s);
      }
      if ("subscribe".equals(op)) {
        // re-subscribing a pattern the client has is idempotent: only new patterns count to the cap
        Set<String> added = new LinkedHashSet<>(subjects);
        added.removeAll(patterns.keySet());
        if (added.size() + patterns.size() > options.maxSubscriptions()) {
          error("at most " + options.maxSubscriptions() + " subject patterns per connection");
          return;
        }
        subjects.forEach(s -> patterns.put(s, SubjectPattern.parse(s)));
        // acknowledged once the bus delivers: a record published after the answer reaches the client
        answer(ensureBusSubscription(), ar -> {
          if (ar.succeeded()) {
            return new JsonObject().put("op", "subscribed").put("subjects", new JsonArray(subjects));
          }
          added.forEach(patterns::remove);
          return new JsonObject().put("op", "error").put("message", "cannot subscribe now, the bus refused: "
              + ar.cause().getMessage());
        });
      } else {
        // patterns are removed as they were subscribed, never matched against each other: a
        // narrower pattern under a subscribed wider one is not subscribed. All or nothing.
        List<String> unknown = subjects.stream().filter(s -> !patterns.containsKey(s)).distinct().toList();
        if (!unknown.isEmpty()) {
          error("not subscribed: " + String.join(", ", unknown) + " (subscribed: "
              + (patterns.isEmpty() ? "none" : String.join(", ", patterns.keySet())) + ")");
          return;
        }
        subjects.forEach(patterns::remove);
        if (patterns.isEmpty()) {
          unsubscribeBusIfUnwanted();
        }
        answer(new JsonObject().put("op", "unsubscribed").put("subjects", new JsonArray(subjects)));
      }
    }

    void error(String message) {
      answer(new JsonObject().put("op", "error").put("message", message));
    }

    void answer(JsonObject message) {
      answer(Future.succeededFuture(), ar -> message);
    }

    /** Writes {@code message} of what {@code ready} gave once it and every answer before it are out. */
    void answer(Future<?> ready, Function<AsyncResult<?>, JsonObject> message) {
      answers = answers.transform(previous -> ready.transform(ar -> {
        ws.writeTextMessage(message.apply(ar).encode());
        return Future.<Void>succeededFuture();
      }));
    }
  }

  /**
   * Vert.x's own socket, which reaches its connection: the socket itself, or under vertx-web's
   * wrapper (a router's upgrade returns one, with no accessor for what it wraps).
   *
   * @return it, or null when {@code ws} is neither
   */
  static WebSocketInternal internal(ServerWebSocket ws) {
    Object s = ws;
    for (int depth = 0; depth < 3; depth++) {
      if (s instanceof WebSocketInternal internal) {
        return internal;
      }
      try {
        Field delegate = s.getClass().getDeclaredField("delegate");
        delegate.setAccessible(true);
        s = delegate.get(s);
      } catch (ReflectiveOperationException | RuntimeException notAWrapper) {
        return null;
      }
    }
    return null;
  }

  private static String abbreviate(String s) {
    return s.length() <= 80 ? s : s.substring(0, 80) + "…";
  }
}
