package io.marketprism.gateway.routing;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.circuitbreaker.CircuitBreakerState;

import java.util.EnumMap;
import java.util.Map;

/**
 * The instances of one service and the round-robin position over them. The array is replaced as
 * a whole when discovery changes, so a request works on the snapshot it took. Event-loop only.
 */
public final class ServicePool {

  /** Why a request to the service failed, the {@code reason} tag of the failure counter. */
  public enum Failure {
    /** no instance was available (none discovered, all breakers open): 503 */
    UNAVAILABLE,
    /** the instance did not answer in time: 504 */
    TIMEOUT,
    /** the instance answered 5xx (passed on to the client) */
    BACKEND_ERROR,
    /** the instance could not be reached or dropped the connection: 503 */
    CONNECTION
  }

  private static final Backend[] NONE = new Backend[0];

  private final String service;
  private final Counter routed;
  private final Map<Failure, Counter> failed = new EnumMap<>(Failure.class);
  private Backend[] backends = NONE;
  private int next;

  ServicePool(String service, MeterRegistry meters) {
    this.service = service;
    this.routed = Counter.builder("mp.gateway.routed.requests").description("requests routed to a backend")
        .tag("service", service).register(meters);
    for (Failure f : Failure.values()) {
      failed.put(f, Counter.builder("mp.gateway.failed.requests")
          .description("routed requests that failed, by reason")
          .tag("service", service).tag("reason", f.name().toLowerCase(java.util.Locale.ROOT)).register(meters));
    }
  }

  public String service() {
    return service;
  }

  /** The current instances (do not modify). */
  public Backend[] backends() {
    return backends;
  }

  void replace(Backend[] fresh) {
    backends = fresh;
  }

  /**
   * The index in {@code snapshot} of the next instance in round-robin order that has not been
   * tried ({@code tried} bit set) and whose breaker is not open; -1 when there is none.
   */
  public int pick(Backend[] snapshot, long tried) {
    int n = snapshot.length;
    for (int k = 0; k < n; k++) {
      int i = Math.floorMod(next++, n);
      if (i < 64 && (tried & (1L << i)) != 0) {
        continue;
      }
      if (snapshot[i].breaker().state() != CircuitBreakerState.OPEN) {
        return i;
      }
    }
    return -1;
  }

  void routed() {
    routed.increment();
  }

  void failed(Failure reason) {
    failed.get(reason).increment();
  }
}
