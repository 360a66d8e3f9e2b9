package io.marketprism.collector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.marketprism.collector.backfill.TradeGap;
import io.marketprism.collector.backfill.TradeHistory;
import io.marketprism.collector.feed.Endpoint;
import io.marketprism.model.Exchange;
import io.marketprism.model.MarketType;
import io.marketprism.platform.config.ConfigException;
import io.marketprism.platform.config.ConfigLoader;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The backfill settings of the shipped configuration, their validation, and the REST plans they lead to. */
class BackfillOptionsTest {

  /** The shipped conf/marketprism.yaml (tests run in the module directory), without the environment. */
  private static JsonObject defaults() {
    return ConfigLoader.load(Path.of("../../conf/marketprism.yaml"), Map.of());
  }

  @Test
  void shippedDefaultsEnableBackfillWithBoundsAndPublicEndpoints() {
    CollectorOptions o = CollectorOptions.from(defaults());
    assertThat(o.backfill()).isEqualTo(new CollectorOptions.BackfillOptions(true, 10, 600_000, 3_000, 2));
    CollectorOptions.ExchangeOptions binance = o.exchanges().get(Exchange.BINANCE);
    assertThat(binance.restWeightPerMinute()).isEqualTo(2400);
    Endpoint usdm = binance.endpoints().get("usdm");
    // aggTrade stream (the default): public aggTrades, whose ids are the stream's
    TradeHistory futures = binance.protocol().tradeHistory(usdm, MarketType.PERPETUAL, "BTCUSDT");
    assertThat(futures.url().url(42, TradeGap.OPEN))
        .isEqualTo("https://fapi.binance.com/fapi/v1/aggTrades?symbol=BTCUSDT&fromId=42&limit=1000");
    assertThat(futures.headers()).isEmpty();
    TradeHistory spot = binance.protocol().tradeHistory(binance.endpoints().get("spot"), MarketType.SPOT, "BTCUSDT");
    assertThat(spot.url().url(7, TradeGap.OPEN))
        .isEqualTo("https://api.binance.com/api/v3/historicalTrades?symbol=BTCUSDT&fromId=7&limit=1000");
    assertThat(binance.protocol().restWeight(spot.url().url(7, TradeGap.OPEN))).isEqualTo(25);
    CollectorOptions.ExchangeOptions okx = o.exchanges().get(Exchange.OKX);
    assertThat(okx.protocol().tradeHistory(okx.endpoints().get("public"), MarketType.SPOT, "BTC-USDT").url()
        .url(1000, TradeGap.OPEN))
        .isEqualTo("https://www.okx.com/api/v5/market/history-trades?instId=BTC-USDT&type=1&after=1000&limit=100");
    CollectorOptions.ExchangeOptions deribit = o.exchanges().get(Exchange.DERIBIT);
    assertThat(deribit.protocol().tradeHistory(deribit.endpoints().get("public"), MarketType.PERPETUAL,
        "BTC-PERPETUAL").url().url(5, 9)).isEqualTo("https://www.deribit.com/api/v2/public/get_last_trades_by_instrument"
        + "?instrument_name=BTC-PERPETUAL&start_seq=5&end_seq=9&count=1000&sorting=asc");
  }

  @Test
  void futuresTradeStreamHistoryIsTheRecentTradesWithoutAnApiKeyAndHistoricalTradesWithOne() {
    JsonObject root = defaults();
    root.getJsonObject("exchanges").getJsonObject("binance").put("futures_trade_stream", "trade");
    CollectorOptions.ExchangeOptions b = CollectorOptions.from(root).exchanges().get(Exchange.BINANCE);
    TradeHistory none = b.protocol().tradeHistory(b.endpoints().get("usdm"), MarketType.PERPETUAL, "BTCUSDT");
    assertThat(none.available()).isTrue();
    assertThat(none.recentOnly()).isTrue();
    assertThat(none.headers()).isEmpty();
    assertThat(none.url().url(42, 99)).as("one page, whatever the gap")
        .isEqualTo("https://fapi.binance.com/fapi/v1/trades?symbol=BTCUSDT&limit=1000");
    assertThat(b.protocol().restWeight(none.url().url(42, 99))).isEqualTo(5);
    TradeHistory coinm = b.protocol().tradeHistory(b.endpoints().get("coinm"), MarketType.PERPETUAL, "BTCUSD_PERP");
    assertThat(coinm.url().url(1, TradeGap.OPEN))
        .isEqualTo("https://dapi.binance.com/dapi/v1/trades?symbol=BTCUSD_PERP&limit=1000");
    assertThat(b.protocol().restWeight(coinm.url().url(1, TradeGap.OPEN))).isEqualTo(5);
    root.getJsonObject("exchanges").getJsonObject("binance").put("api_key", "abcDEF123456");
    b = CollectorOptions.from(root).exchanges().get(Exchange.BINANCE);
    TradeHistory keyed = b.protocol().tradeHistory(b.endpoints().get("coinm"), MarketType.PERPETUAL, "BTCUSD_PERP");
    assertThat(keyed.headers()).containsEntry("X-MBX-APIKEY", "abcDEF123456");
    assertThat(keyed.pageSize()).isEqualTo(500);
    assertThat(keyed.recentOnly()).isFalse();
    assertThat(keyed.url().url(3, TradeGap.OPEN))
        .isEqualTo("https://dapi.binance.com/dapi/v1/historicalTrades?symbol=BTCUSD_PERP&fromId=3&limit=500");
  }

  @Test
  void tradeMarksAreKeptInTheShippedStateDirectoryUnlessItIsEmpty() {
    assertThat(CollectorOptions.from(defaults()).stateDir()).isEqualTo(Path.of("data/collector"));
    JsonObject root = defaults();
    root.getJsonObject("collector").remove("state_dir");
    assertThat(CollectorOptions.from(root).stateDir()).isEqualTo(Path.of(CollectorOptions.DEFAULT_STATE_DIR));
    root.getJsonObject("collector").put("state_dir", " ");
    assertThat(CollectorOptions.from(root).stateDir()).isNull();
    assertThat(CollectorOptions.from(ConfigLoader.load(Path.of("../../conf/marketprism.yaml"),
        Map.of("MP_COLLECTOR_STATE_DIR", ""))).stateDir()).as("off from the environment").isNull();
    root.getJsonObject("collector").put("state_dir", new JsonObject());
    assertThatThrownBy(() -> CollectorOptions.from(root)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("collector.state_dir");
  }

  @Test
  void theMarksAreSavedEverySecondUnlessConfiguredAndTheIntervalMustBePositive() {
    assertThat(CollectorOptions.from(defaults()).stateSaveIntervalMs()).isEqualTo(1_000);
    JsonObject root = defaults();
    root.getJsonObject("collector").remove("state_save_interval_ms");
    assertThat(CollectorOptions.from(root).stateSaveIntervalMs()).isEqualTo(1_000);
    assertThat(CollectorOptions.from(ConfigLoader.load(Path.of("../../conf/marketprism.yaml"),
        Map.of("MP_COLLECTOR_STATE_SAVE_INTERVAL_MS", "250"))).stateSaveIntervalMs()).isEqualTo(250);
    for (Object bad : new Object[] {0, -5, "soon", 1.5}) {
      root.getJsonObject("collector").put("state_save_interval_ms", bad);
      assertThatThrownBy(() -> CollectorOptions.from(root)).as("%s", bad).isInstanceOf(ConfigException.class)
          .hasMessageContaining("collector.state_save_interval_ms").hasMessageContaining("from 1 to 3600000");
    }
  }

  @Test
  void badValuesNameTheirKey() {
    JsonObject root = defaults();
    root.getJsonObject("collector").put("backfill", new JsonObject().put("max_pages", 0));
    assertThatThrownBy(() -> CollectorOptions.from(root)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("collector.backfill.max_pages");
    JsonObject key = defaults();
    key.getJsonObject("exchanges").getJsonObject("binance").put("api_key", "not a key!");
    assertThatThrownBy(() -> CollectorOptions.from(key)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("exchanges.binance.api_key");
  }
}
