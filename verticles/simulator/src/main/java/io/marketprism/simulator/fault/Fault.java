package io.marketprism.simulator.fault;

import java.util.Set;

/**
 * One configured fault.
 *
 * @param kind       what it does
 * @param p          probability per message or request (1 where the kind has none)
 * @param everyMs    period for {@code disconnect} and {@code stall}
 * @param forMs      stall length
 * @param delayMs    REST snapshot delay
 * @param retryAfterS value of the {@code Retry-After} header for REST errors, seconds
 * @param exchanges  exchanges it applies to; empty means all
 */
public record Fault(FaultKind kind, double p, long everyMs, long forMs, long delayMs, long retryAfterS,
                    Set<String> exchanges) {

  /** Whether the fault applies to an exchange. */
  public boolean appliesTo(String exchange) {
    return exchanges.isEmpty() || exchanges.contains(exchange);
  }

  /** The spec text of this fault. */
  public String toSpec() {
    StringBuilder sb = new StringBuilder(kind.word());
    switch (kind) {
      case DISCONNECT -> sb.append(":every=").append(everyMs).append("ms");
      case STALL -> sb.append(":every=").append(everyMs).append("ms:for=").append(forMs).append("ms");
      case SLOW_SNAPSHOT -> sb.append(":delay=").append(delayMs).append("ms:p=").append(p);
      case REST_429, REST_418 -> sb.append(":p=").append(p).append(":retry-after=").append(retryAfterS).append('s');
      default -> sb.append(":p=").append(p);
    }
    if (!exchanges.isEmpty()) {
      sb.append(":on=").append(String.join("+", exchanges));
    }
    return sb.toString();
  }
}
