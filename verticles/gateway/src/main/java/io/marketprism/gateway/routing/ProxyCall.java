package io.marketprism.gateway.routing;

import io.marketprism.gateway.cache.CacheOptions;
import io.marketprism.gateway.cache.CachedResponse;
import io.marketprism.gateway.routing.ServicePool.Failure;
import io.marketprism.platform.http.ApiError;
import io.marketprism.platform.http.Http;
import io.vertx.circuitbreaker.OpenCircuitException;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.RequestOptions;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeoutException;

/**
 * One proxied request. Picks an instance, sends the request through that instance's breaker
 * (body streamed, limited to {@code max_body_bytes}), and streams the response back. A
 * connection failure of an idempotent request moves on to the next instance; no response head
 * within the route's backend timeout is a 504 (the request may have run), no instance left a 503. A 5xx answer is passed on and counts
 * against the instance's breaker.
 */
public final class ProxyCall {

  private static final Logger LOG = LoggerFactory.getLogger(ProxyCall.class);

  /** The instance answered 5xx: a breaker failure, but its answer was passed on. */
  private static final class BackendError extends RuntimeException {
    static final BackendError INSTANCE = new BackendError();

    BackendError() {
      super("backend answered 5xx", null, false, false);
    }
  }

  /** The instance could not be reached; nothing was sent. */
  private static final class ConnectFailure extends RuntimeException {
    ConnectFailure(Throwable cause) {
      super(cause.getMessage(), cause, false, false);
    }
  }

  private final Proxy proxy;
  private final RoutingContext ctx;
  private final HttpServerRequest req;
  private final ServicePool pool;
  private final Backend[] backends;
  private final String requestId;
  private final CacheOptions.Route cacheRule;
  /** The route's backend timeout ({@code gateway.route_timeouts}, else {@code backend_timeout_ms}). */
  private final long timeoutMs;
  private long tried;
  private HttpClientRequest outbound;
  private boolean answered;
  private boolean bodyTooLarge;

  ProxyCall(Proxy proxy, RoutingContext ctx, ServicePool pool, String requestId, CacheOptions.Route cacheRule,
      long timeoutMs) {
    this.proxy = proxy;
    this.ctx = ctx;
    this.req = ctx.request();
    this.pool = pool;
    this.backends = pool.backends();
    this.requestId = requestId;
    this.cacheRule = cacheRule;
    this.timeoutMs = timeoutMs;
  }

  void start() {
    attempt();
  }

  private void attempt() {
    int i = pool.pick(backends, tried);
    if (i < 0) {
      fail(Failure.UNAVAILABLE, 503, "service_unavailable", backends.length == 0
          ? "no instance of " + pool.service() + " is running"
          : "no instance of " + pool.service() + " is available (circuit breakers open)");
      return;
    }
    if (i < 64) {
      tried |= 1L << i;
    }
    Backend b = backends[i];
    b.breaker().<Void>execute(() -> send(b)).onComplete(ar -> settled(b, ar));
  }

  private Future<Void> send(Backend b) {
    Promise<Void> outcome = Promise.promise();
    // the route's own limit: the breaker's is the longest of any route's, so a route allowed longer
    // (an archive) is neither cut short nor counted a failure while it works
    long timer = ctx.vertx().setTimer(timeoutMs, t -> outcome.tryFail(
        new TimeoutException("no response within " + timeoutMs + " ms")));
    outcome.future().onComplete(ar -> ctx.vertx().cancelTimer(timer));
    RequestOptions options = new RequestOptions().setHost(b.instance().host()).setPort(b.instance().port())
        .setSsl(b.instance().ssl()).setMethod(req.method()).setURI(req.uri()).setIdleTimeout(timeoutMs);
    proxy.client.request(options).onComplete(ar -> {
      if (ar.failed()) {
        outcome.fail(new ConnectFailure(ar.cause()));
        return;
      }
      HttpClientRequest out = ar.result();
      if (answered) {
        // the breaker's time limit ran out while connecting: the client has its 504
        out.reset();
        outcome.tryFail(new TimeoutException("answered before the connection was made"));
        return;
      }
      outbound = out;
      // failures arrive through the response future; this only keeps resets out of the error log
      out.exceptionHandler(err -> LOG.debug("request to {} failed: {}", b.instance().baseUrl(), err.toString()));
      Headers.copyRequest(req.headers(), out.headers());
      out.putHeader(Http.REQUEST_ID, requestId);
      String forwarded = req.getHeader("X-Forwarded-For");
      String remote = req.remoteAddress() == null ? "unknown" : req.remoteAddress().hostAddress();
      out.putHeader("X-Forwarded-For", forwarded == null ? remote : forwarded + ", " + remote);
      String host = req.authority() == null ? null : req.authority().toString();
      if (host != null) {
        out.putHeader("X-Forwarded-Host", host);
      }
      out.response().onComplete(rar -> {
        if (rar.failed()) {
          outcome.tryFail(rar.cause());
          return;
        }
        HttpClientResponse resp = rar.result();
        if (answered) {
          out.reset();
          outcome.tryComplete();
          return;
        }
        pool.routed();
        forward(resp);
        if (resp.statusCode() >= 500) {
          outcome.tryFail(BackendError.INSTANCE);
        } else {
          outcome.tryComplete();
        }
      });
      writeBody(out);
    });
    return outcome.future();
  }

  private void settled(Backend b, AsyncResult<Void> ar) {
    if (ar.succeeded() || bodyTooLarge) {
      return;
    }
    Throwable err = ar.cause();
    if (err == BackendError.INSTANCE) {
      pool.failed(Failure.BACKEND_ERROR);
      return;
    }
    if (answered) {
      return;
    }
    if (err instanceof OpenCircuitException) {
      // another request holds the half-open trial of this instance; nothing was sent
      attempt();
      return;
    }
    String where = b.instance().host() + ":" + b.instance().port();
    if (err instanceof ConnectFailure) {
      if (isIdempotent(req.method())) {
        LOG.debug("{} {} could not reach {} ({}), trying another instance", req.method(), req.uri(), where,
            err.getMessage());
        attempt();
      } else {
        fail(Failure.CONNECTION, 503, "service_unavailable", pool.service() + " instance " + where + " is unreachable");
      }
      return;
    }
    if (outbound != null) {
      outbound.reset();
    }
    if (err instanceof TimeoutException || err instanceof io.vertx.circuitbreaker.TimeoutException) {
      fail(Failure.TIMEOUT, 504, "backend_timeout", pool.service() + " did not answer within "
          + timeoutMs + " ms");
    } else {
      fail(Failure.CONNECTION, 503, "service_unavailable", pool.service() + " instance " + where
          + " dropped the request");
    }
  }

  private void writeBody(HttpClientRequest out) {
    String length = req.getHeader(HttpHeaders.CONTENT_LENGTH);
    boolean chunked = length == null && req.headers().contains(HttpHeaders.TRANSFER_ENCODING, HttpHeaders.CHUNKED, true);
    if (req.isEnded() || (!chunked && (length == null || length.equals("0")))) {
      resumeRequest();
      out.end();
      return;
    }
    if (chunked) {
      out.setChunked(true);
    }
    long max = proxy.options.maxBodyBytes();
    long[] received = {0};
    req.handler(chunk -> {
      if (bodyTooLarge) {
        return;
      }
      received[0] += chunk.length();
      if (received[0] > max) {
        bodyTooLarge = true;
        out.reset();
        // read and drop the rest, so the request ends and the connection can close
        req.resume();
        if (!answered) {
          answered = true;
          closeAfterResponse(ctx);
          ApiError.send(ctx, 413, "payload_too_large", "the request body is larger than " + max + " bytes");
        }
        return;
      }
      out.write(chunk);
      if (out.writeQueueFull()) {
        req.pause();
        out.drainHandler(v -> resumeRequest());
      }
    });
    req.endHandler(v -> {
      if (!bodyTooLarge) {
        out.end();
      }
    });
    req.exceptionHandler(err -> out.reset());
    req.resume();
  }

  /**
   * Ends the connection once the response is out: the rest of an oversized body is not wanted,
   * and Vert.x keeps a connection whose request had not ended when its response did.
   */
  public static void closeAfterResponse(RoutingContext ctx) {
    ctx.response().putHeader(HttpHeaders.CONNECTION, "close")
        .endHandler(v -> ctx.request().connection().close());
  }

  private void forward(HttpClientResponse resp) {
    answered = true;
    HttpServerResponse res = ctx.response();
    res.setStatusCode(resp.statusCode());
    Headers.copyResponse(resp.headers(), res.headers());
    if (cacheRule != null) {
      res.putHeader("X-Cache", "MISS");
      if (resp.statusCode() == 200) {
        String len = resp.getHeader(HttpHeaders.CONTENT_LENGTH);
        if (len != null && len.length() < 10 && Long.parseLong(len) <= proxy.options.cache().maxEntryBytes()) {
          resp.body().onComplete(body -> {
            if (body.failed()) {
              res.reset();
              return;
            }
            res.end(body.result());
            String type = resp.getHeader(HttpHeaders.CONTENT_TYPE);
            proxy.cache.put(req.uri(), new CachedResponse(type == null ? "" : type, body.result()), cacheRule.ttlMs());
          });
          return;
        }
      }
    }
    if (!res.headers().contains(HttpHeaders.CONTENT_LENGTH) && req.method() != HttpMethod.HEAD
        && resp.statusCode() != 204 && resp.statusCode() != 304) {
      res.setChunked(true);
    }
    resp.pipe().endOnFailure(false).to(res).onFailure(err -> {
      LOG.debug("response of {} {} broke off: {}", req.method(), req.uri(), err.getMessage());
      res.reset();
    });
  }

  private void fail(Failure reason, int status, String code, String message) {
    answered = true;
    pool.failed(reason);
    resumeRequest();
    ApiError.send(ctx, status, code, message);
  }

  /**
   * Lets the rest of the request's body flow (read and dropped when nobody wants it). An HTTP/2
   * request that was read to its end refuses a resume with an exception, which, thrown from a
   * failure handler, would leave the client without its answer.
   */
  private void resumeRequest() {
    if (!req.isEnded()) {
      req.resume();
    }
  }

  private static boolean isIdempotent(HttpMethod m) {
    return m == HttpMethod.GET || m == HttpMethod.HEAD || m == HttpMethod.OPTIONS || m == HttpMethod.PUT
        || m == HttpMethod.DELETE || m == HttpMethod.TRACE;
  }
}
