package io.marketprism.collector.binance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.marketprism.collector.backfill.TradePage;
import io.marketprism.collector.normalize.Normalizer;
import io.marketprism.collector.normalize.ParseException;
import io.marketprism.model.Exchange;
import io.marketprism.model.MarketRecord;
import io.marketprism.model.MarketType;
import io.marketprism.model.TradeRecord;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Binance REST trade pages, shaped as the Binance docs show them, normalized like the streams. */
class BinancePastTradesTest {

  private final List<MarketRecord> out = new ArrayList<>();

  private Normalizer normalizer(MarketType plain) {
    return new Normalizer(Exchange.BINANCE, plain, 20, s -> true, out::add, null);
  }

  @Test
  void spotHistoricalTradesAreTradeRecordsWithTheStreamsIdsAndSides() throws Exception {
    String body = "[{\"id\":28457,\"price\":\"4.00000100\",\"qty\":\"12.00000000\",\"quoteQty\":\"48.000012\","
        + "\"time\":1499865549590,\"isBuyerMaker\":true,\"isBestMatch\":true},"
        + "{\"id\":28458,\"price\":\"4.00000200\",\"qty\":\"1.50000000\",\"quoteQty\":\"6.000003\","
        + "\"time\":1499865549590,\"isBuyerMaker\":false,\"isBestMatch\":true}]";
    TradePage page = normalizer(MarketType.SPOT).onRest(
        "https://api.binance.com/api/v3/historicalTrades?symbol=BTCUSDT&fromId=28457&limit=1000", body, 5_000_000L);
    assertThat(page).isEqualTo(new TradePage(2, 28457, 28458, 1499865549590L));
    assertThat(out).containsExactly(
        new TradeRecord(Exchange.BINANCE, MarketType.SPOT, "BTC-USDT", "BTCUSDT", 1499865549590L, 5_000_000L, "28457",
            "4.000001", "12", "sell"),
        new TradeRecord(Exchange.BINANCE, MarketType.SPOT, "BTC-USDT", "BTCUSDT", 1499865549590L, 5_000_000L, "28458",
            "4.000002", "1.5", "buy"));
  }

  @Test
  void futuresAggTradesCarryTheAggregateIdOfTheAggTradeStream() throws Exception {
    String body = "[{\"a\":26129,\"p\":\"0.01633102\",\"q\":\"4.70443515\",\"f\":27781,\"l\":27783,"
        + "\"T\":1498793709153,\"m\":true}]";
    TradePage page = normalizer(MarketType.PERPETUAL).onRest(
        "https://fapi.binance.com/fapi/v1/aggTrades?symbol=ETHBTC&fromId=26129&limit=1000", body, 7L);
    assertThat(page.trades()).isEqualTo(1);
    assertThat(page.maxSeq()).isEqualTo(26129);
    TradeRecord t = (TradeRecord) out.get(0);
    assertThat(t.marketType()).isEqualTo(MarketType.PERPETUAL);
    assertThat(t.tradeId()).isEqualTo("26129");
    assertThat(t.price()).isEqualTo("0.01633102");
    assertThat(t.side()).isEqualTo("sell");
    assertThat(t.tsMs()).isEqualTo(1498793709153L);
  }

  @Test
  void coinMarginedHistoricalTradesAreTypedByTheirName() throws Exception {
    String body = "[{\"id\":28457,\"price\":\"9635.0\",\"qty\":\"1\",\"baseQty\":\"0.01037883\","
        + "\"time\":1591250192508,\"isBuyerMaker\":true}]";
    normalizer(MarketType.PERPETUAL).onRest(
        "https://dapi.binance.com/dapi/v1/historicalTrades?symbol=BTCUSD_PERP&fromId=28457&limit=500", body, 7L);
    assertThat(((TradeRecord) out.get(0)).symbol()).isEqualTo("BTC-USD");
    assertThat(out.get(0).marketType()).isEqualTo(MarketType.PERPETUAL);
  }

  @Test
  void errorsAndMalformedPagesAreRejectedWithNothingEmitted() {
    Normalizer n = normalizer(MarketType.PERPETUAL);
    String url = "https://fapi.binance.com/fapi/v1/historicalTrades?symbol=BTCUSDT&fromId=1&limit=500";
    assertThatThrownBy(() -> n.onRest(url, "{\"code\":-2014,\"msg\":\"API-key format invalid.\"}", 1))
        .isInstanceOf(ParseException.class).hasMessageContaining("-2014");
    assertThatThrownBy(() -> n.onRest(url, "[{\"id\":1,\"price\":\"1.0\",\"qty\":\"2\",\"time\":1,\"isBuy", 1))
        .isInstanceOf(ParseException.class);
    assertThatThrownBy(() -> n.onRest(url, "[{\"price\":\"1.0\",\"qty\":\"2\",\"time\":1}]", 1))
        .isInstanceOf(ParseException.class).hasMessageContaining("id");
    assertThat(out).isEmpty();
  }
}
