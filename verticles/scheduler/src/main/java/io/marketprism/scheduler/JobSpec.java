package io.marketprism.scheduler;

import io.marketprism.platform.config.ConfigException;
import io.marketprism.platform.config.ConfigReader;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;

import java.util.Locale;
import java.util.Set;

/**
 * One scheduled job: every {@code everyMs}, call {@code method path} on an instance of
 * {@code service} (found in discovery) with {@code body}. Jobs are data so operators add them
 * in the config ({@code scheduler.jobs.<name>}) without code.
 */
public record JobSpec(String name, long everyMs, long initialDelayMs, String service, HttpMethod method,
                      String path, JsonObject body, long timeoutMs, boolean enabled) {

  private static final Set<String> METHODS = Set.of("get", "post", "put", "delete");
  /** The keys a job takes; any other (a typo such as {@code evry}) is refused at start. */
  private static final Set<String> KEYS = Set.of("every", "initial_delay", "service", "method", "path", "body",
      "timeout", "enabled");

  static JobSpec from(String name, ConfigReader r) {
    r.onlyKeys(KEYS);
    String path = r.requiredString("path");
    if (!path.startsWith("/")) {
      throw new ConfigException(r.key("path"), "must start with /, got '" + path + "'");
    }
    Object body = r.json().getValue("body");
    if (body != null && !(body instanceof JsonObject)) {
      throw new ConfigException(r.key("body"), "must be a mapping (sent as a JSON object)");
    }
    return new JobSpec(name,
        parseDuration(r, "every", null),
        parseDuration(r, "initial_delay", "0s"),
        r.requiredString("service"),
        HttpMethod.valueOf(r.oneOf("method", METHODS, "post").toUpperCase(Locale.ROOT)),
        path,
        body == null ? new JsonObject() : (JsonObject) body,
        parseDuration(r, "timeout", "60s"),
        r.bool("enabled", true));
  }

  /** {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h}, {@code 1d}. */
  static long parseDuration(ConfigReader r, String key, String def) {
    String v = r.string(key, def);
    if (v == null) {
      throw new ConfigException(r.key(key), "is required (a duration such as 30s, 5m, 1h, 1d)");
    }
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+)(ms|s|m|h|d)").matcher(v.trim());
    if (!m.matches()) {
      throw new ConfigException(r.key(key), "must be a duration such as 500ms, 30s, 5m, 1h, 1d, got '" + v + "'");
    }
    long n = Long.parseLong(m.group(1));
    long unit = switch (m.group(2)) {
      case "ms" -> 1;
      case "s" -> 1000;
      case "m" -> 60_000;
      case "h" -> 3_600_000;
      default -> 86_400_000;
    };
    return n * unit;
  }

  JsonObject toJson() {
    return new JsonObject().put("name", name).put("every_ms", everyMs).put("service", service)
        .put("method", method.name()).put("path", path).put("enabled", enabled);
  }
}
