package io.marketprism.collector.subscription;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.marketprism.model.Exchange;
import io.marketprism.model.MarketType;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

class SymbolNamesTest {

  @Test
  void acceptsNormalizedAndExchangeNames() {
    assertThat(SymbolNames.exchangeSymbol(Exchange.BINANCE, MarketType.SPOT, "BTC-USDT")).isEqualTo("BTCUSDT");
    assertThat(SymbolNames.exchangeSymbol(Exchange.BINANCE, MarketType.SPOT, "btcusdt")).isEqualTo("BTCUSDT");
    assertThat(SymbolNames.exchangeSymbol(Exchange.BINANCE, MarketType.PERPETUAL, "BTC-USD")).isEqualTo("BTCUSD_PERP");
    assertThat(SymbolNames.exchangeSymbol(Exchange.OKX, MarketType.PERPETUAL, "BTC-USDT")).isEqualTo("BTC-USDT-SWAP");
    assertThat(SymbolNames.exchangeSymbol(Exchange.OKX, MarketType.PERPETUAL, "BTC-USDT-SWAP"))
        .isEqualTo("BTC-USDT-SWAP");
    assertThat(SymbolNames.exchangeSymbol(Exchange.OKX, MarketType.SPOT, "BTC-USDT")).isEqualTo("BTC-USDT");
    assertThat(SymbolNames.exchangeSymbol(Exchange.DERIBIT, MarketType.PERPETUAL, "BTC-USD"))
        .isEqualTo("BTC-PERPETUAL");
    assertThat(SymbolNames.exchangeSymbol(Exchange.DERIBIT, MarketType.PERPETUAL, "BTC-PERPETUAL"))
        .isEqualTo("BTC-PERPETUAL");
  }

  @Test
  void rejectsSymbolsOfAnotherMarket() {
    assertThatThrownBy(() -> SymbolNames.exchangeSymbol(Exchange.OKX, MarketType.SPOT, "BTC-USDT-SWAP"))
        .hasMessageContaining("not a spot instrument of okx");
    assertThatThrownBy(() -> SymbolNames.exchangeSymbol(Exchange.BINANCE, MarketType.SPOT, "BTC USDT"))
        .hasMessageContaining("not an instrument name");
  }

  @Test
  void requestValidationNamesTheBadField() {
    assertThatThrownBy(() -> SubscriptionRequest.fromJson(new JsonObject().put("exchange", "kraken")))
        .hasMessageContaining("exchange must be one of");
    assertThatThrownBy(() -> SubscriptionRequest.fromJson(new JsonObject().put("exchange", "okx")
        .put("market_type", "spot").put("symbols", "BTC-USDT"))).hasMessageContaining("symbols must be a");
    assertThatThrownBy(() -> SubscriptionRequest.fromJson(new JsonObject().put("exchange", "okx")
        .put("market_type", "spot").put("symbols", new io.vertx.core.json.JsonArray().add("BTC-USDT"))
        .put("data_types", new io.vertx.core.json.JsonArray().add("trades")))).hasMessageContaining("unknown data type");
    assertThatThrownBy(() -> SubscriptionRequest.fromJson(new JsonObject().put("exchange", "okx").put("x", 1)))
        .hasMessageContaining("unknown field 'x'");
  }
}
