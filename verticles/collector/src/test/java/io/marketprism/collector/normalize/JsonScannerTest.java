package io.marketprism.collector.normalize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.marketprism.collector.normalize.JsonScanner.Fallback;
import io.marketprism.collector.normalize.JsonScanner.Fields;
import io.marketprism.model.Decimals;
import org.junit.jupiter.api.Test;

class JsonScannerTest {

  private final JsonScanner sc = new JsonScanner();

  private Fields read(Fields f, String json) throws Fallback {
    sc.reset(json);
    sc.fields(f);
    sc.end();
    return f;
  }

  @Test
  void findsEveryKeptFieldByNameEvenWhenNamesShareLengthAndEnds() throws Fallback {
    // same length, first and last character: the same hash bucket, told apart by the middle
    Fields f = new Fields("pxa", "pya", "p", "pa", "a", "longer_name_x");
    read(f, "{\"pya\":\"2\",\"zzz\":[1,{\"p\":9}],\"pxa\":\"1\",\"pa\":3,\"longer_name_x\":true,\"pza\":\"x\"}");
    assertThat(sc.reqDecimal(f, 0)).isEqualTo("1");
    assertThat(sc.reqDecimal(f, 1)).isEqualTo("2");
    assertThat(f.kind(2)).isZero(); // "p" only inside a skipped value
    assertThat(sc.reqLong(f, 3)).isEqualTo(3);
    assertThat(f.kind(4)).isZero();
    assertThat(f.kind(5)).isEqualTo(JsonScanner.BOOLEAN);
    assertThat(f.flag(5)).isTrue();
  }

  @Test
  void slotsAreClearedBetweenObjects() throws Fallback {
    Fields f = new Fields("a", "b");
    read(f, "{\"a\":\"1\",\"b\":[[\"1\",\"2\"]]}");
    assertThat(f.levels(1).size()).isEqualTo(1);
    read(f, "{\"a\":\"5\"}");
    assertThat(f.kind(1)).isZero();
    assertThat(f.levels(1)).isNull();
    assertThat(sc.reqDecimal(f, 0)).isEqualTo("5");
  }

  @Test
  void rejectsEmptyOrRepeatedNamesWhenBuilt() {
    assertThatThrownBy(() -> new Fields("a", "b", "a")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Fields("")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aRepeatedFieldInTheTextGoesToTheGeneralReader() {
    Fields f = new Fields("a");
    assertThatThrownBy(() -> read(f, "{\"a\":1,\"a\":2}")).isInstanceOf(Fallback.class);
  }

  @Test
  void escapesAndControlCharactersInNamesOrValuesGoToTheGeneralReader() {
    Fields f = new Fields("a");
    assertThatThrownBy(() -> read(f, "{\"a\":\"1\\u0030\"}")).isInstanceOf(Fallback.class);
    assertThatThrownBy(() -> read(f, "{\"\\u0061\":\"1\"}")).isInstanceOf(Fallback.class);
    assertThatThrownBy(() -> read(f, "{\"a\":\"x\ty\"}")).isInstanceOf(Fallback.class);
    // an escape in a field the parser skips sends the message to the general reader all the same
    assertThatThrownBy(() -> read(f, "{\"a\":\"1\",\"other\":\"x\\ny\"}")).isInstanceOf(Fallback.class);
  }

  @Test
  void unterminatedTextGoesToTheGeneralReader() throws Fallback {
    Fields f = new Fields("a");
    for (String bad : new String[] {"{\"a\":\"abc", "{\"a\":\"abc\"", "{\"a", "{\"a\":", "{\"a\":[[\"1\",\"2"}) {
      assertThatThrownBy(() -> read(f, bad)).as(bad).isInstanceOf(Fallback.class);
    }
    // a longer text before a shorter one leaves nothing behind that the shorter could run into
    read(f, "{\"a\":\"" + "9".repeat(3000) + "\"}");
    assertThatThrownBy(() -> read(f, "{\"a\":\"99")).isInstanceOf(Fallback.class);
  }

  @Test
  void whitespaceBetweenTokensIsSkippedAndTrailingTextRejected() throws Fallback {
    Fields f = new Fields("a", "b");
    read(f, " {\n\t\"a\" : \"1.50\" ,\r\n \"b\" : [ [ \"2\" , \"3\" ] ] } \n");
    assertThat(sc.reqDecimal(f, 0)).isEqualTo("1.5");
    assertThat(f.levels(1).price(0)).isEqualTo("2");
    assertThatThrownBy(() -> read(f, "{\"a\":1} x")).isInstanceOf(Fallback.class);
    assertThatThrownBy(() -> read(f, "{\"a\":1,}")).isInstanceOf(Fallback.class);
  }

  @Test
  void numbersFollowTheJsonGrammarStrictly() {
    Fields f = new Fields("a");
    for (String bad : new String[] {"01", "-", "1.", ".5", "1e", "1e+", "+1", "--1", "0x10", "1.2.3"}) {
      assertThatThrownBy(() -> read(f, "{\"a\":" + bad + "}")).as(bad).isInstanceOf(Fallback.class);
    }
  }

  @Test
  void decimalsAreCanonicalAndExactForEveryForm() throws Fallback {
    Fields f = new Fields("a");
    String[] values = {"61737.63000000", "0.00000000", "100", "100.000", "-0.5", "-12.3400", "0", "0.0",
        "1e-05", "1E+3", "-2.50e2", "123456789012345678901234567890.123456789012345678900",
        "0.000000000000000000000000000001", "7"};
    for (String v : values) {
      // as a JSON number and as a string, the same canonical text as Decimals gives
      read(f, "{\"a\":" + v + "}");
      assertThat(sc.reqDecimal(f, 0)).as(v).isEqualTo(Decimals.canonical(v));
      read(f, "{\"a\":\"" + v + "\"}");
      assertThat(sc.reqDecimal(f, 0)).as(v).isEqualTo(Decimals.canonical(v));
    }
    assertThat(Decimals.canonical("61737.63000000")).isEqualTo("61737.63");
    assertThat(Decimals.canonical("1e-05")).isEqualTo("0.00001");
  }

  @Test
  void decimalStringsThatAreNotNumbersGoToTheGeneralReader() {
    Fields f = new Fields("a");
    for (String bad : new String[] {"", "abc", "1,5", "1..2", "1.2.3", "-", ".", "-.", "- 1", "1-"}) {
      assertThatThrownBy(() -> sc.reqDecimal(read(f, "{\"a\":\"" + bad + "\"}"), 0)).as(bad)
          .isInstanceOf(Fallback.class);
    }
  }

  @Test
  void integersWithinEighteenDigitsAreReadAndLongerOnesFallBack() throws Fallback {
    Fields f = new Fields("a");
    assertThat(sc.reqLong(read(f, "{\"a\":-123}"), 0)).isEqualTo(-123);
    assertThat(sc.reqLong(read(f, "{\"a\":\"1723161255208\"}"), 0)).isEqualTo(1723161255208L);
    assertThat(sc.reqLong(read(f, "{\"a\":999999999999999999}"), 0)).isEqualTo(999_999_999_999_999_999L);
    assertThatThrownBy(() -> sc.reqLong(read(f, "{\"a\":9223372036854775808}"), 0)).isInstanceOf(Fallback.class);
    assertThatThrownBy(() -> sc.reqLong(read(f, "{\"a\":1.0}"), 0)).isInstanceOf(Fallback.class);
    assertThatThrownBy(() -> sc.reqLong(read(f, "{\"a\":-0}"), 0)).isInstanceOf(Fallback.class);
    assertThatThrownBy(() -> sc.reqLong(read(f, "{\"a\":\"-5\"}"), 0)).isInstanceOf(Fallback.class);
  }

  /** What {@link JsonScanner#stringEnd} finds, one byte at a time. */
  private static int slowStringEnd(byte[] b, int p, int n) {
    while (p < n && b[p] != '"' && b[p] != '\\' && b[p] != '?' && b[p] >= 0x20) {
      p++;
    }
    return p;
  }

  @Test
  void stringEndFindsTheFirstStopAtEveryOffsetAndWordBoundary() {
    byte[] stops = {'"', '\\', '?', 0x00, 0x1F, '\n'};
    // neighbours of the stops in ASCII must not stop the search
    byte[] fillers = {'a', '!', '#', '>', '@', '[', ']', '^', 0x20, 0x7F, '0'};
    for (int n = 0; n <= 26; n++) {
      for (byte filler : fillers) {
        byte[] b = new byte[n];
        java.util.Arrays.fill(b, filler);
        for (int from = 0; from <= n; from++) {
          assertThat(JsonScanner.stringEnd(b, from, n)).isEqualTo(n);
        }
        for (int at = 0; at < n; at++) {
          for (byte stop : stops) {
            b[at] = stop;
            for (int from = 0; from <= n; from++) {
              assertThat(JsonScanner.stringEnd(b, from, n)).as("n=%d at=%d from=%d stop=%d", n, at, from, stop)
                  .isEqualTo(slowStringEnd(b, from, n));
            }
            // a second stop after the first does not move the answer
            if (at + 1 < n) {
              b[n - 1] = '"';
              assertThat(JsonScanner.stringEnd(b, 0, n)).isEqualTo(slowStringEnd(b, 0, n));
              b[n - 1] = filler;
            }
            b[at] = filler;
          }
        }
      }
    }
  }

  @Test
  void digitsEndFindsTheEndOfEveryRunLength() {
    byte[] ends = {'.', 'e', 'E', ',', '}', ']', '/', ':', ' ', '-', 0x00, 0x7F};
    for (int run = 0; run <= 24; run++) {
      for (byte end : ends) {
        for (int lead = 0; lead <= 3; lead++) {
          byte[] b = new byte[lead + run + 3];
          java.util.Arrays.fill(b, (byte) 'x');
          for (int i = 0; i < run; i++) {
            b[lead + i] = (byte) ('0' + (i * 7 % 10));
          }
          b[lead + run] = end;
          assertThat(JsonScanner.digitsEnd(b, lead, b.length)).as("run %d end %d", run, end).isEqualTo(lead + run);
          // the run ending with the text
          assertThat(JsonScanner.digitsEnd(b, lead, lead + run)).isEqualTo(lead + run);
        }
      }
    }
  }

  @Test
  void digitsOfEveryLengthAreReadExactlyAndAnyOtherByteFallsBack() throws Fallback {
    Fields f = new Fields("a");
    String all = "918273645546372819";
    for (int n = 1; n <= 18; n++) {
      String v = all.substring(0, n);
      assertThat(sc.reqLong(read(f, "{\"a\":\"" + v + "\"}"), 0)).as(v).isEqualTo(Long.parseLong(v));
      assertThat(sc.reqLong(read(f, "{\"a\":\"" + "0".repeat(n) + "\"}"), 0)).isZero();
      assertThat(sc.reqLong(read(f, "{\"a\":\"" + "9".repeat(n) + "\"}"), 0)).isEqualTo(Long.parseLong("9".repeat(n)));
      for (int at = 0; at < n; at++) {
        for (char bad : new char[] {'/', ':', '.', 'a', ' '}) {
          String w = v.substring(0, at) + bad + v.substring(at + 1);
          assertThatThrownBy(() -> sc.reqLong(read(f, "{\"a\":\"" + w + "\"}"), 0)).as(w)
              .isInstanceOf(Fallback.class);
        }
      }
    }
    assertThatThrownBy(() -> sc.reqLong(read(f, "{\"a\":\"" + "1".repeat(19) + "\"}"), 0))
        .isInstanceOf(Fallback.class);
  }

  @Test
  void questionMarksAreTextButUnpairedSurrogatesAndOtherNonAsciiGoToTheGeneralReader() throws Fallback {
    Fields f = new Fields("a", "b");
    read(f, "{\"a\":\"what?\",\"b\":\"??????????x?\"}");
    assertThat(sc.text(f.start(0), f.end(0))).isEqualTo("what?");
    assertThat(sc.text(f.start(1), f.end(1))).isEqualTo("??????????x?");
    // an unpaired surrogate encodes to '?' as UTF-8 but is no question mark
    for (String odd : new String[] {"\uD800", "\uDFFF", "\u00E9", "\u20AC", "\uD83D\uDE00"}) {
      assertThatThrownBy(() -> read(f, "{\"a\":\"x" + odd + "y\"}")).as(odd).isInstanceOf(Fallback.class);
      assertThatThrownBy(() -> read(f, "{\"a\":\"12345678" + odd + "\"}")).as(odd).isInstanceOf(Fallback.class);
    }
    // a unicode escape, even of a quote, is left to the general reader
    assertThatThrownBy(() -> read(f, "{\"a\":\"x\\u0022y\"}")).isInstanceOf(Fallback.class);
    assertThatThrownBy(() -> read(f, "{\"a\":\"1234567\\\"\"}")).isInstanceOf(Fallback.class);
  }

  @Test
  void stringsOfEveryLengthEndAtTheirQuote() throws Fallback {
    Fields f = new Fields("a", "b");
    for (int n = 0; n <= 20; n++) {
      String v = "abcdefghijklmnopqrstuvwxyz".substring(0, n);
      read(f, "{\"a\":\"" + v + "\",\"b\":1}");
      assertThat(sc.text(f.start(0), f.end(0))).isEqualTo(v);
      assertThat(sc.reqLong(f, 1)).isEqualTo(1);
      // the quote missing at the end of the text, at every distance from a word boundary
      String cut = "{\"a\":\"" + v;
      assertThatThrownBy(() -> read(f, cut)).isInstanceOf(Fallback.class);
    }
  }

  @Test
  void numbersOfEveryLengthAreCutWhereTheyEnd() throws Fallback {
    Fields f = new Fields("a");
    String digits = "12345678901234567890123";
    for (int n = 1; n <= digits.length(); n++) {
      for (String form : new String[] {"%s", "-%s", "%s.5", "0.%s", "%s.%s0", "%se5", "-%s.%sE-2"}) {
        String v = form.replace("%s", digits.substring(0, n));
        read(f, "{\"a\":" + v + "}");
        assertThat(sc.reqDecimal(f, 0)).as(v).isEqualTo(Decimals.canonical(v));
      }
    }
  }

  @Test
  void namesAreToldApartByEveryByteWhateverTheirLength() throws Fallback {
    // same first and last eight bytes, differing only in the middle (past sixteen bytes)
    String a = "instrument_A_name_x";
    String b = "instrument_B_name_x";
    // same first eight bytes, different lengths; the same tail under different heads
    Fields f = new Fields(a, b, "instrume", "instrumen", "instrument_name", "xnstrument_name", "p", "pp");
    read(f, "{\"" + b + "\":1,\"instrument_name\":2,\"instrumen\":3,\"instrument_C_name_x\":4,\"pp\":5,"
        + "\"instrumentname\":6,\"" + a + "\":7,\"instrume\":8,\"p\":9}");
    assertThat(sc.reqLong(f, 0)).isEqualTo(7);
    assertThat(sc.reqLong(f, 1)).isEqualTo(1);
    assertThat(sc.reqLong(f, 2)).isEqualTo(8);
    assertThat(sc.reqLong(f, 3)).isEqualTo(3);
    assertThat(sc.reqLong(f, 4)).isEqualTo(2);
    assertThat(f.kind(5)).isZero();
    assertThat(sc.reqLong(f, 6)).isEqualTo(9);
    assertThat(sc.reqLong(f, 7)).isEqualTo(5);
    // a kept name that ends the text, so its words cannot be read past it
    Fields g = new Fields("ab");
    sc.reset("{\"ab");
    assertThatThrownBy(() -> sc.fields(g)).isInstanceOf(Fallback.class);
    assertThat(g.slotOf("xab".getBytes(java.nio.charset.StandardCharsets.US_ASCII), 1, 3)).isZero();
    assertThat(g.slotOf("xab".getBytes(java.nio.charset.StandardCharsets.US_ASCII), 1, 2)).isEqualTo(-1);
  }

  @Test
  void fieldNamesRecalledFromTheLastObjectAreCheckedWhole() throws Fallback {
    Fields f = new Fields("ab", "abc", "instrument_name", "x");
    String[] texts = {
        "{\"ab\":1,\"abc\":2,\"instrument_name\":3,\"x\":4}",
        // each name where another stood: one that the last starts with, one that starts with it
        "{\"abc\":5,\"ab\":6,\"instrument_namf\":0,\"x\":7,\"instrument_name\":8}",
        "{\"abc\":9,\"ab\":10,\"instrument_name\":11,\"xy\":0}",
        "{\"a?\":0,\"ab\":12}",
        "{\"a?\":0,\"ab\":13,\"ab\":14}",
        "{\"ab\":15,\"abc\":16}",
        "{\"ab\":17,\"ab",
        "{\"ab\\u0022:1}",
    };
    long[][] expected = {{1, 2, 3, 4}, {6, 5, 8, 7}, {10, 9, 11, -1}, {12, -1, -1, -1}, null, {15, 16, -1, -1}, null,
        null};
    for (int round = 0; round < 2; round++) {
      for (int t = 0; t < texts.length; t++) {
        String text = texts[t];
        if (expected[t] == null) {
          assertThatThrownBy(() -> read(f, text)).as(text).isInstanceOf(Fallback.class);
          continue;
        }
        read(f, text);
        for (int slot = 0; slot < 4; slot++) {
          long want = expected[t][slot];
          if (want < 0) {
            assertThat(f.kind(slot)).as(text + " slot " + slot).isZero();
          } else {
            assertThat(sc.reqLong(f, slot)).as(text + " slot " + slot).isEqualTo(want);
          }
        }
      }
    }
  }

  @Test
  void sequenceReadsAnIdAsSequencedTradeReadsItsText() throws Fallback {
    Fields f = new Fields("a");
    String[] ids = {"\"123\"", "123", "-5", "0", "\"00012\"", "\"" + "9".repeat(18) + "\"", "9".repeat(19),
        "\"12a\"", "1.5", "1e3", "\"12345678x\"", "\" 1\""};
    for (String id : ids) {
      read(f, "{\"a\":" + id + "}");
      String text = sc.text(f.start(0), f.end(0));
      assertThat(sc.sequence(f, 0)).as(id).isEqualTo(SequencedTrade.numeric(text));
    }
  }

  @Test
  void aKnownOpeningIsSteppedOverWhole() throws Fallback {
    byte[] opening = "{\"a\":\"b\",\"c\":".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    sc.reset("{\"a\":\"b\",\"c\":{\"d\":1},\"e\":2}");
    assertThat(sc.skipPrefix(opening, 1)).isTrue();
    sc.beginObject();
    assertThat(sc.nextField()).isTrue();
    assertThat(sc.nameIs("d")).isTrue();
    sc.skipValue();
    assertThat(sc.nextField()).isFalse();
    assertThat(sc.nextField()).isTrue();
    assertThat(sc.nameIs("e")).isTrue();
    sc.skipValue();
    assertThat(sc.nextField()).isFalse();
    sc.end();
    for (String other : new String[] {"{\"a\":\"b\",\"c\"", "{\"a\":\"x\",\"c\":1}", " {\"a\":\"b\",\"c\":1}"}) {
      sc.reset(other);
      assertThat(sc.skipPrefix(opening, 1)).as(other).isFalse();
      assertThat(sc.position()).isZero();
    }
  }
}
