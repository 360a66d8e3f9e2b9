package io.marketprism.monitoring;

import io.marketprism.platform.config.ConfigReader;
import io.vertx.core.json.JsonObject;

import java.util.Set;

/**
 * An alert rule from {@code monitoring.alerts.<name>}.
 *
 * <ul>
 *   <li>{@code instance_down}: an instance of {@code service} (any service when absent) answers
 *       its {@code /health} with DOWN, or not at all, for {@code for_ms};</li>
 *   <li>{@code service_missing}: no instance of {@code service} is in discovery for {@code for_ms};</li>
 *   <li>{@code stale_stream}: no record on a subject matching {@code subject} (NATS wildcards)
 *       arrived for {@code max_age_ms}, once data was seen (or for three of the stream's gaps
 *       between records, or of the {@code period} its records declare, when longer).</li>
 * </ul>
 */
public record AlertRule(String name, String kind, String service, String subject, long forMs, long maxAgeMs,
                        String severity) {

  static final Set<String> KINDS = Set.of("instance_down", "service_missing", "stale_stream");

  static AlertRule from(String name, ConfigReader r) {
    String kind = r.oneOf("kind", KINDS, null);
    if (kind == null) {
      throw new io.marketprism.platform.config.ConfigException(r.key("kind"),
          "is required: one of " + String.join(", ", new java.util.TreeSet<>(KINDS)));
    }
    String service = r.string("service", null);
    if (kind.equals("service_missing") && service == null) {
      throw new io.marketprism.platform.config.ConfigException(r.key("service"), "is required for service_missing");
    }
    String subject = r.string("subject", ">");
    return new AlertRule(name, kind, service, subject, r.longIn("for_ms", 0, 86_400_000, 10_000),
        r.longIn("max_age_ms", 100, 86_400_000, 60_000), r.oneOf("severity", Set.of("info", "warning", "critical"), "warning"));
  }

  JsonObject toJson() {
    return new JsonObject().put("name", name).put("kind", kind).put("service", service).put("subject", subject)
        .put("for_ms", forMs).put("max_age_ms", maxAgeMs).put("severity", severity);
  }
}
