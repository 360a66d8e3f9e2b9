package io.marketprism.collector.okx;

import static org.assertj.core.api.Assertions.assertThat;

import io.marketprism.collector.normalize.FastPathDifferential;
import io.marketprism.model.Symbols;
import org.junit.jupiter.api.Test;

class OkxFastPathTest {

  @Test
  void fastPathGivesWhatTheGeneralReaderGivesOnCapturesAndTheirMutations() throws Exception {
    OkxParser p = new OkxParser(new Symbols());
    int n = FastPathDifferential.assertSame(FastPathDifferential.messages("okx/cryptofeed_okx_2022-05-13_ws.txt"),
        p::parse, p::general);
    n += FastPathDifferential.assertSame(FastPathDifferential.messages("okx/cryptofeed_okx_2022-02-27_ws.txt"),
        p::parse, p::general);
    n += FastPathDifferential.assertSame(
        FastPathDifferential.messages("okx/gocryptotrader_okx_trades_btc-usdt_2025-02-24.jsonl"), p::parse,
        p::general);
    assertThat(n).isGreaterThan(20_000);
  }
}
