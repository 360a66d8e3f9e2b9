package io.marketprism.gateway.cache;

import io.marketprism.gateway.routing.PathPrefix;
import io.marketprism.platform.config.ConfigException;
import io.marketprism.platform.config.ConfigReader;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Cached GET routes ({@code gateway.cache}).
 *
 * @param maxEntries    entries kept in memory (least recently used go first)
 * @param maxEntryBytes larger responses are passed through uncached
 * @param routes        path prefixes and how long their 200 responses are served from the cache
 */
public record CacheOptions(int maxEntries, int maxEntryBytes, List<Route> routes) {

  /** The keys of a {@code routes} entry: any other (a misspelt {@code ttl}) stops start-up instead of being ignored. */
  private static final List<String> ROUTE_KEYS = List.of("prefix", "ttl_ms");

  /**
   * @param prefix a canonical path prefix (whole segments)
   * @param ttlMs  how long a cached response is served
   */
  public record Route(String prefix, long ttlMs) {
  }

  public static CacheOptions from(ConfigReader section) {
    List<Route> routes = new ArrayList<>();
    for (ConfigReader r : section.list("routes")) {
      r.onlyKeys(ROUTE_KEYS);
      String prefix = r.requiredString("prefix");
      if (!PathPrefix.valid(prefix)) {
        throw new ConfigException(r.key("prefix"), "must be an absolute path without query, got '" + prefix + "'");
      }
      routes.add(new Route(prefix, r.longIn("ttl_ms", 1, 86_400_000, 1000)));
    }
    // the longest prefix wins, so a specific rule can override a general one
    routes.sort(Comparator.comparingInt((Route r) -> r.prefix().length()).reversed());
    return new CacheOptions(section.intIn("max_entries", 0, 10_000_000, 10_000),
        section.intIn("max_entry_bytes", 0, 64 * 1024 * 1024, 262_144), List.copyOf(routes));
  }

  /** The rule for a canonical path, or null when its responses are not cached. */
  public Route routeFor(String canonicalPath) {
    for (Route r : routes) {
      if (PathPrefix.matches(canonicalPath, r.prefix())) {
        return r;
      }
    }
    return null;
  }
}
