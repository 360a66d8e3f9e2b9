package io.marketprism.simulator;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Deploys a simulator for a test and reads its REST routes. */
final class SimulatorHarness {

  record Response(int status, String retryAfter, String body, long millis) {
  }

  static SimulatorVerticle deploy(Vertx vertx, SimulatorOptions options) {
    SimulatorVerticle sim = new SimulatorVerticle(options);
    await(vertx.deployVerticle(sim));
    return sim;
  }

  /**
   * One GET from the test thread. The response's body is asked for inside {@code send}'s callback,
   * on the connection's event loop: chained after it instead ({@code .compose(req -> req.send())
   * .compose(resp -> resp.body())}), the callback can run after the response has ended, and then
   * the body never comes (about 1 in 10,000 requests here, with Vert.x 5.0.7).
   */
  static Response get(Vertx vertx, int port, String uri) {
    HttpClient client = vertx.createHttpClient();
    long t0 = System.currentTimeMillis();
    try {
      return await(client.request(new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(port)
              .setURI(uri))
          .compose(req -> req.send().compose(resp -> resp.body().map(body -> new Response(resp.statusCode(),
              resp.getHeader("Retry-After"), body.toString(), System.currentTimeMillis() - t0)))));
    } finally {
      client.close();
    }
  }

  /** Waits for a future from a test thread. */
  static <T> T await(Future<T> f) {
    try {
      return f.await(20, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError("timed out", e);
    }
  }

  private SimulatorHarness() {
  }
}
