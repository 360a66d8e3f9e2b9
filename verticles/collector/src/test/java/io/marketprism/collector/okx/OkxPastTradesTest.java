package io.marketprism.collector.okx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.marketprism.collector.backfill.TradeGap;
import io.marketprism.collector.backfill.TradePage;
import io.marketprism.collector.backfill.TradeSequences;
import io.marketprism.collector.normalize.Normalizer;
import io.marketprism.collector.normalize.ParseException;
import io.marketprism.model.Exchange;
import io.marketprism.model.MarketRecord;
import io.marketprism.model.MarketType;
import io.marketprism.model.TradeRecord;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** OKX {@code history-trades} pages, shaped as the OKX v5 docs show them. */
class OkxPastTradesTest {

  private final List<MarketRecord> out = new ArrayList<>();
  private final Normalizer normalizer = new Normalizer(Exchange.OKX, null, 20, s -> true, out::add, null);

  @Test
  void historyTradesNewestFirstBecomeTradeRecordsLikeTheTradesChannel() throws Exception {
    String body = "{\"code\":\"0\",\"msg\":\"\",\"data\":["
        + "{\"instId\":\"BTC-USDT-SWAP\",\"side\":\"sell\",\"sz\":\"2\",\"px\":\"29963.2\",\"tradeId\":\"242720720\","
        + "\"ts\":\"1654161646974\",\"source\":\"0\"},"
        + "{\"instId\":\"BTC-USDT-SWAP\",\"side\":\"buy\",\"sz\":\"0.10\",\"px\":\"29964.10\",\"tradeId\":\"242720719\","
        + "\"ts\":\"1654161641568\",\"source\":\"0\"}]}";
    TradePage page = normalizer.onRest("https://www.okx.com/api/v5/market/history-trades?instId=BTC-USDT-SWAP&type=1"
        + "&after=242720721&limit=100", body, 9L);
    assertThat(page).isEqualTo(new TradePage(2, 242720719, 242720720, 1654161646974L));
    assertThat(out).containsExactly(
        new TradeRecord(Exchange.OKX, MarketType.PERPETUAL, "BTC-USDT", "BTC-USDT-SWAP", 1654161646974L, 9L,
            "242720720", "29963.2", "2", "sell"),
        new TradeRecord(Exchange.OKX, MarketType.PERPETUAL, "BTC-USDT", "BTC-USDT-SWAP", 1654161641568L, 9L,
            "242720719", "29964.1", "0.1", "buy"));
  }

  @Test
  void aggregatedLiveTradeAfterAReconnectOpensAGapBelowItsFirstMatch() throws Exception {
    TradeSequences sequences = new TradeSequences(true);
    List<TradeGap> gaps = new ArrayList<>();
    normalizer.trackTrades(sequences, gaps::add);
    normalizer.onMessage(live("242720700", "1"), 1);
    sequences.interrupted();
    // the trades channel pushes one record for 3 matches of one taker order, its id the last one
    normalizer.onMessage(live("242720720", "3"), 2);
    assertThat(gaps).containsExactly(new TradeGap("BTC-USDT", 242720700, 242720718, 1654161646974L, true));
    assertThat(out).hasSize(2);
  }

  @Test
  void aPushLostOnAnOpenSocketIsAGapFilledWithExactlyTheMatchesItCarried() throws Exception {
    TradeSequences sequences = new TradeSequences(true);
    List<TradeGap> gaps = new ArrayList<>();
    normalizer.trackTrades(sequences, gaps::add);
    normalizer.onMessage(live("100", "1"), 1);
    normalizer.onMessage(live("103", "3"), 2);
    // the push of 104..105 is lost; 106..108 reveals it
    normalizer.onMessage(live("108", "3"), 3);
    assertThat(gaps).containsExactly(new TradeGap("BTC-USDT", 103, 106, 1654161646974L, false));
    out.clear();
    // history-trades lists every match on its own, newest first, below the first match of 106..108
    StringBuilder body = new StringBuilder("{\"code\":\"0\",\"msg\":\"\",\"data\":[");
    for (long id = 105; id >= 99; id--) {
      body.append(id < 105 ? "," : "").append("{\"instId\":\"BTC-USDT\",\"side\":\"buy\",\"sz\":\"0.1\",")
          .append("\"px\":\"42219.9\",\"tradeId\":\"").append(id).append("\",\"ts\":\"1654161646974\"}");
    }
    TradePage page = normalizer.onRest("https://www.okx.com/api/v5/market/history-trades?instId=BTC-USDT&type=1"
        + "&after=106&limit=100", body.append("]}").toString(), 4, seq -> sequences.missing(gaps.get(0), seq));
    assertThat(page).as("the page counts every row").isEqualTo(new TradePage(7, 99, 105, 1654161646974L));
    assertThat(out).extracting(r -> ((TradeRecord) r).tradeId()).as("101..103 came in the aggregate 103")
        .containsExactly("105", "104");
  }

  private static String live(String id, String count) {
    return "{\"arg\":{\"channel\":\"trades\",\"instId\":\"BTC-USDT\"},\"data\":[{\"instId\":\"BTC-USDT\","
        + "\"tradeId\":\"" + id + "\",\"px\":\"42219.9\",\"sz\":\"0.12060306\",\"side\":\"buy\","
        + "\"ts\":\"1654161646974\",\"count\":\"" + count + "\"}]}";
  }

  @Test
  void anErrorCodeOrABrokenRowIsRejected() {
    String url = "https://www.okx.com/api/v5/market/history-trades?instId=BTC-USDT&type=1&limit=100";
    assertThatThrownBy(() -> normalizer.onRest(url, "{\"code\":\"50011\",\"msg\":\"Too Many Requests\",\"data\":[]}", 1))
        .isInstanceOf(ParseException.class).hasMessageContaining("50011");
    assertThatThrownBy(() -> normalizer.onRest(url, "{\"code\":\"0\",\"msg\":\"\",\"data\":[{\"instId\":\"BTC-USDT\","
        + "\"side\":\"hold\",\"sz\":\"1\",\"px\":\"1\",\"tradeId\":\"5\",\"ts\":\"1\"}]}", 1))
        .isInstanceOf(ParseException.class).hasMessageContaining("side");
    assertThatThrownBy(() -> normalizer.onRest(url, "{\"code\":\"0\",\"msg\":\"\"}", 1))
        .isInstanceOf(ParseException.class);
    assertThat(out).isEmpty();
  }
}
