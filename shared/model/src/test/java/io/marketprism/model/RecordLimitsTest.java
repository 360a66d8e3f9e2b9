package io.marketprism.model;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class RecordLimitsTest {

  private static TradeRecord trade(String side) {
    return new TradeRecord(Exchange.BINANCE, MarketType.SPOT, "BTC-USDT", "BTCUSDT", 1L, 2L, "1", "100", "0.5", side);
  }

  private static LiquidationRecord liquidation(String side) {
    return new LiquidationRecord(Exchange.OKX, MarketType.PERPETUAL, "BTC-USDT", "BTC-USDT-SWAP", 1L, 2L, side, "100",
        "1", null);
  }

  @Test
  void aTradeSideIsBuyOrSell() {
    assertThatCode(() -> RecordLimits.check(trade("buy"))).doesNotThrowAnyException();
    assertThatCode(() -> RecordLimits.check(trade("sell"))).doesNotThrowAnyException();
    assertThatThrownBy(() -> RecordLimits.check(trade("BUY"))).hasMessage("side must be buy or sell, got 'BUY'");
    assertThatThrownBy(() -> RecordLimits.check(trade("bid"))).hasMessage("side must be buy or sell, got 'bid'");
    assertThatThrownBy(() -> RecordLimits.check(trade(""))).hasMessage("side is empty");
  }

  @Test
  void aLiquidationSideIsBuyOrSellWhereKnown() {
    assertThatCode(() -> RecordLimits.check(liquidation(null))).doesNotThrowAnyException();
    assertThatCode(() -> RecordLimits.check(liquidation("sell"))).doesNotThrowAnyException();
    assertThatThrownBy(() -> RecordLimits.check(liquidation("long"))).hasMessage("side must be buy or sell, got 'long'");
  }

  @Test
  void aTradesPriceTimesQuantityMustFitABarsQuoteVolume() {
    assertThatCode(() -> RecordLimits.checkQuoteVolume("999999999999999999", "1")).doesNotThrowAnyException();
    assertThatCode(() -> RecordLimits.checkQuoteVolume("99999999999.9", "10000000")).doesNotThrowAnyException();
    assertThatThrownBy(() -> RecordLimits.checkQuoteVolume("1000000000000000000", "1"))
        .hasMessage("price × quantity (1000000000000000000 × 1) is 1000000000000000000 or more: "
            + "no bar's quote volume holds it");
    assertThatThrownBy(() -> RecordLimits.checkQuoteVolume("-2E9", "5E8")).hasMessageStartingWith("price × quantity");
    assertThatThrownBy(() -> RecordLimits.check(new TradeRecord(Exchange.BINANCE, MarketType.SPOT, "BTC-USDT",
        "BTCUSDT", 1L, 2L, "1", "100000", "10000000000000", "buy"))).hasMessageStartingWith("price × quantity");
  }
}
