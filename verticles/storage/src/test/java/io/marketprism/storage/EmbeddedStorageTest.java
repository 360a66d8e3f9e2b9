package io.marketprism.storage;

import io.marketprism.platform.auth.AuthOptions;
import io.marketprism.platform.auth.Authenticator;
import io.marketprism.platform.auth.Principal;
import io.marketprism.platform.config.ConfigReader;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Embedded mode: event bus → DuckDB → query API, Parquet cold tier. */
class EmbeddedStorageTest extends StorageApiTest {

  @Override
  JsonObject stores(Path dir) {
    return new JsonObject()
        .put("hot", new JsonObject().put("type", "duckdb").put("path", dir.resolve("hot.duckdb").toString()))
        .put("cold", new JsonObject().put("path", dir.resolve("cold").toString()));
  }

  @Override
  void assertFirstDayIsCold(Path dir) {
    assertThat(Files.isRegularFile(dir.resolve("cold/trade/date=2024-01-01/part.parquet"))).isTrue();
  }

  /**
   * Bound to a network address (a multi-host cluster: {@code host: 0.0.0.0}), the storage's port
   * is reachable without the gateway: the archive there needs the same admin credentials as
   * through the gateway, checked against the same {@code gateway.auth}. Reads stay open.
   */
  @Test
  void theArchiveOnTheStoragesOwnPortNeedsAnAdminKeyOrToken() throws Exception {
    String secret = "a-secret-every-node-shares";
    config.getJsonObject("storage").getJsonObject("http").put("host", "0.0.0.0");
    JsonObject auth = config.getJsonObject("gateway").getJsonObject("auth");
    auth.put("jwt", new JsonObject().put("secret", secret));
    auth.getJsonArray("api_keys").add(new JsonObject().put("name", "viewer")
        .put("sha256", io.marketprism.platform.auth.ApiKey.sha256Hex("viewer-key")).put("roles", new JsonArray().add("reader")));
    await(vertx.undeploy(vertx.deploymentIDs().iterator().next()));
    deploy();
    JsonObject body = new JsonObject().put("before", 4_102_444_800_000L);

    HttpResponse<Buffer> none = await(http.post(storage.actualPort(), "127.0.0.1", "/api/v1/storage/archive")
        .sendJsonObject(body));
    assertThat(none.statusCode()).as(none.bodyAsString()).isEqualTo(401);
    assertThat(none.bodyAsJsonObject().getJsonObject("error").getString("code")).isEqualTo("unauthorized");
    assertThat(none.bodyAsJsonObject().getJsonObject("error").getString("request_id")).isEqualTo(none.getHeader("X-Request-Id"));
    // the canonical path is checked: an escaped or dotted spelling of the route is no way around
    assertThat(await(http.post(storage.actualPort(), "127.0.0.1", "/api/v1/storage/%61rchive")
        .sendJsonObject(body)).statusCode()).isEqualTo(401);
    assertThat(await(http.post(storage.actualPort(), "127.0.0.1", "/api/v1/storage/x/../archive/")
        .sendJsonObject(body)).statusCode()).isEqualTo(401);
    HttpResponse<Buffer> unknown = await(http.post(storage.actualPort(), "127.0.0.1", "/api/v1/storage/archive")
        .putHeader("X-API-Key", "guessed").sendJsonObject(body));
    assertThat(unknown.statusCode()).isEqualTo(401);
    HttpResponse<Buffer> reader = await(http.post(storage.actualPort(), "127.0.0.1", "/api/v1/storage/archive")
        .putHeader("X-API-Key", "viewer-key").sendJsonObject(body));
    assertThat(reader.statusCode()).as(reader.bodyAsString()).isEqualTo(403);
    assertThat(reader.bodyAsJsonObject().getJsonObject("error").getString("code")).isEqualTo("forbidden");

    // an admin token as the gateway issues it (same secret), forwarded as sent
    String token = Authenticator.create(vertx, AuthOptions.from(ConfigReader.root(config, "gateway").section("auth")))
        .issue(new Principal("ops", List.of("admin"), "api_key"), 60);
    HttpResponse<Buffer> admin = await(http.post(storage.actualPort(), "127.0.0.1", "/api/v1/storage/archive")
        .putHeader("Authorization", "Bearer " + token).sendJsonObject(body));
    assertThat(admin.statusCode()).as(admin.bodyAsString()).isEqualTo(200);
    assertThat(admin.bodyAsJsonObject().getJsonArray("failed")).isEmpty();
    assertThat(await(adminPost("/api/v1/storage/archive").sendJsonObject(body)).statusCode()).isEqualTo(200);
    // a token signed with another secret is refused
    String forged = Authenticator.create(vertx, new AuthOptions(false, "another-secret-of-16+", "marketprism", 60,
        List.of(), List.of())).issue(new Principal("ops", List.of("admin"), "api_key"), 60);
    assertThat(await(http.post(storage.actualPort(), "127.0.0.1", "/api/v1/storage/archive")
        .putHeader("Authorization", "Bearer " + forged).sendJsonObject(body)).statusCode()).isEqualTo(401);

    assertThat(get("/api/v1/storage/stats").statusCode()).isEqualTo(200);
    assertThat(get("/metrics").bodyAsString())
        .contains("mp_auth_refused_requests_total{service=\"storage\",status=\"401\"} 5.0")
        .contains("mp_auth_refused_requests_total{service=\"storage\",status=\"403\"} 1.0");
  }

  /**
   * A trade id again two minutes later (beyond the span DuckDB looks for repeats in), the copy
   * there received first: DuckDB answers that copy, at its time, whatever the page size, in hot and
   * in cold; the first rows of a page, or the first minute of a first page, that hold the other copy
   * do not answer it.
   */
  @Test
  void aTradeIdRepeatedMinutesLaterReadsOnceAtTheCopyReceivedFirstInPagesOfAnySize() throws Exception {
    long t0 = io.marketprism.storage.Fixtures.DAY0 + 3_600_000;
    List<io.marketprism.model.MarketRecord> sent = new java.util.ArrayList<>();
    // trade 7 (after the first page, among others) received 200 s after its time, then again at a time 120 s
    // later, received earlier
    long t7 = t0 + 5_050;
    sent.add(trade(t7, "7", t7 * 1000 + 200_000_000L, "1"));
    // more trades than the first rows a page reads (256) before the second copy
    for (int i = 1; i <= 300; i++) {
      sent.add(trade(t0 + i * 100L, String.valueOf(7 + i), (t0 + i * 100L) * 1000, "2"));
    }
    publishAll(sent);
    awaitCommitted(301);
    publishAll(List.of(trade(t7 + 120_000, "7", (t7 + 120_000) * 1000, "3")));
    awaitCommitted(302);
    String all = "exchange=binance&market_type=spot&symbol=BTC-USDT&start=" + t0 + "&end=" + (t0 + 86_400_000L);
    List<String> one = readAll("trade", all, 1000);
    assertThat(one).hasSize(301);
    assertThat(new JsonObject(one.get(300)).getString("price")).isEqualTo("3");
    // a first page holding trade 7's time (limit 100 on) reads the range's first minute, where its later copy lies
    for (int limit : new int[] {10, 50, 100, 299}) {
      assertThat(readAll("trade", all, limit)).as("limit " + limit).isEqualTo(one);
    }
    archive(t0 + 86_400_000L);
    for (int limit : new int[] {10, 100, 1000}) {
      assertThat(readAll("trade", all, limit)).as("archived, limit " + limit).isEqualTo(one);
    }
  }

  /**
   * The copy received first of a trade id lies two minutes later but was received before its own time
   * (a clock behind the exchange's): a first page holding the other copy looks for it up to the time
   * that the least lag of the stored rows allows, lowered by the write that stored it, and read from
   * the table after a restart. With a bound from the page's own lags the page would answer trade 7 at
   * its earlier time, and the copy again at its own.
   */
  @Test
  void aCopyReceivedBeforeItsTimeMinutesLaterIsFoundBeforeAndAfterARestart() throws Exception {
    long t0 = io.marketprism.storage.Fixtures.DAY0 + 3_600_000;
    long t7 = t0 + 5_050;
    List<io.marketprism.model.MarketRecord> sent = new java.util.ArrayList<>();
    sent.add(trade(t7, "7", t7 * 1000, "1"));
    for (int i = 1; i <= 300; i++) {
      sent.add(trade(t0 + i * 100L, String.valueOf(7 + i), (t0 + i * 100L) * 1000, "2"));
    }
    publishAll(sent);
    awaitCommitted(301);
    // received a microsecond before the first copy, 120 s before its own time
    publishAll(List.of(trade(t7 + 120_000, "7", t7 * 1000 - 1, "3")));
    awaitCommitted(302);
    String all = "exchange=binance&market_type=spot&symbol=BTC-USDT&start=" + t0 + "&end=" + (t0 + 86_400_000L);
    List<String> one = readAll("trade", all, 1000);
    assertThat(one).hasSize(301);
    assertThat(new JsonObject(one.get(300)).getString("price")).isEqualTo("3");
    for (int limit : new int[] {100, 299}) {
      assertThat(readAll("trade", all, limit)).as("limit " + limit).isEqualTo(one);
    }
    await(vertx.undeploy(vertx.deploymentIDs().iterator().next()));
    deploy();
    for (int limit : new int[] {100, 299, 1000}) {
      assertThat(readAll("trade", all, limit)).as("after a restart, limit " + limit).isEqualTo(one);
    }
  }

  private static io.marketprism.model.MarketRecord trade(long ts, String id, long recvTsUs, String price) {
    return new io.marketprism.model.TradeRecord(io.marketprism.model.Exchange.BINANCE,
        io.marketprism.model.MarketType.SPOT, "BTC-USDT", "BTCUSDT", ts, recvTsUs, id, price, "0.01", "buy");
  }
}
