package io.marketprism.gateway.ratelimit;

import io.vertx.core.http.HttpServerResponse;

/**
 * The outcome of taking a token.
 *
 * @param allowed           whether the request may pass
 * @param limit             the bucket capacity ({@code X-RateLimit-Limit})
 * @param remaining         tokens left after this request ({@code X-RateLimit-Remaining})
 * @param retryAfterSeconds when refused: seconds until a token is there ({@code Retry-After})
 */
public record Decision(boolean allowed, int limit, long remaining, long retryAfterSeconds) {

  /** Sets the rate-limit headers every limited response carries. */
  public void writeHeaders(HttpServerResponse response) {
    response.putHeader("X-RateLimit-Limit", Integer.toString(limit))
        .putHeader("X-RateLimit-Remaining", Long.toString(remaining));
    if (!allowed) {
      response.putHeader("Retry-After", Long.toString(retryAfterSeconds));
    }
  }
}
