package io.marketprism.gateway;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static io.marketprism.gateway.RoutingTest.assertErrorJson;
import static org.assertj.core.api.Assertions.assertThat;

class CacheAndInputTest {

  private Vertx vertx;
  private GatewayHarness h;
  private FakeBackend storage;

  @BeforeEach
  void setUp() throws Exception {
    vertx = Vertx.vertx();
    h = new GatewayHarness(vertx, new JsonObject().put("max_body_bytes", 1000).put("max_header_bytes", 2048)
        .put("cache", new JsonObject().put("routes", new JsonArray()
            .add(new JsonObject().put("prefix", "/api/v1/storage/stats").put("ttl_ms", 60_000))))).start();
    storage = h.backend("storage", "s");
    h.awaitInstances("storage", 1);
  }

  @AfterEach
  void tearDown() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void cacheableGetsAreServedFromTheCacheKeyedByPathAndQuery() throws Exception {
    HttpResponse<Buffer> miss = h.get("/api/v1/storage/stats?tier=hot");
    assertThat(miss.getHeader("X-Cache")).isEqualTo("MISS");
    HttpResponse<Buffer> hit = h.get("/api/v1/storage/stats?tier=hot");
    assertThat(hit.statusCode()).isEqualTo(200);
    assertThat(hit.getHeader("X-Cache")).isEqualTo("HIT");
    assertThat(hit.bodyAsString()).isEqualTo(miss.bodyAsString());
    assertThat(hit.getHeader("X-Request-Id")).isNotEqualTo(miss.getHeader("X-Request-Id")).isNotBlank();
    assertThat(storage.hits.get()).isEqualTo(1);

    assertThat(h.get("/api/v1/storage/stats?tier=cold").getHeader("X-Cache")).isEqualTo("MISS");
    assertThat(h.get("/api/v1/storage/trade").getHeader("X-Cache")).as("not a cached route").isNull();
  }

  @Test
  void onlyOkResponsesAreCached() throws Exception {
    storage.mode = FakeBackend.Mode.FAIL;
    assertThat(h.get("/api/v1/storage/stats").statusCode()).isEqualTo(500);
    storage.mode = FakeBackend.Mode.OK;
    HttpResponse<Buffer> r = h.get("/api/v1/storage/stats");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.getHeader("X-Cache")).isEqualTo("MISS");
    assertThat(h.get("/api/v1/storage/stats").getHeader("X-Cache")).isEqualTo("HIT");
  }

  @Test
  void headOfTheGatewaysOwnRoutesCarriesTheLengthOfTheirGet() throws Exception {
    for (String uri : new String[] {"/api/v1/gateway/services", "/health", "/"}) {
      HttpResponse<Buffer> get = h.get(uri);
      HttpResponse<Buffer> head = h.web.head(h.port(), "127.0.0.1", uri).send().await(5, TimeUnit.SECONDS);
      assertThat(head.statusCode()).as(uri).isEqualTo(get.statusCode());
      assertThat(head.getHeader("Content-Length")).as(uri).isEqualTo(String.valueOf(get.body().length()));
      assertThat(head.body()).as(uri).isNull();
    }
  }

  @Test
  void badPathEncodingIs400() throws Exception {
    for (String uri : new String[] {"/api/v1/storage/%zz", "/api/v1/storage/%C3%28", "/api/v1/storage/%"}) {
      HttpResponse<Buffer> r = h.get(uri);
      assertThat(r.statusCode()).as(uri).isEqualTo(400);
      assertErrorJson(r, "bad_request");
    }
  }

  /** vertx-web throws decoding such a query (a bare 400 and a stack trace in the log), wherever a handler reads it. */
  @Test
  void badQueryEncodingIs400() throws Exception {
    for (String uri : new String[] {"/api/v1/storage/trade?symbol=%zz", "/api/v1/storage/trade?symbol=BTC-USDT%",
        "/api/v1/collector/status?%zz", "/health?x=%2"}) {
      HttpResponse<Buffer> r = h.get(uri);
      assertThat(r.statusCode()).as(uri).isEqualTo(400);
      assertErrorJson(r, "bad_request");
      assertThat(r.bodyAsJsonObject().getJsonObject("error").getString("message")).as(uri)
          .startsWith("bad percent-encoding in the request query string");
    }
  }

  /** The gateway's own routes: another method is a 405 naming theirs, another path under them a 404 (not an unknown service). */
  @Test
  void theGatewaysOwnRoutesAskedWithAnotherMethodAre405() throws Exception {
    HttpResponse<Buffer> token = h.get("/api/v1/auth/token");
    assertThat(token.statusCode()).isEqualTo(405);
    assertThat(token.getHeader("Allow")).isEqualTo("POST");
    assertErrorJson(token, "method_not_allowed");
    HttpResponse<Buffer> services = h.web.delete(h.port(), "127.0.0.1", "/api/v1/gateway/services").send()
        .await(5, TimeUnit.SECONDS);
    assertThat(services.statusCode()).isEqualTo(405);
    assertThat(services.getHeader("Allow")).isEqualTo("GET, HEAD");
    HttpResponse<Buffer> queried = h.get("/api/v1/gateway/services?service=storage");
    assertThat(queried.statusCode()).isEqualTo(400);
    assertThat(queried.bodyAsJsonObject().getJsonObject("error").getString("message"))
        .isEqualTo("GET /api/v1/gateway/services takes no query parameters; got service");
    HttpResponse<Buffer> other = h.get("/api/v1/gateway/nope");
    assertThat(other.statusCode()).isEqualTo(404);
    assertThat(other.bodyAsJsonObject().getJsonObject("error").getString("message"))
        .isEqualTo("no route for GET /api/v1/gateway/nope");
  }

  @Test
  void bodiesOverTheLimitAre413WhetherSizedOrChunked() throws Exception {
    HttpResponse<Buffer> sized = h.web.post(h.port(), "127.0.0.1", "/api/v1/storage/x")
        .sendBuffer(Buffer.buffer("y".repeat(5000))).await(5, TimeUnit.SECONDS);
    assertThat(sized.statusCode()).isEqualTo(413);
    assertErrorJson(sized, "payload_too_large");

    StringBuilder chunked = new StringBuilder("POST /api/v1/storage/x HTTP/1.1\r\nHost: a\r\n"
        + "Transfer-Encoding: chunked\r\n\r\n");
    for (int i = 0; i < 10; i++) {
      chunked.append("1f4\r\n").append("z".repeat(500)).append("\r\n");
    }
    String answer = raw(chunked.append("0\r\n\r\n").toString());
    assertThat(answer).startsWith("HTTP/1.1 413").contains("\"code\":\"payload_too_large\"");

    HttpResponse<Buffer> tokenBody = h.web.post(h.port(), "127.0.0.1", "/api/v1/auth/token")
        .putHeader("X-API-Key", "whatever").sendBuffer(Buffer.buffer("y".repeat(5000))).await(5, TimeUnit.SECONDS);
    assertThat(tokenBody.statusCode()).isEqualTo(413);
  }

  @Test
  void oversizedHeadersAndGarbageGet4xxJsonNever5xx() throws Exception {
    String big = raw("GET /api/v1/storage/x HTTP/1.1\r\nHost: a\r\nX-Big: " + "b".repeat(5000) + "\r\n\r\n");
    assertThat(big).containsPattern("^HTTP/1.[01] 431");
    assertThat(big).contains("\"code\":\"headers_too_large\"").containsIgnoringCase("x-request-id:");

    String longUri = raw("GET /api/v1/storage/" + "u".repeat(6000) + " HTTP/1.1\r\nHost: a\r\n\r\n");
    assertThat(longUri).containsPattern("^HTTP/1.[01] 414");

    String garbage = raw("BLAH\r\n\r\n");
    assertThat(garbage).containsPattern("^HTTP/1.[01] 400");

    HttpResponse<Buffer> badLength = h.web.get(h.port(), "127.0.0.1", "/api/v1/storage/x")
        .putHeader("Content-Length", "abc").send().await(5, TimeUnit.SECONDS);
    assertThat(badLength.statusCode()).isBetween(400, 499);
  }

  private String raw(String request) throws Exception {
    try (Socket s = new Socket("127.0.0.1", h.port())) {
      s.setSoTimeout(2000);
      OutputStream out = s.getOutputStream();
      out.write(request.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = s.getInputStream();
      java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
      byte[] buf = new byte[8192];
      try {
        for (int n; (n = in.read(buf)) > 0; ) {
          got.write(buf, 0, n);
        }
      } catch (java.net.SocketTimeoutException e) {
        return "(connection left open) " + got.toString(StandardCharsets.ISO_8859_1);
      }
      return got.toString(StandardCharsets.ISO_8859_1);
    }
  }
}
