package io.marketprism.collector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.marketprism.model.DataType;
import io.marketprism.model.Exchange;
import io.marketprism.model.MarketType;
import io.marketprism.platform.config.ConfigException;
import io.marketprism.platform.config.ConfigLoader;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Where tickers come from: by default the exchanges' ticker channels with the last price and 24 h
 * statistics (Binance {@code @ticker}, OKX {@code tickers}); with {@code exchanges.binance.ticker_stream:
 * bookTicker} and {@code exchanges.okx.ticker_channel: bbo-tbt}, every change of the best bid or offer,
 * each with the exchange's update id.
 */
class TickerStreamsTest {

  /** The shipped conf/marketprism.yaml (tests run in the module directory), without the environment. */
  private static JsonObject defaults() {
    return ConfigLoader.load(Path.of("../../conf/marketprism.yaml"), Map.of());
  }

  private static Set<String> channels(JsonObject root, Exchange ex, String symbol, MarketType type) {
    return CollectorOptions.from(root).exchanges().get(ex).protocol().channels(symbol, type, Set.of(DataType.TICKER))
        .keySet();
  }

  @Test
  void theTickerChannelsAreTheDefaultsAndTheBestBidOfferOnesAreChosenInTheConfig() {
    JsonObject root = defaults();
    assertThat(channels(root, Exchange.BINANCE, "BTCUSDT", MarketType.PERPETUAL)).containsExactly("btcusdt@ticker");
    assertThat(channels(root, Exchange.OKX, "BTC-USDT", MarketType.SPOT)).containsExactly("tickers|BTC-USDT");
    root.getJsonObject("exchanges").getJsonObject("binance").put("ticker_stream", "bookTicker");
    root.getJsonObject("exchanges").getJsonObject("okx").put("ticker_channel", "bbo-tbt");
    assertThat(channels(root, Exchange.BINANCE, "BTCUSDT", MarketType.PERPETUAL)).containsExactly("btcusdt@bookTicker");
    assertThat(channels(root, Exchange.BINANCE, "BTCUSDT", MarketType.SPOT)).containsExactly("btcusdt@bookTicker");
    assertThat(channels(root, Exchange.OKX, "BTC-USDT", MarketType.SPOT)).containsExactly("bbo-tbt|BTC-USDT");
    root.getJsonObject("exchanges").getJsonObject("binance").put("ticker_stream", "bbo");
    assertThatThrownBy(() -> CollectorOptions.from(root)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("exchanges.binance.ticker_stream").hasMessageContaining("bookticker");
    root.getJsonObject("exchanges").getJsonObject("binance").remove("ticker_stream");
    root.getJsonObject("exchanges").getJsonObject("okx").put("ticker_channel", "books");
    assertThatThrownBy(() -> CollectorOptions.from(root)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("exchanges.okx.ticker_channel").hasMessageContaining("bbo-tbt");
  }

  /**
   * Against the simulator: with the best bid/offer streams every Binance and OKX ticker carries the
   * update id the exchange sent, and its bid and ask; Deribit's, which has none, carries null; with
   * the defaults no ticker has one.
   */
  @Test
  void bestBidOfferTickersCarryTheExchangesUpdateIds() throws Exception {
    List<String> instruments = List.of("ticker|binance|BTCUSDT", "ticker|okx|BTC-USDT", "ticker|okx|BTC-USDT-SWAP");
    try (SimulatedCollector rig = new SimulatedCollector("", List.of("ticker"), new JsonObject(), 200, so -> { },
        ex -> {
          ex.getJsonObject("binance").put("ticker_stream", "bookTicker");
          ex.getJsonObject("okx").put("ticker_channel", "bbo-tbt");
        })) {
      SimulatedCollector.await("best bid/offer tickers of every instrument", 30_000,
          () -> instruments.stream().allMatch(rig.newest::containsKey) && rig.newest.containsKey("ticker|deribit|BTC-PERPETUAL")
              && rig.times.get("ticker|binance|BTCUSDT").size() > 20);
      for (String key : instruments) {
        JsonObject t = rig.newest.get(key);
        assertThat(t.getLong("update_id")).as(t.encode()).isPositive();
        assertThat(t.getString("best_bid")).as(t.encode()).isNotNull();
        assertThat(t.getString("best_ask")).as(t.encode()).isNotNull();
      }
      assertThat(rig.newest.get("ticker|deribit|BTC-PERPETUAL").getValue("update_id")).isNull();
    }
    try (SimulatedCollector rig = new SimulatedCollector("", List.of("ticker"), new JsonObject(), 200)) {
      SimulatedCollector.await("24 h tickers", 30_000, () -> instruments.stream().allMatch(rig.newest::containsKey));
      for (String key : instruments) {
        JsonObject t = rig.newest.get(key);
        assertThat(t.getValue("update_id")).as(t.encode()).isNull();
        assertThat(t.getString("last_price")).as(t.encode()).isNotNull();
      }
    }
  }
}
