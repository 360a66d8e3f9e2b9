package io.marketprism.gateway;

import io.marketprism.gateway.ratelimit.Decision;
import io.marketprism.gateway.ratelimit.LocalRateLimiter;
import io.marketprism.gateway.ratelimit.RateLimitOptions.RouteClass;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class LocalRateLimiterTest {

  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void tearDown() throws Exception {
    vertx.close().await(5, TimeUnit.SECONDS);
  }

  @Test
  void bucketRefillsAtItsRateAndTellsWhenToRetry() throws Exception {
    LocalRateLimiter limiter = new LocalRateLimiter(vertx, 100);
    RouteClass rc = new RouteClass("default", 2, 20, List.of());
    assertThat(limiter.takeNow(rc, "c").remaining()).isEqualTo(1);
    assertThat(limiter.takeNow(rc, "c").remaining()).isEqualTo(0);
    Decision refused = limiter.takeNow(rc, "c");
    assertThat(refused.allowed()).isFalse();
    assertThat(refused.retryAfterSeconds()).isEqualTo(1);
    Thread.sleep(120);
    assertThat(limiter.takeNow(rc, "c").allowed()).as("20/s refills one token in 50 ms").isTrue();
  }

  @Test
  void memoryIsBoundedByClientCount() {
    LocalRateLimiter limiter = new LocalRateLimiter(vertx, 100);
    RouteClass rc = new RouteClass("default", 5, 1, List.of());
    for (int i = 0; i < 10_000; i++) {
      limiter.takeNow(rc, "ip:" + i);
    }
    assertThat(limiter.size()).isEqualTo(100);
  }
}
