package io.marketprism.platform.auth;

import io.marketprism.platform.config.ConfigReader;
import io.marketprism.platform.http.ApiError;
import io.marketprism.platform.http.RequestPath;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * Who may call what, from {@code gateway.auth}: the admin role on admin routes (CONTRACT §5 and
 * {@code gateway.auth.admin_routes}), credentials on every {@code /api} and {@code /ws} request
 * when {@code require_for_reads} is set. One implementation for the gateway (which checks it in
 * its admission, between the rate limit and routing) and for every service, which checks it again
 * on its own port ({@link #handle}): the gateway forwards the credentials as sent, and a request
 * sent straight to a service's port (bound to a network address in a multi-host cluster) needs
 * the same credentials as through the gateway.
 */
public final class AccessPolicy {

  /** The section every node reads, the gateway and the services alike. */
  public static final String SECTION = "auth";

  private final Authenticator auth;
  private final AdminRoutes adminRoutes;
  private final boolean requireForReads;
  private final Counter unauthorized;
  private final Counter forbidden;

  private AccessPolicy(Authenticator auth, MeterRegistry meters, String service) {
    this.auth = auth;
    this.adminRoutes = new AdminRoutes(auth.options().adminRoutes());
    this.requireForReads = auth.options().requireForReads();
    this.unauthorized = refused(meters, service, 401);
    this.forbidden = refused(meters, service, 403);
  }

  /** The policy of the configuration tree's {@code gateway.auth} (a bad value fails with its key). */
  public static AccessPolicy create(Vertx vertx, JsonObject root, MeterRegistry meters, String service) {
    return new AccessPolicy(Authenticator.create(vertx, AuthOptions.from(ConfigReader.root(root, "gateway")
        .section(SECTION))), meters, service);
  }

  private static Counter refused(MeterRegistry meters, String service, int status) {
    return Counter.builder("mp.auth.refused.requests")
        .description("requests refused for missing, invalid or insufficient credentials")
        .tag("service", service).tag("status", Integer.toString(status)).register(meters);
  }

  public Authenticator authenticator() {
    return auth;
  }

  /** Whether {@code method canonicalPath} needs role admin. */
  public boolean isAdminRoute(io.vertx.core.http.HttpMethod method, String canonicalPath) {
    return adminRoutes.matches(method, canonicalPath);
  }

  /**
   * Why a request with the credentials of {@code p} (null: none) is refused, or null when it may
   * pass: 401 for none on an admin route (or on any route when reads need credentials), 403 for a
   * principal without role admin on an admin route. Counted; the caller answers it (which logs it).
   */
  public ApiError refusal(Principal p, boolean admin) {
    ApiError no = null;
    if (admin && p == null) {
      no = new ApiError(401, "unauthorized", "this route needs role admin: send an admin API key in "
          + Authenticator.API_KEY_HEADER + " or 'Authorization: Bearer <token>'");
    } else if (admin && !p.isAdmin()) {
      no = new ApiError(403, "forbidden", "this route needs role admin; " + p.name() + " has " + p.roles());
    } else if (p == null && requireForReads) {
      no = new ApiError(401, "unauthorized", "credentials are required: an API key in "
          + Authenticator.API_KEY_HEADER + " or 'Authorization: Bearer <token>'");
    }
    if (no != null) {
      (no.status() == 401 ? unauthorized : forbidden).increment();
    }
    return no;
  }

  /** Counts credentials that were sent but not valid (the caller answers the 401). */
  public void invalidCredentials() {
    unauthorized.increment();
  }

  /**
   * A service's check, first on its router: an admin route (or, when reads need credentials, any
   * {@code /api} or {@code /ws} route) goes on only with credentials that pass; others go on
   * untouched, whatever they carry (the gateway already refused invalid ones; reads are open).
   * The path is matched in its canonical form, so {@code /api/v1/storage/%61rchive/} is an admin
   * route here too.
   */
  public void handle(RoutingContext ctx) {
    HttpServerRequest req = ctx.request();
    String path;
    try {
      path = RequestPath.canonical(req.path());
    } catch (ApiError e) {
      ctx.fail(e);
      return;
    }
    boolean admin = adminRoutes.matches(req.method(), path);
    if (!admin && !(requireForReads && underApiOrWs(path))) {
      ctx.next();
      return;
    }
    Future<Principal> credentials = auth.authenticate(req);
    if (credentials.isComplete()) {
      // API keys and HS256 tokens are checked on the spot: nothing to pause, the body is untouched
      decide(ctx, credentials, admin);
      return;
    }
    if (!req.isEnded()) {
      req.pause(); // a body handler further on resumes it
    }
    credentials.onComplete(ar -> decide(ctx, credentials, admin));
  }

  private static boolean underApiOrWs(String path) {
    return path.startsWith("/api/") || path.startsWith("/ws/") || path.equals("/api") || path.equals("/ws");
  }

  private void decide(RoutingContext ctx, Future<Principal> credentials, boolean admin) {
    ApiError no;
    if (credentials.failed()) {
      invalidCredentials();
      no = credentials.cause() instanceof ApiError e ? e
          : new ApiError(401, "unauthorized", "invalid credentials");
    } else {
      no = refusal(credentials.result(), admin);
    }
    if (no != null) {
      ctx.request().resume();
      ctx.fail(no);
    } else {
      ctx.next();
    }
  }
}
