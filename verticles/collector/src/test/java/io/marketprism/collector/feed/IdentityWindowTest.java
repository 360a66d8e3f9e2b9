package io.marketprism.collector.feed;

import static org.assertj.core.api.Assertions.assertThat;

import io.marketprism.collector.connection.Backoff;
import org.junit.jupiter.api.Test;

class IdentityWindowTest {

  @Test
  void dropsRepeatsWithinTheWindowAndForgetsTheOldest() {
    IdentityWindow w = new IdentityWindow(3);
    assertThat(w.add("1")).isTrue();
    assertThat(w.add("2")).isTrue();
    assertThat(w.add("1")).isFalse();
    assertThat(w.add("3")).isTrue();
    assertThat(w.add("4")).isTrue(); // evicts 1
    assertThat(w.size()).isEqualTo(3);
    assertThat(w.add("1")).isTrue();
    assertThat(w.add("4")).isFalse();
  }

  @Test
  void backoffGrowsWithJitterUpToTheCapAndResets() {
    Backoff b = new Backoff(100, 1000);
    long first = b.next();
    assertThat(first).isBetween(50L, 100L);
    assertThat(b.next()).isBetween(100L, 200L);
    for (int i = 0; i < 3; i++) {
      b.next();
    }
    for (int i = 0; i < 20; i++) {
      assertThat(b.next()).isBetween(500L, 1000L);
    }
    b.reset();
    assertThat(b.next()).isBetween(50L, 100L);
  }
}
