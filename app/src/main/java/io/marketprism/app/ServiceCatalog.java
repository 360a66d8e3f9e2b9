package io.marketprism.app;

import io.marketprism.broker.BrokerVerticle;
import io.marketprism.collector.CollectorVerticle;
import io.marketprism.gateway.GatewayVerticle;
import io.marketprism.monitoring.MonitoringVerticle;
import io.marketprism.scheduler.SchedulerVerticle;
import io.marketprism.storage.StorageVerticle;
import io.vertx.core.Deployable;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The services {@code run} can start, in start order: the simulator first (so the collector
 * finds its exchanges), the gateway last (so it opens its port with its backends known).
 */
public final class ServiceCatalog {

  private static final Map<String, Supplier<? extends Deployable>> SERVICES = new LinkedHashMap<>();

  static {
    SERVICES.put("simulator", SimulatorService::new);
    SERVICES.put("broker", BrokerVerticle::new);
    SERVICES.put("storage", StorageVerticle::new);
    SERVICES.put("collector", CollectorVerticle::new);
    SERVICES.put("scheduler", SchedulerVerticle::new);
    SERVICES.put("monitoring", MonitoringVerticle::new);
    SERVICES.put("gateway", GatewayVerticle::new);
  }

  private ServiceCatalog() {
  }

  public static List<String> names() {
    return List.copyOf(SERVICES.keySet());
  }

  /**
   * The named services in catalog order; all of them when {@code requested} is empty (CONTRACT §2;
   * the simulator's market stays still until a first client reaches it: {@link SimulatorService}).
   */
  public static List<String> resolve(List<String> requested) {
    if (requested == null || requested.isEmpty()) {
      return names();
    }
    for (String r : requested) {
      if (!SERVICES.containsKey(r)) {
        throw new IllegalArgumentException("unknown service '" + r + "' (one of " + String.join(", ", names()) + ")");
      }
    }
    return names().stream().filter(requested::contains).toList();
  }

  public static Supplier<? extends Deployable> factory(String name) {
    return SERVICES.get(name);
  }
}
