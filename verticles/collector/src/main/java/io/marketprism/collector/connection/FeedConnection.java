package io.marketprism.collector.connection;

import io.marketprism.model.Micros;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.http.WebSocketFrameType;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One exchange WebSocket that stays up: it reconnects with exponential backoff and jitter after a
 * close, an error, a failed handshake or a stale stream (no frame for the idle timeout), and
 * proactively once it reaches its maximum age. Client messages go through a queue drained at a
 * bounded rate (exchanges cut clients that subscribe too fast).
 *
 * <p>Server pings are answered by Vert.x itself (its WebSocket sends the pong for every ping
 * frame); this class never pings on its own — protocols that need a text ping do it from
 * {@link Listener#tick}. One periodic timer lives for the whole life of the object, whatever the
 * number of reconnects, and {@link #stop()} cancels every timer and closes the socket.
 *
 * <p>A tick that comes much later than its period means this process did not run (a GC pause, a
 * starved or frozen JVM): the idle clock and the owner's deadlines are moved by the pause, so our
 * own silence is not taken for a dead exchange. Frames still arriving on a socket already given
 * up are handed to {@link Listener#stray} (and counted), never dropped unseen.
 *
 * <p>Used on one Vert.x context only (the verticle's).
 */
public final class FeedConnection {

  /** What the owner of the connection is told. All calls come on the connection's context. */
  public interface Listener {
    /** The socket just opened (subscribe here). */
    void opened(FeedConnection connection);

    /**
     * A text frame.
     *
     * @param frame the frame
     * @param recvTsUs receive time, epoch µs
     */
    void text(String frame, long recvTsUs);

    /**
     * The socket closed or failed; a reconnect is scheduled unless the connection was stopped.
     *
     * @param reason why, for the log and the status
     */
    void closed(FeedConnection connection, String reason);

    /** Called every tick while the connection exists, open or not. */
    void tick(long nowMs);

    /**
     * A text frame that arrived on a socket this connection already gave up (closed or replaced):
     * it is not part of the live stream any more, but it was received and must be accounted for.
     *
     * @param frame the frame
     */
    default void stray(String frame) {
    }

    /**
     * The connection's context did not run for {@code pausedMs} (a GC pause, a starved or frozen
     * process): no frame could be read meanwhile, so deadlines measured across the pause are moved
     * by that much instead of blaming the exchange for our own silence.
     *
     * @param pausedMs how long the context was not running, beyond the tick period
     */
    default void paused(long pausedMs) {
    }
  }

  private static final Logger LOG = LoggerFactory.getLogger(FeedConnection.class);
  /** A tick later than this (and than four tick periods) means the context was not running. */
  private static final long PAUSE_THRESHOLD_MS = 250;

  private final Vertx vertx;
  private final WebSocketClient client;
  private final String id;
  private final String url;
  private final ConnectionOptions options;
  private final Listener listener;
  private final Backoff backoff;
  private final ArrayDeque<String> outbox = new ArrayDeque<>();
  private ConnectionState state = ConnectionState.RECONNECTING;
  private WebSocket socket;
  private int epoch;
  private long tickTimer = -1;
  private long reconnectTimer = -1;
  private long openedAtMs;
  private long lastFrameMs;
  private long lastTickMs;
  private long strays;
  private long pausedMs;
  private long downSinceMs;
  private long messages;
  private long reconnects;
  private long connects;
  private double tokens;
  private long lastRefillMs;
  private String lastCloseReason = "";

  /**
   * @param vertx the Vert.x instance
   * @param client the WebSocket client (shared by the connections of a collector)
   * @param id a name for logs and status, e.g. {@code binance-spot-0}
   * @param url the absolute {@code ws://} or {@code wss://} URL
   * @param options timings
   * @param listener the owner
   */
  public FeedConnection(Vertx vertx, WebSocketClient client, String id, String url, ConnectionOptions options,
      Listener listener) {
    this.vertx = vertx;
    this.client = client;
    this.id = id;
    this.url = url;
    this.options = options;
    this.listener = listener;
    this.backoff = new Backoff(options.reconnectInitialMs(), options.reconnectMaxMs());
    this.tokens = Math.max(1, options.controlRatePerSecond());
  }

  /** Opens the connection (and keeps it open until {@link #stop()}). */
  public void start() {
    if (tickTimer >= 0 || state == ConnectionState.CLOSED) {
      return;
    }
    long now = System.currentTimeMillis();
    downSinceMs = now;
    lastRefillMs = now;
    lastTickMs = now;
    tickTimer = vertx.setPeriodic(options.tickMs(), t -> tick());
    connect();
  }

  private void connect() {
    reconnectTimer = -1;
    if (state == ConnectionState.CLOSED) {
      return;
    }
    state = ConnectionState.CONNECTING;
    int attemptEpoch = ++epoch;
    WebSocketConnectOptions o = new WebSocketConnectOptions().setAbsoluteURI(url)
        .setConnectTimeout(options.connectTimeoutMs()).setIdleTimeout(0);
    client.connect(o).onComplete(ar -> {
      if (attemptEpoch != epoch || state == ConnectionState.CLOSED) {
        if (ar.succeeded()) {
          ar.result().close();
        }
        return;
      }
      if (ar.failed()) {
        lost("connect failed: " + ar.cause().getMessage());
        return;
      }
      opened(ar.result(), attemptEpoch);
    });
  }

  private void opened(WebSocket ws, int openEpoch) {
    socket = ws;
    long now = System.currentTimeMillis();
    openedAtMs = now;
    lastFrameMs = now;
    connects++;
    state = ConnectionState.UP;
    outbox.clear();
    ws.textMessageHandler(text -> {
      if (openEpoch != epoch) {
        // still in flight when the socket was given up: counted and shown to the owner, not parsed as live data
        strays++;
        listener.stray(text);
        return;
      }
      long recvUs = Micros.now();
      lastFrameMs = recvUs / 1000;
      messages++;
      if (backoff.attempts() > 0) {
        // a frame arrived: the connection works, so the next loss starts the backoff afresh
        backoff.reset();
      }
      listener.text(text, recvUs);
    });
    // pings are answered by Vert.x; any control frame still proves the link is alive
    ws.frameHandler(f -> {
      if (openEpoch == epoch && (f.type() == WebSocketFrameType.PING || f.type() == WebSocketFrameType.PONG)) {
        lastFrameMs = System.currentTimeMillis();
      }
    });
    ws.closeHandler(v -> {
      if (openEpoch == epoch) {
        lost("closed by server" + (ws.closeStatusCode() == null ? "" : " (" + ws.closeStatusCode() + " "
            + ws.closeReason() + ")"));
      }
    });
    ws.exceptionHandler(err -> {
      if (openEpoch == epoch) {
        lost("error: " + err.getMessage());
      }
    });
    LOG.info("{} connected to {}", id, url);
    listener.opened(this);
  }

  private void lost(String reason) {
    if (state == ConnectionState.CLOSED || state == ConnectionState.RECONNECTING) {
      return;
    }
    boolean wasUp = state == ConnectionState.UP;
    epoch++;
    closeSocket();
    state = ConnectionState.RECONNECTING;
    lastCloseReason = reason;
    reconnects++;
    long delay = backoff.next();
    if (wasUp) {
      downSinceMs = System.currentTimeMillis();
    }
    LOG.warn("{} lost ({}); reconnecting in {} ms (attempt {})", id, reason, delay, backoff.attempts());
    listener.closed(this, reason);
    if (state != ConnectionState.CLOSED) {
      reconnectTimer = vertx.setTimer(delay, t -> connect());
    }
  }

  private void closeSocket() {
    WebSocket ws = socket;
    socket = null;
    outbox.clear();
    if (ws != null && !ws.isClosed()) {
      ws.close().onFailure(e -> LOG.debug("{} close: {}", id, e.getMessage()));
    }
  }

  private void tick() {
    long now = System.currentTimeMillis();
    long paused = now - lastTickMs - options.tickMs();
    lastTickMs = now;
    if (paused > Math.max(PAUSE_THRESHOLD_MS, 4L * options.tickMs())) {
      // our own process did not run: the silence was ours, not the exchange's
      pausedMs += paused;
      lastFrameMs += paused;
      LOG.info("{} context paused for {} ms; idle deadlines moved by that much", id, paused);
      listener.paused(paused);
    }
    if (state == ConnectionState.UP) {
      if (now - lastFrameMs > options.idleTimeoutMs()) {
        lost("stale: no frame for " + (now - lastFrameMs) + " ms");
      } else if (now - openedAtMs > options.maxAgeMs()) {
        lost("maximum age " + options.maxAgeMs() + " ms reached, reconnecting proactively");
      } else {
        drain(now);
      }
    }
    listener.tick(now);
  }

  private void drain(long now) {
    double rate = options.controlRatePerSecond();
    tokens = Math.min(Math.max(1, rate), tokens + (now - lastRefillMs) * rate / 1000.0);
    lastRefillMs = now;
    while (tokens >= 1 && !outbox.isEmpty() && socket != null) {
      tokens -= 1;
      socket.writeTextMessage(outbox.pollFirst());
    }
  }

  /**
   * Queues a client message; it goes out at the control rate, in order. Messages queued while the
   * connection is down are discarded (the owner sends them again from {@link Listener#opened}).
   *
   * @param text the message
   */
  public void send(String text) {
    if (state != ConnectionState.UP) {
      return;
    }
    outbox.addLast(text);
    drain(System.currentTimeMillis());
  }

  /**
   * Sends a keep-alive message at once, ahead of queued subscriptions: a heartbeat answer that
   * waits behind them would miss its deadline and cost the connection.
   *
   * @param text the message
   */
  public void sendNow(String text) {
    if (state == ConnectionState.UP && socket != null) {
      socket.writeTextMessage(text);
    }
  }

  /**
   * Drops the socket and reconnects after the backoff delay (the owner saw a protocol failure,
   * e.g. a missing pong).
   *
   * @param reason for the log and the status
   */
  public void reconnect(String reason) {
    if (state == ConnectionState.UP || state == ConnectionState.CONNECTING) {
      lost(reason);
    }
  }

  /**
   * Stops for good: cancels every timer and closes the socket.
   *
   * @return completes when the socket is closed
   */
  public Future<Void> stop() {
    state = ConnectionState.CLOSED;
    epoch++;
    if (tickTimer >= 0) {
      vertx.cancelTimer(tickTimer);
      tickTimer = -1;
    }
    if (reconnectTimer >= 0) {
      vertx.cancelTimer(reconnectTimer);
      reconnectTimer = -1;
    }
    WebSocket ws = socket;
    socket = null;
    outbox.clear();
    return ws == null || ws.isClosed() ? Future.succeededFuture() : ws.close().recover(e -> Future.succeededFuture());
  }

  /** @return the name used in logs and status */
  public String id() {
    return id;
  }

  /** @return the URL */
  public String url() {
    return url;
  }

  /** @return the current state */
  public ConnectionState state() {
    return state;
  }

  /** @return text frames received over all sockets */
  public long messages() {
    return messages;
  }

  /** @return text frames that arrived on sockets already given up (not processed as live data) */
  public long strays() {
    return strays;
  }

  /** @return total time the connection's context was found not running, ms */
  public long pausedMs() {
    return pausedMs;
  }

  /** @return connections lost (each followed by a reconnect attempt) */
  public long reconnects() {
    return reconnects;
  }

  /** @return successful handshakes */
  public long connects() {
    return connects;
  }

  /** @return epoch ms since which the connection has been down, or 0 while it is up */
  public long downSinceMs() {
    return state == ConnectionState.UP ? 0 : downSinceMs;
  }

  /** @return epoch ms the current socket opened (0 before the first) */
  public long openedAtMs() {
    return openedAtMs;
  }

  /** @return epoch ms of the last frame */
  public long lastFrameMs() {
    return lastFrameMs;
  }

  /** @return why the last socket ended, or empty */
  public String lastCloseReason() {
    return lastCloseReason;
  }

  /** @return messages waiting for the control rate */
  public int queued() {
    return outbox.size();
  }
}
