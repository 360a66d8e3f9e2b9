package io.marketprism.sdk;

import io.marketprism.model.MarketRecord;
import io.marketprism.model.RecordJson;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.http.WebSocket;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * One connection to the live stream ({@code GET /ws/v1/stream}, CONTRACT §5), made by
 * {@link MarketPrismClient#stream}: each record of a subscribed subject goes to its handler, on
 * the client's event loop (do not block there: a client that reads too slowly is dropped by the
 * gateway).
 *
 * <p>{@link #subscribe} and {@link #unsubscribe} complete once the gateway acknowledged the
 * request, and fail with a {@link MarketPrismException} of status 0 and code {@code stream_error}
 * carrying the gateway's message when it refused it (a pattern that can never match, too many
 * patterns, unsubscribing one not subscribed). {@link #closed()} tells how the connection ended:
 * it succeeds after {@link #close()}, and fails with a {@link MarketPrismException} whose status is
 * the WebSocket close status (1008 for a client dropped as too slow, 1001 for a gateway stopping,
 * 1006 for a connection lost without a close) and whose message is the gateway's reason. The
 * stream does not reconnect by itself: on that failure, open a new one with the subjects of
 * {@link MarketPrismClient#stream} again (records sent meanwhile are in the storage API).
 */
public final class LiveStream {

  private final WebSocket socket;
  private final Handler<MarketRecord> handler;
  /** Requests not yet answered, oldest first: the gateway answers them in the order they were sent. */
  private final Deque<Promise<Void>> pending = new ArrayDeque<>();
  private final Promise<Void> closed = Promise.promise();
  private volatile boolean closing;

  LiveStream(WebSocket socket, Handler<MarketRecord> handler) {
    this.socket = socket;
    this.handler = handler;
    socket.textMessageHandler(this::onText);
    socket.closeHandler(v -> onClose());
  }

  /** Adds subject patterns (NATS wildcards {@code *} and {@code >}, e.g. {@code orderbook.okx.*.*}). */
  public Future<Void> subscribe(List<String> subjects) {
    return request("subscribe", subjects);
  }

  /** Removes subject patterns, each exactly as it was subscribed. */
  public Future<Void> unsubscribe(List<String> subjects) {
    return request("unsubscribe", subjects);
  }

  /** @return how the connection ended (see the class comment); pending until then */
  public Future<Void> closed() {
    return closed.future();
  }

  /** Closes the connection; {@link #closed()} then succeeds. */
  public Future<Void> close() {
    closing = true;
    return socket.close().transform(ar -> closed.future());
  }

  private Future<Void> request(String op, List<String> subjects) {
    Promise<Void> answered = Promise.promise();
    String text = new JsonObject().put("op", op).put("subjects", new JsonArray(List.copyOf(subjects))).encode();
    synchronized (pending) {
      if (closed.future().isComplete()) {
        return Future.failedFuture(new MarketPrismException(0, "stream_closed", "the stream is closed"));
      }
      // queued and written under one lock: the queue's order is the order of the requests on the wire
      pending.add(answered);
      socket.writeTextMessage(text).onFailure(err -> fail(answered, err));
    }
    return answered.future();
  }

  private void onText(String text) {
    if (!text.startsWith("{\"op\"")) {
      handler.handle(RecordJson.parse(text));
      return;
    }
    JsonObject msg = new JsonObject(text);
    String op = msg.getString("op");
    if ("subscribed".equals(op) || "unsubscribed".equals(op)) {
      Promise<Void> p = next();
      if (p != null) {
        p.tryComplete();
      }
    } else if ("error".equals(op)) {
      Promise<Void> p = next();
      if (p != null) {
        p.tryFail(new MarketPrismException(0, "stream_error", msg.getString("message", "refused")));
      }
    }
  }

  private Promise<Void> next() {
    synchronized (pending) {
      return pending.poll();
    }
  }

  private void fail(Promise<Void> p, Throwable err) {
    synchronized (pending) {
      pending.remove(p);
    }
    p.tryFail(err);
  }

  private void onClose() {
    MarketPrismException ended;
    Short status = socket.closeStatusCode();
    if (closing) {
      ended = null;
    } else {
      String reason = socket.closeReason();
      ended = new MarketPrismException(status == null ? 1006 : status, "stream_closed",
          reason == null || reason.isEmpty() ? "the gateway closed the stream" : reason);
    }
    synchronized (pending) {
      if (ended == null) {
        closed.tryComplete();
      } else {
        closed.tryFail(ended);
      }
      MarketPrismException unanswered = ended != null ? ended
          : new MarketPrismException(0, "stream_closed", "the stream was closed");
      pending.forEach(p -> p.tryFail(unanswered));
      pending.clear();
    }
  }
}
