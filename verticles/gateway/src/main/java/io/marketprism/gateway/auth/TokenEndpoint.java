package io.marketprism.gateway.auth;

import io.marketprism.platform.auth.Authenticator;
import io.marketprism.platform.auth.Principal;
import io.marketprism.platform.http.ApiError;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code POST /api/v1/auth/token}: an API key in {@code X-API-Key} → {@code {"token","expires_in","roles"}}.
 * The optional JSON body {@code {"ttl_seconds": N}} asks for a shorter-lived token.
 */
public final class TokenEndpoint {

  /** Where the admission step leaves the request's principal in the routing context. */
  public static final String PRINCIPAL = "mp.principal";

  private final Authenticator auth;
  private final long maxBodyBytes;

  public TokenEndpoint(Authenticator auth, long maxBodyBytes) {
    this.auth = auth;
    this.maxBodyBytes = maxBodyBytes;
  }

  public void handle(RoutingContext ctx) {
    Principal p = ctx.get(PRINCIPAL);
    if (p == null || !p.via().equals("api_key")) {
      ctx.fail(new ApiError(401, "unauthorized", "an API key in " + Authenticator.API_KEY_HEADER + " is required"));
      return;
    }
    readBody(ctx.request(), maxBodyBytes).onComplete(ar -> {
      if (ar.failed()) {
        ctx.fail(ar.cause());
        return;
      }
      long ttl = auth.options().tokenTtlSeconds();
      Buffer body = ar.result();
      if (body.length() > 0 && !body.toString().isBlank()) {
        Object parsed;
        try {
          parsed = io.vertx.core.json.Json.decodeValue(body);
        } catch (DecodeException e) {
          ctx.fail(ApiError.badRequest("the body must be a JSON object, e.g. {\"ttl_seconds\": 600}"));
          return;
        }
        if (!(parsed instanceof JsonObject)) {
          ctx.fail(ApiError.badRequest("the body must be a JSON object, e.g. {\"ttl_seconds\": 600}"));
          return;
        }
        Object asked = ((JsonObject) parsed).getValue("ttl_seconds");
        if (asked != null) {
          if (!(asked instanceof Number) || ((Number) asked).longValue() < 1 || ((Number) asked).doubleValue() % 1 != 0) {
            ctx.fail(ApiError.badRequest("ttl_seconds must be a positive integer"));
            return;
          }
          ttl = Math.min(ttl, ((Number) asked).longValue());
        }
      }
      ctx.response().putHeader("Cache-Control", "no-store");
      ctx.json(new JsonObject().put("token", auth.issue(p, ttl)).put("token_type", "Bearer")
          .put("expires_in", ttl).put("roles", new JsonArray(p.roles())));
    });
  }

  /** The whole (paused) request body, failing with 413 past {@code max} bytes. */
  static Future<Buffer> readBody(HttpServerRequest req, long max) {
    if (req.isEnded()) {
      return Future.succeededFuture(Buffer.buffer());
    }
    Promise<Buffer> done = Promise.promise();
    Buffer body = Buffer.buffer();
    req.handler(chunk -> {
      if (body.length() + chunk.length() > max) {
        done.tryFail(new ApiError(413, "payload_too_large", "the request body is larger than " + max + " bytes"));
        req.pause();
      } else {
        body.appendBuffer(chunk);
      }
    });
    req.endHandler(v -> done.tryComplete(body));
    req.exceptionHandler(done::tryFail);
    req.resume();
    return done.future();
  }
}
