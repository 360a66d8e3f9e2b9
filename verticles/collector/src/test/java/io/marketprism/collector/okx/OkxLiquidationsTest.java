package io.marketprism.collector.okx;

import static org.assertj.core.api.Assertions.assertThat;

import io.marketprism.collector.feed.IdentityWindow;
import io.marketprism.collector.normalize.Normalizer;
import io.marketprism.model.Exchange;
import io.marketprism.model.LiquidationRecord;
import io.marketprism.model.MarketRecord;
import io.marketprism.model.MarketType;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * An OKX {@code liquidation-orders} message lists its liquidations in {@code details}, and several
 * of them (other positions, other bankruptcy prices and sizes) may share one {@code ts}: each is a
 * record of its own identity, kept by the normalizer and by every store; only an exact repeat goes.
 */
class OkxLiquidationsTest {

  private final List<MarketRecord> out = new ArrayList<>();
  private final Normalizer normalizer = new Normalizer(Exchange.OKX, null, 20, s -> true, out::add, null);

  private static String detail(String side, String px, String sz, String ts) {
    return "{\"bkLoss\":\"0\",\"bkPx\":\"" + px + "\",\"ccy\":\"\",\"posSide\":\"" + (side.equals("buy") ? "short" : "long")
        + "\",\"side\":\"" + side + "\",\"sz\":\"" + sz + "\",\"ts\":\"" + ts + "\"}";
  }

  private static String message(String... details) {
    return "{\"arg\":{\"channel\":\"liquidation-orders\",\"instType\":\"SWAP\"},\"data\":[{\"details\":["
        + String.join(",", details) + "],\"instFamily\":\"BTC-USDT\",\"instId\":\"BTC-USDT-SWAP\","
        + "\"instType\":\"SWAP\",\"uly\":\"BTC-USDT\"}]}";
  }

  @Test
  void detailsOfOneMillisecondAreRecordsOfTheirOwnIdentityAndOnlyExactRepeatsGo() throws Exception {
    String ts = "1723892524781";
    normalizer.onMessage(message(detail("buy", "61000.5", "13", ts), detail("buy", "61001", "2", ts),
        detail("sell", "60990.1", "13", ts)), 1_723_892_524_900_000L);
    List<LiquidationRecord> l = out.stream().map(LiquidationRecord.class::cast).toList();
    assertThat(l).extracting(LiquidationRecord::tsMs).containsOnly(1_723_892_524_781L);
    assertThat(l).extracting(LiquidationRecord::marketType).containsOnly(MarketType.PERPETUAL);
    assertThat(l).extracting(LiquidationRecord::side).containsExactly("buy", "buy", "sell");
    assertThat(l).extracting(LiquidationRecord::price).containsExactly("61000.5", "61001", "60990.1");
    assertThat(l).extracting(LiquidationRecord::quantity).containsExactly("13", "2", "13");
    assertThat(l).extracting(MarketRecord::identity).doesNotHaveDuplicates().containsExactly(
        "liquidation:okx:perpetual:BTC-USDT:1723892524781:buy:61000.5:13",
        "liquidation:okx:perpetual:BTC-USDT:1723892524781:buy:61001:2",
        "liquidation:okx:perpetual:BTC-USDT:1723892524781:sell:60990.1:13");

    // the collector's de-duplication window keeps all three; the same message again (a replay) adds nothing
    IdentityWindow window = new IdentityWindow(256);
    assertThat(l).allMatch(r -> window.add(r.identity()));
    out.clear();
    normalizer.onMessage(message(detail("buy", "61000.5", "13", ts), detail("buy", "61001", "2", ts),
        detail("sell", "60990.1", "13", ts)), 1_723_892_525_000_000L);
    assertThat(out).hasSize(3).noneMatch(r -> window.add(r.identity()));
  }
}
