package io.marketprism.collector.normalize;

import static org.assertj.core.api.Assertions.assertThat;

import io.marketprism.model.DataType;
import io.marketprism.model.Exchange;
import io.marketprism.model.MarketRecord;
import io.marketprism.model.MarketType;
import io.marketprism.model.OrderBookRecord;
import io.marketprism.model.PriceLevel;
import io.marketprism.model.RecordJson;
import io.marketprism.model.TradeRecord;
import java.io.ByteArrayOutputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class NormalizeJobTest {

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  private NormalizeJob.Summary run(Exchange ex, MarketType type, String... examples) throws Exception {
    List<Path> inputs = Arrays.stream(examples).map(NormalizeJobTest::example).toList();
    return new NormalizeJob().run(new NormalizeJob.Options(ex, type, Set.of(), NormalizeJob.DEFAULT_DEPTH, inputs, out));
  }

  private List<MarketRecord> records() {
    return out.toString(StandardCharsets.UTF_8).lines().map(RecordJson::parse).toList();
  }

  private static Path example(String name) {
    try {
      return Path.of(NormalizeJobTest.class.getResource("/examples/" + name).toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void binanceGapUnsyncsTheBookUntilTheNextSnapshotBridgesIt() throws Exception {
    NormalizeJob.Summary s = run(Exchange.BINANCE, MarketType.SPOT, "binance_spot_gap_ws.txt", "binance_spot_gap_rest.txt");
    assertThat(s.rejected()).isZero();
    assertThat(s.messages()).isEqualTo(8);
    assertThat(s.gaps()).isEqualTo(1);
    assertThat(s.resyncs()).isEqualTo(1);
    List<OrderBookRecord> books = records().stream().map(OrderBookRecord.class::cast).toList();
    assertThat(books).extracting(OrderBookRecord::lastUpdateId).containsExactly(100L, 102L, 104L, 109L, 110L);
    OrderBookRecord last = books.get(books.size() - 1);
    assertThat(last.bids()).containsExactly(new PriceLevel("100", "4"), new PriceLevel("99", "2"));
    assertThat(last.asks()).containsExactly(new PriceLevel("101.5", "0.7"), new PriceLevel("102", "3"));
    assertThat(last.checksumOk()).isNull();
    // the book known to be wrong after the gap (100.5 from the diff after the hole) never appears
    assertThat(books).allSatisfy(b -> assertThat(b.bids()).doesNotContain(new PriceLevel("100.5", "9.9")));
  }

  @Test
  void okxChecksumFailureUnsyncsTheBookUntilTheNextSnapshot() throws Exception {
    NormalizeJob.Summary s = run(Exchange.OKX, null, "okx_checksum_failure.txt");
    assertThat(s.rejected()).isZero();
    assertThat(s.checksumOk()).isEqualTo(3);
    assertThat(s.checksumFailed()).isEqualTo(1);
    assertThat(s.resyncs()).isEqualTo(1);
    assertThat(s.gaps()).isZero();
    List<OrderBookRecord> books = records().stream().map(OrderBookRecord.class::cast).toList();
    assertThat(books).extracting(OrderBookRecord::lastUpdateId)
        .containsExactly(1700000000100L, 1700000000200L, 1700000000500L);
    assertThat(books).allSatisfy(b -> assertThat(b.checksumOk()).isTrue());
    assertThat(books.get(2).bids()).containsExactly(new PriceLevel("30000.1", "6"), new PriceLevel("29999.5", "1"));
    assertThat(books.get(2).symbol()).isEqualTo("BTC-USDT");
    assertThat(books.get(2).marketType()).isEqualTo(MarketType.PERPETUAL);
  }

  @Test
  void tradesInOneMillisecondAreAllKeptAndARedeliveryKeepsItsIdentity() throws Exception {
    NormalizeJob.Summary s = run(Exchange.BINANCE, MarketType.SPOT, "binance_trades_duplicate.jsonl");
    assertThat(s.records(DataType.TRADE)).isEqualTo(4);
    List<TradeRecord> trades = records().stream().map(TradeRecord.class::cast).toList();
    assertThat(trades).extracting(TradeRecord::tradeId).containsExactly("1", "2", "2", "3");
    assertThat(trades.get(3).tsMs()).isEqualTo(trades.get(1).tsMs());
    // the re-delivered trade has the same identity, so the bus de-duplicates it; the others differ
    assertThat(trades.stream().map(MarketRecord::identity).distinct())
        .containsExactly("trade:binance:spot:BTC-USDT:1", "trade:binance:spot:BTC-USDT:2",
            "trade:binance:spot:BTC-USDT:3");
    assertThat(trades.get(0).side()).isEqualTo("sell");
    assertThat(trades.get(0).price()).isEqualTo("100.1");
    assertThat(trades.get(0).quantity()).isEqualTo("0.5");
  }

  @Test
  void malformedAndUnknownMessagesAreRejectedAndTheRestNormalized() throws Exception {
    NormalizeJob.Summary s = run(Exchange.BINANCE, MarketType.SPOT, "binance_malformed.jsonl");
    assertThat(s.messages()).isEqualTo(6);
    assertThat(s.rejected()).isEqualTo(4);
    assertThat(s.records(DataType.TRADE)).isEqualTo(1);
    assertThat(((TradeRecord) records().get(0)).tradeId()).isEqualTo("10");
  }

  @Test
  void summaryLineFollowsTheContract() throws Exception {
    NormalizeJob.Summary s = run(Exchange.OKX, null, "okx_checksum_failure.txt");
    assertThat(s.toJson()).isEqualTo("{\"messages\":6,\"records\":{\"orderbook\":3},\"rejected\":0,"
        + "\"books\":{\"checksum_ok\":3,\"checksum_failed\":1,\"gaps\":0,\"resyncs\":1}}");
  }

  @Test
  void symbolFilterKeepsOnlyTheNamedInstruments() throws Exception {
    new NormalizeJob().run(new NormalizeJob.Options(Exchange.BINANCE, MarketType.SPOT, Set.of("ETH-USDT"), 5,
        List.of(example("binance_trades_duplicate.jsonl")), out));
    assertThat(out.size()).isZero();
  }

  @Test
  void bareSnapshotLineOfASingleSymbolCaptureIsItsRestSnapshot() throws Exception {
    NormalizeJob.Summary s = new NormalizeJob().run(new NormalizeJob.Options(Exchange.BINANCE, MarketType.SPOT,
        Set.of(), 5, List.of(CaptureRun.fixture("binance/hftbacktest_spot_btcusdt_20240808_first15000.txt")), out));
    assertThat(s.rejected()).isZero();
    assertThat(s.messages()).isEqualTo(15000);
    assertThat(s.records(DataType.TRADE)).isEqualTo(2744);
    assertThat(s.gaps()).isZero();
    assertThat(s.records(DataType.ORDERBOOK)).isGreaterThan(1300);
  }
}
