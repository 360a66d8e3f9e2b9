package io.marketprism.collector.backfill;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TradeSequencesTest {

  @Test
  void jumpInConsecutiveIdsIsAGapAndOlderOrRepeatedIdsAreNot() {
    TradeSequences s = new TradeSequences(true);
    assertThat(s.observe("BTCUSDT", 100, 1_000)).isNull();
    assertThat(s.observe("BTCUSDT", 101, 1_000)).isNull();
    assertThat(s.observe("BTCUSDT", 101, 1_000)).isNull();
    TradeGap gap = s.observe("BTCUSDT", 105, 1_002);
    assertThat(gap).isEqualTo(new TradeGap("BTCUSDT", 101, 105, 1_000, false));
    assertThat(gap.size(true)).isEqualTo(3);
    // a late (reordered) trade inside the gap neither opens another gap nor moves the mark back
    assertThat(s.observe("BTCUSDT", 103, 1_001)).isNull();
    assertThat(s.last("BTCUSDT")).isEqualTo(105);
    assertThat(s.observe("ETHUSDT", 7, 1_000)).isNull();
    s.retain("ETHUSDT"::equals);
    assertThat(s.last("BTCUSDT")).isEqualTo(-1);
    assertThat(s.last("ETHUSDT")).isEqualTo(7);
  }

  @Test
  void firstTradeAfterReconnectOpensAGapOnlyWhereIdsSayTradesWereMissedOrCannotTell() {
    TradeSequences consecutive = new TradeSequences(true);
    consecutive.observe("BTC-PERPETUAL", 10, 1);
    consecutive.interrupted();
    assertThat(consecutive.observe("BTC-PERPETUAL", 11, 2)).isNull();
    consecutive.interrupted();
    assertThat(consecutive.observe("BTC-PERPETUAL", 15, 3)).isEqualTo(new TradeGap("BTC-PERPETUAL", 11, 15, 2, true));

    TradeSequences okx = new TradeSequences(false);
    okx.observe("BTC-USDT", 500, 1);
    assertThat(okx.observe("BTC-USDT", 530, 2)).as("a jump in non-consecutive ids is no gap").isNull();
    okx.interrupted();
    TradeGap gap = okx.observe("BTC-USDT", 531, 3);
    assertThat(gap).isEqualTo(new TradeGap("BTC-USDT", 530, 531, 2, true));
    assertThat(gap.size(false)).isEqualTo(-1);
  }

  @Test
  void anAggregatedLiveTradeBoundsTheGapAtItsFirstMatch() {
    TradeSequences okx = new TradeSequences(false);
    okx.observe("BTC-USDT", 100, 102, 1);
    okx.interrupted();
    assertThat(okx.observe("BTC-USDT", 110, 113, 2)).isEqualTo(new TradeGap("BTC-USDT", 102, 110, 1, true));
    assertThat(okx.last("BTC-USDT")).isEqualTo(113);
  }

  @Test
  void quietInstrumentGetsAnOpenGapOnceAfterTheQuietPeriodFromTheReconnect() {
    TradeSequences s = new TradeSequences(true);
    s.observe("BTCUSDT", 100, 1);
    s.interrupted();
    assertThat(s.quiet(1_000_000, 3_000)).as("still down: not yet").isEmpty();
    s.resumed(10_000);
    assertThat(s.quiet(12_999, 3_000)).isEmpty();
    assertThat(s.quiet(13_000, 3_000)).containsExactly(new TradeGap("BTCUSDT", 100, TradeGap.OPEN, 1, true));
    assertThat(s.quiet(20_000, 3_000)).isEmpty();
    s.advance("BTCUSDT", 140, 9);
    assertThat(s.observe("BTCUSDT", 141, 10)).as("fetched trades moved the mark").isNull();
  }
}
