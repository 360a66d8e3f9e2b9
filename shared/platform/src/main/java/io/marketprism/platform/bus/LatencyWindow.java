package io.marketprism.platform.bus;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Latencies in µs, recorded wait-free from any thread, read as percentiles since start and over
 * the last minute. The minute is {@link #SLOTS} slots of {@link #SLOT_MS}: each read files what
 * was recorded since the previous read under the slot of the read's time, so the owner reads at
 * least once a slot ({@link #read}) for the minute to be exact to a slot; the last minute then
 * covers the current slot and the five before it (50 to 60 s). A process that ran for hours
 * shows its present state there, not its warm-up.
 */
final class LatencyWindow {

  /** Length of one slot of the last minute. */
  static final long SLOT_MS = 10_000;
  /** Slots in the last minute (the current one included). */
  static final int SLOTS = 6;

  private final Recorder recorder = new Recorder(3);
  private final Histogram total = new Histogram(3);
  /** The last {@link #SLOTS} slots, {@code ring[current]} being the one that fills now. */
  private final Histogram[] ring = new Histogram[SLOTS];
  private int current;
  private long slotStartMs;

  LatencyWindow(long nowMs) {
    for (int i = 0; i < SLOTS; i++) {
      ring[i] = new Histogram(3);
    }
    slotStartMs = nowMs;
  }

  /** @param micros one latency, µs (any thread, wait-free) */
  void record(long micros) {
    recorder.recordValue(micros);
  }

  /**
   * Files what was recorded since the last read and returns the percentiles.
   *
   * @param nowMs the time of the read, epoch ms
   * @param percentiles the percentiles wanted (0..100)
   * @return for each percentile, the value since start, then the same over the last minute (µs)
   */
  synchronized long[] read(long nowMs, double... percentiles) {
    for (int slots = 0; nowMs - slotStartMs >= SLOT_MS; slots++) {
      // a slot ended since the last read: what was recorded meanwhile counts in the slot of this read
      slotStartMs = slots >= SLOTS ? nowMs : slotStartMs + SLOT_MS;
      current = (current + 1) % SLOTS;
      ring[current].reset();
    }
    Histogram interval = recorder.getIntervalHistogram();
    total.add(interval);
    ring[current].add(interval);
    Histogram minute = new Histogram(3);
    for (Histogram slot : ring) {
      minute.add(slot);
    }
    long[] out = new long[percentiles.length * 2];
    for (int i = 0; i < percentiles.length; i++) {
      out[i] = total.getValueAtPercentile(percentiles[i]);
      out[percentiles.length + i] = minute.getValueAtPercentile(percentiles[i]);
    }
    return out;
  }
}
