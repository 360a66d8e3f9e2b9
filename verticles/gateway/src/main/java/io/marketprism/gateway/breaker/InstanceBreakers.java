package io.marketprism.gateway.breaker;

import io.marketprism.platform.discovery.ServiceInstance;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.circuitbreaker.CircuitBreaker;
import io.vertx.circuitbreaker.CircuitBreakerState;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One circuit breaker per backend instance (per discovery registration), created when the
 * instance appears and dropped when it leaves. Every state change is logged, and each breaker is
 * a Prometheus gauge {@code mp_gateway_breaker_state{service,instance}}: 0 closed, 1 half-open,
 * 2 open.
 *
 * <p>One object per process, shared by the gateway verticles of every event loop: a backend that
 * fails is skipped by all of them once its breaker opens (not after max failures per event loop),
 * and the gauge shows the one state they all act on. Thread-safe: the map is concurrent and
 * Vert.x circuit breakers synchronize their state; a call runs on the caller's event loop.
 */
public final class InstanceBreakers {

  private static final Logger LOG = LoggerFactory.getLogger(InstanceBreakers.class);

  private final Vertx vertx;
  private final BreakerOptions options;
  private final MeterRegistry meters;
  private final Map<String, Entry> byRegistration = new ConcurrentHashMap<>();

  private record Entry(CircuitBreaker breaker, Gauge gauge) {
  }

  public InstanceBreakers(Vertx vertx, BreakerOptions options, MeterRegistry meters) {
    this.vertx = vertx;
    this.options = options;
    this.meters = meters;
  }

  /** The breaker of {@code instance}, made on first use. */
  public CircuitBreaker of(ServiceInstance instance) {
    return byRegistration.computeIfAbsent(instance.registration(), reg -> create(instance)).breaker();
  }

  /** Forgets the breaker of an instance that left discovery. */
  public void release(String registration) {
    Entry e = byRegistration.remove(registration);
    if (e != null) {
      e.breaker().close();
      meters.remove(e.gauge());
    }
  }

  /** The breaker state as the gauge and the services endpoint show it. */
  public static String describe(CircuitBreakerState state) {
    return switch (state) {
      case CLOSED -> "closed";
      case HALF_OPEN -> "half_open";
      case OPEN -> "open";
    };
  }

  private Entry create(ServiceInstance instance) {
    String label = instance.host() + ":" + instance.port();
    String what = instance.service() + " instance " + label;
    CircuitBreaker breaker = CircuitBreaker.create("gateway:" + instance.registration(), vertx, options.toVertx());
    breaker.openHandler(v -> LOG.warn("circuit breaker of {} opened: skipping it for {} ms", what,
            options.resetTimeoutMs()))
        .halfOpenHandler(v -> LOG.info("circuit breaker of {} half-open: trying one request", what))
        .closeHandler(v -> LOG.info("circuit breaker of {} closed: routing to it again", what));
    Gauge gauge = Gauge.builder("mp.gateway.breaker.state", breaker, b -> switch (b.state()) {
          case CLOSED -> 0;
          case HALF_OPEN -> 1;
          case OPEN -> 2;
        })
        .description("circuit breaker state per backend instance: 0 closed, 1 half-open, 2 open")
        .tag("service", instance.service()).tag("instance", label)
        .register(meters);
    return new Entry(breaker, gauge);
  }
}
