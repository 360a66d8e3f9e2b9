package io.marketprism.simulator;

import io.marketprism.simulator.fault.ConnectionFaults;
import io.marketprism.simulator.fault.Fault;
import io.marketprism.simulator.fault.FaultKind;
import io.marketprism.simulator.fault.RestFaults;
import io.marketprism.simulator.model.MarketListener;
import io.marketprism.simulator.model.Venue;
import io.marketprism.simulator.replay.ReplayMessage;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.ServerWebSocketHandshake;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * One simulated endpoint set (a venue) on its own port: WebSocket sessions with fault injection,
 * REST routes with REST faults, and {@code /sim/state}. Subclasses speak the exchange's protocol.
 */
public abstract class ExchangeServer implements MarketListener {

  /** Shared simulator state. */
  protected final ServerContext ctx;
  /** The venue served. */
  protected final Venue venue;
  /** Subscriptions of this server's sessions. */
  protected final TopicHub hub = new TopicHub();
  /** REST fault dice. */
  protected final RestFaults restFaults;
  private HttpServer server;
  private long messages;

  /**
   * @param ctx   shared state
   * @param venue the venue served
   */
  protected ExchangeServer(ServerContext ctx, Venue venue) {
    this.ctx = ctx;
    this.venue = venue;
    this.restFaults = new RestFaults(ctx.faults(), venue.exchange(), ctx.options().getSeed() * 31 + venue.ordinal(),
        ctx.faultStats());
  }

  /** The venue. */
  public Venue venue() {
    return venue;
  }

  /** The bound port, or -1 before start. */
  public int port() {
    return server == null ? -1 : server.actualPort();
  }

  /** Open WebSocket sessions. */
  public int sessionCount() {
    return hub.sessions().size();
  }

  /** Data messages this server produced for subscribers (before faults). */
  public long messages() {
    return messages;
  }

  /**
   * Binds the server.
   *
   * @param host interface
   * @param port port, 0 for ephemeral
   */
  public Future<ExchangeServer> listen(String host, int port) {
    Router router = Router.router(ctx.vertx());
    router.route().handler(rc -> {
      ctx.onClient().run();
      rc.next();
    });
    router.get("/sim/state").handler(ctx.stateHandler());
    routes(router);
    server = ctx.vertx().createHttpServer(new HttpServerOptions().setHost(host).setPort(port)
            .setMaxWebSocketFrameSize(4 * 1024 * 1024).setMaxWebSocketMessageSize(16 * 1024 * 1024))
        .webSocketHandshakeHandler(this::handshake)
        .requestHandler(router);
    // "Address already in use" alone does not say which of a simulator's ports (Binance has three)
    return server.listen().map(s -> this).recover(e -> Future.failedFuture(new IllegalStateException(
        venue().key() + " simulator cannot listen on " + host + ":" + port + ": " + e.getMessage(), e)));
  }

  /** Closes the server and its connections. */
  public Future<Void> close() {
    return server == null ? Future.succeededFuture() : server.close();
  }

  private void handshake(ServerWebSocketHandshake hs) {
    ctx.onClient().run();
    if (isWebSocketPath(hs.path())) {
      hs.accept().onSuccess(this::accepted);
    } else {
      hs.reject(404);
    }
  }

  private void accepted(ServerWebSocket ws) {
    long now = System.currentTimeMillis();
    long id = ctx.sessionIds().incrementAndGet();
    ConnectionFaults faults = new ConnectionFaults(ctx.faults(), venue.exchange(),
        ctx.options().getSeed() * 1_000_003L + id, ctx.faultStats(), now);
    FeedSession session = new FeedSession(ws, faults, id);
    hub.open(session);
    ws.closeHandler(v -> {
      session.markClosed();
      hub.remove(session);
      closed(session);
    });
    ws.exceptionHandler(err -> ws.close());
    ws.textMessageHandler(text -> {
      if (!session.stalled()) {
        onText(session, text);
      }
    });
    ws.pongHandler(b -> session.pong(System.currentTimeMillis()));
    if (faults.disconnectAfterMs() > 0) {
      ctx.vertx().setTimer(faults.disconnectAfterMs(), t -> {
        if (!session.closed()) {
          faults.countDisconnect();
          session.markClosed();
          ws.close();
        }
      });
    }
    opened(session, ws.path(), ws.query());
  }

  /** Sends a data message to every subscriber of a topic. */
  protected void publish(String topic, String text) {
    countMessage();
    for (FeedSession s : hub.subscribers(topic)) {
      s.sendData(text);
    }
  }

  /** Whether this server's exchange is being replayed from a capture (the model is not running for it). */
  protected boolean replaying() {
    return ctx.replay() != null && ctx.replay().exchanges().contains(venue.exchange());
  }

  /** Counts one produced data message. */
  protected void countMessage() {
    messages++;
  }

  /** Subscribes a session and tells the simulator (a replay may be waiting for its first client). */
  protected boolean subscribe(FeedSession session, String topic) {
    boolean added = hub.subscribe(session, topic);
    ctx.onSubscribe().run();
    return added;
  }

  /**
   * Applies REST faults: answers with 429/418 and returns true when one fires.
   *
   * @param rc   the request
   * @param body the exchange's error body for a status
   */
  public boolean rejectedRequest(RoutingContext rc, java.util.function.IntFunction<String> body) {
    Fault f = restFaults.rejection();
    if (f == null) {
      return false;
    }
    int status = f.kind() == FaultKind.REST_418 ? 418 : 429;
    rc.response().setStatusCode(status).putHeader("Retry-After", Long.toString(f.retryAfterS()))
        .putHeader("Content-Type", "application/json").end(body.apply(status));
    return true;
  }

  /** Sends a JSON body, after the slow-snapshot delay when {@code snapshot} is true. */
  public void respond(RoutingContext rc, int status, String body, boolean snapshot) {
    long delay = snapshot ? restFaults.snapshotDelayMs() : 0;
    Runnable send = () -> {
      if (!rc.response().ended() && !rc.response().closed()) {
        rc.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body);
      }
    };
    if (delay > 0) {
      ctx.vertx().setTimer(delay, t -> send.run());
    } else {
      send.run();
    }
  }

  /** Whether a WebSocket upgrade on this path is served. */
  protected abstract boolean isWebSocketPath(String path);

  /** A session opened on {@code path} with {@code query} (may be null). */
  protected abstract void opened(FeedSession session, String path, String query);

  /** A text frame from the client. */
  protected abstract void onText(FeedSession session, String text);

  /** A session closed (already removed from the hub). */
  protected void closed(FeedSession session) {
  }

  /** Installs the REST routes. */
  protected abstract void routes(Router router);

  /** Delivers a captured message to the sessions subscribed to its topic. */
  public void replay(ReplayMessage message) {
    publish(message.topic(), message.text());
  }
}
