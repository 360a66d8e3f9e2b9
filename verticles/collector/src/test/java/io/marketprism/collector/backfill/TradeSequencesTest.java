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

    TradeSequences sparse = new TradeSequences(false);
    sparse.observe("BTC-USDT", 500, 1);
    assertThat(sparse.observe("BTC-USDT", 530, 2)).as("a jump in non-consecutive ids is no gap").isNull();
    sparse.interrupted();
    TradeGap gap = sparse.observe("BTC-USDT", 531, 3);
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
  void aJumpPastTheFirstMatchOfAnAggregateIsAGapOnAnOpenStream() {
    TradeSequences okx = new TradeSequences(true);
    assertThat(okx.observe("BTC-USDT", 100, 102, 1)).isNull();
    assertThat(okx.observe("BTC-USDT", 103, 103, 2)).as("next id").isNull();
    assertThat(okx.observe("BTC-USDT", 104, 106, 3)).as("an aggregate starting at the next id").isNull();
    TradeGap gap = okx.observe("BTC-USDT", 109, 111, 4);
    assertThat(gap).isEqualTo(new TradeGap("BTC-USDT", 106, 109, 3, false));
    assertThat(gap.size(true)).isEqualTo(2);
  }

  @Test
  void aGapMissesTheTradesInsideItLessTheMatchesOfALateLiveAggregate() {
    TradeSequences okx = new TradeSequences(true);
    okx.observe("BTC-USDT", 100, 100, 1);
    // the push of 101..103 and the one of 104 swapped: 104 reveals a gap, 101..103 arrive late
    TradeGap gap = okx.observe("BTC-USDT", 104, 104, 2);
    assertThat(gap).isEqualTo(new TradeGap("BTC-USDT", 100, 104, 1, false));
    assertThat(okx.observe("BTC-USDT", 101, 103, 2)).isNull();
    assertThat(okx.last("BTC-USDT")).isEqualTo(104);
    assertThat(okx.missing(gap, 100)).as("the mark itself").isFalse();
    assertThat(okx.missing(gap, 101)).as("carried by the late aggregate").isFalse();
    assertThat(okx.missing(gap, 103)).isFalse();
    assertThat(okx.missing(gap, 104)).as("the trade after the gap").isFalse();

    TradeGap wide = okx.observe("BTC-USDT", 110, 110, 3);
    assertThat(okx.observe("BTC-USDT", 107, 108, 3)).isNull();
    assertThat(okx.missing(wide, 105)).isTrue();
    assertThat(okx.missing(wide, 106)).isTrue();
    assertThat(okx.missing(wide, 107)).isFalse();
    assertThat(okx.missing(wide, 109)).isTrue();
    assertThat(okx.missing(new TradeGap("BTC-USDT", 110, TradeGap.OPEN, 3, true), 111)).as("an open gap").isTrue();
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

  /**
   * An open gap that could not be filled (too old, no REST history) leaves the mark where it was:
   * the first live trade then bounds that gap, counted once already, and opens no second one (a
   * CI run counted six gaps for five instruments). A later interruption is a gap of its own.
   */
  @Test
  void theFirstLiveTradeAfterAnOpenGapBoundsItWithoutASecondGap() {
    TradeSequences s = new TradeSequences(true);
    assertThat(s.restore("BTCUSDT", new TradeMarkFile.Mark(100, 1_000), 10_000)).isTrue();
    assertThat(s.quiet(13_000, 3_000)).hasSize(1);
    assertThat(s.observe("BTCUSDT", 140, 14_000)).isNull();
    assertThat(s.observe("BTCUSDT", 142, 14_001)).as("a gap after that one is counted").isNotNull();
    s.interrupted();
    s.resumed(20_000);
    assertThat(s.quiet(23_000, 3_000)).containsExactly(new TradeGap("BTCUSDT", 142, TradeGap.OPEN, 14_001, true));
    s.interrupted();
    s.resumed(30_000);
    assertThat(s.observe("BTCUSDT", 150, 31_000)).as("another interruption: a gap of its own").isNotNull();
  }

  @Test
  void aRestoredMarkBoundsTheGapOfTheRestartAtTheFirstLiveTrade() {
    TradeSequences s = new TradeSequences(true);
    assertThat(s.restore("BTCUSDT", new TradeMarkFile.Mark(100, 1_000), TradeSequences.NOT_YET)).isTrue();
    assertThat(s.restore("BTCUSDT", new TradeMarkFile.Mark(90, 900), TradeSequences.NOT_YET))
        .as("one restore per mark").isFalse();
    assertThat(s.marks(9_000)).containsEntry("BTCUSDT", new TradeMarkFile.Mark(100, 1_000));
    assertThat(s.observe("BTCUSDT", 99, 999)).as("an older trade is overlap").isNull();
    TradeGap gap = s.observe("BTCUSDT", 140, 5_000);
    assertThat(gap).isEqualTo(new TradeGap("BTCUSDT", 100, 140, 1_000, true, true));
    assertThat(gap.size(true)).isEqualTo(39);
    assertThat(s.observe("BTCUSDT", 142, 5_001)).as("a later jump is an ordinary gap")
        .isEqualTo(new TradeGap("BTCUSDT", 140, 142, 5_000, false, false));
    assertThat(s.resets()).isEmpty();

    TradeSequences next = new TradeSequences(true);
    next.restore("BTCUSDT", new TradeMarkFile.Mark(100, 1_000), TradeSequences.NOT_YET);
    assertThat(next.observe("BTCUSDT", 101, 5_000)).as("nothing was missed").isNull();

    TradeSequences sparse = new TradeSequences(false);
    sparse.restore("BTC-USDT", new TradeMarkFile.Mark(500, 1_000), TradeSequences.NOT_YET);
    assertThat(sparse.observe("BTC-USDT", 501, 5_000)).as("non-consecutive ids cannot tell")
        .isEqualTo(new TradeGap("BTC-USDT", 500, 501, 1_000, true, true));
  }

  @Test
  void aQuietInstrumentGetsAnOpenGapFromItsRestoredMarkAfterTheQuietPeriod() {
    TradeSequences s = new TradeSequences(true);
    s.restore("BTCUSDT", new TradeMarkFile.Mark(100, 1_000), TradeSequences.NOT_YET);
    assertThat(s.quiet(1_000_000, 3_000)).as("stream not up yet").isEmpty();
    s.resumed(10_000);
    assertThat(s.quiet(12_999, 3_000)).isEmpty();
    assertThat(s.quiet(13_000, 3_000)).containsExactly(new TradeGap("BTCUSDT", 100, TradeGap.OPEN, 1_000, true, true));
    s.restore("ETHUSDT", new TradeMarkFile.Mark(7, 1_000), 20_000);
    assertThat(s.quiet(23_000, 3_000)).as("restored while the stream is up: quiet from then")
        .containsExactly(new TradeGap("ETHUSDT", 7, TradeGap.OPEN, 1_000, true, true));
    s.advance("BTCUSDT", 130, 9_000);
    assertThat(s.observe("BTCUSDT", 131, 9_001)).as("fetched trades moved the mark").isNull();
  }

  @Test
  void aMarkIsCurrentUntilNowWhileItsStreamIsUpAndUntilItsTradeOnceInterrupted() {
    TradeSequences s = new TradeSequences(true);
    s.observe("BTCUSDT", 100, 1_000);
    assertThat(s.marks(50_000)).as("watched since its trade, however long ago")
        .containsEntry("BTCUSDT", new TradeMarkFile.Mark(100, 1_000, 50_000));
    s.interrupted();
    assertThat(s.marks(60_000)).as("trades may be missing since the socket closed")
        .containsEntry("BTCUSDT", new TradeMarkFile.Mark(100, 1_000, 1_000));
    s.resumed(61_000);
    assertThat(s.marks(62_000)).as("up again, but nothing has bounded the gap yet")
        .containsEntry("BTCUSDT", new TradeMarkFile.Mark(100, 1_000, 1_000));
    s.observe("BTCUSDT", 105, 62_500);
    assertThat(s.marks(63_000)).as("the gap is found (its start is saved from the backfill)")
        .containsEntry("BTCUSDT", new TradeMarkFile.Mark(105, 62_500, 63_000));
  }

  @Test
  void aRestoredMarkAgesItsGapFromWhenTheEarlierRunLastKnewItCurrent() {
    TradeSequences s = new TradeSequences(true);
    s.restore("BTCUSDT", new TradeMarkFile.Mark(100, 1_000, 40_000), TradeSequences.NOT_YET);
    assertThat(s.marks(50_000)).as("not confirmed yet: still the earlier run's")
        .containsEntry("BTCUSDT", new TradeMarkFile.Mark(100, 1_000, 40_000));
    assertThat(s.observe("BTCUSDT", 140, 45_000))
        .isEqualTo(new TradeGap("BTCUSDT", 100, 140, 1_000, true, true, 40_000));
    assertThat(s.observe("BTCUSDT", 142, 46_000)).as("a later jump is aged by its last trade")
        .isEqualTo(new TradeGap("BTCUSDT", 140, 142, 45_000, false, false, 45_000));
    s.restore("ETHUSDT", new TradeMarkFile.Mark(7, 1_000, 40_000), 50_000);
    assertThat(s.quiet(53_000, 3_000)).containsExactly(new TradeGap("ETHUSDT", 7, TradeGap.OPEN, 1_000, true, true,
        40_000));
  }

  @Test
  void liveIdsBelowARestoredMarkAtALaterTimeStartedAgainAndReplaceIt() {
    TradeSequences s = new TradeSequences(true);
    s.restore("BTCUSDT", new TradeMarkFile.Mark(5_000, 1_000), TradeSequences.NOT_YET);
    assertThat(s.observe("BTCUSDT", 1_200, 2_000)).isNull();
    assertThat(s.resets()).containsExactly(new TradeSequences.Reset("BTCUSDT", 5_000, 1_000, 1_200, 2_000));
    assertThat(s.resets()).as("reported once").isEmpty();
    assertThat(s.last("BTCUSDT")).isEqualTo(1_200);
    assertThat(s.observe("BTCUSDT", 1_203, 2_001)).isEqualTo(new TradeGap("BTCUSDT", 1_200, 1_203, 2_000, false));
    // a live mark is never replaced so
    assertThat(s.observe("BTCUSDT", 1_000, 3_000)).isNull();
    assertThat(s.last("BTCUSDT")).isEqualTo(1_203);
    assertThat(s.resets()).isEmpty();
  }
}
