package io.marketprism.platform.http;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.slf4j.LoggerFactory;

import java.net.ConnectException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** How a route's failure reaches the client. */
class HttpTest {

  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void aServerThatCannotBeReachedIsA503NamingItAndABugIsA500() throws Exception {
    Router router = Router.router(vertx);
    Http.installErrorHandling(router);
    router.get("/down").handler(ctx -> ctx.fail(new IllegalStateException("insert failed",
        new ConnectException("Connection refused: /127.0.0.1:8123"))));
    router.get("/slow").handler(ctx -> ctx.fail(new java.util.concurrent.TimeoutException("no answer in 2000 ms")));
    router.get("/bug").handler(ctx -> ctx.fail(new NullPointerException("x")));
    int port = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").await(5, TimeUnit.SECONDS)
        .actualPort();
    var client = vertx.createHttpClient();
    for (String[] c : new String[][] {{"/down", "503", "unavailable", "127.0.0.1:8123"},
        {"/slow", "503", "unavailable", "2000 ms"}, {"/bug", "500", "internal", "request id"}}) {
      // the body is asked for inside send's callback: asked for later, it may have ended already
      JsonObject r = client.request(HttpMethod.GET, port, "127.0.0.1", c[0])
          .compose(req -> req.send().compose(resp -> resp.body().map(b -> new JsonObject()
              .put("status", resp.statusCode()).put("body", new JsonObject(b)))))
          .await(5, TimeUnit.SECONDS);
      JsonObject error = r.getJsonObject("body").getJsonObject("error");
      assertThat(r.getInteger("status")).as(c[0]).isEqualTo(Integer.parseInt(c[1]));
      assertThat(error.getString("code")).as(c[0]).isEqualTo(c[2]);
      assertThat(error.getString("message")).as(c[0]).contains(c[3]);
    }
  }

  /** A path that a route serves with another method is a 405 naming the methods it takes; any other is a 404. */
  @Test
  void aRoutedPathAskedWithAnotherMethodIs405WithAllowAndAnUnknownOneIs404() throws Exception {
    Router router = Router.router(vertx);
    Http.installErrorHandling(router);
    router.route("/api/*").handler(ctx -> ctx.next());
    router.get("/api/records/:type").handler(ctx -> ctx.json(new JsonObject()));
    router.post("/api/archive").handler(ctx -> ctx.json(new JsonObject()));
    router.get("/").handler(ctx -> ctx.json(new JsonObject()));
    router.delete("/api/jobs/*").handler(ctx -> ctx.json(new JsonObject()));
    int port = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").await(5, TimeUnit.SECONDS)
        .actualPort();
    var client = vertx.createHttpClient();
    for (String[] c : new String[][] {{"POST", "/api/records/trade", "405", "GET, HEAD"},
        {"DELETE", "/api/archive", "405", "POST"}, {"GET", "/api/archive", "405", "POST"},
        {"GET", "/api/nothing", "404", null}, {"POST", "/elsewhere", "404", null},
        {"GET", "/api/records/trade", "200", null}, {"HEAD", "/api/records/trade", "200", null},
        {"POST", "/", "405", "GET, HEAD"}, {"POST", "/api/jobs/a/b", "405", "DELETE"},
        {"GET", "/api/records/trade/more", "404", null}, {"GET", "/api/records/", "404", null}}) {
      JsonObject r = client.request(HttpMethod.valueOf(c[0]), port, "127.0.0.1", c[1])
          .compose(req -> req.send().compose(resp -> resp.body().map(b -> new JsonObject()
              .put("status", resp.statusCode()).put("allow", resp.getHeader("Allow"))
              .put("body", b.length() == 0 ? null : new JsonObject(b)))))
          .await(5, TimeUnit.SECONDS);
      String what = c[0] + " " + c[1];
      assertThat(r.getInteger("status")).as(what).isEqualTo(Integer.parseInt(c[2]));
      assertThat(r.getString("allow")).as(what).isEqualTo(c[3]);
      if (c[2].equals("405")) {
        assertThat(r.getJsonObject("body").getJsonObject("error").getString("code")).isEqualTo("method_not_allowed");
        assertThat(r.getJsonObject("body").getJsonObject("error").getString("message")).as(what)
            .isEqualTo(c[1] + " takes " + c[3] + ", not " + c[0]);
      } else if (c[2].equals("404")) {
        assertThat(r.getJsonObject("body").getJsonObject("error").getString("code")).isEqualTo("not_found");
      }
    }
  }

  @Test
  void headIsAnsweredAsTheGetOfTheSameUriWithItsLengthButWithoutItsBody() throws Exception {
    Router router = Router.router(vertx);
    Http.installErrorHandling(router);
    router.get("/echo").handler(ctx -> ctx.json(new JsonObject().put("q", ctx.request().getParam("q"))));
    int port = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").await(5, TimeUnit.SECONDS)
        .actualPort();
    var client = vertx.createHttpClient();
    for (HttpMethod m : new HttpMethod[] {HttpMethod.HEAD, HttpMethod.GET}) {
      JsonObject r = client.request(m, port, "127.0.0.1", "/echo?q=abc")
          .compose(req -> req.send().compose(resp -> resp.body().map(b -> new JsonObject()
              .put("status", resp.statusCode()).put("type", resp.getHeader("Content-Type"))
              .put("id", resp.getHeader(Http.REQUEST_ID)).put("length", resp.getHeader("Content-Length"))
              .put("body", b.toString()))))
          .await(5, TimeUnit.SECONDS);
      assertThat(r.getInteger("status")).as(m.name()).isEqualTo(200);
      assertThat(r.getString("length")).as(m.name()).isEqualTo("11"); // the GET's body, {"q":"abc"}
      assertThat(r.getString("id")).as(m.name()).isNotBlank();
      assertThat(r.getString("type")).as(m.name()).startsWith("application/json");
      assertThat(r.getString("body")).as(m.name()).isEqualTo(m == HttpMethod.HEAD ? "" : "{\"q\":\"abc\"}");
    }
    JsonObject missing = new JsonObject();
    for (HttpMethod m : new HttpMethod[] {HttpMethod.HEAD, HttpMethod.GET}) {
      missing.put(m.name(), client.request(m, port, "127.0.0.1", "/nowhere")
          .compose(req -> req.send().map(resp -> resp.statusCode() + " " + resp.getHeader("Content-Length")))
          .await(5, TimeUnit.SECONDS));
    }
    assertThat(missing.getString("HEAD")).startsWith("404 ").isEqualTo(missing.getString("GET"));
  }

  @Test
  void aClientErrorIsLoggedWithItsReasonAndABurstOfThemIsThrottled() throws Exception {
    Logger log = (Logger) LoggerFactory.getLogger(ApiError.class);
    ListAppender<ILoggingEvent> lines = new ListAppender<>();
    lines.start();
    log.addAppender(lines);
    try {
      Router router = Router.router(vertx);
      Http.installErrorHandling(router);
      router.get("/records").handler(ctx -> {
        throw ApiError.badRequest("limit must be 1..10000, got 0");
      });
      int port = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").await(5, TimeUnit.SECONDS)
          .actualPort();
      var client = vertx.createHttpClient();
      // a pause longer than the throttle's period first: an earlier test's lines must not hold this one back
      Thread.sleep(1000 / ApiError.LOGGED_PER_SECOND + 50);
      for (int i = 0; i < 50; i++) {
        int status = client.request(HttpMethod.GET, port, "127.0.0.1", "/records?limit=0")
            .compose(req -> req.send().compose(resp -> resp.body().map(b -> resp.statusCode())))
            .await(5, TimeUnit.SECONDS);
        assertThat(status).isEqualTo(400);
      }
      assertThat(lines.list).isNotEmpty();
      assertThat(lines.list.get(0).getFormattedMessage())
          .contains("GET /records", "400 bad_request", "limit must be 1..10000, got 0", "request ");
      // 50 in well under the 5 s ten lines a second would allow: most are left out of the log
      assertThat(lines.list.size()).isLessThan(50);
    } finally {
      log.detachAppender(lines);
    }
  }
}
