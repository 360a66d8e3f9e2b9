package io.marketprism.gateway.breaker;

import io.marketprism.platform.config.ConfigReader;
import io.vertx.circuitbreaker.CircuitBreakerOptions;

/**
 * Settings of the circuit breaker each backend instance gets.
 *
 * @param maxFailures      failures within {@code failuresWindowMs} that open the breaker; a
 *                         success in between starts the count again
 * @param resetTimeoutMs   how long an open breaker skips its instance before it lets one trial
 *                         request through (half-open)
 * @param failuresWindowMs the window failures are counted in
 * @param timeoutMs        the breaker's own time limit for one call: the longest backend timeout
 *                         of any route (each call also enforces its own route's)
 */
public record BreakerOptions(int maxFailures, long resetTimeoutMs, long failuresWindowMs, long timeoutMs) {

  /** Reads {@code gateway.breaker}; the call time limit is the longest backend timeout of any route. */
  public static BreakerOptions from(ConfigReader section, long backendTimeoutMs) {
    return new BreakerOptions(
        section.intIn("max_failures", 1, 1000, 5),
        section.longIn("reset_timeout_ms", 100, 3_600_000, 5000),
        section.longIn("failures_window_ms", 1000, 3_600_000, 10_000),
        backendTimeoutMs);
  }

  /** The vertx-circuit-breaker options; no event-bus notifications (they cost per call). */
  public CircuitBreakerOptions toVertx() {
    return new CircuitBreakerOptions()
        .setMaxFailures(maxFailures)
        .setResetTimeout(resetTimeoutMs)
        .setFailuresRollingWindow(failuresWindowMs)
        .setTimeout(timeoutMs)
        .setFallbackOnFailure(false)
        .setMaxRetries(0)
        .setNotificationAddress(null);
  }
}
