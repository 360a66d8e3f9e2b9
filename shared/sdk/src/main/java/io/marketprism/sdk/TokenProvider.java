package io.marketprism.sdk;

import io.vertx.core.Future;

/**
 * Where {@link MarketPrismClient} gets the JWT it sends as {@code Authorization: Bearer}, asked
 * before each request and each live-stream connection, so that short-lived tokens can be
 * renewed without recreating the client. The gateway accepts the HS256 tokens it issues itself
 * ({@code POST /api/v1/auth/token}, in exchange for an API key: see
 * {@link MarketPrismClient#tokensFromApiKey}), signed with its {@code gateway.auth.jwt.secret}.
 *
 * <p>A provider should cache its token and hand out the same one until it expires: it is asked
 * on every request. When the gateway answers 401 the client asks once more with {@code refresh}
 * true and repeats the request with that token if it differs (a 401 with the same token is
 * final).
 */
@FunctionalInterface
public interface TokenProvider {

  /**
   * @param refresh true after the gateway refused the last token (expired, revoked): do not hand
   *                out a cached one
   * @return the token, without the {@code Bearer } prefix; a failure fails the request with it
   */
  Future<String> token(boolean refresh);

  /** The same token every time (what {@link MarketPrismClient#bearer(String)} sets). */
  static TokenProvider fixed(String token) {
    Future<String> same = Future.succeededFuture(token);
    return refresh -> same;
  }
}
