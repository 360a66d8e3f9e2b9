package io.marketprism.platform.http;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * An error answered to an API client, with the JSON body of CONTRACT §5:
 * {@code {"error":{"code":"...","message":"...","request_id":"..."}}}. Throw it from a handler
 * (the failure handler of {@link Http#installErrorHandling} renders it) or call {@link #send}.
 */
public class ApiError extends RuntimeException {

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
    ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json")
        .end(body(code, message, Http.requestId(ctx)).encode());
  }
}
