package io.marketprism.monitoring;

import io.marketprism.platform.discovery.ServiceInstance;
import io.vertx.core.json.JsonObject;

/** What the last poll of one instance's {@code /health} found. */
final class InstanceHealth {

  final ServiceInstance instance;
  String status = "UNKNOWN";
  long checkedMs;
  long latencyMs;
  long downSinceMs;
  JsonObject detail = new JsonObject();

  InstanceHealth(ServiceInstance instance) {
    this.instance = instance;
  }

  void update(String status, long latencyMs, JsonObject detail, long now) {
    if ("UP".equals(status)) {
      downSinceMs = 0;
    } else if (downSinceMs == 0) {
      downSinceMs = now;
    }
    this.status = status;
    this.latencyMs = latencyMs;
    this.checkedMs = now;
    this.detail = detail;
  }

  JsonObject toJson() {
    return instance.toJson().put("status", status).put("checked_ms", checkedMs).put("latency_ms", latencyMs)
        .put("down_since_ms", downSinceMs == 0 ? null : downSinceMs).put("health", detail);
  }
}
