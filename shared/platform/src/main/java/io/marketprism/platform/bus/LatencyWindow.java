package io.marketprism.platform.bus;

import java.util.Arrays;

/** The most recent latencies (a ring of fixed size) and their percentiles; thread-safe. */
final class LatencyWindow {

  private final long[] ring;
  private long count;

  LatencyWindow(int size) {
    this.ring = new long[size];
  }

  synchronized void record(long micros) {
    ring[(int) (count++ % ring.length)] = micros;
  }

  /** @return the percentile (0..1) of the recorded values, 0 when none */
  synchronized long percentile(double p) {
    int n = (int) Math.min(count, ring.length);
    if (n == 0) {
      return 0;
    }
    long[] copy = Arrays.copyOf(ring, n);
    Arrays.sort(copy);
    return copy[Math.min(n - 1, (int) Math.ceil(p * n) - 1)];
  }
}
