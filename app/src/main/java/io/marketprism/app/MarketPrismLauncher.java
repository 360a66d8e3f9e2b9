package io.marketprism.app;

import io.marketprism.platform.Platform;
import io.marketprism.platform.config.ConfigException;
import io.marketprism.platform.config.ConfigLoader;
import io.marketprism.platform.metrics.Metrics;
import io.marketprism.platform.node.ClusterSetup;
import io.marketprism.platform.node.NodeOptions;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.launcher.application.HookContext;
import io.vertx.launcher.application.VertxApplication;
import io.vertx.launcher.application.VertxApplicationHooks;

import java.nio.file.Path;

/**
 * The Vert.x 5 launcher ({@link VertxApplication}, the replacement of {@code vertx run}) with
 * MarketPrism's hooks: the YAML configuration (file in {@code MP_CONFIG}, else the embedded
 * defaults, with {@code -conf} JSON and {@code MP_} variables over it), Prometheus metrics, and
 * the Hazelcast TCP-IP cluster of the {@code cluster} section when started with {@code -cluster}.
 *
 * <pre>
 * java -cp app/target/marketprism.jar io.marketprism.app.MarketPrismLauncher \
 *      io.marketprism.gateway.GatewayVerticle -cluster
 * </pre>
 */
public final class MarketPrismLauncher implements VertxApplicationHooks {

  private JsonObject config;
  private PrometheusMeterRegistry meters;

  public static void main(String[] args) {
    int code = new VertxApplication(args, new MarketPrismLauncher()).launch();
    if (code != 0) {
      System.exit(code);
    }
  }

  @Override
  public JsonObject afterConfigParsed(JsonObject given) {
    String file = System.getenv(ConfigLoader.CONFIG_FILE_ENV);
    JsonObject base = ConfigLoader.load(file == null || file.isBlank() ? null : Path.of(file));
    config = given == null ? base : ConfigLoader.deepMerge(base, given);
    try {
      NodeOptions.from(config); // the cluster section, its keystore included: a bad one stops here, named
    } catch (ConfigException e) {
      System.err.println("marketprism: " + e.getMessage());
      System.exit(2);
    }
    return config;
  }

  @Override
  public VertxBuilder createVertxBuilder(VertxOptions options) {
    JsonObject cfg = config != null ? config : ConfigLoader.load(null);
    meters = Metrics.newRegistry();
    io.marketprism.platform.node.NativeTransport.prefer(options).setMetricsOptions(Metrics.vertxOptions());
    NodeOptions node = NodeOptions.from(cfg);
    options.getEventBusOptions().setHost(node.host()).setPort(node.eventBusPort());
    if (node.trust() != null) {
      node.trust().secure(options.getEventBusOptions());
    }
    return Vertx.builder().with(options).withMetrics(Metrics.vertxFactory(meters))
        .withClusterManager(ClusterSetup.clusterManager(node));
  }

  @Override
  public void afterVertxStarted(HookContext context) {
    Platform.install(context.vertx(), config != null ? config : ConfigLoader.load(null), meters);
  }

  @Override
  public void beforeStoppingVertx(HookContext context) {
    Platform.of(context.vertx(), config).close();
  }
}
