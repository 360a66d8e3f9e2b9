package io.marketprism.collector;

import static io.marketprism.collector.SimulatedCollector.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.marketprism.collector.backfill.TradeMarkFile;
import io.marketprism.collector.subscription.SubscriptionApi;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Runtime subscription changes over HTTP and the event bus, status, health, and bad input. */
class CollectorSubscriptionTest {

  @Test
  void addsAndRemovesSymbolsAtRuntimeWithoutTouchingOtherStreams() throws Exception {
    try (SimulatedCollector rig = new SimulatedCollector("", List.of("trade", "orderbook"), new JsonObject(), 100)) {
      await("BTC-USDT book", 15_000, () -> rig.books.containsKey("binance|spot|BTCUSDT"));
      JsonObject before = rig.status();
      long resyncsBefore = rig.counter(before, "resyncs", null);

      // straight to the collector's port without the admin key (CONTRACT §5: these are admin routes,
      // checked by the collector too, not only by the gateway): refused, nothing changes
      String eth = new JsonObject().put("exchange", "binance").put("market_type", "spot")
          .put("symbols", new JsonArray().add("ETH-USDT")).put("data_types", new JsonArray().add("trade")).encode();
      for (String method : List.of("POST", "DELETE")) {
        HttpResponse<String> anonymous = rig.send(HttpRequest.newBuilder(rig.uri(SubscriptionApi.PATH))
            .header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(eth)));
        assertThat(anonymous.statusCode()).as(method + " " + anonymous.body()).isEqualTo(401);
        assertThat(new JsonObject(anonymous.body()).getJsonObject("error").getString("code")).isEqualTo("unauthorized");
      }
      assertThat(rig.send(HttpRequest.newBuilder(rig.uri(SubscriptionApi.PATH))).body()).doesNotContain("ETHUSDT");

      HttpResponse<String> added = post("POST", rig, new JsonObject().put("exchange", "binance")
          .put("market_type", "spot").put("symbols", new JsonArray().add("ETH-USDT"))
          .put("data_types", new JsonArray().add("trade")));
      assertThat(added.statusCode()).isEqualTo(200);
      assertThat(added.body()).contains("\"exchange_symbol\":\"ETHUSDT\"");
      await("ETH-USDT trades", 10_000, () -> rig.trades.containsKey("binance|spot|ETHUSDT"));
      TradeMarkFile marks = new TradeMarkFile(rig.stateDir(), "binance", "spot");
      await("ETH-USDT's trade mark saved", 5_000, () -> marks.load().marks().containsKey("ETHUSDT"));

      JsonObject listed = rig.vertx.eventBus().<JsonObject>request(SubscriptionApi.ADDRESS,
          new JsonObject().put("action", "list")).await(5, TimeUnit.SECONDS).body();
      assertThat(listed.getJsonArray("subscriptions")).hasSize(6);

      HttpResponse<String> removed = post("DELETE", rig, new JsonObject().put("exchange", "binance")
          .put("market_type", "spot").put("symbols", new JsonArray().add("ETHUSDT")));
      assertThat(removed.statusCode()).isEqualTo(200);
      assertThat(removed.body()).doesNotContain("ETHUSDT");
      Thread.sleep(500);
      int after = rig.trades.get("binance|spot|ETHUSDT").size();
      Thread.sleep(1500);
      assertThat(rig.trades.get("binance|spot|ETHUSDT")).hasSize(after);
      // an instrument no longer collected leaves the state file at the next save, the others stay (a save
      // waits until the bus has settled what it held, which on a busy machine can take more than a second)
      await("ETHUSDT gone from the state file", 10_000, () -> marks.load().marks().keySet().equals(Set.of("BTCUSDT")));

      JsonObject status = rig.status();
      // the other streams were not disturbed: no reconnect, no resync
      assertThat(rig.counter(status, "reconnects", null)).isZero();
      assertThat(rig.counter(status, "resyncs", null)).isEqualTo(resyncsBefore);
      assertThat(status.getJsonArray("connections")).allSatisfy(c -> assertThat(((JsonObject) c).getString("state"))
          .isEqualTo("up"));
      assertThat(status.getJsonArray("books")).hasSize(5);
      assertThat(rig.get("/health").statusCode()).isEqualTo(200);

      HttpResponse<String> bad = post("POST", rig, new JsonObject().put("exchange", "binance")
          .put("market_type", "spot").put("symbols", new JsonArray().add("BTC-USDT"))
          .put("data_types", new JsonArray().add("funding_rate")));
      assertThat(bad.statusCode()).isEqualTo(400);
      assertThat(bad.body()).contains("funding_rate is not collected for binance spot");
      assertThat(post("POST", rig, new JsonObject().put("exchange", "kraken")).body())
          .contains("exchange must be one of");
      assertThat(rig.sendAsAdmin(HttpRequest.newBuilder(rig.uri(SubscriptionApi.PATH))
          .POST(HttpRequest.BodyPublishers.ofString("{nope"))).statusCode()).isEqualTo(400);
      assertThat(post("POST", rig, new JsonObject().put("exchange", "okx").put("market_type", "spot")
          .put("symbols", new JsonArray().add("BTC-USDT-SWAP"))).body()).contains("not a spot instrument of okx");
      Throwable busError = rig.vertx.eventBus().request(SubscriptionApi.ADDRESS, new JsonObject().put("action", "add")
          .put("exchange", "okx")).toCompletionStage().toCompletableFuture().handle((r, e) -> e).get();
      assertThat(busError).isInstanceOf(ReplyException.class).hasMessageContaining("market_type");
      assertThat(((ReplyException) busError).failureCode()).isEqualTo(400);

      // an instrument the exchange does not list is taken (the collector keeps no instrument list), and its
      // book's status says what the exchange answered
      assertThat(post("POST", rig, new JsonObject().put("exchange", "binance").put("market_type", "spot")
          .put("symbols", new JsonArray().add("NOPE-USDT")).put("data_types", new JsonArray().add("orderbook")))
          .statusCode()).isEqualTo(200);
      await("NOPEUSDT's snapshot error in the status", 15_000, () -> {
        try {
          return rig.status().getJsonArray("books").stream().map(JsonObject.class::cast)
              .anyMatch(b -> "NOPEUSDT".equals(b.getString("exchange_symbol")) && b.getString("state").equals("syncing")
                  && b.getString("last_snapshot_error", "").contains("Invalid symbol"));
        } catch (Exception e) {
          return false;
        }
      });
    }
  }

  private static HttpResponse<String> post(String method, SimulatedCollector rig, JsonObject body) throws Exception {
    return rig.sendAsAdmin(HttpRequest.newBuilder(rig.uri(SubscriptionApi.PATH)).header("Content-Type", "application/json")
        .method(method, HttpRequest.BodyPublishers.ofString(body.encode())));
  }
}
