package io.marketprism.collector.normalize;

import static org.assertj.core.api.Assertions.assertThat;

import io.marketprism.collector.binance.BinanceParser;
import io.marketprism.collector.book.BookUpdate;
import io.marketprism.collector.book.OrderBook;
import io.marketprism.model.MarketRecord;
import io.marketprism.model.MarketType;
import io.marketprism.model.Symbols;
import org.junit.jupiter.api.Test;

/**
 * A quick single-threaded timing of the hot paths (the proper JMH suite lives in load-tests). It
 * prints the rates and asserts only a loose floor, so a slow CI machine does not fail it.
 */
class ThroughputTest {

  @Test
  void binanceTradeParsingRate() throws Exception {
    String[] frames = new String[1024];
    for (int i = 0; i < frames.length; i++) {
      frames[i] = "{\"stream\":\"btcusdt@trade\",\"data\":{\"e\":\"trade\",\"E\":1723161255343,\"s\":\"BTCUSDT\",\"t\":"
          + (3735683259L + i) + ",\"p\":\"61837.63000000\",\"q\":\"0.02000000\",\"T\":1723161255342,\"m\":true,\"M\":true}}";
    }
    BinanceParser parser = new BinanceParser(MarketType.SPOT, new Symbols());
    long[] sum = new long[1];
    RecordSink sink = new RecordSink() {
      @Override
      public void record(MarketRecord r) {
        sum[0] += r.tsMs();
      }

      @Override
      public void book(BookUpdate u) {
      }
    };
    int n = 3_000_000;
    for (int i = 0; i < n; i++) { // warm-up
      parser.parse(frames[i & 1023], i, sink);
    }
    long t0 = System.nanoTime();
    for (int i = 0; i < n; i++) {
      parser.parse(frames[i & 1023], i, sink);
    }
    double perSec = n / ((System.nanoTime() - t0) / 1e9);
    System.out.printf("binance trade parse: %.0f msg/s%n", perSec);
    assertThat(sum[0]).isNotZero();
    assertThat(perSec).isGreaterThan(100_000);
  }

  @Test
  void bookLevelUpdateRateWithOkxChecksumPerMessage() {
    OrderBook book = new OrderBook();
    for (int i = 0; i < 400; i++) {
      book.apply(true, price(3_000_000 - i), "1.5");
      book.apply(false, price(3_000_001 + i), "2.5");
    }
    String[] qty = {"0", "1", "0.25", "3.125", "10"};
    int messages = 400_000;
    int levelsPerMessage = 10;
    long seed = 42;
    int acc = 0;
    long t0 = 0;
    for (int round = 0; round < 2; round++) { // first round warms up
      if (round == 1) {
        t0 = System.nanoTime();
      }
      for (int m = 0; m < messages; m++) {
        for (int l = 0; l < levelsPerMessage; l++) {
          seed = seed * 6364136223846793005L + 1442695040888963407L;
          int r = (int) ((seed >>> 33) & 0x7fffffff);
          boolean bid = (r & 1) == 0;
          // most activity near the top of the book, as on a real feed
          int offset = (r >>> 1) % 50;
          book.apply(bid, price(bid ? 3_000_000 - offset : 3_000_001 + offset), qty[(r >>> 8) % qty.length]);
        }
        acc += book.okxChecksum();
      }
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    double perSec = messages * (double) levelsPerMessage / seconds;
    System.out.printf("book: %.0f level updates/s, %.0f messages/s with checksum (acc %d)%n", perSec,
        messages / seconds, acc);
    assertThat(perSec).isGreaterThan(100_000);
  }

  private static final String[] PRICES = new String[3_000_500 - 2_999_500];

  private static String price(int tick) {
    int i = tick - 2_999_500;
    String p = PRICES[i];
    if (p == null) {
      p = (tick / 10) + "." + (tick % 10);
      PRICES[i] = p;
    }
    return p;
  }
}
