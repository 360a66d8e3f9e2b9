package io.marketprism.simulator.fault;

import java.util.SplittableRandom;

/** The fault decisions for one WebSocket connection: its stall windows and per-message dice. */
public final class ConnectionFaults {

  /** What to do with one data message. */
  public enum Action {
    /** Send it. */
    SEND,
    /** Do not send it. */
    DROP,
    /** Send it twice. */
    DUP,
    /** Send it after the next one. */
    REORDER,
    /** Send it with a wrong checksum. */
    CHECKSUM,
    /** Send half of it. */
    MALFORMED
  }

  private final FaultStats stats;
  private final SplittableRandom rng;
  private final long openedAt;
  private final double drop;
  private final double dup;
  private final double reorder;
  private final double checksum;
  private final double malformed;
  private final long stallEvery;
  private final long stallFor;
  private final long disconnectAfter;
  private long countedStall = -1;

  /**
   * @param spec     configured faults
   * @param exchange exchange of the connection
   * @param seed     seed of this connection's dice
   * @param stats    where injections are counted
   * @param openedAt epoch ms the connection opened
   */
  public ConnectionFaults(FaultSpec spec, String exchange, long seed, FaultStats stats, long openedAt) {
    this.stats = stats;
    this.rng = new SplittableRandom(seed);
    this.openedAt = openedAt;
    this.drop = spec.probability(FaultKind.DROP, exchange);
    this.dup = spec.probability(FaultKind.DUP, exchange);
    this.reorder = spec.probability(FaultKind.REORDER, exchange);
    this.checksum = spec.probability(FaultKind.CHECKSUM, exchange);
    this.malformed = spec.probability(FaultKind.MALFORMED, exchange);
    Fault stall = spec.find(FaultKind.STALL, exchange);
    this.stallEvery = stall == null ? -1 : stall.everyMs();
    this.stallFor = stall == null ? -1 : stall.forMs();
    Fault disconnect = spec.find(FaultKind.DISCONNECT, exchange);
    this.disconnectAfter = disconnect == null ? -1 : disconnect.everyMs();
  }

  /** Milliseconds after opening when the connection is to be closed, or -1. */
  public long disconnectAfterMs() {
    return disconnectAfter;
  }

  /** Counts a forced disconnect. */
  public void countDisconnect() {
    stats.count(FaultKind.DISCONNECT);
  }

  /** Whether the connection is inside a stall window at {@code now}: nothing may be sent. */
  public boolean stalled(long now) {
    if (stallEvery <= 0) {
      return false;
    }
    long age = now - openedAt;
    long window = age / stallEvery;
    boolean in = window >= 1 && age - window * stallEvery < stallFor;
    if (in && countedStall != window) {
      countedStall = window;
      stats.count(FaultKind.STALL);
    }
    return in;
  }

  /** Rolls the dice for one data message. */
  public Action next() {
    if (drop > 0 && rng.nextDouble() < drop) {
      stats.count(FaultKind.DROP);
      return Action.DROP;
    }
    if (dup > 0 && rng.nextDouble() < dup) {
      stats.count(FaultKind.DUP);
      return Action.DUP;
    }
    if (reorder > 0 && rng.nextDouble() < reorder) {
      stats.count(FaultKind.REORDER);
      return Action.REORDER;
    }
    if (malformed > 0 && rng.nextDouble() < malformed) {
      // counted by countMalformed() once written: a cut frame that never left is no injection
      return Action.MALFORMED;
    }
    if (checksum > 0 && rng.nextDouble() < checksum) {
      return Action.CHECKSUM;
    }
    return Action.SEND;
  }

  /** Counts a malformed (cut) frame that was written to an open socket. */
  public void countMalformed() {
    stats.count(FaultKind.MALFORMED);
  }

  /** Counts a checksum corruption that was applied. */
  public void countChecksum() {
    stats.count(FaultKind.CHECKSUM);
  }
}
