package io.marketprism.platform.auth;

import io.marketprism.platform.config.ConfigException;
import io.vertx.core.http.HttpMethod;

import java.util.ArrayList;
import java.util.List;

/**
 * The routes that need role {@code admin}: those of CONTRACT §5 and {@link #OWN}, always, plus any in
 * {@code gateway.auth.admin_routes}. A rule is {@code "METHOD /path"}: METHOD may be {@code *};
 * in the path {@code {name}} or {@code *} stands for one segment and a final {@code **} for any
 * rest. Rules match canonical paths (see {@code RequestPath}).
 */
public final class AdminRoutes {

  /** CONTRACT §5: archive, subscription changes, running a job by hand. */
  public static final List<String> CONTRACT = List.of(
      "POST /api/v1/storage/archive",
      "POST /api/v1/collector/subscriptions",
      "DELETE /api/v1/collector/subscriptions",
      "POST /api/v1/scheduler/jobs/{name}/run");

  /** Routes beyond the contract's that change what is stored: reading the stream again into the store. */
  public static final List<String> OWN = List.of("POST /api/v1/storage/replay");

  private final List<Rule> rules = new ArrayList<>();

  public AdminRoutes(List<String> extra) {
    CONTRACT.forEach(r -> rules.add(Rule.parse(r, "admin route")));
    OWN.forEach(r -> rules.add(Rule.parse(r, "admin route")));
    extra.forEach(r -> rules.add(Rule.parse(r, "gateway.auth.admin_routes")));
  }

  /** Whether {@code method canonicalPath} needs role admin. */
  public boolean matches(HttpMethod method, String canonicalPath) {
    for (Rule r : rules) {
      if (r.matches(method, canonicalPath)) {
        return true;
      }
    }
    return false;
  }

  /** One parsed rule. */
  record Rule(String method, String[] segments, boolean rest) {

    static Rule parse(String text, String key) {
      String[] parts = text.trim().split("\\s+");
      if (parts.length != 2 || !parts[1].startsWith("/") || !parts[0].matches("\\*|[A-Za-z]+")) {
        throw new ConfigException(key, "an admin route is \"METHOD /path\", e.g. \"POST /api/v1/storage/archive\", got '"
            + text + "'");
      }
      String path = parts[1].length() > 1 && parts[1].endsWith("/") ? parts[1].substring(0, parts[1].length() - 1) : parts[1];
      boolean rest = path.endsWith("/**");
      if (rest) {
        path = path.substring(0, path.length() - 3);
      }
      String[] segments = path.isEmpty() || path.equals("/") ? new String[0] : path.substring(1).split("/");
      return new Rule(parts[0].toUpperCase(java.util.Locale.ROOT), segments, rest);
    }

    boolean matches(HttpMethod m, String path) {
      if (!method.equals("*") && !method.equals(m.name())) {
        return false;
      }
      int pos = 1;
      for (String seg : segments) {
        if (pos > path.length()) {
          return false;
        }
        int end = path.indexOf('/', pos);
        if (end < 0) {
          end = path.length();
        }
        boolean any = seg.equals("*") || (seg.startsWith("{") && seg.endsWith("}"));
        if (!any && !path.regionMatches(pos, seg, 0, Math.max(seg.length(), end - pos))) {
          return false;
        }
        if (any && end == pos) {
          return false;
        }
        pos = end + 1;
      }
      return rest || pos > path.length();
    }
  }
}
