package io.marketprism.platform.bus;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The last minute forgets what is older than six slots; since start keeps everything. */
class LatencyWindowTest {

  private static final long T0 = 1_000_000_000L;

  @Test
  void theLastMinuteShowsThePresentAndSinceStartEverything() {
    LatencyWindow w = new LatencyWindow(T0);
    for (int i = 0; i < 1000; i++) {
      w.record(50_000); // a slow warm-up: 50 ms
    }
    assertArrayEquals(new long[] {50_000, 50_000}, round(w.read(T0 + 5_000, 50)));
    for (int s = 1; s <= 7; s++) { // read every 10 s, as the bus does
      for (int i = 0; i < 1000; i++) {
        w.record(1_000); // then 1 ms
      }
      w.read(T0 + 5_000 + s * LatencyWindow.SLOT_MS, 50);
    }
    long[] now = round(w.read(T0 + 5_000 + 7 * LatencyWindow.SLOT_MS, 50, 99.99));
    assertEquals(1_000, now[0], "median since start: 7,000 fast against 1,000 slow");
    assertEquals(50_000, now[1], "the slow ones are still in since start");
    assertEquals(1_000, now[2], "median of the last minute");
    assertEquals(1_000, now[3], "the warm-up left the last minute");
  }

  @Test
  void aLongSilenceEmptiesTheMinute() {
    LatencyWindow w = new LatencyWindow(T0);
    w.record(7_000);
    w.read(T0, 50);
    long[] later = w.read(T0 + 3_600_000, 50);
    assertEquals(7_000, round(later)[0]);
    assertEquals(0, later[1]);
  }

  /** HdrHistogram reports a value of its bucket (3 significant digits): to the nearest 100 µs here. */
  private static long[] round(long[] values) {
    long[] out = new long[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = Math.round(values[i] / 100.0) * 100;
    }
    return out;
  }
}
