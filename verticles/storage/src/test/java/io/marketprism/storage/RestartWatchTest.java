package io.marketprism.storage;

import io.marketprism.platform.bus.ConsumerPosition;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** What is read again after the hot store's server restarted: the records committed in the margin before it went away. */
class RestartWatchTest {

  static final long MARGIN = 120_000;
  static final long START = 1_700_000_000_000L;

  /** A consumer that commits 100 records a second, one second behind the stream, from stream time {@code START}. */
  static ConsumerPosition at(long nowMs) {
    long floor = (nowMs - START) / 10;
    return new ConsumerPosition(floor, START + floor * 10 - 1_000, floor + 50);
  }

  @Test
  void aRestartReadsAgainFromTheFloorAMarginBeforeTheServerWasLastSeenUp() {
    RestartWatch w = new RestartWatch(MARGIN);
    long t = START + 3_600_000;
    assertThat(w.observe(t, START - 86_400_000, at(t), true)).as("up for a day before the last commit").isNull();
    for (t += 5_000; t <= START + 3_600_000 + 600_000; t += 5_000) {
      assertThat(w.observe(t, START - 86_400_000 + (t % 2), at(t), false)).as("the same server").isNull();
    }
    long lastUp = t - 5_000;
    // away 40 s, then back: started 10 s ago
    t += 40_000;
    RestartWatch.Owed owed = w.observe(t, t - 10_000, at(t), false);
    assertThat(owed).isNotNull();
    // the floor sampled at or before lastUp - MARGIN (a sample every 5 s), by its stream time
    long ref = lastUp - MARGIN;
    assertThat(owed.sinceMs()).isEqualTo(at(ref).ackFloorMs());
    assertThat(owed.untilSeq()).isEqualTo(at(t).deliveredSeq());
    assertThat(owed.why()).contains("restarted");
    // the next looks see the new server: nothing more
    assertThat(w.observe(t + 5_000, t - 10_000, at(t + 5_000), false)).isNull();
    assertThat(w.observe(t + 10_000, t - 9_000, at(t + 10_000), false)).as("a second's jitter").isNull();
  }

  @Test
  void aRestartSoonAfterTheStorageStartedReadsFromTheFloorItStartedAt() {
    RestartWatch w = new RestartWatch(MARGIN);
    long t = START + 3_600_000;
    assertThat(w.observe(t, START - 86_400_000, at(t), true)).isNull();
    long firstFloorMs = at(t).ackFloorMs();
    t += 30_000;
    assertThat(w.observe(t, START - 86_400_000, at(t), false)).isNull();
    t += 20_000;
    RestartWatch.Owed owed = w.observe(t, t - 1_000, at(t), false);
    // a margin before the last look is before the storage's start: from the earlier of that and its first floor
    assertThat(owed.sinceMs()).isEqualTo(Math.min(firstFloorMs, t - 20_000 - MARGIN));
  }

  @Test
  void aServerThatStartedAfterTheLastCommitIsARestartAtTheStoragesStartOnly() {
    long t = START + 3_600_000;
    ConsumerPosition pos = at(t - 60_000); // the storage stopped a minute ago
    RestartWatch w = new RestartWatch(MARGIN);
    RestartWatch.Owed owed = w.observe(t, t - 20_000, pos, true);
    assertThat(owed).isNotNull();
    assertThat(owed.sinceMs()).isEqualTo(pos.ackFloorMs() - MARGIN);
    assertThat(owed.untilSeq()).isEqualTo(pos.deliveredSeq());
    assertThat(owed.why()).contains("after the last records committed");

    // a first look after consuming began (NATS away at the start): the floor is this run's own
    assertThat(new RestartWatch(MARGIN).observe(t, t - 20_000, pos, false)).isNull();
    // the server was up before the last commit: nothing lost
    assertThat(new RestartWatch(MARGIN).observe(t, pos.ackFloorMs() - 1_000, pos, true)).isNull();
    // nothing ever committed, or nothing ever delivered
    assertThat(new RestartWatch(MARGIN).observe(t, t - 20_000, new ConsumerPosition(0, -1, 40), true)).isNull();
    assertThat(new RestartWatch(MARGIN).observe(t, t - 20_000, new ConsumerPosition(0, -1, 0), true)).isNull();
  }

  @Test
  void aStorageWithNothingCommittedBeforeItReadsFromTheStreamsStart() {
    RestartWatch w = new RestartWatch(MARGIN);
    long t = START;
    assertThat(w.observe(t, t - 3_600_000, new ConsumerPosition(0, -1, 0), true)).isNull();
    t += 5_000;
    assertThat(w.observe(t, t - 3_605_000, new ConsumerPosition(400, START - 100, 500), false)).isNull();
    t += 5_000;
    RestartWatch.Owed owed = w.observe(t, t - 2_000, new ConsumerPosition(800, START + 4_000, 900), false);
    assertThat(owed.sinceMs()).isZero();
    assertThat(owed.untilSeq()).isEqualTo(900);
  }

  /**
   * A second restart soon after a first: the first one's replay stored records older than the floor
   * (the audit's case: what it stored again was lost again, and nothing read it back).
   */
  @Test
  void aRestartSoonAfterAReplayReadsAgainWhatTheReplayStored() {
    RestartWatch w = new RestartWatch(MARGIN);
    long t = START + 3_600_000;
    long serverStart = START - 86_400_000;
    for (long end = t + 600_000; t <= end; t += 5_000) {
      w.observe(t, serverStart, at(t), false);
    }
    t += 30_000;
    serverStart = t - 5_000;
    RestartWatch.Owed first = w.observe(t, serverStart, at(t), false);
    w.replayRan(t + 1_000, first.sinceMs()); // the replay ran and ended a second later
    t += 5_000;
    assertThat(w.observe(t, serverStart, at(t), false)).isNull();
    t += 40_000; // down 40 s after the replay, back 5 s later
    RestartWatch.Owed second = w.observe(t, t - 5_000, at(t), false);
    assertThat(second.sinceMs()).as("from the first replay's start").isEqualTo(first.sinceMs());

    // a replay that ran longer than a margin before the server went away stored what was synced since
    RestartWatch old = new RestartWatch(MARGIN);
    t = START + 3_600_000;
    old.replayRan(t, START);
    for (long end = t + 600_000; t <= end; t += 5_000) {
      old.observe(t, START - 86_400_000, at(t), false);
    }
    assertThat(old.observe(t + 10_000, t, at(t + 10_000), false).sinceMs()).isGreaterThan(START + 300_000);
  }

  @Test
  void atTheStorageStartTheReplaysAStoppedStorageLeftAreReadAgainFromTheirStart() {
    long t = START + 3_600_000;
    ConsumerPosition pos = at(t - 60_000);
    RestartWatch w = new RestartWatch(MARGIN);
    w.replayRan(t, START + 1_000);
    assertThat(w.observe(t, t - 20_000, pos, true).sinceMs()).isEqualTo(START + 1_000);
  }

  /** What the live consumer stores after the server is back (its backlog) is its own: the replay ends where it was. */
  @Test
  void aReplayEndsAtWhatWasDeliveredWhenTheServerFirstDidNotAnswer() {
    RestartWatch w = new RestartWatch(MARGIN);
    long t = START + 3_600_000;
    for (long end = t + 300_000; t <= end; t += 5_000) {
      w.observe(t, START - 86_400_000, at(t), false);
    }
    w.unanswered(at(t));
    w.unanswered(at(t + 5_000)); // the first one counts
    t += 30_000;
    assertThat(w.observe(t, t - 3_000, at(t), false).untilSeq()).isEqualTo(at(t - 30_000).deliveredSeq());
    // a look unanswered while the server stays the same (slow, not gone) is forgotten at the next answer
    w.unanswered(at(t + 5_000));
    w.observe(t + 10_000, t - 3_000, at(t + 10_000), false);
    t += 60_000;
    assertThat(w.observe(t, t - 1_000, at(t), false).untilSeq()).isEqualTo(at(t).deliveredSeq());
  }

  @Test
  void twoRestartsOwedAtOnceAreOneReplayOfBoth() {
    RestartWatch.Owed a = new RestartWatch.Owed(1_000, 50, "first");
    RestartWatch.Owed b = new RestartWatch.Owed(3_000, 90, "second");
    assertThat(a.and(b)).isEqualTo(new RestartWatch.Owed(1_000, 90, "second"));
  }
}
