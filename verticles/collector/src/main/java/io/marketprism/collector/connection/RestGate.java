package io.marketprism.collector.connection;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.util.ArrayDeque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The REST side of one exchange: GET requests with a bound on requests in flight, and a gate
 * that closes for everyone when the exchange answers 429 (rate limited) or 418 (IP banned): it
 * stays closed for the {@code Retry-After} the exchange sent (or an exponential backoff when it
 * sent none), and the rejected request is tried again when it opens.
 * Binance bans IPs that keep calling after a 429, so no request goes out while the gate is closed.
 *
 * <p>Used on one Vert.x context only.
 */
public final class RestGate {

  /** Told each time the exchange rejected a request for its rate. */
  public interface RejectionListener {
    /**
     * @param status 429 or 418
     * @param waitMs how long the gate stays closed
     */
    void rejected(int status, long waitMs);
  }

  private static final Logger LOG = LoggerFactory.getLogger(RestGate.class);

  private final Vertx vertx;
  private final WebClient client;
  private final String name;
  private final int maxInFlight;
  private final long timeoutMs;
  private final Backoff backoff;
  private final RejectionListener listener;
  private final ArrayDeque<Request> pending = new ArrayDeque<>();
  private int inFlight;
  private long closedUntilMs;
  private long timer = -1;
  private boolean stopped;
  private long rejections;

  private record Request(String url, Promise<String> promise) {
  }

  /**
   * @param vertx the Vert.x instance
   * @param client the HTTP client
   * @param name the exchange, for logs
   * @param maxInFlight requests in flight at most
   * @param timeoutMs a request not answered within this fails
   * @param listener told of every 429/418
   */
  public RestGate(Vertx vertx, WebClient client, String name, int maxInFlight, long timeoutMs,
      RejectionListener listener) {
    this.vertx = vertx;
    this.client = client;
    this.name = name;
    this.maxInFlight = maxInFlight;
    this.timeoutMs = timeoutMs;
    this.listener = listener;
    this.backoff = new Backoff(1000, 120_000);
  }

  /**
   * GETs a URL, waiting while the gate is closed and retrying after each 429/418.
   *
   * @param url absolute URL
   * @return the body of the 200 response; fails on another status, a transport error or a timeout
   */
  public Future<String> get(String url) {
    if (stopped) {
      return Future.failedFuture("REST client of " + name + " is stopped");
    }
    Promise<String> p = Promise.promise();
    pending.addLast(new Request(url, p));
    pump();
    return p.future();
  }

  private void pump() {
    if (stopped) {
      return;
    }
    long now = System.currentTimeMillis();
    if (now < closedUntilMs) {
      if (timer < 0) {
        timer = vertx.setTimer(closedUntilMs - now, t -> {
          timer = -1;
          pump();
        });
      }
      return;
    }
    while (inFlight < maxInFlight && !pending.isEmpty()) {
      send(pending.pollFirst());
    }
  }

  private void send(Request r) {
    inFlight++;
    client.getAbs(r.url()).timeout(timeoutMs).send().onComplete(ar -> {
      inFlight--;
      if (ar.failed()) {
        r.promise().tryFail(ar.cause());
      } else {
        handle(r, ar.result());
      }
      pump();
    });
  }

  private void handle(Request r, HttpResponse<Buffer> resp) {
    int status = resp.statusCode();
    if (status == 200) {
      backoff.reset();
      r.promise().tryComplete(resp.bodyAsString());
      return;
    }
    if (status == 429 || status == 418) {
      // the exchange's Retry-After is what it asks for (and ends a 418 ban): honoured as sent, since
      // stretching it by our own backoff only starves resyncs; the backoff covers answers without one
      long retryAfter = retryAfterMs(resp.getHeader("Retry-After"));
      long wait = retryAfter > 0 ? retryAfter : backoff.next();
      closedUntilMs = Math.max(closedUntilMs, System.currentTimeMillis() + wait);
      rejections++;
      LOG.warn("{} REST answered {} for {}; no REST request for {} ms", name, status, r.url(), wait);
      listener.rejected(status, wait);
      // try the same request again once the gate opens, ahead of newer ones
      pending.addFirst(r);
      return;
    }
    String body = resp.bodyAsString();
    r.promise().tryFail("HTTP " + status + " from " + r.url() + ": "
        + (body == null ? "" : body.substring(0, Math.min(200, body.length()))));
  }

  private static long retryAfterMs(String header) {
    if (header == null) {
      return 0;
    }
    try {
      return Math.max(0, Long.parseLong(header.trim())) * 1000;
    } catch (NumberFormatException e) {
      // an HTTP date: not used by the exchanges served here; the backoff applies
      return 0;
    }
  }

  /** @return whether requests are held back now */
  public boolean closed() {
    return System.currentTimeMillis() < closedUntilMs;
  }

  /** @return 429/418 answers so far */
  public long rejections() {
    return rejections;
  }

  /** Fails what is pending and cancels the gate timer. */
  public void stop() {
    stopped = true;
    if (timer >= 0) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
    while (!pending.isEmpty()) {
      pending.pollFirst().promise().tryFail("REST client of " + name + " stopped");
    }
  }
}
