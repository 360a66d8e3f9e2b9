package io.marketprism.collector.connection;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.client.WebClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The REST gate against a real local HTTP server: weight budget and request headers. */
class RestGateTest {

  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void requestsBeyondTheWeightBudgetWaitForItToRefillAndHeadersAreSent() throws Exception {
    List<Long> arrivals = new CopyOnWriteArrayList<>();
    List<String> keys = new CopyOnWriteArrayList<>();
    HttpServer server = vertx.createHttpServer().requestHandler(req -> {
      arrivals.add(System.currentTimeMillis());
      keys.add(String.valueOf(req.getHeader("X-MBX-APIKEY")));
      req.response().end("[]");
    }).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    String base = "http://127.0.0.1:" + server.actualPort();
    // 100 weight a minute, 10 a heavy request: 10 of them spend it, a light one then waits 0.6 s for 1
    WebClient client = WebClient.create(vertx);
    // a first request opens the connections, so that the timings below are the gate's alone
    Future.all(List.of(client.getAbs(base + "/warm").send(), client.getAbs(base + "/warm").send(),
        client.getAbs(base + "/warm").send(), client.getAbs(base + "/warm").send())).await(5, TimeUnit.SECONDS);
    arrivals.clear();
    keys.clear();
    RestGate gate = new RestGate(vertx, client, "test", 4, 5_000, 100,
        url -> url.endsWith("heavy") ? 10 : 1, (status, wait) -> { });
    long start = System.currentTimeMillis();
    List<Future<String>> answers = new ArrayList<>();
    vertx.runOnContext(v -> {
      for (int i = 0; i < 10; i++) {
        answers.add(gate.get(base + "/heavy", Map.of("X-MBX-APIKEY", "k" + i)));
      }
      answers.add(gate.get(base + "/light"));
    });
    long deadline = System.currentTimeMillis() + 5_000;
    while (arrivals.size() < 10 && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
    }
    assertThat(arrivals).hasSize(10);
    assertThat(arrivals.get(9) - start).as("the budget's worth goes at once").isLessThan(2_000);
    Thread.sleep(300);
    // 0.3 s refilled 0.5 weight: even the light request waits, in order, for the budget
    assertThat(arrivals).hasSize(10);
    assertThat(gate.weightWaits()).isPositive();
    deadline = System.currentTimeMillis() + 5_000;
    while (arrivals.size() < 11 && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
    }
    assertThat(arrivals).hasSize(11);
    assertThat(arrivals.get(10) - start).as("one weight refills in 0.6 s").isGreaterThanOrEqualTo(550);
    assertThat(keys.subList(0, 10)).containsExactlyInAnyOrder("k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8",
        "k9");
    assertThat(keys.get(10)).isEqualTo("null");
    assertThat(Future.all(answers).await(5, TimeUnit.SECONDS).list()).containsOnly("[]");
  }
}
