package io.marketprism.collector.backfill;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class GapFillTest {

  private static final TradeHistory FORWARD = new TradeHistory(true, 3, (from, last) -> "fwd?from=" + from
      + (last == TradeGap.OPEN ? "" : "&last=" + last), Map.of(), null);
  private static final TradeHistory BACKWARD = new TradeHistory(false, 3, (below, last) -> "back"
      + (below == TradeGap.OPEN ? "" : "?after=" + below), Map.of(), null);

  private static TradePage page(long... seqs) {
    TradePage p = TradePage.EMPTY;
    for (long s : seqs) {
      p = p.with(s, s * 10);
    }
    return p;
  }

  @Test
  void forwardPagesStartAfterTheGapAndStopOnceItsLastTradeCame() {
    GapFill f = new GapFill(new TradeGap("X", 100, 106, 0, false), FORWARD, 10);
    assertThat(f.nextUrl()).isEqualTo("fwd?from=101&last=105");
    assertThat(f.accept(page(101, 102, 103))).isEqualTo(GapFill.Step.MORE);
    assertThat(f.nextUrl()).isEqualTo("fwd?from=104&last=105");
    assertThat(f.accept(page(104, 105))).isEqualTo(GapFill.Step.DONE);
    assertThat(f.uncovered()).isZero();
    assertThat(f.pages()).isEqualTo(2);
  }

  @Test
  void openForwardGapRunsUntilAShortPage() {
    GapFill f = new GapFill(new TradeGap("X", 100, TradeGap.OPEN, 0, true), FORWARD, 10);
    assertThat(f.nextUrl()).isEqualTo("fwd?from=101");
    assertThat(f.accept(page(101, 102, 103))).isEqualTo(GapFill.Step.MORE);
    assertThat(f.accept(page(104))).isEqualTo(GapFill.Step.DONE);
    assertThat(f.uncovered()).isEqualTo(-1);
  }

  @Test
  void backwardPagesEndBelowTheFirstLiveTradeAndStopAtTheLastOneBefore() {
    GapFill f = new GapFill(new TradeGap("X", 100, 108, 0, true), BACKWARD, 10);
    assertThat(f.nextUrl()).isEqualTo("back?after=108");
    assertThat(f.accept(page(107, 106, 105))).isEqualTo(GapFill.Step.MORE);
    assertThat(f.nextUrl()).isEqualTo("back?after=105");
    assertThat(f.accept(page(104, 103, 101))).isEqualTo(GapFill.Step.DONE);
    assertThat(new GapFill(new TradeGap("X", 100, TradeGap.OPEN, 0, true), BACKWARD, 10).nextUrl()).isEqualTo("back");
  }

  @Test
  void aRecentOnlyHistoryHasOnePageAndWhatLiesBelowItsOldestTradeIsTooOld() {
    TradeHistory recent = TradeHistory.recent(5, "recent");
    GapFill covered = new GapFill(new TradeGap("X", 100, 104, 0, false), recent, 10);
    assertThat(covered.nextUrl()).isEqualTo("recent");
    assertThat(covered.accept(page(100, 101, 102, 103, 104))).isEqualTo(GapFill.Step.DONE);
    assertThat(covered.tooOld()).isZero();
    GapFill partly = new GapFill(new TradeGap("X", 100, 110, 0, false), recent, 10);
    assertThat(partly.accept(page(106, 107, 108, 109, 110))).isEqualTo(GapFill.Step.DONE);
    assertThat(partly.oldest()).isEqualTo(106);
    assertThat(partly.tooOld()).as("101..105").isEqualTo(5);
    GapFill all = new GapFill(new TradeGap("X", 100, 110, 0, false), recent, 10);
    all.accept(page(120, 121, 122, 123, 124));
    assertThat(all.tooOld()).as("the whole gap").isEqualTo(9);
    GapFill open = new GapFill(new TradeGap("X", 100, TradeGap.OPEN, 0, true), recent, 10);
    open.accept(page(103, 104, 105, 106, 107));
    assertThat(open.tooOld()).isEqualTo(2);
    GapFill paged = new GapFill(new TradeGap("X", 100, 106, 0, false), FORWARD, 10);
    paged.accept(page(101, 102, 103));
    assertThat(paged.tooOld()).as("a paged history reaches back to any trade").isZero();
  }

  @Test
  void pageBudgetLeavesTheRestUncoveredAndAnEmptyPageEndsTheFill() {
    GapFill f = new GapFill(new TradeGap("X", 0, 20, 0, false), FORWARD, 2);
    assertThat(f.accept(page(1, 2, 3))).isEqualTo(GapFill.Step.MORE);
    assertThat(f.accept(page(4, 5, 6))).isEqualTo(GapFill.Step.LIMIT);
    assertThat(f.uncovered()).isEqualTo(13);
    GapFill empty = new GapFill(new TradeGap("X", 0, 20, 0, false), FORWARD, 2);
    assertThat(empty.accept(TradePage.EMPTY)).isEqualTo(GapFill.Step.DONE);
  }
}
