package io.marketprism.storage;

import io.marketprism.platform.bus.BusOptions;
import io.marketprism.platform.bus.RecordBus;
import io.marketprism.testkit.ClickHouseServer;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/** A storage stops when asked, also while its hot store refuses a batch it holds. */
class StorageStopTest {

  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() throws Exception {
    vertx.close().await(30, TimeUnit.SECONDS);
  }

  /**
   * On the embedded bus, the consumer's stop waits for the batch in hand; the storage retried its
   * write until stored and only stopped retrying once the consumer had stopped: an undeploy while
   * the store was down never completed. It now stops within the consumer's drain time, saying how
   * many records it did not store.
   */
  @Test
  void anUndeployWhileTheHotStoreIsDownCompletes() throws Exception {
    try (ClickHouseServer ch = ClickHouseServer.start()) {
      JsonObject config = new JsonObject()
          .put("bus", new JsonObject().put("type", "eventbus"))
          .put("storage", new JsonObject().put("http", new JsonObject().put("port", 0))
              .put("hot", new JsonObject().put("type", "clickhouse").put("url", ch.httpUrl()).put("database", "stop"))
              .put("cold", new JsonObject().put("database", "stop_cold"))
              .put("batch_size", 10).put("flush_interval_ms", 50)
              .put("archive", new JsonObject().put("interval_minutes", 0)))
          .put("cache", new JsonObject().put("type", "memory"));
      StorageVerticle storage = new StorageVerticle();
      String id = vertx.deployVerticle(storage, new DeploymentOptions().setConfig(config)).await(60, TimeUnit.SECONDS);
      RecordBus bus = RecordBus.create(vertx, BusOptions.from(config));
      bus.start().await(10, TimeUnit.SECONDS);
      bus.publish(Fixtures.trades(Fixtures.DAY0, 1, 1).get(0)).await(10, TimeUnit.SECONDS);
      waitFor(storage, s -> s.getLong("committed") == 1);
      ch.kill();
      bus.publish(Fixtures.trades(Fixtures.DAY0 + 1000, 1, 2).get(0)).await(10, TimeUnit.SECONDS);
      waitFor(storage, s -> s.getLong("write_retries") >= 1);
      // bounded by the embedded consumer's drain (10 s) and the storage's backoff between tries (at most 5 s)
      vertx.undeploy(id).await(60, TimeUnit.SECONDS);
      assertThat(vertx.deploymentIDs()).doesNotContain(id);
    }
  }

  private void waitFor(StorageVerticle storage, Predicate<JsonObject> condition) throws Exception {
    long deadline = System.currentTimeMillis() + 30_000;
    JsonObject status = vertx.executeBlocking(storage::status).await(10, TimeUnit.SECONDS);
    while (!condition.test(status) && System.currentTimeMillis() < deadline) {
      Thread.sleep(50);
      status = vertx.executeBlocking(storage::status).await(10, TimeUnit.SECONDS);
    }
    assertThat(condition.test(status)).as(status.encode()).isTrue();
  }
}
