package io.marketprism.storage.cache;

import io.marketprism.model.MarketRecord;
import io.marketprism.model.RecordJson;
import io.marketprism.testkit.RedisServer;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.marketprism.storage.cache.LatestOrderTest.TS;
import static io.marketprism.storage.cache.LatestOrderTest.latest;
import static io.marketprism.storage.cache.LatestOrderTest.trade;
import static org.assertj.core.api.Assertions.assertThat;

/** The Redis latest cache against a real redis-server: newest wins there too, whoever writes. */
class RedisLatestCacheTest {

  static RedisServer redis;
  static Vertx vertx;

  @BeforeAll
  static void start() {
    redis = RedisServer.start();
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
    redis.close();
  }

  private static RedisLatestCache cache() {
    return new RedisLatestCache(vertx, redis.url(), Duration.ofSeconds(2));
  }

  @Test
  void anOlderTradeOfTheSameMillisecondFromAnotherInstanceDoesNotReplaceTheNewest() throws Exception {
    RedisLatestCache a = cache();
    RedisLatestCache b = cache();
    try {
      MarketRecord newest = trade(TS + 10, "1000");
      a.offer(List.of(latest(newest))).await(10, TimeUnit.SECONDS);
      // another storage instance writes an older trade of that millisecond last (a redelivery it got)
      b.offer(List.of(latest(trade(TS + 10, "999")))).await(10, TimeUnit.SECONDS);
      assertThat(b.get(newest.subject()).await(10, TimeUnit.SECONDS)).isEqualTo(RecordJson.toJson(newest));
      b.offer(List.of(latest(trade(TS + 9, "5000")))).await(10, TimeUnit.SECONDS);
      assertThat(b.get(newest.subject()).await(10, TimeUnit.SECONDS)).isEqualTo(RecordJson.toJson(newest));
      MarketRecord next = trade(TS + 10, "1001");
      b.offer(List.of(latest(next))).await(10, TimeUnit.SECONDS);
      assertThat(a.get(newest.subject()).await(10, TimeUnit.SECONDS)).isEqualTo(RecordJson.toJson(next));
    } finally {
      a.close();
      b.close();
    }
  }
}
