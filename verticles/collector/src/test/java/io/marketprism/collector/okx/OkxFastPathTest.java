package io.marketprism.collector.okx;

import static org.assertj.core.api.Assertions.assertThat;

import io.marketprism.collector.normalize.FastPathDifferential;
import io.marketprism.model.Symbols;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class OkxFastPathTest {

  private static final String TRADES = "okx/gocryptotrader_okx_trades_btc-usdt_2025-02-24.jsonl";

  @Test
  void fastPathGivesWhatTheGeneralReaderGivesOnCapturesAndTheirMutations() throws Exception {
    OkxParser p = new OkxParser(new Symbols());
    int n = FastPathDifferential.assertSame(FastPathDifferential.messages("okx/cryptofeed_okx_2022-05-13_ws.txt"),
        p::parse, p::general);
    n += FastPathDifferential.assertSame(FastPathDifferential.messages("okx/cryptofeed_okx_2022-02-27_ws.txt"),
        p::parse, p::general);
    n += FastPathDifferential.assertSame(FastPathDifferential.messages(TRADES), p::parse, p::general);
    assertThat(n).isGreaterThan(20_000);
  }

  /**
   * The single-match pushes of a {@code trades} capture as {@code trades-all} sends them (its
   * channel, {@code source}, no {@code count}): both paths agree on them and their mutations, and
   * each gives exactly the record its {@code trades} original gives, sequence included.
   */
  @Test
  void tradesAllPushesGiveTheRecordsOfTheirTradesOriginalsOnBothPaths() throws Exception {
    OkxParser p = new OkxParser(new Symbols());
    List<String> originals = new ArrayList<>();
    List<String> all = new ArrayList<>();
    for (String capture : List.of(TRADES, "okx/cryptofeed_okx_2022-05-13_ws.txt", "okx/cryptofeed_okx_2022-02-27_ws.txt")) {
      for (String m : FastPathDifferential.messages(capture)) {
        // pushes of single matches (2022 captures predate count); not the subscribe acknowledgements
        int count = m.indexOf("\"count\":\"");
        if (m.startsWith("{\"arg\":{\"channel\":\"trades\"") && count == m.lastIndexOf("\"count\":\"")
            && (count < 0 || m.startsWith("\"count\":\"1\"", count))) {
          originals.add(m);
          all.add(tradesAll(m));
        }
      }
    }
    assertThat(all).hasSizeGreaterThan(90);
    for (int i = 0; i < all.size(); i++) {
      String want = FastPathDifferential.outcome(originals.get(i), p::general);
      assertThat(want).contains("\"data_type\":\"trade\"").doesNotContain("rejected");
      assertThat(FastPathDifferential.outcome(all.get(i), p::parse)).as(all.get(i)).isEqualTo(want);
      assertThat(FastPathDifferential.outcome(all.get(i), p::general)).as(all.get(i)).isEqualTo(want);
    }
    assertThat(FastPathDifferential.assertSame(all, p::parse, p::general)).isGreaterThan(all.size());
  }

  /** The OKX docs' {@code trades-all} example push, read by both paths as one match. */
  @Test
  void theDocumentedTradesAllPushIsOneMatchUnderItsId() {
    OkxParser p = new OkxParser(new Symbols());
    String push = "{\"arg\":{\"channel\":\"trades-all\",\"instId\":\"BTC-USDT\"},\"data\":[{\"instId\":\"BTC-USDT\","
        + "\"tradeId\":\"130639474\",\"px\":\"42219.9\",\"sz\":\"0.12060306\",\"side\":\"buy\",\"source\":\"0\","
        + "\"ts\":\"1630048897897\"}]}";
    String fast = FastPathDifferential.outcome(push, p::parse);
    assertThat(fast).isEqualTo(FastPathDifferential.outcome(push, p::general))
        .contains("\"trade_id\":\"130639474\"", "\"price\":\"42219.9\"", "\"quantity\":\"0.12060306\"",
            "\"side\":\"buy\"", "\"ts_ms\":1630048897897", "\"market_type\":\"spot\"", "\"symbol\":\"BTC-USDT\"")
        .endsWith(" seq=130639474..130639474\n");
    // the same push on the aggregated channel with count 3 covers the two matches before it as well
    String aggregated = push.replace("trades-all", "trades").replace("\"source\":\"0\"", "\"count\":\"3\"");
    assertThat(FastPathDifferential.outcome(aggregated, p::parse)).endsWith(" seq=130639472..130639474\n");
  }

  /** The OKX docs' {@code bbo-tbt} push: a ticker of the best bid and offer, its {@code seqId} the update id. */
  @Test
  void theDocumentedBboPushIsATickerWithItsSeqIdAsUpdateId() {
    OkxParser p = new OkxParser(new Symbols());
    String push = "{\"arg\":{\"channel\":\"bbo-tbt\",\"instId\":\"BCH-USDT-SWAP\"},\"data\":[{\"asks\":"
        + "[[\"111.06\",\"55154\",\"0\",\"2\"]],\"bids\":[[\"111.05\",\"57745\",\"0\",\"2\"]],"
        + "\"ts\":\"1670324386802\",\"seqId\":363996337}]}";
    String both = FastPathDifferential.outcome(push, p::parse);
    assertThat(both).isEqualTo(FastPathDifferential.outcome(push, p::general))
        .contains("\"data_type\":\"ticker\"", "\"best_bid\":\"111.05\"", "\"best_ask_qty\":\"55154\"",
            "\"update_id\":363996337", "\"ts_ms\":1670324386802");
    assertThat(FastPathDifferential.outcome(push.replace(",\"seqId\":363996337", ""), p::general))
        .contains("\"update_id\":null");
  }

  private static String tradesAll(String trades) {
    return trades.replace("\"channel\":\"trades\"", "\"channel\":\"trades-all\"")
        .replace(",\"count\":\"1\"", ",\"source\":\"0\"");
  }
}
