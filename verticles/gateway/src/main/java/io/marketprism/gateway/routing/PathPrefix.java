package io.marketprism.gateway.routing;

/** Prefix matching on whole path segments, as every path rule of the gateway config uses. */
public final class PathPrefix {

  private PathPrefix() {
  }

  /**
   * Whether canonical {@code path} is {@code prefix} or lies below it: {@code /api/v1/storage}
   * and {@code /api/v1/storage/} both match {@code /api/v1/storage/trade} but not
   * {@code /api/v1/storagex}.
   */
  public static boolean matches(String path, String prefix) {
    if (!path.startsWith(prefix)) {
      return prefix.endsWith("/") && path.length() == prefix.length() - 1 && prefix.startsWith(path);
    }
    return path.length() == prefix.length() || prefix.endsWith("/") || path.charAt(prefix.length()) == '/'
        || path.charAt(prefix.length()) == '?';
  }

  /** Checks a configured prefix: absolute, no query. */
  public static boolean valid(String prefix) {
    return prefix.startsWith("/") && !prefix.contains("?") && !prefix.contains("#") && !prefix.contains("//");
  }
}
