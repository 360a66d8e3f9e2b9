package io.marketprism.gateway.health;

import io.marketprism.gateway.GatewayOptions.HealthSettings;
import io.marketprism.gateway.routing.BackendDirectory;
import io.marketprism.platform.discovery.ServiceInstance;
import io.vertx.core.Future;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * The gateway's view of the cluster's health: its own checks plus the {@code /health} of every
 * discovered instance (other gateways excepted, so gateways never ask each other in a circle),
 * each fetched with a short timeout. A service is UP when at least one instance is UP. The
 * whole is DOWN when the gateway's own checks are, or a required service is not UP; with no
 * {@code required_services} configured every discovered service is required.
 */
public final class ClusterHealth {

  private final HttpClient client;
  private final BackendDirectory directory;
  private final HealthSettings settings;
  private final String selfService;

  public ClusterHealth(HttpClient client, BackendDirectory directory, HealthSettings settings, String selfService) {
    this.client = client;
    this.directory = directory;
    this.settings = settings;
    this.selfService = selfService;
  }

  /** Adds the instances to {@code own} (the gateway's own health) and decides the status. */
  public Future<JsonObject> check(JsonObject own) {
    List<ServiceInstance> instances = new ArrayList<>();
    for (ServiceInstance i : directory.allInstances()) {
      if (!i.service().equals(selfService)) {
        instances.add(i);
      }
    }
    List<Future<JsonObject>> probes = instances.stream().map(this::probe).toList();
    return Future.join(probes).transform(ignored -> {
      JsonArray checks = own.getJsonArray("checks", new JsonArray()).copy();
      Map<String, Boolean> serviceUp = new TreeMap<>();
      for (Future<JsonObject> p : probes) {
        JsonObject check = p.result();
        checks.add(check);
        String service = check.getJsonObject("data").getString("service");
        serviceUp.merge(service, "UP".equals(check.getString("status")), Boolean::logicalOr);
      }
      Set<String> required = new LinkedHashSet<>(settings.requiredServices());
      if (required.isEmpty()) {
        required.addAll(serviceUp.keySet());
      }
      boolean up = "UP".equals(own.getString("status"));
      JsonObject services = new JsonObject();
      for (String s : required) {
        boolean sUp = serviceUp.getOrDefault(s, false);
        up &= sUp;
      }
      serviceUp.forEach((s, u) -> services.put(s, u ? "UP" : "DOWN"));
      required.stream().filter(s -> !serviceUp.containsKey(s)).forEach(s -> services.put(s, "DOWN"));
      return Future.succeededFuture(own.copy().put("status", up ? "UP" : "DOWN").put("checks", checks)
          .put("services", services).put("required_services", new JsonArray(new ArrayList<>(required))));
    });
  }

  private Future<JsonObject> probe(ServiceInstance inst) {
    long timeout = settings.timeoutMs();
    JsonObject data = new JsonObject().put("service", inst.service()).put("instance", inst.host() + ":" + inst.port())
        .put("node", inst.node());
    JsonObject check = new JsonObject().put("id", inst.service() + "@" + inst.host() + ":" + inst.port()).put("data", data);
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setHost(inst.host()).setPort(inst.port())
        .setSsl(inst.ssl()).setURI("/health").setConnectTimeout(timeout).setIdleTimeout(timeout);
    return client.request(options)
        .compose(req -> req.send().compose(resp -> resp.body().map(body -> {
          data.put("http_status", resp.statusCode());
          try {
            JsonObject health = body.toJsonObject();
            data.put("checks", health.getJsonArray("checks", new JsonArray()));
            return resp.statusCode() == 200 && "UP".equals(health.getString("status"));
          } catch (RuntimeException e) {
            data.put("error", "the /health body is not JSON");
            return false;
          }
        })))
        .timeout(timeout, TimeUnit.MILLISECONDS)
        .map(up -> check.put("status", up ? "UP" : "DOWN"))
        .otherwise(err -> {
          data.put("error", String.valueOf(err.getMessage()));
          return check.put("status", "DOWN");
        });
  }
}
