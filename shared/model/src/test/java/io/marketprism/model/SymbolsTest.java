package io.marketprism.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class SymbolsTest {

  private final Symbols symbols = new Symbols();

  @ParameterizedTest(name = "{0} {1} ({2}) -> {3} {4}")
  @CsvSource({
      "BINANCE, BTCUSDT, SPOT, BTC-USDT, SPOT",
      "BINANCE, BTCUSDT, PERPETUAL, BTC-USDT, PERPETUAL",
      "BINANCE, BTCFDUSD, SPOT, BTC-FDUSD, SPOT",
      "BINANCE, LRCBTC, SPOT, LRC-BTC, SPOT",
      "BINANCE, RUNEEUR, SPOT, RUNE-EUR, SPOT",
      "BINANCE, BLZETH, SPOT, BLZ-ETH, SPOT",
      "BINANCE, BTCUSD_PERP, , BTC-USD, PERPETUAL",
      "BINANCE, BTCUSDT_250328, PERPETUAL, BTC-USDT-250328, FUTURES",
      "BINANCE, BTCUSD_250328, , BTC-USD-250328, FUTURES",
      "BINANCE, BTC-250328-100000-C, , BTC-USDT-250328-100000-C, OPTIONS",
      "OKX, BTC-USDT, , BTC-USDT, SPOT",
      "OKX, BTC-USDT-SWAP, , BTC-USDT, PERPETUAL",
      "OKX, UNI-USD-SWAP, , UNI-USD, PERPETUAL",
      "OKX, BTC-USD-220527, , BTC-USD-220527, FUTURES",
      "OKX, BTC-USD-220527-30000-C, , BTC-USD-220527-30000-C, OPTIONS",
      "DERIBIT, BTC-PERPETUAL, , BTC-USD, PERPETUAL",
      "DERIBIT, BTC_USDC-PERPETUAL, , BTC-USDC, PERPETUAL",
      "DERIBIT, BTC-28MAR25, , BTC-USD-250328, FUTURES",
      "DERIBIT, ETH-5APR24, , ETH-USD-240405, FUTURES",
      "DERIBIT, BTC-28MAR25-100000-C, , BTC-USD-250328-100000-C, OPTIONS",
      "DERIBIT, XRP_USDC-30JUN23-0d625-P, , XRP-USDC-230630-0.625-P, OPTIONS",
      "DERIBIT, BTC_USDC, , BTC-USDC, SPOT",
  })
  void normalizesAndTranslatesBack(Exchange ex, String exchangeSymbol, MarketType hint, String symbol,
      MarketType type) {
    Instrument i = symbols.normalize(ex, exchangeSymbol, hint);
    assertThat(i).isEqualTo(new Instrument(symbol, type));
    assertThat(symbols.toExchange(ex, symbol, type)).isEqualTo(exchangeSymbol);
  }

  @Test
  void lowerCaseBinanceStreamNamesNormalizeLikeUpperCase() {
    assertThat(symbols.normalize(Exchange.BINANCE, "btcusdt", MarketType.SPOT))
        .isEqualTo(new Instrument("BTC-USDT", MarketType.SPOT));
  }

  @Test
  void exchangeInfoSplitOverridesTheQuoteHeuristic() {
    // "BTCUSD1" would otherwise split at USD1; exchangeInfo says otherwise for this made-up pair
    symbols.addBinanceSymbol("ABCUSDT", "ABCU", "SDT");
    assertThat(symbols.normalize(Exchange.BINANCE, "ABCUSDT", MarketType.SPOT).symbol()).isEqualTo("ABCU-SDT");
  }

  @Test
  void rejectsNamesItCannotRead() {
    assertThatThrownBy(() -> symbols.normalize(Exchange.OKX, "BTC", null)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> symbols.normalize(Exchange.BINANCE, "XYZ", MarketType.SPOT))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> symbols.normalize(Exchange.DERIBIT, "BTC-FS-28MAR25_PERP", null))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void deribitIndexNamesBecomePairs() {
    assertThat(Symbols.deribitIndex("btc_usd")).isEqualTo("BTC-USD");
  }
}
