package io.marketprism.simulator.replay;

import java.util.Locale;

/**
 * How fast a capture is replayed: {@code recorded} (its own pace), {@code Nx} (N times its pace),
 * {@code max} (as fast as the sockets take it) or a plain number (messages per second).
 *
 * @param speed    multiplier of the recorded pace, or 0 when {@code rate} governs
 * @param rate     messages per second, or 0 when {@code speed} governs; {@code Double.POSITIVE_INFINITY} for max
 */
public record ReplayPace(double speed, double rate) {

  /**
   * Parses a pace.
   *
   * @throws IllegalArgumentException naming the option and the allowed forms
   */
  public static ReplayPace parse(String text) {
    String t = text == null ? "recorded" : text.trim().toLowerCase(Locale.ROOT);
    try {
      if (t.equals("recorded")) {
        return new ReplayPace(1, 0);
      }
      if (t.equals("max")) {
        return new ReplayPace(0, Double.POSITIVE_INFINITY);
      }
      if (t.endsWith("x")) {
        double s = Double.parseDouble(t.substring(0, t.length() - 1));
        if (s > 0) {
          return new ReplayPace(s, 0);
        }
      } else {
        double r = Double.parseDouble(t);
        if (r > 0) {
          return new ReplayPace(0, r);
        }
      }
    } catch (NumberFormatException ignored) {
      // reported below
    }
    throw new IllegalArgumentException("option 'replay.pace' is '" + text
        + "' (allowed: recorded, max, a speed like 2x, or messages per second like 500)");
  }

  /** The pace as text, parseable again. */
  @Override
  public String toString() {
    if (Double.isInfinite(rate)) {
      return "max";
    }
    return rate > 0 ? Double.toString(rate) : speed == 1 ? "recorded" : speed + "x";
  }
}
