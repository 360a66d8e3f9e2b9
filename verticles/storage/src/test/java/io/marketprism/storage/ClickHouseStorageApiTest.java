package io.marketprism.storage;

import io.marketprism.model.DataType;
import io.marketprism.model.Exchange;
import io.marketprism.model.LiquidationRecord;
import io.marketprism.model.MarketRecord;
import io.marketprism.model.MarketType;
import io.marketprism.model.RecordJson;
import io.marketprism.model.TickerRecord;
import io.marketprism.storage.hot.ClickHouseHotStore;
import io.marketprism.storage.hot.ClickHouseHttp;
import io.marketprism.storage.hot.StoredValues;
import io.marketprism.storage.hot.TableSchema;
import io.marketprism.testkit.ClickHouseServer;
import io.marketprism.testkit.RedisServer;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** Server-mode stores: ClickHouse (the Debian 18.16 server, or chDB) → query API, its cold database. */
class ClickHouseStorageApiTest extends StorageApiTest {

  static ClickHouseServer clickhouse;
  static final AtomicInteger DATABASES = new AtomicInteger();
  String db;

  @BeforeAll
  static void server() {
    clickhouse = ClickHouseServer.start();
  }

  @AfterAll
  static void stopServer() {
    clickhouse.close();
  }

  @Override
  JsonObject stores(Path dir) {
    db = "api" + DATABASES.incrementAndGet();
    return new JsonObject()
        .put("hot", new JsonObject().put("type", "clickhouse").put("url", clickhouse.httpUrl()).put("database", db))
        .put("cold", new JsonObject().put("database", db + "_cold"));
  }

  @Override
  void assertFirstDayIsCold(Path dir) throws Exception {
    ClickHouseHttp http = new ClickHouseHttp(vertx, clickhouse.httpUrl(), Duration.ofSeconds(30));
    long cold = http.scalar("SELECT count() FROM " + db + "_cold.trade WHERE ts_ms < " + (Fixtures.DAY0 + 86_400_000L))
        .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    long hot = http.scalar("SELECT count() FROM " + db + ".trade WHERE ts_ms < " + (Fixtures.DAY0 + 86_400_000L))
        .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    assertThat(cold).isEqualTo(1500);
    assertThat(hot).as("the day's partition is dropped from hot").isZero();
  }

  @Override
  void mergeAll() throws Exception {
    ClickHouseHttp http = new ClickHouseHttp(vertx, clickhouse.httpUrl(), Duration.ofSeconds(30));
    for (String database : List.of(db, db + "_cold")) {
      for (DataType t : DataType.values()) {
        sync(http.execute("OPTIMIZE TABLE " + database + "." + t.wire() + " FINAL"));
      }
    }
  }

  private <T> T sync(io.vertx.core.Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private static String row(long ts, String side, String price, String quantity) {
    return "('okx', 'perpetual', 'BTC-USDT', 'BTC-USDT-SWAP', " + ts + ", " + ts * 1000 + ", "
        + (side == null ? "NULL" : "'" + side + "'") + ", " + price + ", " + quantity + ", NULL)";
  }

  private static String json(long ts, String side, String price, String quantity) {
    return RecordJson.toJson(new LiquidationRecord(Exchange.OKX, MarketType.PERPETUAL, "BTC-USDT", "BTC-USDT-SWAP", ts,
        ts * 1000, side, price, quantity, null));
  }

  /**
   * Server mode's Redis cache: its script, not only this instance's copy, holds the newest
   * liquidation of a millisecond in the stores' order (the hash other instances read), and after
   * Redis is emptied and the storage restarted, latest names the same one from ClickHouse.
   */
  @org.junit.jupiter.api.Test
  void latestOfLiquidationsOfOneMillisecondInRedisIsTheStoresNewestBeforeAndAfterItIsEmptied() throws Exception {
    try (RedisServer redis = RedisServer.start()) {
      await(vertx.undeploy(vertx.deploymentIDs().iterator().next()));
      config.put("cache", new JsonObject().put("type", "redis").put("redis_url", redis.url()));
      deploy();
      Redis client = Redis.createClient(vertx, redis.url());
      latestOfLiquidationsOfOneMillisecondAgreesWithTheStore(() -> {
        for (String symbol : List.of("BTC-USDT", "ETH-USDT")) {
          List<String> stored = readAll("liquidation", "exchange=okx&symbol=" + symbol + "&start=" + Fixtures.DAY0, 1000);
          String inRedis = sync(client.send(Request.cmd(Command.HGET).arg("mp:latest:liquidation.okx.perpetual."
              + symbol).arg("json"))).toString();
          assertThat(new JsonObject(inRedis)).as(symbol + " in Redis")
              .isEqualTo(new JsonObject(stored.get(stored.size() - 1)));
        }
        sync(client.send(Request.cmd(Command.FLUSHALL)));
        await(vertx.undeploy(vertx.deploymentIDs().iterator().next()));
        deploy();
      });
      client.close();
    }
  }

  /**
   * An installation of the earlier version keyed its liquidation tables by time alone, which
   * ClickHouse cannot change in place: the start re-keys them in both databases and keeps every
   * row, also where a start stopped half-way (the cold table renamed, part of it copied), and a
   * start after that changes nothing.
   */
  @org.junit.jupiter.api.Test
  void liquidationTablesOfTheEarlierKeyAreReKeyedAtStartKeepingEveryRow() throws Exception {
    await(vertx.undeploy(vertx.deploymentIDs().iterator().next()));
    ClickHouseHttp ch = new ClickHouseHttp(vertx, clickhouse.httpUrl(), Duration.ofSeconds(30));
    TableSchema s = TableSchema.of(DataType.LIQUIDATION);
    String earlierKey = "exchange, market_type, symbol, ts_ms";
    long t0 = Fixtures.DAY0 + 3_600_000;
    long t1 = Fixtures.DAY0 + 86_400_000L + 3_600_000;
    sync(ch.execute("DROP TABLE " + db + ".liquidation"));
    sync(ch.execute(ClickHouseHotStore.createTable(db, s).replace(ClickHouseHotStore.sortingKey(s), earlierKey)));
    sync(ch.execute("INSERT INTO " + db + ".liquidation VALUES " + row(t0 + 5, "buy", "61000.5", "13") + ", "
        + row(t1, "sell", "60000", "1") + ", " + row(t1 + 1, null, "60001", "2")));
    // cold: renamed and partly copied into a table of the new key by a start that stopped there
    sync(ch.execute("DROP TABLE " + db + "_cold.liquidation"));
    sync(ch.execute(ClickHouseHotStore.createTable(db + "_cold", s).replace(ClickHouseHotStore.sortingKey(s),
        earlierKey).replace("_cold.liquidation", "_cold.liquidation_earlier_key")));
    sync(ch.execute("INSERT INTO " + db + "_cold.liquidation_earlier_key VALUES " + row(t0, "sell", "60990.1", "13")
        + ", " + row(t0 + 1, "buy", "61001", "2")));
    sync(ch.execute(ClickHouseHotStore.createTable(db + "_cold", s)));
    sync(ch.execute("INSERT INTO " + db + "_cold.liquidation VALUES " + row(t0, "sell", "60990.1", "13")));

    deploy();
    List<String> expected = List.of(json(t0, "sell", "60990.1", "13"), json(t0 + 1, "buy", "61001", "2"),
        json(t0 + 5, "buy", "61000.5", "13"), json(t1, "sell", "60000", "1"), json(t1 + 1, null, "60001", "2"));
    String all = "exchange=okx&start=" + Fixtures.DAY0 + "&end=" + (Fixtures.DAY0 + 3 * 86_400_000L);
    assertThat(readAll("liquidation", all, 1)).isEqualTo(expected);
    for (String database : List.of(db, db + "_cold")) {
      assertThat(sync(ch.scalar("SELECT count() FROM system.tables WHERE database = '" + database
          + "' AND position(name, '_earlier_key') > 0"))).as(database).isZero();
      // every data table's key reads back as written: a start does not take its own tables for earlier ones
      for (DataType t : DataType.values()) {
        assertThat(sync(ch.select("SELECT sorting_key FROM system.tables WHERE database = '" + database
            + "' AND name = '" + t.wire() + "'")).get(0).get("sorting_key")).as(database + "." + t.wire())
            .isEqualTo(ClickHouseHotStore.sortingKey(TableSchema.of(t)));
      }
    }
    assertThat(sync(ch.scalar("SELECT count() FROM " + db + "_cold.liquidation FINAL"))).isEqualTo(2);

    // the re-keyed table keeps a second liquidation of a stored one's millisecond
    publishAll(List.of(RecordJson.parse(json(t1, "buy", "60000", "1"))));
    awaitCommitted(1);
    List<String> withSecond = new ArrayList<>(expected);
    withSecond.add(3, json(t1, "buy", "60000", "1")); // in one millisecond, buy before sell
    assertThat(readAll("liquidation", all, 2)).isEqualTo(withSecond);
    await(vertx.undeploy(vertx.deploymentIDs().iterator().next()));
    deploy();
    assertThat(readAll("liquidation", all, 1)).isEqualTo(withSecond);
  }

  /**
   * The earlier version keyed ticker tables by time alone (a second ticker of a millisecond was
   * taken for a copy of the first): the start re-keys them, hot and cold, keeping every row, and the
   * re-keyed table keeps every ticker of one millisecond (Binance's bookTicker changes of one event time).
   */
  @org.junit.jupiter.api.Test
  void tickerTablesOfTheEarlierKeyAreReKeyedAtStartAndKeepEveryTickerOfAMillisecond() throws Exception {
    await(vertx.undeploy(vertx.deploymentIDs().iterator().next()));
    ClickHouseHttp ch = new ClickHouseHttp(vertx, clickhouse.httpUrl(), Duration.ofSeconds(30));
    TableSchema s = TableSchema.of(DataType.TICKER);
    long t0 = Fixtures.DAY0 + 3_600_000;
    List<MarketRecord> tickers = new ArrayList<>();
    for (String database : List.of(db + "_cold", db)) {
      long ts = t0 + (database.endsWith("_cold") ? 0 : 86_400_000L);
      sync(ch.execute("DROP TABLE " + database + ".ticker"));
      sync(ch.execute(tickerTableBeforeUpdateIds(database, "exchange, market_type, symbol, ts_ms")));
      // unmerged, the earlier table still holds both tickers of the millisecond
      for (String askQty : List.of("6.863", "6.867")) {
        TickerRecord t = new TickerRecord(Exchange.BINANCE, MarketType.PERPETUAL, "BTC-USDT", "BTCUSDT", ts,
            ts * 1000 + tickers.size(), "28145.1", "3.101", "28145.2", askQty, null, null, null, null, null);
        tickers.add(t);
        sync(ch.execute("INSERT INTO " + database + ".ticker VALUES ('binance', 'perpetual', 'BTC-USDT', 'BTCUSDT', "
            + ts + ", " + t.recvTsUs() + ", 28145.1, 3.101, 28145.2, " + askQty + ", NULL, NULL, NULL, NULL, NULL)"));
      }
    }
    deploy();
    mergeAll();
    String all = "exchange=binance&start=" + Fixtures.DAY0 + "&end=" + (Fixtures.DAY0 + 3 * 86_400_000L);
    List<String> expected = new ArrayList<>(tickers.stream().map(RecordJson::toJson).toList());
    assertThat(readAll("ticker", all, 1)).isEqualTo(expected);
    TickerRecord third = new TickerRecord(Exchange.BINANCE, MarketType.PERPETUAL, "BTC-USDT", "BTCUSDT", t0,
        t0 * 1000 + 9, "28145.1", "3.102", "28145.2", "6.867", null, null, null, null, null);
    publishAll(List.of(third));
    awaitCommitted(1);
    mergeAll();
    expected.add(2, RecordJson.toJson(third)); // in one millisecond by its fields: bid quantity 3.102 after 3.101
    assertThat(readAll("ticker", all, 1)).isEqualTo(expected);
    for (String database : List.of(db, db + "_cold")) {
      assertThat(sync(ch.scalar("SELECT count() FROM system.tables WHERE database = '" + database
          + "' AND position(name, '_earlier_key') > 0"))).as(database).isZero();
    }
  }

  /**
   * The ticker table of a version before {@code update_id}: without the column, keyed by the time
   * and fields, or by {@code key}.
   */
  private static String tickerTableBeforeUpdateIds(String database, String key) {
    TableSchema s = TableSchema.of(DataType.TICKER);
    String now = ClickHouseHotStore.createTable(database, s);
    String before = now.replace(", update_id Nullable(UInt64)", "")
        .replace(ClickHouseHotStore.sortingKey(s), key == null
            ? ClickHouseHotStore.sortingKey(s).replace("isNull(update_id), assumeNotNull(update_id), ", "") : key);
    assertThat(before).doesNotContain("update_id");
    return before;
  }

  /**
   * The ticker tables of the version before update ids (Binance's {@code u}) gain the column at
   * start, hot and cold, keeping every row (their update id null). A best bid/offer that goes back
   * to an earlier state within its millisecond (A, B, A) is then three records, which the fields
   * alone made two; the same update sent again is still one.
   */
  @org.junit.jupiter.api.Test
  void tickerTablesOfTheVersionBeforeUpdateIdsTakeThemKeepingEveryRow() throws Exception {
    await(vertx.undeploy(vertx.deploymentIDs().iterator().next()));
    ClickHouseHttp ch = new ClickHouseHttp(vertx, clickhouse.httpUrl(), Duration.ofSeconds(30));
    long t0 = Fixtures.DAY0 + 7_200_000;
    List<String> expected = new ArrayList<>();
    for (String database : List.of(db + "_cold", db)) {
      long ts = t0 + (database.endsWith("_cold") ? 0 : 86_400_000L);
      sync(ch.execute("DROP TABLE " + database + ".ticker"));
      sync(ch.execute(tickerTableBeforeUpdateIds(database, null)));
      for (String askQty : List.of("6.863", "6.867")) {
        TickerRecord t = new TickerRecord(Exchange.BINANCE, MarketType.PERPETUAL, "BTC-USDT", "BTCUSDT", ts,
            ts * 1000 + expected.size(), "28145.1", "3.101", "28145.2", askQty, null, null, null, null, null);
        expected.add(RecordJson.toJson(t));
        sync(ch.execute("INSERT INTO " + database + ".ticker VALUES ('binance', 'perpetual', 'BTC-USDT', 'BTCUSDT', "
            + ts + ", " + t.recvTsUs() + ", 28145.1, 3.101, 28145.2, " + askQty + ", NULL, NULL, NULL, NULL, NULL)"));
      }
    }
    deploy();
    String all = "exchange=binance&start=" + Fixtures.DAY0 + "&end=" + (Fixtures.DAY0 + 3 * 86_400_000L);
    assertThat(readAll("ticker", all, 1)).isEqualTo(expected);
    long ts = t0 + 2 * 86_400_000L;
    List<MarketRecord> aba = new ArrayList<>();
    for (String askQty : List.of("6.863", "6.867", "6.863")) {
      aba.add(new TickerRecord(Exchange.BINANCE, MarketType.PERPETUAL, "BTC-USDT", "BTCUSDT", ts,
          ts * 1000 + aba.size(), "28145.1", "3.101", "28145.2", askQty, null, null, null, null, null,
          5001L + aba.size()));
    }
    publishAll(aba);
    awaitCommitted(3);
    TickerRecord first = (TickerRecord) aba.get(0);
    publishAll(List.of(new TickerRecord(Exchange.BINANCE, MarketType.PERPETUAL, "BTC-USDT", "BTCUSDT", ts,
        ts * 1000 + 7, "28145.10", "3.101", "28145.2", "6.8630", null, null, null, null, null, first.updateId())));
    awaitCommitted(4);
    mergeAll();
    aba.forEach(t -> expected.add(RecordJson.toJson(t)));
    assertThat(readAll("ticker", all, 1)).isEqualTo(expected);
    assertThat(readAll("ticker", all, 1000)).isEqualTo(expected);
    for (String database : List.of(db, db + "_cold")) {
      assertThat(sync(ch.scalar("SELECT count() FROM system.tables WHERE database = '" + database
          + "' AND position(name, '_earlier_key') > 0"))).as(database).isZero();
    }
  }

  /**
   * Data tables of an earlier version (no version column: a merge kept whichever copy of an identity
   * was inserted last) are re-created at start with their rows, hot and cold: a trade and a mark price
   * whose first-received copy was inserted first read as that copy, also after merges, and a second
   * start changes nothing.
   */
  @org.junit.jupiter.api.Test
  void dataTablesOfAnEarlierVersionAreMigratedSoThatTheCopyReceivedFirstIsKept() throws Exception {
    await(vertx.undeploy(vertx.deploymentIDs().iterator().next()));
    ClickHouseHttp ch = new ClickHouseHttp(vertx, clickhouse.httpUrl(), Duration.ofSeconds(30));
    long t0 = Fixtures.DAY0 + 3_600_000;
    for (String database : List.of(db, db + "_cold")) {
      for (DataType t : List.of(DataType.TRADE, DataType.MARK_PRICE)) {
        sync(ch.execute("DROP TABLE " + database + "." + t.wire()));
        sync(ch.execute(ClickHouseHotStore.createTable(database, TableSchema.of(t))
            .replace(", first_copy UInt64 MATERIALIZED bitNot(recv_ts_us)", "")
            .replace("ReplacingMergeTree(first_copy)", "ReplacingMergeTree")));
      }
      // the copy received first inserted first, each in a part of its own
      long ts = t0 + (database.endsWith("_cold") ? 0 : 86_400_000L);
      String common = "('binance', 'spot', 'BTC-USDT', 'BTCUSDT', " + ts + ", ";
      sync(ch.execute("INSERT INTO " + database + ".trade VALUES " + common + ts * 1000 + ", '1', 101, 0.01, 'buy')"));
      sync(ch.execute("INSERT INTO " + database + ".trade VALUES " + common + (ts * 1000 + 500)
          + ", '1', 100, 0.01, 'buy')"));
      sync(ch.execute("INSERT INTO " + database + ".mark_price VALUES " + common + ts * 1000 + ", 11, NULL)"));
      sync(ch.execute("INSERT INTO " + database + ".mark_price VALUES " + common + (ts * 1000 + 500) + ", 10, NULL)"));
    }
    deploy();
    mergeAll();
    String all = "exchange=binance&start=" + Fixtures.DAY0 + "&end=" + (Fixtures.DAY0 + 3 * 86_400_000L);
    for (int round = 0; round < 2; round++) {
      // one trade id at two times (a day in each tier) is one trade, as a single page reads it
      List<String> read = readAll("trade", all, 1);
      assertThat(read).as("round " + round).hasSize(1).isEqualTo(readAll("trade", all, 1000));
      for (String j : read) {
        assertThat(new JsonObject(j).getString("price")).as(j).isEqualTo("101");
      }
      List<String> marks = readAll("mark_price", all, 1);
      assertThat(marks).hasSize(2);
      for (String j : marks) {
        assertThat(new JsonObject(j).getString("mark_price")).as(j).isEqualTo("11");
      }
      for (String database : List.of(db, db + "_cold")) {
        assertThat(sync(ch.scalar("SELECT count() FROM " + database + ".trade"))).as(database + ", merged").isEqualTo(1);
        assertThat(sync(ch.scalar("SELECT count() FROM system.tables WHERE database = '" + database
            + "' AND position(name, '_earlier_key') > 0"))).as(database).isZero();
      }
      await(vertx.undeploy(vertx.deploymentIDs().iterator().next()));
      deploy();
    }
  }

  /**
   * Two storage instances of this version start at the same moment on one ClickHouse whose
   * liquidation tables (hot and cold) have the earlier key: both start, and every row is there
   * once, in tables of the new key. Before, both renamed the table and the second one's start failed.
   */
  @org.junit.jupiter.api.Test
  void twoStartsAtOnceReKeyTheEarlierKeyedTablesTogetherKeepingEveryRowOnce() throws Exception {
    await(vertx.undeploy(vertx.deploymentIDs().iterator().next()));
    ClickHouseHttp ch = new ClickHouseHttp(vertx, clickhouse.httpUrl(), Duration.ofSeconds(30));
    TableSchema s = TableSchema.of(DataType.LIQUIDATION);
    for (int round = 0; round < 3; round++) {
      String base = db + "_both" + round;
      List<String> expected = new ArrayList<>();
      for (String database : List.of(base, base + "_cold")) {
        sync(ch.execute("CREATE DATABASE " + database));
        sync(ch.execute(ClickHouseHotStore.createTable(database, s).replace(ClickHouseHotStore.sortingKey(s),
            "exchange, market_type, symbol, ts_ms")));
        StringBuilder values = new StringBuilder();
        for (int day = 0; day < 8; day++) {
          for (int i = 0; i < 20; i++) {
            long ts = Fixtures.DAY0 + day * 86_400_000L + i + (database.endsWith("_cold") ? 0 : 100);
            String side = i % 3 == 0 ? null : i % 3 == 1 ? "buy" : "sell";
            values.append(values.length() == 0 ? "" : ", ").append(row(ts, side, "6000" + i, "1"));
            expected.add(database + " " + json(ts, side, "6000" + i, "1"));
          }
        }
        sync(ch.execute("INSERT INTO " + database + ".liquidation VALUES " + values));
      }
      JsonObject hot = new JsonObject().put("storage", new JsonObject().put("hot", new JsonObject()
          .put("type", "clickhouse").put("url", clickhouse.httpUrl()).put("database", base))
          .put("cold", new JsonObject().put("database", base + "_cold")));
      ClickHouseHotStore a = new ClickHouseHotStore(vertx, StorageOptions.from(hot));
      ClickHouseHotStore b = new ClickHouseHotStore(vertx, StorageOptions.from(hot));
      await(io.vertx.core.Future.all(a.start(), b.start()));
      List<String> stored = new ArrayList<>();
      for (String database : List.of(base, base + "_cold")) {
        assertThat(sync(ch.select("SELECT sorting_key FROM system.tables WHERE database = '" + database
            + "' AND name = 'liquidation'")).get(0).get("sorting_key")).isEqualTo(ClickHouseHotStore.sortingKey(s));
        assertThat(sync(ch.scalar("SELECT count() FROM system.tables WHERE database = '" + database
            + "' AND position(name, '_earlier_key') > 0"))).as(database).isZero();
        for (var r : sync(ch.select("SELECT " + ClickHouseHotStore.columnList(s) + " FROM " + database
            + ".liquidation FINAL ORDER BY ts_ms"))) {
          stored.add(database + " " + StoredValues.recordJson(s, r::get));
        }
      }
      assertThat(stored).as("round " + round).containsExactlyInAnyOrderElementsOf(expected);
      await(a.close());
      await(b.close());
    }
  }

  /**
   * A start that finds a renamed table of the earlier key and again a table of that key by the
   * name (a storage of the earlier version started in between and wrote to it) keeps the rows of both.
   */
  @org.junit.jupiter.api.Test
  void aRenamedTableAndAnEarlierKeyedOneRecreatedBesideItAreBothKept() throws Exception {
    await(vertx.undeploy(vertx.deploymentIDs().iterator().next()));
    ClickHouseHttp ch = new ClickHouseHttp(vertx, clickhouse.httpUrl(), Duration.ofSeconds(30));
    TableSchema s = TableSchema.of(DataType.LIQUIDATION);
    String earlierDdl = ClickHouseHotStore.createTable(db, s).replace(ClickHouseHotStore.sortingKey(s),
        "exchange, market_type, symbol, ts_ms");
    long t0 = Fixtures.DAY0 + 3_600_000;
    sync(ch.execute("DROP TABLE " + db + ".liquidation"));
    sync(ch.execute(earlierDdl.replace(db + ".liquidation", db + ".liquidation_earlier_key")));
    sync(ch.execute("INSERT INTO " + db + ".liquidation_earlier_key VALUES " + row(t0, "sell", "60990.1", "13")));
    sync(ch.execute(earlierDdl));
    sync(ch.execute("INSERT INTO " + db + ".liquidation VALUES " + row(t0 + 86_400_000L, "buy", "61001", "2")));

    deploy();
    assertThat(readAll("liquidation", "exchange=okx&start=" + Fixtures.DAY0, 1)).containsExactly(
        json(t0, "sell", "60990.1", "13"), json(t0 + 86_400_000L, "buy", "61001", "2"));
    assertThat(sync(ch.scalar("SELECT count() FROM system.tables WHERE database = '" + db
        + "' AND position(name, '_earlier_key') > 0"))).isZero();
  }
}
