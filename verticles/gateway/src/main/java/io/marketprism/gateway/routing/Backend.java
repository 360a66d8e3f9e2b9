package io.marketprism.gateway.routing;

import io.marketprism.platform.discovery.ServiceInstance;
import io.vertx.circuitbreaker.CircuitBreaker;

/**
 * A backend instance as the router sees it: where it listens and its circuit breaker.
 *
 * @param instance the discovered instance
 * @param breaker  its own breaker (never shared with another instance)
 */
public record Backend(ServiceInstance instance, CircuitBreaker breaker) {
}
