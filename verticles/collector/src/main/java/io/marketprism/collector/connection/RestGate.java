package io.marketprism.collector.connection;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.function.ToIntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The REST side of one exchange: GET requests with a bound on requests in flight, a request-weight
 * budget per minute (each request costs the weight the exchange documents for it; requests wait
 * in order while the budget is spent), and a gate
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
  private final double weightPerMinute;
  private final ToIntFunction<String> weigher;
  private double budget;
  private long lastRefillMs;
  private long weightWaits;

  private record Request(String url, Map<String, String> headers, int weight, Promise<String> promise) {
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
    this(vertx, client, name, maxInFlight, timeoutMs, 0, url -> 1, listener);
  }

  /**
   * @param vertx the Vert.x instance
   * @param client the HTTP client
   * @param name the exchange, for logs
   * @param maxInFlight requests in flight at most
   * @param timeoutMs a request not answered within this fails
   * @param weightPerMinute request weight spent per minute at most; 0 for no budget
   * @param weigher the weight of a request URL (at most {@code weightPerMinute})
   * @param listener told of every 429/418
   */
  public RestGate(Vertx vertx, WebClient client, String name, int maxInFlight, long timeoutMs,
      double weightPerMinute, ToIntFunction<String> weigher, RejectionListener listener) {
    this.weightPerMinute = weightPerMinute;
    this.weigher = weigher;
    this.budget = weightPerMinute;
    this.lastRefillMs = System.currentTimeMillis();
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
    return get(url, Map.of());
  }

  /**
   * Like {@link #get(String)} with request headers (an API key where the exchange wants one).
   *
   * @param url absolute URL
   * @param headers sent with the request
   * @return the body of the 200 response
   */
  public Future<String> get(String url, Map<String, String> headers) {
    if (stopped) {
      return Future.failedFuture("REST client of " + name + " is stopped");
    }
    Promise<String> p = Promise.promise();
    int weight = weightPerMinute > 0 ? (int) Math.min(weightPerMinute, Math.max(1, weigher.applyAsInt(url))) : 0;
    pending.addLast(new Request(url, headers, weight, p));
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
    refill(now);
    while (inFlight < maxInFlight && !pending.isEmpty()) {
      Request next = pending.peekFirst();
      if (next.weight() > budget) {
        // the budget refills continuously: wait for just enough of it, in order
        weightWaits++;
        long waitMs = (long) Math.ceil((next.weight() - budget) * 60_000.0 / weightPerMinute);
        if (timer < 0) {
          timer = vertx.setTimer(Math.max(1, waitMs), t -> {
            timer = -1;
            pump();
          });
        }
        return;
      }
      budget -= next.weight();
      send(pending.pollFirst());
    }
  }

  private void refill(long now) {
    if (weightPerMinute > 0) {
      budget = Math.min(weightPerMinute, budget + (now - lastRefillMs) * weightPerMinute / 60_000.0);
    }
    lastRefillMs = now;
  }

  private void send(Request r) {
    inFlight++;
    var request = client.getAbs(r.url()).timeout(timeoutMs);
    r.headers().forEach(request::putHeader);
    request.send().onComplete(ar -> {
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

  /** @return how often a request waited for the weight budget */
  public long weightWaits() {
    return weightWaits;
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
