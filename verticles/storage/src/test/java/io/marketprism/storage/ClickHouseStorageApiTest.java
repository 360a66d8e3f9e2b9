package io.marketprism.storage;

import io.marketprism.storage.hot.ClickHouseHttp;
import io.marketprism.testkit.ClickHouseServer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.nio.file.Path;
import java.time.Duration;
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
}
