package io.marketprism.collector.book;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.marketprism.model.Decimals;
import io.marketprism.model.PriceLevel;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;

class OrderBookTest {

  /** A plain sorted map of the levels, best first, with the texts as sent. */
  private static final class Reference {
    final TreeMap<BigDecimal, String[]> bids = new TreeMap<>(Comparator.reverseOrder());
    final TreeMap<BigDecimal, String[]> asks = new TreeMap<>();

    void apply(boolean bid, String price, String qty) {
      TreeMap<BigDecimal, String[]> side = bid ? bids : asks;
      BigDecimal p = new BigDecimal(price);
      if (new BigDecimal(qty).signum() == 0) {
        side.remove(p);
      } else {
        side.put(p, new String[] {price, qty});
      }
    }

    static List<String[]> levels(TreeMap<BigDecimal, String[]> side) {
      return new ArrayList<>(side.values());
    }

    int checksum() {
      List<String[]> b = levels(bids);
      List<String[]> a = levels(asks);
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < 25; i++) {
        if (i < b.size()) {
          sb.append(b.get(i)[0]).append(':').append(b.get(i)[1]).append(':');
        }
        if (i < a.size()) {
          sb.append(a.get(i)[0]).append(':').append(a.get(i)[1]).append(':');
        }
      }
      if (sb.length() > 0) {
        sb.setLength(sb.length() - 1);
      }
      CRC32 crc = new CRC32();
      crc.update(sb.toString().getBytes(StandardCharsets.US_ASCII));
      return (int) crc.getValue();
    }
  }

  private static void assertSameAs(OrderBook book, Reference ref, int depth) {
    List<String[]> b = Reference.levels(ref.bids);
    List<String[]> a = Reference.levels(ref.asks);
    assertThat(book.bidCount()).isEqualTo(b.size());
    assertThat(book.askCount()).isEqualTo(a.size());
    for (int r = 0; r < b.size(); r++) {
      assertThat(book.bidPrice(r)).isEqualTo(b.get(r)[0]);
      assertThat(book.bidQuantity(r)).isEqualTo(b.get(r)[1]);
    }
    for (int r = 0; r < a.size(); r++) {
      assertThat(book.askPrice(r)).isEqualTo(a.get(r)[0]);
      assertThat(book.askQuantity(r)).isEqualTo(a.get(r)[1]);
    }
    assertTop(book.topBids(depth), b, depth);
    assertTop(book.topAsks(depth), a, depth);
    assertThat(book.okxChecksum()).isEqualTo(ref.checksum());
  }

  private static void assertTop(List<PriceLevel> top, List<String[]> expected, int depth) {
    List<PriceLevel> want = new ArrayList<>();
    for (int r = 0; r < Math.min(depth, expected.size()); r++) {
      want.add(new PriceLevel(Decimals.canonical(expected.get(r)[0]), Decimals.canonical(expected.get(r)[1])));
    }
    assertThat(top).containsExactlyElementsOf(want);
  }

  @Test
  void keepsEveryLevelInOrderUnderRandomChurnAcrossADeepBook() {
    churn(5_000, 120_000);
  }

  @Test
  void keepsEveryLevelInOrderUnderRandomChurnOfAShallowBook() {
    // ~100 levels a side: blocks split and shrink right at the top, so the top 25 often span two
    churn(150, 60_000);
  }

  private static void churn(int ticks, int ops) {
    Random rnd = new Random(7);
    OrderBook book = new OrderBook();
    Reference ref = new Reference();
    String[] zeros = {"0", "0.0", "0.00000000"};
    for (int op = 0; op < ops; op++) {
      boolean bid = rnd.nextBoolean();
      // prices over some ticks around 50,000 (the same price sometimes arrives with a different
      // text: "50000.5" / "50000.50"), most changes near the top
      int tick = bid ? 100_000 - rnd.nextInt(ticks) : 100_001 + rnd.nextInt(ticks);
      if (rnd.nextInt(8) == 0) {
        tick = bid ? 100_000 - rnd.nextInt(30) : 100_001 + rnd.nextInt(30); // near the top
      }
      String price = (tick / 2) + (tick % 2 == 1 ? ".5" : "") + (rnd.nextInt(4) == 0 ? "0" : "");
      String qty = rnd.nextInt(3) == 0 ? zeros[rnd.nextInt(zeros.length)]
          : (1 + rnd.nextInt(999)) + "." + rnd.nextInt(10) + "0";
      book.apply(bid, price, qty);
      ref.apply(bid, price, qty);
      if (op % 997 == 0) {
        assertSameAs(book, ref, 20);
      } else if (op % 13 == 0) {
        // the cached top lists and checksum must follow every change within their ranks
        assertTop(book.topBids(20), Reference.levels(ref.bids), 20);
        assertThat(book.okxChecksum()).isEqualTo(ref.checksum());
      }
    }
    assertThat(book.bidCount()).isGreaterThan(ticks / 3);
    assertSameAs(book, ref, 400);
  }

  @Test
  void aChangeBelowASmallTopBlockReachesTheTopListAndTheChecksum() {
    OrderBook book = new OrderBook();
    Reference ref = new Reference();
    // 64 even prices fill one block; 127 lands inside it and splits it into 2..64 and 66..128;
    // deleting 88..128 leaves the top block with 66..86 (11 levels), so ranks 11..24 live below
    for (int p = 2; p <= 128; p += 2) {
      book.apply(true, Integer.toString(p), "1");
      ref.apply(true, Integer.toString(p), "1");
    }
    book.apply(true, "127", "1");
    ref.apply(true, "127", "1");
    for (int p = 88; p <= 128; p++) {
      book.apply(true, Integer.toString(p), "0");
      ref.apply(true, Integer.toString(p), "0");
    }
    assertSameAs(book, ref, 20);
    book.apply(true, "56", "7");
    ref.apply(true, "56", "7");
    assertThat(book.topBids(20).get(15)).isEqualTo(new PriceLevel("56", "7"));
    assertThat(book.okxChecksum()).isEqualTo(ref.checksum());
    book.apply(true, "60", "0");
    ref.apply(true, "60", "0");
    assertSameAs(book, ref, 20);
  }

  @Test
  void snapshotsInEitherOrderAndThenDrainedToEmpty() {
    for (boolean bestFirst : new boolean[] {true, false}) {
      OrderBook book = new OrderBook();
      Reference ref = new Reference();
      for (int i = 0; i < 1_000; i++) {
        int k = bestFirst ? i : 999 - i;
        book.apply(true, Integer.toString(30_000 - k), "1");
        ref.apply(true, Integer.toString(30_000 - k), "1");
        book.apply(false, Integer.toString(30_001 + k), "2");
        ref.apply(false, Integer.toString(30_001 + k), "2");
      }
      assertSameAs(book, ref, 25);
      for (int i = 0; i < 1_000; i += 2) {
        book.apply(true, Integer.toString(30_000 - i), "0");
        ref.apply(true, Integer.toString(30_000 - i), "0");
      }
      assertSameAs(book, ref, 25);
      for (int i = 0; i < 1_000; i++) {
        book.apply(true, Integer.toString(30_000 - i), "0");
        book.apply(false, Integer.toString(30_001 + i), "0");
      }
      assertThat(book.bidCount()).isZero();
      assertThat(book.askCount()).isZero();
      assertThat(book.topBids(20)).isEmpty();
      book.apply(true, "5", "1");
      assertThat(book.topBids(20)).containsExactly(new PriceLevel("5", "1"));
    }
  }

  @Test
  void aFinerPriceRescalesTheLevelsAlreadyHeld() {
    OrderBook book = new OrderBook();
    Reference ref = new Reference();
    for (int i = 0; i < 300; i++) {
      book.apply(true, Integer.toString(1_000 - i), "1");
      ref.apply(true, Integer.toString(1_000 - i), "1");
    }
    for (Map.Entry<String, String> e : Map.of("999.5", "3", "998.25", "4", "997.125", "5", "0.00000001", "6")
        .entrySet()) {
      book.apply(true, e.getKey(), e.getValue());
      ref.apply(true, e.getKey(), e.getValue());
    }
    assertSameAs(book, ref, 400);
    assertThat(book.bidPrice(1)).isEqualTo("999.5");
    assertThat(book.bidPrice(book.bidCount() - 1)).isEqualTo("0.00000001");
  }

  @Test
  void levelsThatAreNotDecimalsAreRejectedAndNotStored() {
    OrderBook book = new OrderBook();
    book.apply(true, "100", "1");
    for (String[] bad : new String[][] {{"abc", "1"}, {"-", "1"}, {".", "1"}, {"1..2", "1"}, {"", "1"},
        {"101", "x1"}, {"101", "-"}, {"101", "1..0"}, {"101", ""}, {"101", "abc"}}) {
      assertThatThrownBy(() -> book.apply(true, bad[0], bad[1])).as(String.join(" ", bad))
          .isInstanceOf(NumberFormatException.class);
    }
    assertThat(book.bidCount()).isEqualTo(1);
    assertThat(book.topBids(5)).containsExactly(new PriceLevel("100", "1"));
  }

  @Test
  void exponentAndTrailingZeroFormsKeyTheSamePrice() {
    OrderBook book = new OrderBook();
    book.apply(true, "61737.63000000", "1.00000000");
    book.apply(true, "6.173763E4", "2");
    assertThat(book.bidCount()).isEqualTo(1);
    assertThat(book.topBids(5)).containsExactly(new PriceLevel("61737.63", "2"));
    book.apply(true, "61737.630", "0E-8");
    assertThat(book.bidCount()).isZero();
    book.apply(false, "1.5e1", "3");
    book.apply(false, "15.000", "4");
    book.apply(false, "-0.5", "1");
    assertThat(book.topAsks(5)).containsExactly(new PriceLevel("-0.5", "1"), new PriceLevel("15", "4"));
  }

  @Test
  void clearEmptiesBothSidesAndMarksTheTopChanged() {
    OrderBook book = new OrderBook();
    book.apply(true, "10", "1");
    book.apply(false, "11", "1");
    assertThat(book.topBids(5)).hasSize(1);
    book.clear();
    assertThat(book.topBids(5)).isEmpty();
    assertThat(book.topAsks(5)).isEmpty();
    assertThat(book.crossed()).isFalse();
    book.apply(true, "12", "1");
    book.apply(false, "11", "1");
    assertThat(book.crossed()).isTrue();
  }
}
