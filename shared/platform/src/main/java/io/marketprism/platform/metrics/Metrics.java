package io.marketprism.platform.metrics;

import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;

/**
 * The Prometheus registry of one process: Vert.x metrics (HTTP server and client, event bus,
 * pools, event loop) plus JVM metrics plus each service's own counters.
 */
public final class Metrics {

  private Metrics() {
  }

  /** A registry to hand to {@link #vertxFactory}; bind the JVM metrics once Vert.x is built. */
  public static PrometheusMeterRegistry newRegistry() {
    return new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  }

  /**
   * Adds JVM memory, GC, thread, class-loader and CPU metrics. Call it after Vert.x has installed
   * its meter filters on the registry (filters must come before the first meter).
   */
  public static PrometheusMeterRegistry bindJvm(PrometheusMeterRegistry registry) {
    new JvmMemoryMetrics().bindTo(registry);
    new JvmGcMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    return registry;
  }

  /** The factory to give {@code Vertx.builder().withMetrics(...)} so Vert.x reports into {@code registry}. */
  public static MicrometerMetricsFactory vertxFactory(PrometheusMeterRegistry registry) {
    return new MicrometerMetricsFactory(registry);
  }

  /** Vert.x metrics options (set on {@code VertxOptions}) used with {@link #vertxFactory}. */
  public static MicrometerMetricsOptions vertxOptions() {
    return new MicrometerMetricsOptions()
        .setEnabled(true)
        .setJvmMetricsEnabled(false)
        // per-request client meters (looked up by tags on every response) cost the gateway's
        // proxy path dearly; the gateway counts routed and failed requests per service itself
        .addDisabledMetricsCategory(MetricsDomain.HTTP_CLIENT)
        .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true))
        // per-address event bus metrics for every market-data subject would explode cardinality
        .addLabelMatch(new io.vertx.micrometer.Match().setDomain(MetricsDomain.EVENT_BUS)
            .setLabel("address").setType(io.vertx.micrometer.MatchType.REGEX)
            .setValue("(trade|orderbook|ticker|kline|funding_rate|mark_price|open_interest|liquidation"
                + "|volatility_index|lsr_top_position|lsr_all_account)\\..*").setAlias("market-data"));
  }
}
