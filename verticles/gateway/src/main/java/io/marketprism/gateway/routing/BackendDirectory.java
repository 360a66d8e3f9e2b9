package io.marketprism.gateway.routing;

import io.marketprism.gateway.breaker.InstanceBreakers;
import io.marketprism.platform.discovery.ServiceDirectory;
import io.marketprism.platform.discovery.ServiceInstance;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The routable services and their instances, kept in step with the platform's
 * {@link ServiceDirectory} (its change events, plus a sweep every second that also drops the
 * instances of nodes that left the cluster). Requests read it without any discovery look-up.
 * Changes are applied on the gateway's event loop, where all reads happen.
 */
public final class BackendDirectory {

  private static final long SWEEP_MS = 1000;

  private final Vertx vertx;
  private final ServiceDirectory directory;
  private final InstanceBreakers breakers;
  private final MeterRegistry meters;
  private final Set<String> configured;
  private final String self;
  private final Map<String, ServicePool> pools = new HashMap<>();
  private long timer = -1;

  /**
   * @param configured services routed even before an instance appears
   * @param self       this gateway's own service name, never routed to
   */
  public BackendDirectory(Vertx vertx, ServiceDirectory directory, InstanceBreakers breakers,
                          MeterRegistry meters, Set<String> configured, String self) {
    this.vertx = vertx;
    this.directory = directory;
    this.breakers = breakers;
    this.meters = meters;
    this.configured = configured;
    this.self = self;
  }

  /** Loads every service and follows discovery from now on; call on the gateway's context. */
  public void start() {
    Context context = vertx.getOrCreateContext();
    configured.forEach(this::refresh);
    sweep();
    // the directory calls listeners on whatever thread applied the change
    directory.onChange(service -> context.runOnContext(v -> refresh(service)));
    timer = vertx.setPeriodic(SWEEP_MS, id -> sweep());
  }

  public void stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
  }

  /** The pool of {@code service}, or null when the service is unknown (neither configured nor discovered). */
  public ServicePool pool(String service) {
    return pools.get(service);
  }

  /** Every discovered instance with its breaker, per service: the body of {@code /api/v1/gateway/services}. */
  public JsonObject describe() {
    JsonObject services = new JsonObject();
    for (ServicePool pool : new TreeMap<>(pools).values()) {
      JsonArray instances = new JsonArray();
      for (Backend b : pool.backends()) {
        instances.add(b.instance().toJson()
            .put("url", b.instance().baseUrl())
            .put("breaker", InstanceBreakers.describe(b.breaker().state()))
            .put("failures", b.breaker().failureCount()));
      }
      services.put(pool.service(), new JsonObject().put("instances", instances));
    }
    return new JsonObject().put("services", services);
  }

  /**
   * The number of discovered instances per routable service, by name: 0 for a configured
   * service none of whose instances runs.
   */
  public JsonObject instanceCounts() {
    JsonObject counts = new JsonObject();
    new TreeMap<>(pools).forEach((service, pool) -> counts.put(service, pool.backends().length));
    return counts;
  }

  /** Every discovered instance of every service (this gateway's own service included). */
  public List<ServiceInstance> allInstances() {
    List<ServiceInstance> out = new ArrayList<>();
    for (String s : directory.services()) {
      out.addAll(directory.instances(s));
    }
    return out;
  }

  private void sweep() {
    Set<String> names = new HashSet<>(directory.services());
    names.addAll(pools.keySet());
    names.forEach(this::refresh);
  }

  private void refresh(String service) {
    if (service.equals(self)) {
      return;
    }
    List<ServiceInstance> now = directory.instances(service);
    ServicePool pool = pools.get(service);
    if (pool == null) {
      if (now.isEmpty() && !configured.contains(service)) {
        return;
      }
      pool = new ServicePool(service, meters);
      pools.put(service, pool);
    }
    Backend[] old = pool.backends();
    if (sameInstances(old, now)) {
      return;
    }
    Backend[] fresh = new Backend[now.size()];
    Set<String> kept = new HashSet<>();
    for (int i = 0; i < fresh.length; i++) {
      ServiceInstance inst = now.get(i);
      fresh[i] = new Backend(inst, breakers.of(inst));
      kept.add(inst.registration());
    }
    for (Backend b : old) {
      if (!kept.contains(b.instance().registration())) {
        breakers.release(b.instance().registration());
      }
    }
    pool.replace(fresh);
  }

  private static boolean sameInstances(Backend[] old, List<ServiceInstance> now) {
    if (old.length != now.size()) {
      return false;
    }
    for (int i = 0; i < old.length; i++) {
      if (!old[i].instance().equals(now.get(i))) {
        return false;
      }
    }
    return true;
  }
}
