package io.marketprism.collector;

import static io.marketprism.collector.SimulatedCollector.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The status's per-instrument counts are keyed as the records are: Deribit's volatility index,
 * collected on the perpetual feed, is an options record of its index ({@code btc_usd}), and
 * counted there, not under the perpetual.
 */
class InstrumentStatusTest {

  @Test
  void recordsAreCountedUnderTheMarketTypeAndSymbolTheyCarry() throws Exception {
    try (SimulatedCollector rig = new SimulatedCollector("", List.of("trade"), new JsonObject(), 150, so -> { },
        ex -> ex.getJsonObject("deribit").getJsonObject("market_types").getJsonObject("perpetual")
            .put("data_types", new JsonArray().add("trade").add("volatility_index")))) {
      await("a volatility index record", 30_000, () -> instruments(rig).stream().map(JsonObject.class::cast)
          .anyMatch(i -> i.getJsonObject("records").containsKey("volatility_index")));
      for (Object o : instruments(rig)) {
        JsonObject i = (JsonObject) o;
        if (i.getJsonObject("records").containsKey("volatility_index")) {
          assertThat(i.getString("exchange")).isEqualTo("deribit");
          assertThat(i.getString("market_type")).as(i.encode()).isEqualTo("options");
          assertThat(i.getJsonObject("records").fieldNames()).as(i.encode()).containsOnly("volatility_index");
        }
        if ("BTC-PERPETUAL".equals(i.getString("exchange_symbol"))) {
          assertThat(i.getString("market_type")).isEqualTo("perpetual");
          assertThat(i.getJsonObject("records").fieldNames()).as(i.encode()).containsOnly("trade");
        }
      }
    }
  }

  private static JsonArray instruments(SimulatedCollector rig) {
    try {
      return rig.status().getJsonArray("instruments");
    } catch (Exception e) {
      return new JsonArray();
    }
  }
}
