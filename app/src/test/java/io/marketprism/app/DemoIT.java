package io.marketprism.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.marketprism.testkit.FreePorts;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/marketprism demo} end to end (issue: the demo shows, within a minute, trades, books,
 * tickers, funding and liquidations of all three exchanges through the API and the stream): the
 * all-in-one jar's {@code demo} in a JVM of its own, read only from outside, through the gateway's
 * query API and its live stream.
 */
class DemoIT {

  private static final List<String> TYPES = List.of("trade", "orderbook", "ticker", "funding_rate", "liquidation");
  /** Each exchange's BTC perpetual, as the demo collects it: exchange → normalized symbol. */
  private static final Map<String, String> PERPETUALS = Map.of("binance", "BTC-USDT", "okx", "BTC-USDT",
      "deribit", "BTC-USD");
  /** A minute on a fresh machine; CI's two cores are shared with the build, hence the margin. */
  private static final long WITHIN_MS = 90_000;

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  @Test
  @Timeout(value = 4, unit = TimeUnit.MINUTES)
  void withinAMinuteTheApiAndTheStreamShowEachExchangesTradesBooksTickersFundingAndLiquidations(@TempDir Path data)
      throws Exception {
    int port = FreePorts.next();
    String base = "http://127.0.0.1:" + port;
    Set<String> wanted = new TreeSet<>();
    for (String ex : PERPETUALS.keySet()) {
      for (String type : TYPES) {
        wanted.add(type + "." + ex);
      }
    }
    try (NodeProcess demo = NodeProcess.start("demo", Map.of("MP_GATEWAY_PORT", Integer.toString(port)), "demo", "--data",
        data.toString(), "--seconds", "200")) {
      long start = System.nanoTime();
      long deadline = start + TimeUnit.MILLISECONDS.toNanos(WITHIN_MS);
      WebSocket ws = null;
      Set<String> streamed = ConcurrentHashMap.newKeySet();
      Set<String> stored = new TreeSet<>();
      while (System.nanoTime() < deadline && !(stored.containsAll(wanted) && streamed.containsAll(wanted))) {
        if (!demo.process.isAlive()) {
          throw new AssertionError("demo exited with " + demo.process.exitValue() + ":\n" + Files.readString(demo.log));
        }
        if (ws == null) {
          ws = stream(port, streamed);
        }
        for (String key : wanted) {
          if (!stored.contains(key) && storedAny(base, key)) {
            stored.add(key);
          }
        }
        Thread.sleep(1000);
      }
      long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      System.out.printf("demo: %d of %d stored and %d streamed after %d ms%n", stored.size(), wanted.size(),
          streamed.stream().filter(wanted::contains).count(), tookMs);
      assertThat(stored).as("type.exchange with a record through GET /api/v1/storage/{type}").containsAll(wanted);
      assertThat(streamed).as("type.exchange with a record on /ws/v1/stream").containsAll(wanted);
      if (ws != null) {
        ws.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(5, TimeUnit.SECONDS);
      }
      assertThat(demo.terminate(30)).as("exit code after SIGTERM").isZero();
    }
  }

  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void withPortZeroItPrintsTheFreePortItListensOn(@TempDir Path data) throws Exception {
    // it printed http://127.0.0.1:0/ for every URL and "admin JWT : (could not fetch a token: null)"
    try (NodeProcess demo = NodeProcess.start("demo-port-0", Map.of(), "demo", "--port", "0", "--data", data.toString(),
        "--seconds", "120")) {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
      Matcher url = null;
      while (System.nanoTime() < deadline && (url == null || !demo.logText().contains("Stop with Ctrl-C."))) {
        if (!demo.process.isAlive()) {
          throw new AssertionError("demo exited with " + demo.process.exitValue() + ":\n" + demo.logText());
        }
        Matcher m = Pattern.compile("dashboard : http://127\\.0\\.0\\.1:(\\d+)/").matcher(demo.logText());
        url = m.find() ? m : null;
        Thread.sleep(500);
      }
      assertThat(url).as("the dashboard line of:\n" + demo.logText()).isNotNull();
      int port = Integer.parseInt(url.group(1));
      assertThat(port).isPositive();
      assertThat(demo.logText()).contains("stream    : ws://127.0.0.1:" + port + "/ws/v1/stream")
          .doesNotContain("could not fetch a token");
      HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health"))
          .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
      assertThat(health.body()).contains("\"service\":\"gateway\"");
      assertThat(demo.terminate(30)).as("exit code after SIGTERM").isZero();
    }
  }

  /** @return whether the query API has at least one record of {@code type.exchange} for its perpetual */
  private boolean storedAny(String base, String key) {
    String type = key.substring(0, key.indexOf('.'));
    String exchange = key.substring(key.indexOf('.') + 1);
    String url = base + "/api/v1/storage/" + type + "?exchange=" + exchange + "&market_type=perpetual&symbol="
        + PERPETUALS.get(exchange) + "&limit=1";
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
          .GET().build(), HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 && !new JsonObject(r.body()).getJsonArray("data", new JsonArray()).isEmpty();
    } catch (Exception notYet) {
      return false;
    }
  }

  /**
   * @return a live-stream connection subscribed to every subject, adding each record's
   *     {@code type.exchange} to {@code seen}; null while the gateway does not answer yet
   */
  private WebSocket stream(int port, Set<String> seen) {
    WebSocket.Listener listener = new WebSocket.Listener() {
      private final StringBuilder text = new StringBuilder();

      @Override
      public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
        text.append(data);
        if (last) {
          JsonObject m = new JsonObject(text.toString());
          text.setLength(0);
          if (m.containsKey("data_type")) {
            seen.add(m.getString("data_type") + "." + m.getString("exchange"));
          }
        }
        ws.request(1);
        return null;
      }
    };
    try {
      WebSocket ws = http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(2))
          .buildAsync(URI.create("ws://127.0.0.1:" + port + "/ws/v1/stream"), listener).get(5, TimeUnit.SECONDS);
      CompletableFuture<WebSocket> sent = ws.sendText(new JsonObject().put("op", "subscribe")
          .put("subjects", new JsonArray().add(">")).encode(), true);
      sent.get(5, TimeUnit.SECONDS);
      return ws;
    } catch (Exception notYet) {
      return null;
    }
  }
}
