package io.marketprism.collector.deribit;

import static org.assertj.core.api.Assertions.assertThat;

import io.marketprism.collector.normalize.Normalizer;
import io.marketprism.model.Exchange;
import io.marketprism.model.LiquidationRecord;
import io.marketprism.model.MarketRecord;
import io.marketprism.model.MarketType;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The fills of one liquidation sweep (one millisecond, instrument and liquidated side) make one
 * liquidation with their summed quantity, over the stream and over REST: one record per fill
 * would share an identity, and all fills but the first would be dropped as duplicates.
 */
class SweepLiquidationsTest {

  private final List<MarketRecord> out = new ArrayList<>();
  private final Normalizer normalizer = new Normalizer(Exchange.DERIBIT, null, 20, s -> true, out::add, null);

  private static String fill(int seq, long ts, String price, String amount, String direction, String liquidation) {
    return "{\"trade_seq\":" + seq + ",\"trade_id\":\"" + (1000 + seq) + "\",\"timestamp\":" + ts
        + ",\"tick_direction\":0,\"price\":" + price + ",\"mark_price\":60000.0,\"instrument_name\":\"BTC-PERPETUAL\","
        + "\"index_price\":60001.0,\"direction\":\"" + direction + "\",\"amount\":" + amount
        + (liquidation == null ? "" : ",\"liquidation\":\"" + liquidation + "\"") + "}";
  }

  private static final String FILLS = String.join(",",
      fill(1, 1700000000000L, "60000.0", "1000.0", "sell", "T"),
      fill(2, 1700000000000L, "59999.5", "2500.0", "sell", "T"),
      fill(3, 1700000000000L, "59998.0", "0.5", "sell", "T"),
      fill(4, 1700000000000L, "59998.0", "40.0", "sell", null),
      fill(5, 1700000000000L, "59998.0", "30.0", "sell", "M"),
      fill(6, 1700000000001L, "59997.5", "10.0", "sell", "T"));

  private static LiquidationRecord liquidation(long ts, String side, String price, String quantity, long recv) {
    return new LiquidationRecord(Exchange.DERIBIT, MarketType.PERPETUAL, "BTC-USD", "BTC-PERPETUAL", ts, recv, side,
        price, quantity, null);
  }

  @Test
  void theFillsOfOneSweepMakeOneLiquidationWithTheirSummedQuantity() throws Exception {
    normalizer.onMessage("{\"jsonrpc\":\"2.0\",\"method\":\"subscription\",\"params\":{\"channel\":"
        + "\"trades.BTC-PERPETUAL.raw\",\"data\":[" + FILLS + "]}}", 7L);
    List<MarketRecord> liquidations = out.stream().filter(r -> r instanceof LiquidationRecord).toList();
    assertThat(liquidations).containsExactly(
        liquidation(1700000000000L, "sell", "59998", "3500.5", 7L), // three taker fills, at the last fill's price
        liquidation(1700000000000L, "buy", "59998", "30", 7L),     // the maker's side of fill 5
        liquidation(1700000000001L, "sell", "59997.5", "10", 7L));
    assertThat(out).filteredOn(r -> !(r instanceof LiquidationRecord)).hasSize(6); // every fill is still a trade

    out.clear();
    normalizer.onRest("https://www.deribit.com/api/v2/public/get_last_trades_by_instrument?instrument_name="
        + "BTC-PERPETUAL&start_seq=1&end_seq=6&count=1000&sorting=asc", "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":"
        + "{\"trades\":[" + FILLS + "],\"has_more\":false}}", 8L);
    assertThat(out.stream().filter(r -> r instanceof LiquidationRecord).toList()).containsExactly(
        liquidation(1700000000000L, "sell", "59998", "3500.5", 8L),
        liquidation(1700000000000L, "buy", "59998", "30", 8L),
        liquidation(1700000000001L, "sell", "59997.5", "10", 8L));
  }
}
