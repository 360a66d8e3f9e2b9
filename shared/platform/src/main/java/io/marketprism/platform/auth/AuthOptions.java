package io.marketprism.platform.auth;

import io.marketprism.platform.config.ConfigException;
import io.marketprism.platform.config.ConfigReader;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Authentication and authorization ({@code gateway.auth}).
 *
 * @param requireForReads   false: non-admin routes are open (credentials, when sent, must be
 *                          valid); true: every {@code /api} and {@code /ws} request needs them
 * @param jwtSecret         the HS256 secret; null: a random one per process (tokens then only
 *                          work on the gateway that issued them, so a cluster must configure it)
 * @param issuer            the {@code iss} of issued tokens, checked on verification
 * @param tokenTtlSeconds   lifetime of issued tokens
 * @param apiKeys           the keys, stored as SHA-256
 * @param adminRoutes       routes that need role admin besides those of CONTRACT §5
 */
public record AuthOptions(boolean requireForReads, String jwtSecret, String issuer, long tokenTtlSeconds,
                          List<ApiKey> apiKeys, List<String> adminRoutes) {

  /** The keys of an {@code api_keys} entry: any other (a misspelt {@code role}) stops start-up instead of being ignored. */
  private static final List<String> API_KEY_KEYS = List.of("name", "sha256", "roles");

  public static AuthOptions from(ConfigReader section) {
    ConfigReader jwt = section.section("jwt");
    String secret = jwt.string("secret", "");
    if (!secret.isEmpty() && secret.length() < 16) {
      throw new ConfigException(jwt.key("secret"), "must be at least 16 characters (or empty for a random one)");
    }
    List<ApiKey> keys = new ArrayList<>();
    Set<String> names = new HashSet<>();
    Set<String> hashes = new HashSet<>();
    for (ConfigReader k : section.list("api_keys")) {
      k.onlyKeys(API_KEY_KEYS);
      String name = k.requiredString("name");
      String sha = k.requiredString("sha256").toLowerCase(java.util.Locale.ROOT);
      if (!sha.matches("[0-9a-f]{64}")) {
        throw new ConfigException(k.key("sha256"), "must be the 64 hex digits of the key's SHA-256"
            + " (e.g. printf %s KEY | sha256sum), got '" + sha + "'");
      }
      if (!names.add(name)) {
        throw new ConfigException(k.key("name"), "'" + name + "' is used by two keys");
      }
      if (!hashes.add(sha)) {
        throw new ConfigException(k.key("sha256"), "the same key is configured twice");
      }
      keys.add(new ApiKey(name, sha, List.copyOf(k.strings("roles", List.of()))));
    }
    List<String> adminRoutes = section.strings("admin_routes", List.of());
    for (int i = 0; i < adminRoutes.size(); i++) {
      AdminRoutes.Rule.parse(adminRoutes.get(i), section.key("admin_routes") + "[" + i + "]");
    }
    return new AuthOptions(section.bool("require_for_reads", false), secret.isEmpty() ? null : secret,
        jwt.string("issuer", "marketprism"), jwt.longIn("ttl_seconds", 1, 31L * 24 * 3600, 3600),
        List.copyOf(keys), List.copyOf(adminRoutes));
  }
}
