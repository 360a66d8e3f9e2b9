package io.marketprism.gateway;

import io.marketprism.platform.auth.ApiKey;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static io.marketprism.gateway.GatewayHarness.await;
import static io.marketprism.gateway.RoutingTest.assertErrorJson;
import static org.assertj.core.api.Assertions.assertThat;

class AuthTest {

  static final String SECRET = "test-secret-0123456789abcdef";
  static final String ADMIN_KEY = "admin-key-7f3a9c";
  static final String READER_KEY = "reader-key-51b2e0";

  private Vertx vertx;
  private GatewayHarness h;

  static JsonObject authConfig(boolean requireForReads) {
    return new JsonObject().put("auth", new JsonObject()
        .put("require_for_reads", requireForReads)
        .put("jwt", new JsonObject().put("secret", SECRET).put("ttl_seconds", 600))
        .put("admin_routes", new JsonArray().add("* /api/v1/monitoring/alerts/**"))
        .put("api_keys", new JsonArray()
            .add(new JsonObject().put("name", "ops").put("sha256", ApiKey.sha256Hex(ADMIN_KEY))
                .put("roles", new JsonArray().add("admin")))
            .add(new JsonObject().put("name", "reader").put("sha256", ApiKey.sha256Hex(READER_KEY))
                .put("roles", new JsonArray().add("reader")))));
  }

  @BeforeEach
  void setUp() throws Exception {
    vertx = Vertx.vertx();
    h = new GatewayHarness(vertx, authConfig(false)).start();
    h.backend("storage", "s");
    h.backend("scheduler", "j");
    h.backend("monitoring", "m");
    h.awaitInstances("storage", 1);
    h.awaitInstances("scheduler", 1);
    h.awaitInstances("monitoring", 1);
  }

  @AfterEach
  void tearDown() throws Exception {
    vertx.close().await(30, TimeUnit.SECONDS);
  }

  private HttpResponse<Buffer> post(String uri, String header, String value) throws Exception {
    HttpRequest<Buffer> req = h.web.post(h.port(), "127.0.0.1", uri);
    if (header != null) {
      req.putHeader(header, value);
    }
    return req.sendJsonObject(new JsonObject().put("before", 1)).await(5, TimeUnit.SECONDS);
  }

  @Test
  void adminRouteWithoutCredentialsIs401() throws Exception {
    HttpResponse<Buffer> r = post("/api/v1/storage/archive", null, null);
    assertThat(r.statusCode()).isEqualTo(401);
    assertErrorJson(r, "unauthorized");
  }

  @Test
  void adminRouteWithReaderKeyIs403AndWithAdminKeyPasses() throws Exception {
    HttpResponse<Buffer> reader = post("/api/v1/storage/archive", "X-API-Key", READER_KEY);
    assertThat(reader.statusCode()).isEqualTo(403);
    assertErrorJson(reader, "forbidden");

    HttpResponse<Buffer> admin = post("/api/v1/storage/archive", "X-API-Key", ADMIN_KEY);
    assertThat(admin.statusCode()).isEqualTo(200);
    assertThat(admin.bodyAsJsonObject().getString("body")).isEqualTo("{\"before\":1}");

    HttpResponse<Buffer> job = post("/api/v1/scheduler/jobs/archive-daily/run", "X-API-Key", READER_KEY);
    assertThat(job.statusCode()).isEqualTo(403);
    assertThat(h.web.delete(h.port(), "127.0.0.1", "/api/v1/monitoring/alerts/a1").send().await(5, TimeUnit.SECONDS)
        .statusCode()).as("configured admin route").isEqualTo(401);
  }

  @Test
  void unknownKeyIs401EvenOnReads() throws Exception {
    HttpResponse<Buffer> r = h.web.get(h.port(), "127.0.0.1", "/api/v1/storage/trade").putHeader("X-API-Key", "guess")
        .send().await(5, TimeUnit.SECONDS);
    assertThat(r.statusCode()).isEqualTo(401);
    assertErrorJson(r, "unauthorized");
    assertThat(h.get("/api/v1/storage/trade").statusCode()).as("reads are open").isEqualTo(200);
  }

  @Test
  void encodedOrDottedAdminPathsAreStillAdmin() throws Exception {
    assertThat(post("/api/v1/storage/%61rchive", null, null).statusCode()).isEqualTo(401);
    assertThat(post("//api/v1/./storage/archive/", null, null).statusCode()).isEqualTo(401);
    assertThat(post("/api/v1/storage/x/../archive", null, null).statusCode()).isEqualTo(401);
  }

  @Test
  void apiKeyIsExchangedForATokenThatCarriesItsRoles() throws Exception {
    HttpResponse<Buffer> r = post("/api/v1/auth/token", "X-API-Key", ADMIN_KEY);
    assertThat(r.statusCode()).isEqualTo(200);
    JsonObject body = r.bodyAsJsonObject();
    assertThat(body.getLong("expires_in")).isEqualTo(600L);
    assertThat(body.getJsonArray("roles")).containsExactly("admin");
    String token = body.getString("token");
    assertThat(post("/api/v1/storage/archive", "Authorization", "Bearer " + token).statusCode()).isEqualTo(200);

    String readerToken = post("/api/v1/auth/token", "X-API-Key", READER_KEY).bodyAsJsonObject().getString("token");
    assertThat(post("/api/v1/storage/archive", "Authorization", "Bearer " + readerToken).statusCode()).isEqualTo(403);

    HttpResponse<Buffer> shorter = h.web.post(h.port(), "127.0.0.1", "/api/v1/auth/token").putHeader("X-API-Key", ADMIN_KEY)
        .sendJsonObject(new JsonObject().put("ttl_seconds", 30)).await(5, TimeUnit.SECONDS);
    assertThat(shorter.bodyAsJsonObject().getLong("expires_in")).isEqualTo(30L);
  }

  @Test
  void tokenEndpointNeedsAKeyAndRejectsBadJson() throws Exception {
    HttpResponse<Buffer> none = post("/api/v1/auth/token", null, null);
    assertThat(none.statusCode()).isEqualTo(401);
    assertErrorJson(none, "unauthorized");

    HttpResponse<Buffer> bad = h.web.post(h.port(), "127.0.0.1", "/api/v1/auth/token").putHeader("X-API-Key", ADMIN_KEY)
        .sendBuffer(Buffer.buffer("{not json")).await(5, TimeUnit.SECONDS);
    assertThat(bad.statusCode()).isEqualTo(400);
    assertErrorJson(bad, "bad_request");

    HttpResponse<Buffer> array = h.web.post(h.port(), "127.0.0.1", "/api/v1/auth/token").putHeader("X-API-Key", ADMIN_KEY)
        .sendBuffer(Buffer.buffer("[1,2]")).await(5, TimeUnit.SECONDS);
    assertThat(array.statusCode()).isEqualTo(400);
  }

  @Test
  void expiredTamperedAndForeignTokensAre401() throws Exception {
    JWTAuth ours = JWTAuth.create(vertx, new JWTAuthOptions()
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(SECRET)));
    long now = System.currentTimeMillis() / 1000;
    String expired = ours.generateToken(new JsonObject().put("sub", "ops").put("roles", new JsonArray().add("admin"))
        .put("iat", now - 7200).put("exp", now - 3600), new JWTOptions().setIssuer("marketprism"));
    assertThat(post("/api/v1/storage/archive", "Authorization", "Bearer " + expired).statusCode()).isEqualTo(401);

    String valid = post("/api/v1/auth/token", "X-API-Key", READER_KEY).bodyAsJsonObject().getString("token");
    String[] parts = valid.split("\\.");
    String payload = new String(Base64.getUrlDecoder().decode(parts[1])).replace("\"reader\"", "\"admin\"");
    String tampered = parts[0] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(payload.getBytes())
        + "." + parts[2];
    HttpResponse<Buffer> r = post("/api/v1/storage/archive", "Authorization", "Bearer " + tampered);
    assertThat(r.statusCode()).isEqualTo(401);
    assertErrorJson(r, "unauthorized");

    JWTAuth foreign = JWTAuth.create(vertx, new JWTAuthOptions()
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer("another-secret-0123456789")));
    String forged = foreign.generateToken(new JsonObject().put("sub", "x").put("roles", new JsonArray().add("admin")),
        new JWTOptions().setIssuer("marketprism").setExpiresInSeconds(60));
    assertThat(post("/api/v1/storage/archive", "Authorization", "Bearer " + forged).statusCode()).isEqualTo(401);
    assertThat(post("/api/v1/storage/archive", "Authorization", "Basic b3BzOng=").statusCode()).isEqualTo(401);
  }

  @Test
  void readsNeedCredentialsWhenConfigured() throws Exception {
    Vertx other = Vertx.vertx();
    try {
      GatewayHarness strict = new GatewayHarness(other, authConfig(true)).start();
      strict.backend("storage", "s");
      HttpResponse<Buffer> anon = strict.web.get(strict.port(), "127.0.0.1", "/api/v1/storage/trade")
          .send().await(5, TimeUnit.SECONDS);
      assertThat(anon.statusCode()).isEqualTo(401);
      HttpResponse<Buffer> keyed = strict.web.get(strict.port(), "127.0.0.1", "/api/v1/gateway/services")
          .putHeader("X-API-Key", READER_KEY).send().await(5, TimeUnit.SECONDS);
      assertThat(keyed.statusCode()).isEqualTo(200);
    } finally {
      other.close().await(10, TimeUnit.SECONDS);
    }
  }

  private String token(long ttlSeconds) throws Exception {
    return h.web.post(h.port(), "127.0.0.1", "/api/v1/auth/token").putHeader("X-API-Key", READER_KEY)
        .sendJsonObject(new JsonObject().put("ttl_seconds", ttlSeconds)).await(5, TimeUnit.SECONDS)
        .bodyAsJsonObject().getString("token");
  }

  private WebSocket subscribed(String header, String value, List<String> frames) throws Exception {
    WebSocket ws = vertx.createWebSocketClient().connect(new WebSocketConnectOptions().setPort(h.port())
        .setHost("127.0.0.1").setURI("/ws/v1/stream").addHeader(header, value)).await(5, TimeUnit.SECONDS);
    ws.textMessageHandler(frames::add);
    ws.writeTextMessage("{\"op\":\"subscribe\",\"subjects\":[\"trade.>\"]}");
    await(() -> frames.size() == 1);
    assertThat(frames.get(0)).contains("\"subscribed\"");
    return ws;
  }

  /**
   * Credentials were checked at the upgrade only: a stream opened with a token outlived it for
   * as long as the connection lasted. It ends at the token's exp, with 4401 and the reason.
   */
  @Test
  void aStreamOpenedWithATokenIsClosedWhenTheTokenExpires() throws Exception {
    List<String> tokenFrames = new CopyOnWriteArrayList<>();
    WebSocket withToken = subscribed("Authorization", "Bearer " + token(3), tokenFrames);
    List<String> keyFrames = new CopyOnWriteArrayList<>();
    WebSocket withKey = subscribed("X-API-Key", READER_KEY, keyFrames);
    assertThat(withToken.isClosed()).isFalse();

    await(withToken::isClosed);
    assertThat(withToken.closeStatusCode()).isEqualTo((short) 4401);
    assertThat(withToken.closeReason()).isEqualTo("token expired");
    assertThat(withKey.isClosed()).as("an API key does not expire").isFalse();
    String metrics = h.get("/metrics").bodyAsString();
    assertThat(metrics).contains("marketprism_stream_expired_clients_total 1.0");
    assertThat(metrics).contains("marketprism_stream_clients 1.0");
    // an open stream holds the gateway's shutdown for its drain time
    withKey.close().await(5, TimeUnit.SECONDS);
  }
}
