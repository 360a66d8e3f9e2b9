package io.marketprism.gateway.ratelimit;

import io.marketprism.gateway.routing.PathPrefix;
import io.marketprism.platform.config.ConfigException;
import io.marketprism.platform.config.ConfigReader;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Rate limits ({@code gateway.rate_limits}): a token bucket per client and route class.
 *
 * @param enabled           false turns every limit off
 * @param trustForwardedFor identify clients by the first {@code X-Forwarded-For} address (only
 *                          behind a proxy that sets it)
 * @param maxClients        local buckets kept per class; the least recently used go first
 * @param classes           the route classes; {@code default} always exists
 */
public record RateLimitOptions(boolean enabled, boolean trustForwardedFor, int maxClients, List<RouteClass> classes) {

  /** The class of requests no prefix matches. */
  public static final String DEFAULT = "default";
  /** The class of admin routes, when configured. */
  public static final String ADMIN = "admin";

  /**
   * A route class: its bucket size and refill rate, and the path prefixes it covers.
   *
   * @param name            the class name (a metric tag, part of the Redis key)
   * @param capacity        the burst a client may send at once
   * @param refillPerSecond the sustained rate
   * @param prefixes        canonical path prefixes of the class (whole segments)
   */
  public record RouteClass(String name, int capacity, double refillPerSecond, List<String> prefixes) {
  }

  public static RateLimitOptions from(ConfigReader section) {
    List<RouteClass> classes = new ArrayList<>();
    for (Map.Entry<String, ConfigReader> e : section.sections("classes").entrySet()) {
      ConfigReader c = e.getValue();
      if (!e.getKey().matches("[a-z][a-z0-9_-]*")) {
        throw new ConfigException(c.path(), "a class name is lower-case letters, digits, '_' and '-'");
      }
      List<String> prefixes = c.strings("prefixes", List.of());
      for (String p : prefixes) {
        if (!PathPrefix.valid(p)) {
          throw new ConfigException(c.key("prefixes"), "must be absolute paths without query, got '" + p + "'");
        }
      }
      classes.add(new RouteClass(e.getKey(), c.intIn("capacity", 1, 100_000_000, 100),
          c.doubleIn("refill_per_second", 0.001, 100_000_000, 50), List.copyOf(prefixes)));
    }
    if (classes.stream().noneMatch(c -> c.name().equals(DEFAULT))) {
      classes.add(new RouteClass(DEFAULT, 600, 300, List.of()));
    }
    return new RateLimitOptions(section.bool("enabled", true), section.bool("trust_forwarded_for", false),
        section.intIn("max_clients", 100, 10_000_000, 100_000), List.copyOf(classes));
  }

  /** A classifier over these classes. */
  public RouteClasses classifier() {
    return new RouteClasses(classes);
  }

  /** Picks the route class of a request: admin routes → {@code admin}, else the longest prefix, else default. */
  public static final class RouteClasses {
    private final List<Map.Entry<String, RouteClass>> byPrefix = new ArrayList<>();
    private final RouteClass fallback;
    private final RouteClass admin;

    RouteClasses(List<RouteClass> classes) {
      RouteClass def = null;
      RouteClass adm = null;
      for (RouteClass c : classes) {
        c.prefixes().forEach(p -> byPrefix.add(Map.entry(p, c)));
        if (c.name().equals(DEFAULT)) {
          def = c;
        } else if (c.name().equals(ADMIN)) {
          adm = c;
        }
      }
      byPrefix.sort(Comparator.comparingInt((Map.Entry<String, RouteClass> e) -> e.getKey().length()).reversed());
      this.fallback = def;
      this.admin = adm;
    }

    public RouteClass classify(String canonicalPath, boolean adminRoute) {
      if (adminRoute && admin != null) {
        return admin;
      }
      for (Map.Entry<String, RouteClass> e : byPrefix) {
        if (PathPrefix.matches(canonicalPath, e.getKey())) {
          return e.getValue();
        }
      }
      return fallback;
    }
  }
}
