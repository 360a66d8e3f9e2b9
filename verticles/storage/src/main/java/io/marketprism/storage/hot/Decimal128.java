package io.marketprism.storage.hot;

import io.marketprism.model.Decimals;
import io.marketprism.model.RecordLimits;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;

/**
 * Reads a decimal string straight into the 128-bit integer that ClickHouse stores for a
 * {@code Decimal(38,18)}: the value times 10^18, held in two longs, with the rule of
 * {@link RecordLimits#fitDecimal}: more than 18 fractional digits are rounded half-even, a value
 * of 10^20 or more (after rounding) is refused. The text is accepted as {@link Decimals#canonical}
 * accepts it: an optional sign, digits with at most one point and at least one digit; exponent
 * notation (never in canonical record JSON) goes the slow way, through its plain form. The
 * normal path allocates nothing: up to 18 significant digits are one long and one
 * multiplication. Not thread-safe: each instance holds the last result.
 */
final class Decimal128 {

  /** What {@link #parse} returns instead of a position. */
  private static final int NOT_DECIMAL = -1;
  private static final int TOO_LARGE = -2;
  private static final int EXPONENT = -3;
  private static final int SCALE = RecordLimits.SCALE;
  private static final int INTEGER_DIGITS = RecordLimits.INTEGER_DIGITS;
  private static final long[] POW10 = new long[19];
  /** 10^38 = 10^(20 + 18), the first unscaled value out of range. */
  private static final long LIMIT_HI;
  private static final long LIMIT_LO;

  static {
    POW10[0] = 1;
    for (int i = 1; i < POW10.length; i++) {
      POW10[i] = POW10[i - 1] * 10;
    }
    BigInteger limit = BigInteger.TEN.pow(INTEGER_DIGITS + SCALE);
    LIMIT_HI = limit.shiftRight(64).longValue();
    LIMIT_LO = limit.longValue();
  }

  private long hi;
  private long lo;

  /** @return the high 64 bits of the last value read */
  long hi() {
    return hi;
  }

  /** @return the low 64 bits of the last value read */
  long lo() {
    return lo;
  }

  /**
   * Reads a decimal; {@link #hi()} and {@link #lo()} then hold its two's complement value × 10^18.
   *
   * @param s text, UTF-8 (or ASCII)
   * @param off where the decimal starts
   * @param len its length in bytes
   * @throws IllegalArgumentException when it is not a decimal or is 10^20 or more in magnitude
   */
  void read(byte[] s, int off, int len) {
    int stop = parse(s, off, off + len);
    if (stop == EXPONENT) {
      readExponent(new String(s, off, len, StandardCharsets.UTF_8));
    } else if (stop == TOO_LARGE) {
      throw new IllegalArgumentException("decimal " + new String(s, off, len, StandardCharsets.UTF_8)
          + " has more than " + INTEGER_DIGITS + " integer digits");
    } else if (stop != off + len) {
      throw new IllegalArgumentException("not a decimal: " + new String(s, off, len, StandardCharsets.UTF_8));
    }
  }

  /**
   * Reads the decimal that a JSON string holds, straight from the JSON text: the fast path.
   *
   * @param s JSON text
   * @param from the first byte after the string's opening quote
   * @param end the end of the text
   * @return the index of the closing quote; -1 when the string needs the general way (escapes, an
   *     exponent, or not a decimal the stores hold: {@link #read} then says why)
   */
  int readQuoted(byte[] s, int from, int end) {
    int stop = parse(s, from, end);
    return stop >= 0 && stop < end && s[stop] == '"' ? stop : -1;
  }

  /**
   * The decimal from {@code s[i]} up to {@code end} or the first {@code "}, whichever comes first.
   *
   * @return where it stopped, or {@link #NOT_DECIMAL}, {@link #TOO_LARGE}, {@link #EXPONENT}
   */
  private int parse(byte[] s, int i, int end) {
    boolean negative = false;
    if (i < end && (s[i] == '-' || s[i] == '+')) {
      negative = s[i] == '-';
      i++;
    }
    int afterSign = i;
    // leading zeros carry no value (and do not count against the integer digits)
    while (i < end && s[i] == '0') {
      i++;
    }
    int intStart = i;
    while (i < end && s[i] >= '0' && s[i] <= '9') {
      i++;
    }
    int intDigits = i - intStart;
    int fracStart = i;
    int fracDigits = 0;
    if (i < end && s[i] == '.') {
      fracStart = ++i;
      while (i < end && s[i] >= '0' && s[i] <= '9') {
        i++;
      }
      fracDigits = i - fracStart;
    }
    boolean anyDigit = intStart > afterSign || intDigits + fracDigits > 0;
    if (i < end && s[i] != '"') {
      return (s[i] == 'e' || s[i] == 'E') && anyDigit ? EXPONENT : NOT_DECIMAL;
    }
    if (!anyDigit) {
      return NOT_DECIMAL;
    }
    if (intDigits > INTEGER_DIGITS) {
      return TOO_LARGE;
    }
    int kept = Math.min(fracDigits, SCALE);
    if (intDigits + kept <= 18) {
      // the common case: all digits fit in a long, one multiplication scales them
      long v = digits(s, intStart, intDigits, 0);
      v = digits(s, fracStart, kept, v);
      long scale = POW10[SCALE - kept];
      hi = Math.multiplyHigh(v, scale);
      lo = v * scale;
    } else {
      hi = 0;
      lo = 0;
      append(s, intStart, intDigits);
      append(s, fracStart, kept);
      mulAdd(POW10[SCALE - kept], 0);
    }
    if (fracDigits > SCALE && roundsUp(s, fracStart + SCALE, fracStart + fracDigits)) {
      mulAdd(1, 1);
      if (hi > LIMIT_HI || hi == LIMIT_HI && Long.compareUnsigned(lo, LIMIT_LO) >= 0) {
        return TOO_LARGE;
      }
    }
    if (negative) {
      negate();
    }
    return i;
  }

  /** @return {@code v} followed by the {@code n} digits at {@code s[from]} (n ≤ 18 in all) */
  private static long digits(byte[] s, int from, int n, long v) {
    for (int i = from; i < from + n; i++) {
      v = v * 10 + (s[i] - '0');
    }
    return v;
  }

  /** value = value followed by the {@code n} digits at {@code s[from]}, 18 at a time. */
  private void append(byte[] s, int from, int n) {
    for (int i = from; i < from + n; i += 18) {
      int k = Math.min(18, from + n - i);
      mulAdd(POW10[k], digits(s, i, k, 0));
    }
  }

  /**
   * Half-even rounding of the digits cut off, {@code s[from, to)}: up when they are above one
   * half, or exactly one half and the kept value is odd (its parity is that of its last digit).
   */
  private boolean roundsUp(byte[] s, int from, int to) {
    int first = s[from] - '0';
    if (first != 5) {
      return first > 5;
    }
    for (int i = from + 1; i < to; i++) {
      if (s[i] != '0') {
        return true;
      }
    }
    return (lo & 1) != 0;
  }

  /**
   * @param s a decimal string
   * @see #read(byte[], int, int)
   */
  void read(String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    read(b, 0, b.length);
  }

  /** value = value × mul + add, for mul ≤ 10^18 and a value that stays below 2^127. */
  private void mulAdd(long mul, long add) {
    // the high half of the unsigned product lo × mul (mul is positive, so only lo's sign needs correcting)
    long carry = Math.multiplyHigh(lo, mul) + ((lo >> 63) & mul);
    long low = lo * mul;
    long sum = low + add;
    if (Long.compareUnsigned(sum, low) < 0) {
      carry++;
    }
    hi = hi * mul + carry;
    lo = sum;
  }

  private void negate() {
    lo = -lo;
    hi = lo == 0 ? -hi : ~hi;
  }

  /** @return the bit length of the magnitude of the two's complement 128-bit value {@code hi:lo} */
  static int bitLength(long hi, long lo) {
    if (hi < 0) {
      lo = -lo;
      hi = lo == 0 ? -hi : ~hi;
    }
    return hi != 0 ? 128 - Long.numberOfLeadingZeros(hi) : 64 - Long.numberOfLeadingZeros(lo);
  }

  /** @return the stored {@code Decimal(38,18)} whose 128-bit value (× 10^18) is {@code hi:lo} */
  static BigDecimal value(long hi, long lo) {
    BigInteger v = BigInteger.valueOf(hi).shiftLeft(64).add(new BigInteger(Long.toUnsignedString(lo)));
    return new BigDecimal(v, SCALE);
  }

  /** Exponent notation: its plain form, as {@link Decimals#canonical} writes it (and with its limits). */
  private void readExponent(String text) {
    String plain;
    try {
      plain = Decimals.canonical(text);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not a decimal: " + text);
    }
    read(plain);
  }
}
