package io.marketprism.collector.normalize;

import static org.assertj.core.api.Assertions.assertThat;

import io.marketprism.model.DataType;
import io.marketprism.model.Exchange;
import io.marketprism.model.MarketType;
import org.junit.jupiter.api.Test;

class FixtureCapturesTest {

  @Test
  void binanceSpotHftbacktestRebuildsTheBookMatchingEveryBookTicker() throws Exception {
    CaptureRun run = CaptureRun.replay(Exchange.BINANCE, MarketType.SPOT,
        "binance/hftbacktest_spot_btcusdt_20240808_first15000.txt");
    System.out.println("hftbacktest spot: " + run);
    assertThat(run.rejections).isEmpty();
    assertThat(run.messages).isEqualTo(15000);
    assertThat(run.count(DataType.TRADE)).isEqualTo(2744);
    assertThat(run.normalizer.bookStats().gaps()).isZero();
    assertThat(run.crossMatched).isEqualTo(229);
    assertThat(run.crossChecked).isEqualTo(229);
  }

  @Test
  void binanceUsdm2023HftbacktestRebuildsTheBookMatchingEveryBookTicker() throws Exception {
    CaptureRun run = CaptureRun.replay(Exchange.BINANCE, MarketType.PERPETUAL,
        "binance/hftbacktest_usdm_btcusdt_20230404.txt");
    System.out.println("hftbacktest usdm 2023: " + run);
    assertThat(run.rejections).isEmpty();
    assertThat(run.count(DataType.TRADE)).isEqualTo(2197);
    assertThat(run.count(DataType.MARK_PRICE)).isEqualTo(99);
    assertThat(run.count(DataType.FUNDING_RATE)).isEqualTo(99);
    assertThat(run.normalizer.bookStats().gaps()).isZero();
    assertThat(run.crossMatched).isEqualTo(310);
    assertThat(run.crossChecked).isEqualTo(310);
  }

  @Test
  void binanceUsdm2024HftbacktestRebuildsTheBookMatchingEveryBookTicker() throws Exception {
    CaptureRun run = CaptureRun.replay(Exchange.BINANCE, MarketType.PERPETUAL,
        "binance/hftbacktest_usdm_btcusdt_20240718.txt");
    System.out.println("hftbacktest usdm 2024: " + run);
    assertThat(run.rejections).isEmpty();
    assertThat(run.count(DataType.TRADE)).isEqualTo(974);
    assertThat(run.normalizer.bookStats().gaps()).isZero();
    assertThat(run.crossMatched).isEqualTo(195);
    assertThat(run.crossChecked).isEqualTo(195);
  }

  @Test
  void binanceSpotCryptofeedCaptureBridgesEverySnapshot() throws Exception {
    CaptureRun run = CaptureRun.replay(Exchange.BINANCE, MarketType.SPOT,
        "binance/cryptofeed_binance_spot_2021-10-12_ws.txt", "binance/cryptofeed_binance_spot_2021-10-12_rest_depth.txt");
    System.out.println("cryptofeed binance spot: " + run);
    assertThat(run.rejections).isEmpty();
    assertThat(run.count(DataType.TRADE)).isEqualTo(2);
    assertThat(run.count(DataType.KLINE)).isEqualTo(2);
    assertThat(run.count(DataType.TICKER)).isEqualTo(84);
    assertThat(run.normalizer.bookStats().gaps()).isZero();
    assertThat(run.normalizer.booksNeedingResync()).isEmpty();
    assertThat(run.crossMatched).isEqualTo(run.crossChecked);
  }

  @Test
  void binanceUsdmCryptofeedCaptureBridgesEverySnapshot() throws Exception {
    CaptureRun run = CaptureRun.replay(Exchange.BINANCE, MarketType.PERPETUAL,
        "binance/cryptofeed_binance_usdm_2021-07-22_ws.txt", "binance/cryptofeed_binance_usdm_2021-07-22_rest_depth.txt",
        "binance/cryptofeed_binance_usdm_2021-07-22_rest_exchangeInfo.txt");
    System.out.println("cryptofeed binance usdm: " + run);
    assertThat(run.rejections).isEmpty();
    assertThat(run.count(DataType.TRADE)).isEqualTo(91);
    assertThat(run.count(DataType.KLINE)).isEqualTo(67);
    assertThat(run.count(DataType.TICKER)).isEqualTo(613);
    assertThat(run.normalizer.bookStats().gaps()).isZero();
    assertThat(run.normalizer.booksNeedingResync()).isEmpty();
    assertThat(run.crossMatched).isEqualTo(run.crossChecked);
  }

  @Test
  void okxBooksChannelVerifiesEveryChecksum() throws Exception {
    CaptureRun run = CaptureRun.replay(Exchange.OKX, null, "okx/cryptofeed_okx_2022-05-13_ws.txt",
        "okx/cryptofeed_okx_2022-05-13_rest_instruments.txt");
    System.out.println("cryptofeed okx 2022-05-13: " + run);
    assertThat(run.rejections).isEmpty();
    assertThat(run.normalizer.bookStats().checksumOk()).isEqualTo(290);
    assertThat(run.normalizer.bookStats().checksumFailed()).isZero();
    assertThat(run.count(DataType.ORDERBOOK)).isEqualTo(290);
    assertThat(run.count(DataType.TRADE)).isEqualTo(CaptureRun.countLines("okx/cryptofeed_okx_2022-05-13_ws.txt", "\"tradeId\""));
    assertThat(run.count(DataType.TICKER)).isEqualTo(28);
    assertThat(run.normalizer.bookStats().gaps()).isZero();
  }

  @Test
  void okxTickByTickBooksVerifyEveryChecksum() throws Exception {
    CaptureRun run = CaptureRun.replay(Exchange.OKX, null, "okx/cryptofeed_okx_2022-02-27_ws.txt",
        "okx/cryptofeed_okx_2022-02-27_rest_instruments.txt");
    System.out.println("cryptofeed okx 2022-02-27: " + run);
    assertThat(run.rejections).isEmpty();
    assertThat(run.normalizer.bookStats().checksumOk()).isEqualTo(3679);
    assertThat(run.normalizer.bookStats().checksumFailed()).isZero();
    assertThat(run.count(DataType.ORDERBOOK)).isEqualTo(3679);
    assertThat(run.count(DataType.TRADE)).isEqualTo(CaptureRun.countLines("okx/cryptofeed_okx_2022-02-27_ws.txt", "\"tradeId\""));
    assertThat(run.count(DataType.TICKER)).isEqualTo(19);
  }

  @Test
  void okxTradesWithCountFieldParse() throws Exception {
    CaptureRun run = CaptureRun.replay(Exchange.OKX, null, "okx/gocryptotrader_okx_trades_btc-usdt_2025-02-24.jsonl");
    assertThat(run.rejections).isEmpty();
    assertThat(run.count(DataType.TRADE)).isEqualTo(2);
  }

  @Test
  void deribitOptionsBooksFollowChangeIds() throws Exception {
    CaptureRun run = CaptureRun.replay(Exchange.DERIBIT, null, "deribit/cryptofeed_deribit_2021-07-22_ws.txt",
        "deribit/cryptofeed_deribit_2021-07-22_rest_instruments.txt");
    System.out.println("cryptofeed deribit: " + run);
    assertThat(run.rejections).isEmpty();
    assertThat(run.normalizer.bookStats().gaps()).isZero();
    assertThat(run.count(DataType.ORDERBOOK)).isEqualTo(46);
    assertThat(run.count(DataType.TICKER)).isEqualTo(89);
    assertThat(run.count(DataType.MARK_PRICE)).isEqualTo(89);
    assertThat(run.count(DataType.TRADE)).isZero();
  }

  @Test
  void deribitAggregatedTradesParse() throws Exception {
    CaptureRun run = CaptureRun.replay(Exchange.DERIBIT, null,
        "deribit/gocryptotrader_deribit_trades_btc-perpetual_agg2_2025-03-22.jsonl");
    assertThat(run.rejections).isEmpty();
    assertThat(run.count(DataType.TRADE)).isEqualTo(2);
  }
}
