package io.marketprism.app;

import io.marketprism.platform.config.ConfigException;
import io.marketprism.platform.service.ServiceVerticle;
import io.marketprism.simulator.SimulatorOptions;
import io.marketprism.simulator.SimulatorVerticle;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;

import java.util.Map;

/**
 * The simulator as a MarketPrism service ({@code run simulator}, {@code demo}): it deploys a
 * {@link SimulatorVerticle} with the {@code simulator} section (its {@code http} key is this
 * service's own server) and shows the exchange endpoints at {@code /api/v1/simulator/endpoints}.
 */
public class SimulatorService extends ServiceVerticle {

  private SimulatorVerticle simulator;

  @Override
  public String serviceName() {
    return "simulator";
  }

  @Override
  public void validate(JsonObject root) {
    super.validate(root);
    options(root);
  }

  private SimulatorOptions options(JsonObject root) {
    JsonObject section = root.getJsonObject("simulator", new JsonObject()).copy();
    section.remove("http");
    try {
      return SimulatorOptions.fromJson(section);
    } catch (IllegalArgumentException e) {
      throw new ConfigException("simulator", e.getMessage());
    }
  }

  /** The running simulator (after start). */
  public SimulatorVerticle simulator() {
    return simulator;
  }

  @Override
  protected Future<?> startService(Router router) {
    // beside collectors of the live exchanges its market would move, and keep a trade history, for no one
    simulator = new SimulatorVerticle(options(rootConfig()).setIdleUntilFirstClient(true));
    router.get("/api/v1/simulator/endpoints").handler(ctx -> {
      JsonObject out = new JsonObject();
      for (Map.Entry<String, String> e : simulator.endpoints().entrySet()) {
        out.put(e.getKey(), e.getValue());
      }
      ctx.json(out);
    });
    return vertx.deployVerticle(simulator);
  }

  @Override
  protected JsonObject recordMetadata() {
    return new JsonObject().put("endpoints", new JsonObject(Map.copyOf(simulator.endpoints())));
  }
}
