package io.marketprism.collector.deribit;

import static org.assertj.core.api.Assertions.assertThat;

import io.marketprism.collector.normalize.FastPathDifferential;
import io.marketprism.model.Symbols;
import org.junit.jupiter.api.Test;

class DeribitFastPathTest {

  @Test
  void fastPathGivesWhatTheGeneralReaderGivesOnCapturesAndTheirMutations() throws Exception {
    DeribitParser p = new DeribitParser(new Symbols());
    int n = FastPathDifferential.assertSame(
        FastPathDifferential.messages("deribit/cryptofeed_deribit_2021-07-22_ws.txt"), p::parse, p::general);
    n += FastPathDifferential.assertSame(
        FastPathDifferential.messages("deribit/ssc2ce_deribit_testnet_btc-perpetual_2020-06-22.jsonl"), p::parse,
        p::general);
    n += FastPathDifferential.assertSame(
        FastPathDifferential.messages("deribit/gocryptotrader_deribit_trades_btc-perpetual_agg2_2025-03-22.jsonl"),
        p::parse, p::general);
    assertThat(n).isGreaterThan(500);
  }
}
