package io.marketprism.monitoring;

import io.marketprism.model.SubjectPattern;
import io.marketprism.platform.config.ConfigException;
import io.marketprism.platform.config.ConfigReader;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/**
 * The {@code monitoring} section, validated before start.
 *
 * @param pollIntervalMs  how often every instance's {@code /health} is polled
 * @param healthTimeoutMs a poll slower than this counts as UNREACHABLE
 * @param rules           the alert rules ({@code monitoring.alerts.<name>})
 */
public record MonitoringOptions(long pollIntervalMs, long healthTimeoutMs, List<AlertRule> rules) {

  public static MonitoringOptions from(JsonObject root) {
    ConfigReader m = ConfigReader.root(root, "monitoring");
    List<AlertRule> rules = new ArrayList<>();
    m.sections("alerts").forEach((name, r) -> {
      AlertRule rule = AlertRule.from(name, r);
      try {
        SubjectPattern subject = SubjectPattern.parse(rule.subject());
        if (rule.kind().equals("stale_stream")) {
          // a rule that matches no record subject watches nothing: it would never fire
          subject.requireRecordSubjects();
        }
      } catch (IllegalArgumentException e) {
        throw new ConfigException(r.key("subject"), e.getMessage());
      }
      rules.add(rule);
    });
    return new MonitoringOptions(m.longIn("poll_interval_ms", 100, 600_000, 5000),
        m.longIn("health_timeout_ms", 100, 60_000, 2000), List.copyOf(rules));
  }
}
