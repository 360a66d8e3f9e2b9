package io.marketprism.storage.archive;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpServer;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.function.Function;

/**
 * An HTTP proxy in front of a test ClickHouse through which a test holds or refuses statements of
 * a store: a DROP held open, an insert that never reaches the server (a writer that crashed before it).
 */
final class ClickHouseProxy {

  private ClickHouseProxy() {
  }

  /**
   * @param vertx Vert.x
   * @param clickHouseUrl the server's HTTP URL
   * @param gate for each statement (the URL's query and the body, as text): a future that forwards it
   *     when it succeeds, or answers an error with its message when it fails
   * @return the proxy, listening on a free loopback port
   */
  static Future<HttpServer> start(Vertx vertx, String clickHouseUrl, Function<String, Future<Void>> gate) {
    URI ch = URI.create(clickHouseUrl);
    HttpClient client = vertx.createHttpClient();
    return vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
      String statement = URLDecoder.decode(req.uri(), StandardCharsets.UTF_8) + " " + body;
      gate.apply(statement)
          .compose(v -> client.request(req.method(), ch.getPort(), ch.getHost(), req.uri()))
          .compose(out -> out.send(body))
          .compose(res -> res.body().onSuccess(b -> req.response().setStatusCode(res.statusCode()).end(b)))
          .onFailure(err -> req.response().setStatusCode(502).end(String.valueOf(err.getMessage())));
    })).listen(0, "127.0.0.1");
  }
}
