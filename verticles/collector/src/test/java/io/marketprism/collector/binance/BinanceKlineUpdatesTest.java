package io.marketprism.collector.binance;

import static org.assertj.core.api.Assertions.assertThat;

import io.marketprism.collector.feed.IdentityWindow;
import io.marketprism.collector.normalize.Normalizer;
import io.marketprism.model.Exchange;
import io.marketprism.model.KlineRecord;
import io.marketprism.model.MarketRecord;
import io.marketprism.model.MarketType;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Binance kline events carry their event time {@code E}: each in-minute update is its own record. */
class BinanceKlineUpdatesTest {

  private static String kline(long eventTime, String close, boolean closed) {
    return "{\"e\":\"kline\",\"E\":" + eventTime + ",\"s\":\"BNBBTC\",\"k\":{\"t\":1672515780000,\"T\":1672515839999,"
        + "\"s\":\"BNBBTC\",\"i\":\"1m\",\"f\":100,\"L\":200,\"o\":\"0.0010\",\"c\":\"" + close + "\",\"h\":\"0.0025\","
        + "\"l\":\"0.0015\",\"v\":\"1000\",\"n\":100,\"x\":" + closed + ",\"q\":\"1.0000\",\"V\":\"500\","
        + "\"Q\":\"0.500\",\"B\":\"123456\"}}";
  }

  @Test
  void inMinuteUpdatesKeepTheirEventTimesAsDistinctIdentities() throws Exception {
    List<MarketRecord> out = new ArrayList<>();
    Normalizer n = new Normalizer(Exchange.BINANCE, MarketType.SPOT, 20, s -> true, out::add, null);
    n.onMessage(kline(1672515782136L, "0.0020", false), 1);
    n.onMessage(kline(1672515784136L, "0.0021", false), 2);
    n.onMessage(kline(1672515840000L, "0.0022", true), 3);
    List<KlineRecord> k = out.stream().map(KlineRecord.class::cast).toList();
    assertThat(k).extracting(KlineRecord::tsMs).containsExactly(1672515782136L, 1672515784136L, 1672515840000L);
    assertThat(k).extracting(KlineRecord::openTimeMs).containsOnly(1672515780000L);
    IdentityWindow window = new IdentityWindow(256);
    assertThat(k).allMatch(r -> window.add(r.identity()));
  }
}
