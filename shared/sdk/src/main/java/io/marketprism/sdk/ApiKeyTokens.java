package io.marketprism.sdk;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.util.function.Supplier;

/**
 * Tokens from the gateway's {@code POST /api/v1/auth/token} for one API key, kept until most of
 * their lifetime ({@code expires_in}) has passed: one exchange serves every request meanwhile, and
 * requests made while one is under way share it.
 */
final class ApiKeyTokens implements TokenProvider {

  /** The share of a token's lifetime after which a new one is asked for, ahead of its expiry. */
  private static final double RENEW_AT = 0.8;

  private final Supplier<Future<JsonObject>> exchange;
  private Future<String> current;
  private long renewAtMs;

  /** @param exchange sends the exchange request and gives its answer ({@code {"token","expires_in"}}) */
  ApiKeyTokens(Supplier<Future<JsonObject>> exchange) {
    this.exchange = exchange;
  }

  @Override
  public synchronized Future<String> token(boolean refresh) {
    boolean usable = current != null && !current.failed()
        && (!current.isComplete() || System.currentTimeMillis() < renewAtMs);
    if (usable && !(refresh && current.isComplete())) {
      return current;
    }
    long askedAt = System.currentTimeMillis();
    current = exchange.get().map(body -> {
      String token = body.getString("token");
      if (token == null) {
        throw new MarketPrismException(0, "bad_response", "no token in the answer of /api/v1/auth/token");
      }
      synchronized (this) {
        renewAtMs = askedAt + (long) (body.getLong("expires_in", 0L) * 1000 * RENEW_AT);
      }
      return token;
    });
    return current;
  }
}
