package io.marketprism.collector.normalize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.marketprism.model.Exchange;
import io.marketprism.model.Instrument;
import io.marketprism.model.MarketType;
import io.marketprism.model.Symbols;
import org.junit.jupiter.api.Test;

class InstrumentCacheTest {

  @Test
  void theSameNameWithAnotherHintIsAnotherInstrument() throws ParseException {
    InstrumentCache cache = new InstrumentCache(Exchange.BINANCE, new Symbols());
    String name = "BTCUSDT";
    Instrument spot = cache.get(name, MarketType.SPOT);
    assertThat(cache.get(name, MarketType.SPOT)).isSameAs(spot);
    assertThat(cache.get(name, MarketType.PERPETUAL)).isEqualTo(new Instrument("BTC-USDT", MarketType.PERPETUAL));
    assertThat(cache.get(name, MarketType.SPOT)).isSameAs(spot);
    assertThat(cache.get(new String(name), MarketType.SPOT)).isSameAs(spot);
  }

  @Test
  void clearingForgetsTheLastAnswerToo() throws ParseException {
    Symbols symbols = new Symbols();
    InstrumentCache cache = new InstrumentCache(Exchange.BINANCE, symbols);
    String name = "BTCUSDC";
    Instrument before = cache.get(name, MarketType.SPOT);
    // an exchangeInfo answer can split a name otherwise than the default quote assets do
    symbols.addBinanceSymbol(name, "BTCU", "SDC");
    assertThat(cache.get(name, MarketType.SPOT)).isSameAs(before);
    cache.clear();
    assertThat(cache.get(name, MarketType.SPOT)).isEqualTo(new Instrument("BTCU-SDC", MarketType.SPOT));
    assertThat(before).isEqualTo(new Instrument("BTC-USDC", MarketType.SPOT));
  }

  @Test
  void anUnreadableNameIsRejectedEveryTime() {
    InstrumentCache cache = new InstrumentCache(Exchange.OKX, new Symbols());
    assertThatThrownBy(() -> cache.get("", null)).isInstanceOf(ParseException.class);
    assertThatThrownBy(() -> cache.get("", null)).isInstanceOf(ParseException.class);
    assertThatThrownBy(() -> cache.fast("", null)).isInstanceOf(JsonScanner.Fallback.class);
  }
}
