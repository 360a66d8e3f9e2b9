package io.marketprism.collector.binance;

import static org.assertj.core.api.Assertions.assertThat;

import io.marketprism.collector.normalize.FastPathDifferential;
import io.marketprism.model.MarketType;
import io.marketprism.model.Symbols;
import org.junit.jupiter.api.Test;

class BinanceFastPathTest {

  @Test
  void fastPathGivesWhatTheGeneralReaderGivesOnSpotCapturesAndTheirMutations() throws Exception {
    BinanceParser p = new BinanceParser(MarketType.SPOT, new Symbols());
    int n = FastPathDifferential.assertSame(
        FastPathDifferential.messages("binance/hftbacktest_spot_btcusdt_20240808_first15000.txt"), p::parse,
        p::general);
    n += FastPathDifferential.assertSame(
        FastPathDifferential.messages("binance/cryptofeed_binance_spot_2021-10-12_ws.txt"), p::parse, p::general);
    assertThat(n).isGreaterThan(50_000);
  }

  @Test
  void fastPathGivesWhatTheGeneralReaderGivesOnFuturesCapturesAndTheirMutations() throws Exception {
    BinanceParser p = new BinanceParser(MarketType.PERPETUAL, new Symbols());
    int n = FastPathDifferential.assertSame(
        FastPathDifferential.messages("binance/hftbacktest_usdm_btcusdt_20230404.txt"), p::parse, p::general);
    n += FastPathDifferential.assertSame(
        FastPathDifferential.messages("binance/cryptofeed_binance_usdm_2021-07-22_ws.txt"), p::parse, p::general);
    assertThat(n).isGreaterThan(50_000);
  }
}
