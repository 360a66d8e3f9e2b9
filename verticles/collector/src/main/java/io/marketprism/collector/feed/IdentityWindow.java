package io.marketprism.collector.feed;

import java.util.HashSet;

/**
 * The most recent record identities of one stream (one instrument and data type), bounded: a
 * record whose identity is in the window is a duplicate (a frame sent twice, the overlap of a
 * reconnect). Identities, not timestamps, decide: trades sharing a millisecond are all kept.
 * Not thread-safe.
 */
public final class IdentityWindow {

  private final String[] ring;
  private final HashSet<String> present;
  private int next;

  /**
   * @param capacity identities remembered, at least 1
   */
  public IdentityWindow(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be at least 1, got " + capacity);
    }
    ring = new String[capacity];
    present = new HashSet<>(Math.min(capacity, 1 << 16) * 2);
  }

  /**
   * Records an identity.
   *
   * @param identity the record's identity key
   * @return true when it is new, false when it is a duplicate within the window
   */
  public boolean add(String identity) {
    if (!present.add(identity)) {
      return false;
    }
    String evicted = ring[next];
    if (evicted != null) {
      present.remove(evicted);
    }
    ring[next] = identity;
    next = next + 1 == ring.length ? 0 : next + 1;
    return true;
  }

  /** @return identities held */
  public int size() {
    return present.size();
  }
}
