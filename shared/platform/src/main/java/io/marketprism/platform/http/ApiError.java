package io.marketprism.platform.http;

import io.marketprism.platform.metrics.LogThrottle;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An error answered to an API client, with the JSON body of CONTRACT §5:
 * {@code {"error":{"code":"...","message":"...","request_id":"..."}}}. Throw it from a handler
 * (the failure handler of {@link Http#installErrorHandling} renders it) or call {@link #send}.
 *
 * <p>Every 4xx sent is logged with its reason (method, path, status, code, message, request id),
 * at most {@link #LOGGED_PER_SECOND} lines a second for the process so that a client sending bad
 * requests in a loop cannot flood the log; the next line logged says how many were left out.
 */
public class ApiError extends RuntimeException {

  private static final Logger LOG = LoggerFactory.getLogger(ApiError.class);
  /** Most client errors logged a second, each with its reason (all are counted by the HTTP metrics). */
  static final int LOGGED_PER_SECOND = 10;
  private static final LogThrottle CLIENT_ERRORS = new LogThrottle(1000 / LOGGED_PER_SECOND);

  private final int status;
  private final String code;

  public ApiError(int status, String code, String message) {
    super(message, null, false, false);
    this.status = status;
    this.code = code;
  }

  public static ApiError badRequest(String message) {
    return new ApiError(400, "bad_request", message);
  }

  public static ApiError notFound(String message) {
    return new ApiError(404, "not_found", message);
  }

  public int status() {
    return status;
  }

  public String code() {
    return code;
  }

  public JsonObject toJson(String requestId) {
    return body(code, getMessage(), requestId);
  }

  public static JsonObject body(String code, String message, String requestId) {
    return new JsonObject().put("error", new JsonObject().put("code", code).put("message", message)
        .put("request_id", requestId));
  }

  /** Writes this error as the response of {@code ctx} (unless one was already sent). */
  public void send(RoutingContext ctx) {
    send(ctx, status, code, getMessage());
  }

  public static void send(RoutingContext ctx, int status, String code, String message) {
    if (ctx.response().ended() || ctx.response().headWritten()) {
      return;
    }
    send(ctx.request(), status, code, message, Http.requestId(ctx));
  }

  /** Answers a request that no router handles (yet) with this error's JSON, logged as {@link #send(RoutingContext, int, String, String)} does. */
  static void send(io.vertx.core.http.HttpServerRequest req, int status, String code, String message, String requestId) {
    if (status >= 400 && status < 500) {
      String left = CLIENT_ERRORS.admit();
      if (left != null) {
        LOG.info("rejected {} {}: {} {}: {} (request {}){}", req.method(), req.path(), status, code, message,
            requestId, left);
      }
    }
    req.response().setStatusCode(status).putHeader("Content-Type", "application/json")
        .end(body(code, message, requestId).encode());
  }
}
