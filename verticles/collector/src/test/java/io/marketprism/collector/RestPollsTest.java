package io.marketprism.collector;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static io.marketprism.collector.SimulatedCollector.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * REST-only data of the perpetuals, polled: open interest and the long/short ratios of Binance
 * (futures/data) and OKX (rubik statistics), a new point at each poll when the simulator's
 * statistics step is as short as the poll interval.
 */
class RestPollsTest {

  @Test
  void perpetualsLongShortRatiosAndOpenInterestArePolledFromBinanceAndOkx() throws Exception {
    JsonArray polled = new JsonArray(List.of("trade", "open_interest", "lsr_top_position", "lsr_all_account"));
    try (SimulatedCollector rig = new SimulatedCollector("", List.of("trade"),
        new JsonObject().put("rest", new JsonObject().put("poll_interval_ms", 1_000)), 50,
        so -> so.setStatsStepMs(1_000), exchanges -> {
          for (String ex : List.of("binance", "okx")) {
            exchanges.getJsonObject(ex).getJsonObject("market_types").getJsonObject("perpetual")
                .put("data_types", polled);
          }
        })) {
      for (String key : List.of("lsr_top_position|binance|BTCUSDT", "lsr_all_account|binance|BTCUSDT",
          "lsr_top_position|okx|BTC-USDT-SWAP", "lsr_all_account|okx|BTC-USDT-SWAP")) {
        // a new point each second, polled each second
        await(key + ", at two times", 15_000, () -> rig.times.getOrDefault(key, Set.of()).size() >= 2);
      }
      // polled from Binance; OKX's comes on its WebSocket
      await("open interest", 15_000, () -> rig.newest.containsKey("open_interest|binance|BTCUSDT")
          && rig.newest.containsKey("open_interest|okx|BTC-USDT-SWAP"));
      JsonObject okx = rig.newest.get("lsr_all_account|okx|BTC-USDT-SWAP");
      assertThat(okx.getString("symbol")).isEqualTo("BTC-USDT");
      assertThat(okx.getString("market_type")).isEqualTo("perpetual");
      assertThat(okx.getString("period")).isEqualTo("5m");
      assertThat(okx.getString("long_short_ratio")).matches("[0-9]+(\\.[0-9]+)?");
      assertThat(okx.getLong("ts_ms") % 1_000).isZero();
      assertThat(rig.status().getJsonArray("connections")).isNotEmpty();
    }
  }
}
