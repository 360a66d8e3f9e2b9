package io.marketprism.platform.metrics;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class LogThrottleTest {

  @Test
  void logsTheFirstOfEachPeriodAndThenSaysHowManyItLeftOut() {
    AtomicLong now = new AtomicLong(5_000);
    LogThrottle t = new LogThrottle(1_000, now::get);
    assertThat(t.admit()).isEmpty();
    assertThat(t.admit()).isNull();
    now.set(5_999);
    assertThat(t.admit()).isNull();
    now.set(6_000);
    assertThat(t.admit()).isEqualTo(" (and 2 more since the last such line, not logged)");
    now.set(9_000);
    assertThat(t.admit()).isEmpty();
  }
}
