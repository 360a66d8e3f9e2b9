package io.marketprism.platform.http;

import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.DecodeException;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.nio.channels.ClosedChannelException;
import java.util.UUID;
import java.util.concurrent.TimeoutException;

/** HTTP conventions every MarketPrism server follows: request ids and uniform errors. */
public final class Http {

  public static final String REQUEST_ID = "X-Request-Id";
  private static final Logger LOG = LoggerFactory.getLogger(Http.class);
  private static final String CTX_KEY = "mp.request_id";
  /** Marks a HEAD request answered as its GET. */
  private static final String HEAD_KEY = "mp.head";

  private Http() {
  }

  /** The request id of this request: the caller's {@code X-Request-Id} when sane, else a new one. */
  public static String requestId(RoutingContext ctx) {
    String id = ctx.get(CTX_KEY);
    if (id == null) {
      id = requestId(ctx.request());
      ctx.put(CTX_KEY, id);
    }
    return id;
  }

  /** A new random (version 4 shaped) request id. */
  public static String newRequestId() {
    // unique, not secret: ThreadLocalRandom avoids the shared SecureRandom of UUID.randomUUID()
    java.util.concurrent.ThreadLocalRandom r = java.util.concurrent.ThreadLocalRandom.current();
    return new UUID((r.nextLong() & ~0xF000L) | 0x4000L, (r.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L)
        .toString();
  }

  public static String requestId(HttpServerRequest req) {
    String given = req.getHeader(REQUEST_ID);
    if (given != null && given.length() <= 128 && given.chars().allMatch(c -> c > 32 && c < 127)) {
      return given;
    }
    return newRequestId();
  }

  /**
   * First handler: sets {@code X-Request-Id} on every response, and answers {@code HEAD} as the
   * {@code GET} of the same URI with the same {@code Content-Length} (Vert.x sends the headers of
   * a HEAD response, never its body, and leaves the length out). Last handlers: 404 for unknown
   * routes and a failure handler that turns any exception into the error JSON (400 for bad input,
   * never a stack trace to the client).
   */
  public static void installErrorHandling(Router router) {
    router.route().order(-1000).handler(ctx -> {
      if (ctx.request().method() == HttpMethod.HEAD) {
        ctx.put(HEAD_KEY, Boolean.TRUE);
        ctx.reroute(HttpMethod.GET, ctx.request().uri());
        return;
      }
      if (ctx.get(HEAD_KEY) != null) {
        // added on the GET's pass: a reroute drops the handlers added before it
        ctx.addHeadersEndHandler(v -> headContentLength(ctx.response()));
      }
      ctx.response().putHeader(REQUEST_ID, requestId(ctx));
      ctx.next();
    });
    router.route().last().handler(ctx -> {
      if (!methodNotAllowed(ctx, router, ctx.normalizedPath())) {
        ApiError.send(ctx, 404, "not_found", "no route for " + ctx.request().method() + " " + ctx.request().path());
      }
    });
    router.route().failureHandler(Http::renderFailure);
  }

  /**
   * A handler for routes that take no query parameters: a request with any is a 400 naming them;
   * one without goes on.
   */
  public static void refuseQueryParameters(RoutingContext ctx) {
    String query = ctx.request().query();
    if (query == null || query.isEmpty()) {
      ctx.next();
      return;
    }
    ctx.request().resume(); // a body left unread (a paused request) must not hold the connection
    ApiError.send(ctx, 400, "bad_request", ctx.request().method() + " " + ctx.request().path()
        + " takes no query parameters; got " + String.join(", ", new java.util.TreeSet<>(ctx.queryParams().names())));
  }

  /** Methods in the order an {@code Allow} header lists them. */
  private static final java.util.List<HttpMethod> METHOD_ORDER = java.util.List.of(HttpMethod.GET, HttpMethod.HEAD,
      HttpMethod.POST, HttpMethod.PUT, HttpMethod.PATCH, HttpMethod.DELETE, HttpMethod.OPTIONS);

  /**
   * The methods that routes of {@code router} restricted to methods serve {@code path} with (HEAD
   * wherever GET, which answers it), empty where none does. A route's path matches segment by
   * segment, a {@code :param} any one segment; a prefix route (added as {@code /a/*}, whose path
   * reads {@code /a/}) the rest. Routes made from a regular expression have no path and count not.
   */
  static java.util.List<String> allowedMethods(Router router, String path) {
    java.util.Set<HttpMethod> methods = new java.util.HashSet<>();
    for (io.vertx.ext.web.Route r : router.getRoutes()) {
      if (r.methods() != null && !r.methods().isEmpty() && r.getPath() != null && pathMatches(r.getPath(), path)) {
        methods.addAll(r.methods());
      }
    }
    if (methods.contains(HttpMethod.GET)) {
      methods.add(HttpMethod.HEAD);
    }
    return METHOD_ORDER.stream().filter(methods::contains).map(HttpMethod::name).toList();
  }

  /**
   * Answers 405 with an {@code Allow} header when routes of {@code router} serve {@code path} with
   * other methods only (a HEAD is here as its GET, whose body length it reports).
   *
   * @return whether it answered
   */
  public static boolean methodNotAllowed(RoutingContext ctx, Router router, String path) {
    String method = ctx.request().method().name();
    java.util.List<String> allowed = allowedMethods(router, path);
    if (allowed.isEmpty() || allowed.contains(method)) {
      return false;
    }
    ctx.response().putHeader("Allow", String.join(", ", allowed));
    ApiError.send(ctx, 405, "method_not_allowed", ctx.request().path() + " takes " + String.join(", ", allowed)
        + ", not " + method);
    return true;
  }

  private static boolean pathMatches(String pattern, String path) {
    String[] p = pattern.split("/", -1);
    String[] s = path.split("/", -1);
    for (int i = 0; i < p.length; i++) {
      // "/" is the root's own route (a method-restricted "/*" would read the same; none is made)
      if (i == p.length - 1 && (p[i].isEmpty() || p[i].equals("*")) && p.length > 2) {
        return s.length >= p.length - 1;
      }
      if (i >= s.length || !(p[i].startsWith(":") ? !s[i].isEmpty() : p[i].equals(s[i]))) {
        return false;
      }
    }
    return p.length == s.length;
  }

  /**
   * The length of the body the GET's handler ended the response with (Vert.x counts it, then drops
   * it). A chunked body has no length to give, and a length already set (a proxied backend's) stays.
   */
  private static void headContentLength(HttpServerResponse res) {
    if (!res.isChunked() && !res.headers().contains(HttpHeaders.CONTENT_LENGTH)) {
      res.putHeader(HttpHeaders.CONTENT_LENGTH, Long.toString(res.bytesWritten()));
    }
  }

  /**
   * The server's request handler: {@code router}, behind a check of the percent-escapes of the
   * path and the query string. vertx-web throws while matching routes against a path like
   * {@code /a/%zz}, and while decoding a query like {@code ?symbol=%zz} (logged with its stack
   * trace), which would reach the client as a bare 400; here it gets the error JSON like every
   * other bad request, logged as those are.
   */
  public static Handler<HttpServerRequest> checkingPaths(Router router) {
    return req -> {
      String bad = badEscapes(req.path()) ? "path" : badEscapes(req.query()) ? "query string" : null;
      if (bad != null) {
        String id = requestId(req);
        req.response().putHeader(REQUEST_ID, id);
        ApiError.send(req, 400, "bad_request", "bad percent-encoding in the request " + bad
            + " (a % must be followed by two hex digits; send a literal % as %25)", id);
        return;
      }
      router.handle(req);
    };
  }

  private static boolean badEscapes(String part) {
    return part != null && part.indexOf('%') >= 0 && !validEscapes(part);
  }

  private static boolean validEscapes(String path) {
    for (int i = path.indexOf('%'); i >= 0; i = path.indexOf('%', i + 1)) {
      if (i + 2 >= path.length() || Character.digit(path.charAt(i + 1), 16) < 0
          || Character.digit(path.charAt(i + 2), 16) < 0) {
        return false;
      }
    }
    return true;
  }

  /**
   * For {@code HttpServer#invalidRequestHandler}: a request the HTTP decoder rejected (request
   * line or headers too long, malformed) gets the error JSON with a request id instead of a bare
   * status line; the server closes the connection afterwards.
   */
  public static void renderInvalidRequest(HttpServerRequest req) {
    Throwable cause = req.decoderResult() == null ? null : req.decoderResult().cause();
    int status = 400;
    String message = "malformed HTTP request";
    if (cause instanceof TooLongHttpLineException) {
      status = 414;
      message = "request line too long";
    } else if (cause instanceof TooLongHttpHeaderException) {
      status = 431;
      message = "request headers too large";
    }
    String code = status == 400 ? "bad_request" : status == 414 ? "uri_too_long" : "headers_too_large";
    String id = newRequestId();
    req.response().setStatusCode(status).putHeader("Content-Type", "application/json")
        .putHeader(REQUEST_ID, id).putHeader("Connection", "close")
        .end(ApiError.body(code, message, id).encode());
  }

  public static void renderFailure(RoutingContext ctx) {
    Throwable err = ctx.failure();
    if (err instanceof ApiError) {
      ((ApiError) err).send(ctx);
      return;
    }
    if (err instanceof DecodeException || err instanceof IllegalArgumentException) {
      ApiError.send(ctx, 400, "bad_request", err.getMessage() == null ? "malformed request" : err.getMessage());
      return;
    }
    int status = ctx.statusCode();
    if (status >= 400 && status < 500) {
      String msg = switch (status) {
        case 400 -> "malformed request";
        case 401 -> "credentials required";
        case 403 -> "not allowed";
        case 404 -> "not found";
        case 405 -> "method not allowed";
        case 413 -> "request body too large";
        case 414 -> "request URI too long";
        case 415 -> "unsupported media type";
        default -> "request rejected";
      };
      ApiError.send(ctx, status, status == 413 ? "payload_too_large" : "bad_request", msg);
      return;
    }
    String unreachable = unreachable(err);
    if (unreachable != null) {
      LOG.warn("request {} {}: a server it needs is unavailable: {}", ctx.request().method(), ctx.request().path(),
          unreachable);
      ApiError.send(ctx, 503, "unavailable", "a server this service needs is unavailable: " + unreachable);
      return;
    }
    LOG.error("request {} {} failed", ctx.request().method(), ctx.request().path(), err);
    ApiError.send(ctx, 500, "internal", "internal error (request id " + requestId(ctx) + ")");
  }

  /**
   * @return what a failure says when its cause is a server that cannot be reached or did not answer
   *     in time (ClickHouse, NATS, Redis): a connection refused or closed, a timeout, a NATS I/O
   *     error; null for any other failure
   */
  public static String unreachable(Throwable err) {
    for (Throwable t = err; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof ServerUnavailableException) {
        return t.getMessage();
      }
      boolean fromNats = t instanceof IOException && t.getStackTrace().length > 0
          && t.getStackTrace()[0].getClassName().startsWith("io.nats.");
      if (t instanceof ConnectException || t instanceof NoRouteToHostException || t instanceof ClosedChannelException
          || t instanceof TimeoutException || t instanceof ConnectTimeoutException || t instanceof HttpClosedException
          || fromNats) {
        return String.valueOf(t.getMessage());
      }
    }
    return null;
  }
}
