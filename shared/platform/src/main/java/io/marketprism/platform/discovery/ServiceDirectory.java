package io.marketprism.platform.discovery;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.servicediscovery.Record;
import io.vertx.servicediscovery.ServiceDiscoveryOptions;
import io.vertx.servicediscovery.Status;
import io.vertx.servicediscovery.types.HttpEndpoint;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A live, local view of the HTTP endpoints in discovery, so routing needs no discovery look-up
 * per request. It loads all records once, then applies the announce events that every publish
 * and unpublish sends; a full reload every few seconds repairs anything missed. Instances of
 * nodes that are no longer cluster members are hidden at once, before their records are removed.
 * Records the registry does not trust (unsigned, with the cluster's key set) are left out.
 */
public final class ServiceDirectory {

  private static final long RELOAD_PERIOD_MS = 5000;

  private final Vertx vertx;
  private final ServiceRegistry registry;
  private final Map<String, Map<String, ServiceInstance>> byService = new ConcurrentHashMap<>();
  private final List<Handler<String>> listeners = new CopyOnWriteArrayList<>();
  private MessageConsumer<JsonObject> announces;
  private long timer = -1;

  private ServiceDirectory(Vertx vertx, ServiceRegistry registry) {
    this.vertx = vertx;
    this.registry = registry;
  }

  /** Starts a directory over the registry's discovery; completes once the first load is done. */
  public static Future<ServiceDirectory> start(Vertx vertx, ServiceRegistry registry) {
    ServiceDirectory dir = new ServiceDirectory(vertx, registry);
    String address = new ServiceDiscoveryOptions().getAnnounceAddress();
    dir.announces = vertx.eventBus().consumer(address, msg -> dir.apply(new Record(msg.body())));
    dir.timer = vertx.setPeriodic(RELOAD_PERIOD_MS, id -> dir.reload());
    return dir.announces.completion().compose(v -> dir.reload()).map(dir);
  }

  /** The live instances of {@code service}, in a stable order; cheap, no I/O. */
  public List<ServiceInstance> instances(String service) {
    Map<String, ServiceInstance> m = byService.get(service);
    if (m == null || m.isEmpty()) {
      return List.of();
    }
    List<ServiceInstance> out = new ArrayList<>(m.size());
    for (ServiceInstance i : m.values()) {
      if (registry.isMember(i.node())) {
        out.add(i);
      }
    }
    out.sort((a, b) -> a.registration().compareTo(b.registration()));
    return out;
  }

  /** Every service name with at least one instance. */
  public List<String> services() {
    List<String> names = new ArrayList<>();
    byService.forEach((k, v) -> {
      if (!v.isEmpty()) {
        names.add(k);
      }
    });
    Collections.sort(names);
    return names;
  }

  /** Called with the service name whenever its set of instances changes. */
  public void onChange(Handler<String> listener) {
    listeners.add(listener);
  }

  public Future<Void> close() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    return announces == null ? Future.succeededFuture() : announces.unregister();
  }

  private void apply(Record record) {
    if (!HttpEndpoint.TYPE.equals(record.getType()) || record.getStatus() == Status.UP && !registry.trusted(record)) {
      return;
    }
    ServiceInstance inst = ServiceInstance.of(record);
    Map<String, ServiceInstance> m = byService.computeIfAbsent(inst.service(), k -> new ConcurrentHashMap<>());
    boolean changed = record.getStatus() == Status.UP
        ? m.putIfAbsent(inst.registration(), inst) == null
        : m.remove(inst.registration()) != null;
    if (changed) {
      listeners.forEach(l -> l.handle(inst.service()));
    }
  }

  private Future<Void> reload() {
    return registry.discovery().getRecords(r -> HttpEndpoint.TYPE.equals(r.getType()), false)
        .onSuccess(records -> {
          Map<String, Map<String, ServiceInstance>> fresh = new ConcurrentHashMap<>();
          for (Record r : records) {
            if (!registry.trusted(r)) {
              continue;
            }
            ServiceInstance i = ServiceInstance.of(r);
            fresh.computeIfAbsent(i.service(), k -> new ConcurrentHashMap<>()).put(i.registration(), i);
          }
          for (String s : new ArrayList<>(byService.keySet())) {
            if (!fresh.containsKey(s)) {
              fresh.put(s, new ConcurrentHashMap<>());
            }
          }
          fresh.forEach((service, instances) -> {
            Map<String, ServiceInstance> old = byService.put(service, instances);
            if (old == null || !old.keySet().equals(instances.keySet())) {
              listeners.forEach(l -> l.handle(service));
            }
          });
        }).mapEmpty();
  }
}
