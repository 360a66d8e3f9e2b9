package io.marketprism.model;

import java.math.BigDecimal;

/**
 * Canonical form of the decimal strings that carry prices and quantities: the exchange's exact
 * value, trailing fractional zeros dropped, never scientific notation.
 */
public final class Decimals {

  /** The most digits a canonical decimal may have on either side of the point. */
  private static final int MAX_PLAIN_DIGITS = 400;

  private Decimals() {
  }

  /**
   * Canonicalizes a decimal string: {@code "61737.63000000"} → {@code "61737.63"},
   * {@code "100.000"} → {@code "100"}, {@code "1e-05"} → {@code "0.00001"}.
   * Returns the same instance when nothing changes, so the hot path allocates nothing for
   * already-canonical values.
   *
   * @param s a decimal as the exchange sent it, or {@code null}
   * @return the canonical string, or {@code null} for {@code null}
   * @throws NumberFormatException if {@code s} is not a decimal number
   */
  public static String canonical(String s) {
    if (s == null) {
      return null;
    }
    int n = s.length();
    if (n == 0) {
      throw new NumberFormatException("empty decimal");
    }
    int dot = -1;
    boolean digits = false;
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c >= '0' && c <= '9') {
        digits = true;
      } else if (c == '.' && dot < 0) {
        dot = i;
      } else if (c == 'e' || c == 'E') {
        BigDecimal d = new BigDecimal(s);
        // "1e999999999" would print a billion digits: no market value needs more than a few dozen
        if (d.signum() != 0 && (d.scale() > MAX_PLAIN_DIGITS || d.precision() - d.scale() > MAX_PLAIN_DIGITS)) {
          throw new NumberFormatException("decimal out of range: " + s);
        }
        return plain(d);
      } else if (!(i == 0 && (c == '-' || c == '+'))) {
        throw new NumberFormatException("not a decimal: " + s);
      }
    }
    if (!digits) {
      throw new NumberFormatException("not a decimal: " + s);
    }
    if (s.charAt(0) == '+') {
      return canonical(s.substring(1));
    }
    if (dot < 0) {
      return s;
    }
    int end = n;
    while (end > dot + 1 && s.charAt(end - 1) == '0') {
      end--;
    }
    if (end == dot + 1) {
      end = dot;
    }
    int sign = s.charAt(0) == '-' ? 1 : 0;
    if (dot == sign) {
      // no integer digits (".5", "-.0"): "0.5", "0"
      return end == dot ? "0" : s.substring(0, sign) + "0" + s.substring(dot, end);
    }
    return end == n ? s : s.substring(0, end);
  }

  /**
   * @param d a value
   * @return its canonical string (plain notation, no trailing fractional zeros)
   */
  public static String plain(BigDecimal d) {
    if (d.signum() == 0) {
      return "0";
    }
    return d.stripTrailingZeros().toPlainString();
  }

  /**
   * Whether a decimal string is zero ({@code "0"}, {@code "0.000"}, {@code "0E-8"}), without
   * parsing it; books use this to decide that a level is deleted.
   *
   * @param s a decimal string
   * @return true when every digit is 0
   */
  public static boolean isZero(String s) {
    int n = s.length();
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c == 'e' || c == 'E') {
        return true;
      }
      if (c >= '1' && c <= '9') {
        return false;
      }
    }
    return true;
  }

  /**
   * A decimal field as a part of an identity key ({@link MarketRecord#identityKey()}): canonical,
   * so that {@code "1.50"} and {@code "1.5"} (one value to the stores, which compare numbers) are
   * one key; empty for a missing field; the text itself where it is no decimal (the record is
   * refused where it is checked).
   *
   * @param d a decimal string, or {@code null}
   * @return its key part
   */
  public static String keyPart(String d) {
    if (d == null) {
      return "";
    }
    try {
      return canonical(d);
    } catch (NumberFormatException e) {
      return d;
    }
  }
}
