package io.marketprism.storage.archive;

import io.marketprism.model.DataType;
import io.marketprism.storage.StorageOptions;
import io.marketprism.storage.hot.ClickHouseHotStore;
import io.marketprism.testkit.ClickHouseServer;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static io.marketprism.storage.archive.ArchiveLateRecordsTest.DAY;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A record written while the archive drops its day from ClickHouse is not dropped with it: the
 * store's own inserts wait for the drop (ClickHouse gives no transaction around the recount and the
 * {@code DROP PARTITION}). The window is opened wide by a proxy that holds the DROP.
 */
class ClickHouseDropWindowTest {

  static ClickHouseServer clickhouse;
  Vertx vertx = Vertx.vertx();

  @BeforeAll
  static void server() {
    clickhouse = ClickHouseServer.start();
  }

  @AfterAll
  static void stopServer() {
    clickhouse.close();
  }

  @AfterEach
  void close() {
    vertx.close();
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  /** An HTTP proxy to ClickHouse that forwards every request but holds a DROP PARTITION until {@code release}. */
  private HttpServer holdingDrops(Future<Void> release, Promise<Void> held) throws Exception {
    URI ch = URI.create(clickhouse.httpUrl());
    HttpClient client = vertx.createHttpClient();
    return await(vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
      String query = URLDecoder.decode(req.uri(), StandardCharsets.UTF_8) + " " + body;
      Future<Void> gate = Future.succeededFuture();
      if (query.contains("DROP PARTITION")) {
        held.tryComplete();
        gate = release;
      }
      gate.compose(v -> client.request(req.method(), ch.getPort(), ch.getHost(), req.uri()))
          .compose(out -> out.send(body))
          .compose(res -> res.body().onSuccess(b -> req.response().setStatusCode(res.statusCode()).end(b)))
          .onFailure(err -> req.response().setStatusCode(502).end(String.valueOf(err)));
    })).listen(0, "127.0.0.1"));
  }

  @Test
  void aRecordWrittenDuringTheDropOfItsDayIsKept() throws Exception {
    Promise<Void> release = Promise.promise();
    Promise<Void> held = Promise.promise();
    HttpServer proxy = holdingDrops(release.future(), held);
    ClickHouseHotStore store = new ClickHouseHotStore(vertx, StorageOptions.from(new JsonObject().put("storage",
        new JsonObject().put("hot", new JsonObject().put("type", "clickhouse")
            .put("url", "http://127.0.0.1:" + proxy.actualPort()).put("database", "dw"))
            .put("cold", new JsonObject().put("database", "dw_cold")))));
    await(store.start());
    await(store.write(ArchiveLateRecordsTest.trades(0, 100)));
    long counted = await(store.count(DataType.TRADE, DAY));
    assertThat(await(store.cold().copyDay(DataType.TRADE, DAY))).isEqualTo(100);

    Future<Boolean> drop = store.dropDay(DataType.TRADE, DAY, counted);
    await(held.future()); // recounted, the DROP is on its way
    Future<Void> late = store.write(ArchiveLateRecordsTest.trades(5000, 1));
    Thread.sleep(500); // an insert not held back commits meanwhile
    release.complete();
    assertThat(await(drop)).isTrue();
    await(late);

    assertThat(await(store.count(DataType.TRADE, DAY))).as("the late record, in hot after the drop").isEqualTo(1);
    assertThat(await(store.cold().count(DataType.TRADE, DAY))).isEqualTo(100);
    await(store.close());
  }
}
