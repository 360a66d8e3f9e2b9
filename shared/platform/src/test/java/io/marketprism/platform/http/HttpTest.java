package io.marketprism.platform.http;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

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
}
