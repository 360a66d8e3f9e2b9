package io.marketprism.sdk;

import io.marketprism.model.MarketRecord;
import io.marketprism.model.RecordJson;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The live stream ({@code GET /ws/v1/stream}, CONTRACT §5), opened by
 * {@link MarketPrismClient#stream}: each record of a subscribed subject goes to its handler, on
 * the client's event loop (do not block there: a client that reads too slowly is dropped by the
 * gateway).
 *
 * <p>{@link #subscribe} and {@link #unsubscribe} complete once the gateway acknowledged the
 * request, and fail with a {@link MarketPrismException} of status 0 and code {@code stream_error}
 * carrying the gateway's message when it refused it (a pattern that can never match, too many
 * patterns, unsubscribing one not subscribed), or of code {@code timeout} when no answer came
 * within the client's {@link MarketPrismClient#timeout} of being sent (a gateway gone silent on a
 * connection still open).
 *
 * <p><b>Reconnection</b> (on unless the client's {@link MarketPrismClient#reconnect} says
 * otherwise): when the connection ends for a reason a new one can cure, the stream connects again
 * after a backoff ({@link Reconnect}), subscribes the patterns acknowledged so far, and then tells
 * the {@link #gapHandler} the time it was away ({@link StreamGap}), whose records are in the
 * storage API. The gateway's own bus connection may go away too, the stream's staying up: the
 * gateway says so when it is back ({@code notice} {@code bus} {@code up}), which is told as a gap
 * of cause {@code bus_down}; and a gateway whose event loop fell behind its bus drops records for
 * its clients, which it says once caught up ({@code notice} {@code dropped}), told as a gap of cause
 * {@code gateway_behind} from the first drop to the last. A new connection on which the gateway does not answer the resubscription within the
 * timeout counts as lost too: it is closed and the next attempt follows, and the gap reported once
 * a resubscription is answered runs from the first loss. Those reasons are a gateway stopping (1001; also 1000 from the server side, which a
 * proxy between may send: the gateway itself never ends a live stream with 1000, and the client's
 * own {@link #close()} is known apart), a lost connection
 * (1006, no close status), a gateway error or restart (1011, 1012), too many clients for now
 * (1013, 1014), a token that expired (4401 {@code token expired}: the gateway ends a stream at
 * its token's {@code exp}; the new connection asks the client's {@link TokenProvider} for a token,
 * and one the gateway refuses ends the stream with that 401, so a dead credential is tried once,
 * not in a loop), and a client dropped as a slow consumer (1008 with reason
 * {@code slow consumer...}): the gateway drops
 * a client whose socket stayed full for a moment, which a burst or a pause of the client's process
 * can cause; the gap is recoverable, and a client dropped again and again backs off. Connection
 * attempts refused with 408, 429 (after its {@code Retry-After}) or 5xx, or that cannot reach the
 * gateway, are tried again; a 401 is tried once more with a refreshed token
 * ({@link MarketPrismClient#bearer(TokenProvider)}). Requests made while reconnecting are sent
 * once it is connected again; those under way when the connection broke fail with its close.
 *
 * <p>{@link #closed()} tells how the stream ended, for good: it succeeds after {@link #close()},
 * and fails with a {@link MarketPrismException} whose status is the WebSocket close status and
 * whose message is the gateway's reason when the end is one no reconnection cures: any other
 * 1008 (policy), 1009 (a message too big), a protocol error (1002, 1003, 1007, 1010);
 * a connection attempt refused with 401, 403 or another 4xx (then the status and message of that
 * answer); a resubscription the gateway refuses ({@code stream_error}); or
 * {@link Reconnect#maxAttempts} failed attempts in a row. With reconnection off, every end fails
 * it (1008 for a slow client, 1001 for a gateway stopping, 1006 for a connection lost
 * without a close, 4401 with code {@code unauthorized} for a token that expired).
 */
public final class LiveStream {

  /** The gateway's close status for a stream whose token expired (4000 + HTTP's 401). */
  public static final int TOKEN_EXPIRED = 4401;

  private final Vertx vertx;
  private final Supplier<Future<WebSocket>> connector;
  private final Reconnect policy;
  private final Handler<MarketRecord> handler;
  /** How long a request waits for the gateway's answer once sent (the client's timeout). */
  private final long timeoutMs;
  private final Object lock = new Object();
  /** Requests not yet answered, oldest first: the gateway answers them in the order they were sent. */
  private final Deque<Request> pending = new ArrayDeque<>();
  /** Requests made while reconnecting, sent once connected again. */
  private final List<Request> deferred = new ArrayList<>();
  /** The patterns the gateway acknowledged: what a new connection subscribes. */
  private final Set<String> subscribed = new LinkedHashSet<>();
  private final Promise<Void> closed = Promise.promise();
  private volatile Handler<StreamGap> gapHandler = gap -> { };
  private WebSocket socket;
  private boolean closing;
  private long timer = -1;
  /** Attempts in a row, for the backoff: counted again from 0 once a connection stayed up for maxDelay. */
  private int backoffAttempts;
  /** Attempts since the connection was lost, for the gap. */
  private int gapAttempts;
  private long lostAtMs;
  /** Whether the stream is away: lost and not yet resubscribed (a connection that came back silent keeps it away). */
  private boolean away;
  private long connectedAtMs;
  private MarketPrismException lostBecause;

  private record Request(String op, List<String> subjects, Promise<Void> answered) {
    String text() {
      return new JsonObject().put("op", op).put("subjects", new JsonArray(subjects)).encode();
    }
  }

  /**
   * @param connector opens a WebSocket to the stream with the client's current credentials
   * @param timeoutMs how long a subscribe or unsubscribe waits for its answer once sent
   */
  LiveStream(Vertx vertx, Supplier<Future<WebSocket>> connector, Reconnect policy, Handler<MarketRecord> handler,
      long timeoutMs) {
    this.vertx = vertx;
    this.connector = connector;
    this.policy = policy;
    this.handler = handler;
    this.timeoutMs = timeoutMs;
  }

  /** Connects and subscribes {@code subjects}; a refusal of either fails it (no reconnection yet). */
  Future<LiveStream> open(List<String> subjects) {
    return connector.get().compose(ws -> {
      synchronized (lock) {
        attach(ws);
        connectedAtMs = System.currentTimeMillis();
      }
      return subscribe(subjects).map(this).recover(refused -> close().transform(v -> Future.failedFuture(refused)));
    });
  }

  /** Adds subject patterns (NATS wildcards {@code *} and {@code >}, e.g. {@code orderbook.okx.*.*}). */
  public Future<Void> subscribe(List<String> subjects) {
    return request("subscribe", subjects);
  }

  /** Removes subject patterns, each exactly as it was subscribed. */
  public Future<Void> unsubscribe(List<String> subjects) {
    return request("unsubscribe", subjects);
  }

  /**
   * Sets what is told of each time the stream was disconnected, once it is connected and
   * subscribed again, and of each time the gateway's bus was, once it is back (on the client's
   * event loop); nothing by default.
   */
  public LiveStream gapHandler(Handler<StreamGap> handler) {
    this.gapHandler = handler == null ? gap -> { } : handler;
    return this;
  }

  /** @return the patterns the gateway acknowledged, which a reconnection subscribes again */
  public List<String> subjects() {
    synchronized (lock) {
      return List.copyOf(subscribed);
    }
  }

  /** @return whether it is connected now (false while reconnecting, and once closed) */
  public boolean connected() {
    synchronized (lock) {
      return socket != null;
    }
  }

  /** @return how the stream ended (see the class comment); pending until then */
  public Future<Void> closed() {
    return closed.future();
  }

  /** Closes the stream, also while it reconnects; {@link #closed()} then succeeds. */
  public Future<Void> close() {
    WebSocket ws;
    synchronized (lock) {
      closing = true;
      if (timer >= 0) {
        vertx.cancelTimer(timer);
        timer = -1;
      }
      ws = socket;
      if (ws == null) {
        finish(null);
      }
    }
    return ws == null ? closed.future() : ws.close().transform(ar -> closed.future());
  }

  private Future<Void> request(String op, List<String> subjects) {
    Request r = new Request(op, List.copyOf(subjects), Promise.promise());
    synchronized (lock) {
      if (closing || closed.future().isComplete()) {
        return Future.failedFuture(new MarketPrismException(0, "stream_closed", "the stream is closed"));
      }
      if (socket == null) {
        deferred.add(r);
      } else {
        send(r);
      }
    }
    return r.answered().future();
  }

  /**
   * Queues and writes the request; called under the lock, so the queue's order is the order on the
   * wire. Unanswered within the timeout it fails with code {@code timeout}, and stays queued: the
   * gateway answers in order, so a late answer is still its own (and what it subscribed is kept).
   */
  private void send(Request r) {
    pending.add(r);
    long timer = vertx.setTimer(timeoutMs, id -> r.answered().tryFail(new MarketPrismException(0, "timeout",
        "no answer to " + r.op() + " " + r.subjects() + " within " + timeoutMs + " ms")));
    r.answered().future().onComplete(done -> vertx.cancelTimer(timer));
    socket.writeTextMessage(r.text()).onFailure(err -> {
      synchronized (lock) {
        pending.remove(r);
      }
      r.answered().tryFail(err);
    });
  }

  private void attach(WebSocket ws) {
    socket = ws;
    ws.textMessageHandler(this::onText);
    ws.closeHandler(v -> onClose(ws));
  }

  private void onText(String text) {
    if (!text.startsWith("{\"op\"")) {
      handler.handle(RecordJson.parse(text));
      return;
    }
    JsonObject msg = new JsonObject(text);
    String op = msg.getString("op");
    if ("subscribed".equals(op) || "unsubscribed".equals(op) || "error".equals(op)) {
      Request r;
      synchronized (lock) {
        r = pending.poll();
        if (r != null && "subscribed".equals(op)) {
          subscribed.addAll(r.subjects());
        } else if (r != null && "unsubscribed".equals(op)) {
          r.subjects().forEach(subscribed::remove);
        }
      }
      if (r != null && "error".equals(op)) {
        r.answered().tryFail(new MarketPrismException(0, "stream_error", msg.getString("message", "refused")));
      } else if (r != null) {
        r.answered().tryComplete();
      }
    } else if ("notice".equals(op) && "up".equals(msg.getString("bus"))) {
      // the gateway's bus was away: records published meanwhile never reached it (its clock)
      gapHandler.handle(new StreamGap(msg.getLong("down_at_ms", 0L), msg.getLong("up_at_ms", 0L), 0,
          new MarketPrismException(0, "bus_down", msg.getString("message", "the gateway's bus was down"))));
    } else if ("notice".equals(op) && msg.getValue("dropped") != null) {
      // the gateway fell behind its bus and dropped records, some maybe of this stream's patterns
      gapHandler.handle(new StreamGap(msg.getLong("from_ms", 0L), msg.getLong("to_ms", 0L), 0,
          new MarketPrismException(0, "gateway_behind", msg.getString("message", "the gateway dropped "
              + msg.getValue("dropped") + " records"))));
    }
  }

  private void onClose(WebSocket ws) {
    synchronized (lock) {
      if (ws != socket) {
        return; // a connection given up already
      }
      socket = null;
      if (closing) {
        finish(null);
        return;
      }
      String reason = ws.closeReason();
      Short status = ws.closeStatusCode();
      MarketPrismException ended = new MarketPrismException(status == null ? 1006 : status,
          status != null && status == TOKEN_EXPIRED ? "unauthorized" : "stream_closed",
          reason == null || reason.isEmpty() ? "the gateway closed the stream" : reason);
      if (!policy.enabled() || !curable(ended.status(), reason)) {
        finish(ended);
        return;
      }
      failPending(ended);
      long now = System.currentTimeMillis();
      if (now - connectedAtMs >= policy.maxDelay().toMillis()) {
        backoffAttempts = 0;
      }
      if (!away) { // a connection that came back silent ends no gap: the records are missing since the first loss
        away = true;
        lostAtMs = now;
        lostBecause = ended;
        gapAttempts = 0;
      }
      scheduleAttempt(0, ended);
    }
  }

  /** @return whether a new connection can cure a close with this status and reason (see the class comment) */
  static boolean curable(int status, String reason) {
    return switch (status) {
      case 1000, 1001, 1005, 1006, 1011, 1012, 1013, 1014, TOKEN_EXPIRED -> true;
      case 1008 -> reason != null && reason.startsWith("slow consumer");
      default -> false;
    };
  }

  /** @return whether a connection attempt that failed so is worth another */
  static boolean curable(Throwable connectFailure) {
    if (connectFailure instanceof MarketPrismException e) {
      int s = e.status();
      return s == 0 || s == 408 || s == 429 || s >= 500;
    }
    return true; // refused, reset, unreachable: the gateway is not (yet) there
  }

  /** Called under the lock. */
  private void scheduleAttempt(long atLeastMs, MarketPrismException last) {
    if (policy.maxAttempts() > 0 && gapAttempts >= policy.maxAttempts()) {
      finish(new MarketPrismException(last.status(), "stream_closed", "no connection again after " + gapAttempts
          + " attempts (connection lost: " + lostBecause.getMessage() + "; last attempt: " + last.getMessage() + ")"));
      return;
    }
    backoffAttempts++;
    gapAttempts++;
    timer = vertx.setTimer(Math.max(atLeastMs, policy.delayMs(backoffAttempts)), id -> attempt());
  }

  private void attempt() {
    synchronized (lock) {
      timer = -1;
      if (closing) {
        return;
      }
    }
    connector.get().onComplete(ar -> {
      if (ar.failed()) {
        attemptFailed(ar.cause());
      } else {
        reconnected(ar.result());
      }
    });
  }

  private void attemptFailed(Throwable err) {
    MarketPrismException e = err instanceof MarketPrismException m ? m
        : new MarketPrismException(1006, "stream_closed", "cannot connect: " + err);
    synchronized (lock) {
      if (closing) {
        return;
      }
      if (!curable(err)) {
        finish(e);
        return;
      }
      scheduleAttempt(e.retryAfter() == null ? 0 : e.retryAfter().toMillis(), e);
    }
  }

  private void reconnected(WebSocket ws) {
    Request resubscribe;
    StreamGap gap;
    synchronized (lock) {
      if (closing) {
        ws.close();
        return;
      }
      attach(ws);
      connectedAtMs = System.currentTimeMillis();
      // first what it had, then what was asked meanwhile: the gateway answers in this order
      resubscribe = new Request("subscribe", List.copyOf(subscribed), Promise.promise());
      if (resubscribe.subjects().isEmpty()) {
        resubscribe.answered().complete();
      } else {
        send(resubscribe);
      }
      deferred.forEach(this::send);
      deferred.clear();
      gap = new StreamGap(lostAtMs, 0, gapAttempts, lostBecause);
    }
    resubscribe.answered().future().onComplete(ar -> {
      if (ar.succeeded()) {
        synchronized (lock) {
          away = false;
        }
        gapHandler.handle(new StreamGap(gap.lostAtMs(), System.currentTimeMillis(), gap.attempts(), gap.cause()));
      } else if (ar.cause() instanceof MarketPrismException e && "stream_error".equals(e.code())) {
        // the gateway no longer takes what it took before (e.g. a lower limit of patterns): nothing to retry
        synchronized (lock) {
          finish(new MarketPrismException(0, "stream_error", "the gateway refused the resubscription of "
              + resubscribe.subjects() + ": " + e.getMessage()));
          closing = true;
        }
        ws.close();
      } else if (ar.cause() instanceof MarketPrismException e && "timeout".equals(e.code())) {
        // connected, but the gateway does not answer (hung, or a proxy holding a dead backend): no
        // record will come on this connection, so it counts as lost and the next attempt follows
        ws.close((short) 1001, "no answer to the resubscription within " + timeoutMs + " ms");
      } // else the new connection broke too: its close handler reconnects
    });
  }

  /** Ends the stream for good ({@code ended} null: closed by the client); called under the lock. */
  private void finish(MarketPrismException ended) {
    if (ended == null) {
      closed.tryComplete();
    } else {
      closed.tryFail(ended);
    }
    MarketPrismException unanswered = ended != null ? ended
        : new MarketPrismException(0, "stream_closed", "the stream was closed");
    failPending(unanswered);
    deferred.forEach(r -> r.answered().tryFail(unanswered));
    deferred.clear();
  }

  private void failPending(MarketPrismException why) {
    pending.forEach(r -> r.answered().tryFail(why));
    pending.clear();
  }
}
