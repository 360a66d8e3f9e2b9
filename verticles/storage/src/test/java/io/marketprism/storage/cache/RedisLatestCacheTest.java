package io.marketprism.storage.cache;

import io.marketprism.model.Exchange;
import io.marketprism.model.LiquidationRecord;
import io.marketprism.model.MarketRecord;
import io.marketprism.model.MarketType;
import io.marketprism.model.RecordJson;
import io.marketprism.testkit.RedisServer;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
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
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
    // another storage instance writes older trades last (redeliveries it got): of that millisecond, and one before
    newestStaysAcrossInstances(trade(TS + 10, "1000"), List.of(trade(TS + 10, "999"), trade(TS + 9, "5000")),
        trade(TS + 10, "1001"));
  }

  /** Prefixed ids of one millisecond (Deribit's) compare as the Java caches and the stores compare them. */
  @Test
  void prefixedIdsOfOneMillisecondCompareByLengthThenBytesAsInJava() throws Exception {
    newestStaysAcrossInstances(trade(TS + 20, "ETH-1000"), List.of(trade(TS + 20, "ETH-999"),
        trade(TS + 20, "ETH-0999")), trade(TS + 20, "ETH-1001"));
  }

  /**
   * Two copies of the newest identity that differ, from two instances: the script keeps the one
   * received first, as the stores do, whichever instance writes last.
   */
  @Test
  void ofTwoCopiesOfTheNewestIdentityTheScriptKeepsTheOneReceivedFirst() throws Exception {
    RedisLatestCache a = cache();
    RedisLatestCache b = cache();
    try {
      MarketRecord first = LatestOrderTest.copy("77", 100, "1");
      a.offer(List.of(latest(LatestOrderTest.copy("77", 500, "2")))).await(10, TimeUnit.SECONDS);
      b.offer(List.of(latest(first))).await(10, TimeUnit.SECONDS);
      assertThat(a.get(first.subject()).await(10, TimeUnit.SECONDS)).isEqualTo(RecordJson.toJson(first));
      a.offer(List.of(latest(LatestOrderTest.copy("77", 900, "3")))).await(10, TimeUnit.SECONDS);
      RedisLatestCache c = cache();
      assertThat(c.get(first.subject()).await(10, TimeUnit.SECONDS)).as("in Redis").isEqualTo(RecordJson.toJson(first));
      c.close();
    } finally {
      a.close();
      b.close();
    }
  }

  /**
   * Tickers of one millisecond offered by two instances in turn: Redis holds the one received last,
   * not the last in the order of the fields, and a later copy of the first one, offered last,
   * leaves it in place, as the memory cache does.
   */
  @Test
  void ofTickersOfOneMillisecondTheScriptKeepsTheOneReceivedLastAndALaterCopyOfAnEarlierOneDoesNotMoveIt()
      throws Exception {
    RedisLatestCache a = cache();
    RedisLatestCache b = cache();
    try {
      List<MarketRecord> tickers = LatestOrderTest.TICKERS;
      for (int i = 0; i < tickers.size(); i++) {
        (i % 2 == 0 ? a : b).offer(List.of(latest(tickers.get(i)))).await(10, TimeUnit.SECONDS);
      }
      RedisLatestCache c = cache();
      assertThat(c.get(tickers.get(0).subject()).await(10, TimeUnit.SECONDS)).as("in Redis")
          .isEqualTo(RecordJson.toJson(tickers.get(2)));
      c.close();
    } finally {
      a.close();
      b.close();
    }
  }

  /**
   * Instance a caches the newest; instance b offers each older one after it: b reads the newest
   * still. Then b offers the next, which a reads.
   */
  private void newestStaysAcrossInstances(MarketRecord newest, List<MarketRecord> older, MarketRecord next)
      throws Exception {
    RedisLatestCache a = cache();
    RedisLatestCache b = cache();
    try {
      a.offer(List.of(latest(newest))).await(10, TimeUnit.SECONDS);
      for (MarketRecord o : older) {
        b.offer(List.of(latest(o))).await(10, TimeUnit.SECONDS);
        assertThat(b.get(newest.subject()).await(10, TimeUnit.SECONDS)).as(o.identity())
            .isEqualTo(RecordJson.toJson(newest));
      }
      b.offer(List.of(latest(next))).await(10, TimeUnit.SECONDS);
      assertThat(a.get(newest.subject()).await(10, TimeUnit.SECONDS)).isEqualTo(RecordJson.toJson(next));
    } finally {
      a.close();
      b.close();
    }
  }

  /**
   * Redis refuses writes for a while (here: it demands a replica; out of memory or a failover do
   * alike) and then takes them again, still holding what it had before: the instance that saw
   * the newer record answers it, and writes it once Redis takes its writes again, so the other
   * instances read it too, without waiting for the instrument's next record.
   */
  @Test
  void aRecordRedisRefusedIsAnsweredAndWrittenOnceItTakesWritesAgain() throws Exception {
    RedisLatestCache a = cache();
    RedisLatestCache b = cache();
    Redis admin = Redis.createClient(vertx, redis.url());
    try {
      MarketRecord before = trade(TS + 100, "1");
      MarketRecord missed = trade(TS + 200, "2");
      a.offer(List.of(latest(before))).await(10, TimeUnit.SECONDS);
      refuseWrites(admin, true);
      try {
        assertThatThrownBy(() -> a.offer(List.of(latest(missed))).await(10, TimeUnit.SECONDS))
            .hasMessageContaining("NOREPLICAS");
      } finally {
        refuseWrites(admin, false);
      }
      assertThat(a.get(missed.subject()).await(10, TimeUnit.SECONDS)).isEqualTo(RecordJson.toJson(missed));
      assertThat(a.problem().await(10, TimeUnit.SECONDS)).contains("NOREPLICAS");
      // a record of another instrument is the first write Redis takes again
      MarketRecord other = new io.marketprism.model.TradeRecord(io.marketprism.model.Exchange.OKX,
          io.marketprism.model.MarketType.SPOT, "ETH-USDT", "ETH-USDT", TS + 300, (TS + 300) * 1000, "9", "3000",
          "1", "sell");
      a.offer(List.of(latest(other))).await(10, TimeUnit.SECONDS);
      long deadline = System.currentTimeMillis() + 10_000;
      String seen = b.get(missed.subject()).await(10, TimeUnit.SECONDS);
      while (!RecordJson.toJson(missed).equals(seen) && System.currentTimeMillis() < deadline) {
        Thread.sleep(20);
        seen = b.get(missed.subject()).await(10, TimeUnit.SECONDS);
      }
      assertThat(seen).isEqualTo(RecordJson.toJson(missed));
      assertThat(a.problem().await(10, TimeUnit.SECONDS)).isNull();
    } finally {
      admin.close();
      a.close();
      b.close();
    }
  }

  /**
   * Liquidations of one millisecond: whichever of two the instances offer first, Redis holds the one
   * the Java caches hold, which is the one the stores order last (side as text, a missing one last;
   * price and quantity as numbers, also past a Lua number's 15 digits, with signs, zeros and
   * leading zeros).
   */
  @Test
  void liquidationsOfOneMillisecondCompareInTheScriptAsInJavaAndTheStores() throws Exception {
    List<String[]> fields = List.of(new String[] {"buy", "1000", "1"}, new String[] {"buy", "999.5", "1"},
        new String[] {"buy", "1000", "9.5"}, new String[] {"buy", "1000", "10"}, new String[] {"sell", "5", "1"},
        new String[] {null, "5", "1"}, new String[] {"buy", "-1", "1"}, new String[] {"buy", "-0.5", "1"},
        new String[] {"buy", "0", "1"}, new String[] {"buy", "007", "1"}, new String[] {"buy", "0.000000000000000001", "1"},
        new String[] {"buy", "12345678901234567890.123456789012345678", "1"},
        new String[] {"buy", "12345678901234567890.123456789012345677", "1"}, new String[] {"buy", "-0.05", "1"});
    RedisLatestCache a = cache();
    RedisLatestCache b = cache();
    Redis reader = Redis.createClient(vertx, redis.url());
    try {
      long ts = TS + 1000;
      for (String[] x : fields) {
        for (String[] y : fields) {
          ts++;
          MarketRecord first = liquidation(ts, x);
          MarketRecord second = liquidation(ts, y);
          a.offer(List.of(latest(first))).await(10, TimeUnit.SECONDS);
          b.offer(List.of(latest(second))).await(10, TimeUnit.SECONDS);
          MemoryLatestCache memory = new MemoryLatestCache();
          memory.offer(List.of(latest(first), latest(second)));
          String inRedis = reader.send(Request.cmd(Command.HGET).arg("mp:latest:" + first.subject()).arg("json"))
              .await(10, TimeUnit.SECONDS).toString();
          assertThat(inRedis).as(String.join(":", x) + " then " + String.join(":", y))
              .isEqualTo(memory.peek(first.subject()));
        }
      }
      // the stores' order, spelled out: the newest of all in the Java order is the one with no side
      MemoryLatestCache memory = new MemoryLatestCache();
      fields.forEach(f -> memory.offer(List.of(latest(liquidation(TS, f)))));
      assertThat(memory.peek(liquidation(TS, fields.get(0)).subject())).contains("\"side\":null");
    } finally {
      reader.close();
      a.close();
      b.close();
    }
  }

  private static MarketRecord liquidation(long ts, String[] f) {
    return new LiquidationRecord(Exchange.OKX, MarketType.PERPETUAL, "BTC-USDT", "BTC-USDT-SWAP", ts, ts * 1000, f[0],
        f[1], f[2], null);
  }

  private static void refuseWrites(Redis admin, boolean refuse) throws Exception {
    admin.send(Request.cmd(Command.CONFIG).arg("SET").arg("min-replicas-to-write").arg(refuse ? "1" : "0"))
        .await(10, TimeUnit.SECONDS);
  }
}
