package io.marketprism.platform.bus;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SettledClockTest {

  @Test
  void advancesOnlyOverACommittedPrefixOfFetchesThatLeftTheBusEmpty() {
    SettledClock clock = new SettledClock();
    assertThat(clock.settledMs()).isEqualTo(-1);
    clock.idle(100);
    assertThat(clock.settledMs()).isEqualTo(100);

    SettledClock.Fetch busy = clock.fetched(200, false); // more was pending after it
    SettledClock.Fetch last = clock.fetched(300, true);
    clock.idle(400);
    clock.idle(500);
    clock.committed(last); // out of order: the earlier batch is still open
    assertThat(clock.settledMs()).isEqualTo(100);
    clock.committed(busy);
    assertThat(clock.settledMs()).isEqualTo(500); // the idle fetches behind them count once both are in

    SettledClock.Fetch failed = clock.fetched(600, true);
    clock.failed(failed);
    assertThat(clock.settledMs()).isEqualTo(500);
    SettledClock.Fetch again = clock.fetched(700, true);
    clock.committed(again);
    assertThat(clock.settledMs()).isEqualTo(700);
    clock.idle(650); // never backwards
    assertThat(clock.settledMs()).isEqualTo(700);
  }
}
