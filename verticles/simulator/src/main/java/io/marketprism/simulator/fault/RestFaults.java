package io.marketprism.simulator.fault;

import java.util.SplittableRandom;

/** The fault decisions for the REST side of one exchange. */
public final class RestFaults {

  private final FaultStats stats;
  private final SplittableRandom rng;
  private final Fault tooMany;
  private final Fault banned;
  private final Fault slowSnapshot;

  /**
   * @param spec     configured faults
   * @param exchange the exchange
   * @param seed     seed of the dice
   * @param stats    where injections are counted
   */
  public RestFaults(FaultSpec spec, String exchange, long seed, FaultStats stats) {
    this.stats = stats;
    this.rng = new SplittableRandom(seed);
    this.tooMany = spec.find(FaultKind.REST_429, exchange);
    this.banned = spec.find(FaultKind.REST_418, exchange);
    this.slowSnapshot = spec.find(FaultKind.SLOW_SNAPSHOT, exchange);
  }

  /** The error fault to answer this request with ({@code rest-418} or {@code rest-429}), or null. */
  public synchronized Fault rejection() {
    if (banned != null && rng.nextDouble() < banned.p()) {
      stats.count(FaultKind.REST_418);
      return banned;
    }
    if (tooMany != null && rng.nextDouble() < tooMany.p()) {
      stats.count(FaultKind.REST_429);
      return tooMany;
    }
    return null;
  }

  /** How long to hold a book snapshot response, ms (0: none). */
  public synchronized long snapshotDelayMs() {
    if (slowSnapshot != null && rng.nextDouble() < slowSnapshot.p()) {
      stats.count(FaultKind.SLOW_SNAPSHOT);
      return slowSnapshot.delayMs();
    }
    return 0;
  }
}
