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
}
