package io.marketprism.simulator.model;

/**
 * Formats fixed-point numbers (a {@code long} count of {@code 10^-scale} units) as decimal text
 * without going through {@code double} or {@code BigDecimal}: the hot path of every encoder.
 */
public final class Decimals {

  /** Print every fractional digit up to the style's decimals, e.g. Binance spot {@code "61837.63000000"}. */
  public static final int FIXED = 0;
  /** Drop trailing zeros and a trailing dot, e.g. OKX {@code "30243.5"}, {@code "4"}. */
  public static final int TRIM = 1;
  /** Drop trailing zeros but keep one fractional digit, as JSON numbers from Deribit: {@code 72300.0}. */
  public static final int NUMBER = 2;

  private static final long[] POW10 = new long[19];

  static {
    POW10[0] = 1;
    for (int i = 1; i < POW10.length; i++) {
      POW10[i] = POW10[i - 1] * 10;
    }
  }

  private Decimals() {
  }

  /**
   * Appends {@code units * 10^-scale}.
   *
   * @param sb       target
   * @param units    the value in units of {@code 10^-scale}
   * @param scale    number of fractional digits the units carry
   * @param decimals digits to print for {@link #FIXED} (must be at least {@code scale})
   * @param style    {@link #FIXED}, {@link #TRIM} or {@link #NUMBER}
   * @return {@code sb}
   */
  public static StringBuilder append(StringBuilder sb, long units, int scale, int decimals, int style) {
    if (units < 0) {
      sb.append('-');
      units = -units;
    }
    long p = POW10[scale];
    sb.append(units / p);
    long frac = units % p;
    int digits = scale;
    if (style != FIXED) {
      while (digits > 0 && frac % 10 == 0) {
        frac /= 10;
        digits--;
      }
      if (digits == 0) {
        if (style == NUMBER) {
          sb.append(".0");
        }
        return sb;
      }
    }
    if (digits == 0 && decimals == 0) {
      return sb;
    }
    sb.append('.');
    String f = Long.toString(frac);
    for (int i = f.length(); i < digits; i++) {
      sb.append('0');
    }
    sb.append(f);
    if (style == FIXED) {
      for (int i = digits; i < decimals; i++) {
        sb.append('0');
      }
    }
    return sb;
  }

  /**
   * Formats a value as a string.
   *
   * @see #append(StringBuilder, long, int, int, int)
   */
  public static String format(long units, int scale, int decimals, int style) {
    return append(new StringBuilder(24), units, scale, decimals, style).toString();
  }

  /** {@code 10^n} for {@code 0 <= n <= 18}. */
  public static long pow10(int n) {
    return POW10[n];
  }
}
