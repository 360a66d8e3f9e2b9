package io.marketprism.storage.hot;

import io.marketprism.model.Decimals;
import io.marketprism.model.RecordLimits;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

/** Decimal text → Decimal(38,18) bytes against BigDecimal, and the LEB128 lengths of RowBinary. */
class Decimal128Test {

  private static final BigInteger LIMIT = BigInteger.TEN.pow(38);

  /** The 16 RowBinary bytes of a decimal, read back as a signed integer. */
  private static BigInteger unscaled(String s) {
    Decimal128 d = new Decimal128();
    d.read(s);
    RowBinaryWriter w = new RowBinaryWriter(16);
    w.putInt128(d.hi(), d.lo());
    byte[] le = java.util.Arrays.copyOf(w.array(), w.size());
    assertThat(le).hasSize(16);
    byte[] be = new byte[16];
    for (int i = 0; i < 16; i++) {
      be[i] = le[15 - i];
    }
    return new BigInteger(be);
  }

  /** What the JSONEachRow path stored: the value rounded half-even to 18 digits, or null when refused. */
  private static BigInteger expected(String s) {
    BigInteger u = new BigDecimal(s).setScale(18, RoundingMode.HALF_EVEN).unscaledValue();
    return u.abs().compareTo(LIMIT) >= 0 ? null : u;
  }

  private static void check(String s) {
    BigInteger want = expected(s);
    if (want == null) {
      assertThatThrownBy(() -> unscaled(s)).as(s).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("integer digits");
      assertThatThrownBy(() -> RecordLimits.fitDecimal(s)).as(s).isInstanceOf(IllegalArgumentException.class);
    } else {
      assertThat(unscaled(s)).as(s).isEqualTo(want);
    }
  }

  @Test
  void edgeValues() {
    for (String s : List.of("0", "-0", "-0.0", "+0", "0.0", "000", "00012.5000", "1", "-1", "+7", "1e-18", "0.000000000000000001",
        "-0.000000000000000001", "99999999999999999999.999999999999999999", "-99999999999999999999.999999999999999999",
        "99999999999999999999.9999999999999999995", "99999999999999999999.99999999999999999949",
        "-99999999999999999999.9999999999999999995", "100000000000000000000", "-100000000000000000000",
        "00000000000000000000000000099999999999999999999", "0.0000000000000000005", "0.0000000000000000015",
        "0.0000000000000000025", "0.00000000000000000250000000001", "-0.0000000000000000005",
        "-0.0000000000000000015", "-2.5000000000000000025", "1.0000000000000000005", "1.00000000000000000050",
        "0.00000000000000000049999999999", "0.5", "5.", ".5", "-.5", "9223372036854775807", "9223372036854775808",
        "18446744073709551615", "18446744073709551616", "170141183460469231731.687303715884105727",
        "1E2", "1.5e-3", "-2.5E+4", "1e19", "1e20", "12e-30", "61737.63", "-0.00012345")) {
      check(s);
    }
  }

  @Test
  void randomValues() {
    Random rnd = new Random(42);
    for (int n = 0; n < 200_000; n++) {
      StringBuilder sb = new StringBuilder();
      if (rnd.nextInt(3) == 0) {
        sb.append('-');
      }
      int intDigits = rnd.nextInt(23);
      for (int i = 0; i < intDigits; i++) {
        sb.append((char) ('0' + (rnd.nextInt(4) == 0 ? 9 : rnd.nextInt(10))));
      }
      int frac = rnd.nextInt(4) == 0 ? 0 : rnd.nextInt(30);
      if (frac > 0 || intDigits == 0) {
        sb.append('.');
        for (int i = 0; i < Math.max(1, frac); i++) {
          // ties and near-ties are frequent: 5s and 0s and 9s
          int k = rnd.nextInt(5);
          sb.append(k == 0 ? '5' : k == 1 ? '0' : k == 2 ? '9' : (char) ('0' + rnd.nextInt(10)));
        }
      }
      check(sb.toString());
    }
  }

  /** Text that is no decimal is refused exactly where {@link Decimals#canonical} refuses it. */
  @Test
  void malformedAsDecimalsRefusesThem() {
    Random rnd = new Random(7);
    String alphabet = "0123456789.-+eE x";
    List<String> samples = new ArrayList<>(List.of("", "-", "+", ".", "-.", "1.2.3", "--1", "1-", "abc", "1e", "e5",
        " 1", "1 ", "0x10", "1,5", "NaN", "Infinity", "1e5.5", ".e1", "1..", "١٢"));
    for (int n = 0; n < 100_000; n++) {
      StringBuilder sb = new StringBuilder();
      int len = 1 + rnd.nextInt(7);
      for (int i = 0; i < len; i++) {
        sb.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
      }
      samples.add(sb.toString());
    }
    for (String s : samples) {
      try {
        Decimals.canonical(s);
      } catch (NumberFormatException e) {
        assertThatThrownBy(() -> unscaled(s)).as("'" + s + "'").isInstanceOf(IllegalArgumentException.class);
        continue;
      }
      // accepted (Decimals' grammar is a part of BigDecimal's): the value, unless too large
      BigInteger want = expected(s);
      try {
        assertThat(unscaled(s)).as("'" + s + "'").isEqualTo(want);
      } catch (IllegalArgumentException e) {
        if (want != null) {
          fail("'" + s + "' refused: " + e.getMessage());
        }
      }
    }
  }

  @Test
  void leb128() {
    long[] values = {0, 1, 127, 128, 255, 300, 16_383, 16_384, 2_097_151, 2_097_152, Integer.MAX_VALUE,
        Long.MAX_VALUE, -1};
    String[] hex = {"00", "01", "7f", "8001", "ff01", "ac02", "ff7f", "808001", "ffff7f", "80808001", "ffffffff07",
        "ffffffffffffffff7f", "ffffffffffffffffff01"};
    for (int i = 0; i < values.length; i++) {
      RowBinaryWriter w = new RowBinaryWriter(1);
      w.putVarUInt(values[i]);
      assertThat(HexFormat.of().formatHex(w.array(), 0, w.size())).as(Long.toString(values[i])).isEqualTo(hex[i]);
    }
  }

  @Test
  void stringsAreLengthThenUtf8() {
    RowBinaryWriter w = new RowBinaryWriter(1);
    byte[] text = "xBTC-€😀".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    w.putString(text, 1, text.length - 1);
    assertThat(HexFormat.of().formatHex(w.array(), 0, w.size())).isEqualTo("0b4254432de282acf09f9880");
    w.clear();
    byte[] longText = "a".repeat(200).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    w.putString(longText, 0, longText.length);
    assertThat(w.size()).isEqualTo(202);
    assertThat(w.array()[0] & 0xff).isEqualTo(0xc8);
    assertThat(w.array()[1]).isEqualTo((byte) 1);
  }
}
