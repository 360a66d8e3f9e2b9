package io.marketprism.loadtests;

import java.lang.management.ManagementFactory;
import java.util.Arrays;

/**
 * Rates over the CPU time of the whole process (GC and compiler threads included), so that a
 * shared machine still gives per-core figures and the JVM is charged for all it does, as the
 * peers' figures charge node.
 */
final class CpuRate {

  private static final com.sun.management.OperatingSystemMXBean OS =
      (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

  private CpuRate() {
  }

  /** One pass of a workload. */
  @FunctionalInterface
  interface Pass {
    void run() throws Exception;
  }

  /**
   * Runs passes for about {@code seconds} of wall time, reading the clock once per
   * {@code 1_000 / unitsPerPass} passes so that short passes do not pay for it.
   *
   * @param pass the workload
   * @param unitsPerPass messages (or level updates) one pass handles
   * @param seconds wall time to run
   * @return units per second of process CPU time
   * @throws Exception from the pass
   */
  static double measure(Pass pass, long unitsPerPass, double seconds) throws Exception {
    long passes = 0;
    long batch = Math.max(1, 1_000 / unitsPerPass);
    long c0 = OS.getProcessCpuTime();
    long end = System.nanoTime() + (long) (seconds * 1e9);
    do {
      for (long i = 0; i < batch; i++) {
        pass.run();
      }
      passes += batch;
    } while (System.nanoTime() < end);
    return passes * (double) unitsPerPass / ((OS.getProcessCpuTime() - c0) / 1e9);
  }

  /**
   * @param rates rates of the rounds
   * @return the median, the lowest and the highest
   */
  static double[] medianMinMax(double[] rates) {
    double[] s = rates.clone();
    Arrays.sort(s);
    int n = s.length;
    double median = n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    return new double[] {median, s[0], s[n - 1]};
  }
}
