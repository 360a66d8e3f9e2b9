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
   * One GET, sent again (at most twice) when it got no connection or no answer within 5 s: about one
   * request in a few hundred here waits for its connection until the test's timeout (seen 2026-11,
   * cause not found: not the simulator's routes, which answer the request sent again at once).
   * A route that never answers still fails the test.
   */
  static Response get(Vertx vertx, int port, String uri) {
    for (int attempt = 1; ; attempt++) {
      HttpClient client = vertx.createHttpClient();
      long t0 = System.currentTimeMillis();
      try {
        return await(5, client.request(new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(port)
                .setURI(uri))
            .compose(req -> req.send())
            .compose(resp -> resp.body().map(body -> new Response(resp.statusCode(), resp.getHeader("Retry-After"),
                body.toString(), System.currentTimeMillis() - t0))));
      } catch (AssertionError | RuntimeException e) {
        if (attempt == 3) {
          throw e;
        }
        System.out.println("GET " + uri + " on port " + port + " failed (" + e + "); sending it again");
      } finally {
        client.close();
      }
    }
  }

  /** Waits for a future from a test thread. */
  static <T> T await(Future<T> f) {
    return await(20, f);
  }

  private static <T> T await(int seconds, Future<T> f) {
    try {
      return f.await(seconds, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError("timed out", e);
    }
  }

  private SimulatorHarness() {
  }
}
