package io.marketprism.platform.auth;

import io.marketprism.platform.http.ApiError;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.User;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks the credentials of a request, an API key in {@code X-API-Key} or a JWT in
 * {@code Authorization: Bearer}, and issues tokens (HS256, vertx-auth-jwt) for API keys.
 */
public final class Authenticator {

  public static final String API_KEY_HEADER = "X-API-Key";
  private static final Logger LOG = LoggerFactory.getLogger(Authenticator.class);
  private static volatile String processSecret;

  private final JWTAuth jwt;
  private final AuthOptions options;
  private final Map<String, ApiKey> bySha = new HashMap<>();

  private Authenticator(JWTAuth jwt, AuthOptions options) {
    this.jwt = jwt;
    this.options = options;
    options.apiKeys().forEach(k -> bySha.put(k.sha256(), k));
  }

  /**
   * An authenticator over the configured keys and secret. Without a configured secret every
   * gateway of this process shares one random secret, and a warning says that tokens will not
   * be accepted by other gateways.
   */
  public static Authenticator create(Vertx vertx, AuthOptions options) {
    String secret = options.jwtSecret();
    if (secret == null) {
      secret = randomProcessSecret();
    }
    JWTAuth jwt = JWTAuth.create(vertx, new JWTAuthOptions()
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(secret))
        .setJWTOptions(new JWTOptions().setIssuer(options.issuer())));
    return new Authenticator(jwt, options);
  }

  private static synchronized String randomProcessSecret() {
    if (processSecret == null) {
      byte[] bytes = new byte[32];
      new SecureRandom().nextBytes(bytes);
      processSecret = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
      LOG.warn("gateway.auth.jwt.secret is not set: tokens are signed with a random secret of this process,"
          + " so they stop working when it restarts and the gateways and services of other processes reject them; set the secret, the same on every node, in a cluster");
    }
    return processSecret;
  }

  /** The configured key {@code raw} is, or null. */
  public ApiKey apiKey(String raw) {
    return raw == null || raw.isEmpty() || raw.length() > 1024 ? null : bySha.get(ApiKey.sha256Hex(raw));
  }

  /**
   * The principal the request's credentials prove: a null result when it carries none, a
   * failure ({@link ApiError} 401) when they are unknown, expired or forged.
   */
  public Future<Principal> authenticate(HttpServerRequest request) {
    String key = request.getHeader(API_KEY_HEADER);
    if (key != null) {
      ApiKey k = apiKey(key);
      return k == null ? Future.failedFuture(new ApiError(401, "unauthorized", "unknown API key"))
          : Future.succeededFuture(new Principal(k.name(), k.roles(), "api_key"));
    }
    String authorization = request.getHeader("Authorization");
    if (authorization == null) {
      return Future.succeededFuture();
    }
    if (authorization.length() < 8 || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return Future.failedFuture(new ApiError(401, "unauthorized", "Authorization must be 'Bearer <token>'"));
    }
    return verify(authorization.substring(7).trim());
  }

  /** The principal of a token; fails with 401 when it is expired, forged or not ours. */
  public Future<Principal> verify(String token) {
    return jwt.authenticate(new TokenCredentials(token))
        .map(Authenticator::principal)
        .recover(err -> Future.failedFuture(new ApiError(401, "unauthorized", "invalid or expired token")));
  }

  /** A token for {@code principal} valid for {@code ttlSeconds}. */
  public String issue(Principal principal, long ttlSeconds) {
    return jwt.generateToken(new JsonObject().put("sub", principal.name()).put("roles", new JsonArray(principal.roles())),
        new JWTOptions().setIssuer(options.issuer()).setExpiresInSeconds((int) ttlSeconds));
  }

  /** A token for the configured key named {@code keyName}, e.g. the admin token the demo prints. */
  public String issueFor(String keyName, long ttlSeconds) {
    for (ApiKey k : options.apiKeys()) {
      if (k.name().equals(keyName)) {
        return issue(new Principal(k.name(), k.roles(), "api_key"), ttlSeconds);
      }
    }
    throw new IllegalArgumentException("no API key named " + keyName);
  }

  public AuthOptions options() {
    return options;
  }

  private static Principal principal(User user) {
    JsonObject claims = user.attributes().getJsonObject("accessToken");
    if (claims == null) {
      claims = user.principal();
    }
    List<String> roles = new ArrayList<>();
    JsonArray arr = claims.getJsonArray("roles", new JsonArray());
    for (Object o : arr) {
      roles.add(String.valueOf(o));
    }
    Object exp = claims.getValue("exp");
    return new Principal(claims.getString("sub", "anonymous"), List.copyOf(roles), "jwt",
        exp instanceof Number n ? n.longValue() * 1000 : 0);
  }
}
