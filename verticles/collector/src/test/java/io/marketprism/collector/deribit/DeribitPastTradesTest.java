package io.marketprism.collector.deribit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.marketprism.collector.backfill.TradePage;
import io.marketprism.collector.normalize.Normalizer;
import io.marketprism.collector.normalize.ParseException;
import io.marketprism.model.Exchange;
import io.marketprism.model.LiquidationRecord;
import io.marketprism.model.MarketRecord;
import io.marketprism.model.MarketType;
import io.marketprism.model.TradeRecord;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Deribit {@code public/get_last_trades_by_instrument} answers, shaped as the Deribit docs show them. */
class DeribitPastTradesTest {

  private final List<MarketRecord> out = new ArrayList<>();
  private final Normalizer normalizer = new Normalizer(Exchange.DERIBIT, null, 20, s -> true, out::add, null);
  private static final String URL = "https://www.deribit.com/api/v2/public/get_last_trades_by_instrument"
      + "?instrument_name=BTC-PERPETUAL&start_seq=30289432&end_seq=30289433&count=1000&sorting=asc";

  @Test
  void tradesAreSequencedByTradeSeqAndLiquidationsComeWithThem() throws Exception {
    String body = "{\"jsonrpc\":\"2.0\",\"id\":9267,\"result\":{\"trades\":["
        + "{\"trade_seq\":30289432,\"trade_id\":\"48079254\",\"timestamp\":1590484156350,\"tick_direction\":0,"
        + "\"price\":8950.0,\"mark_price\":8948.9,\"instrument_name\":\"BTC-PERPETUAL\",\"index_price\":8955.88,"
        + "\"direction\":\"sell\",\"amount\":10.0,\"contracts\":1.0},"
        + "{\"trade_seq\":30289433,\"trade_id\":\"48079255\",\"timestamp\":1590484255886,\"tick_direction\":2,"
        + "\"price\":8950.5,\"mark_price\":8948.9,\"instrument_name\":\"BTC-PERPETUAL\",\"index_price\":8955.88,"
        + "\"direction\":\"buy\",\"amount\":20.0,\"contracts\":2.0,\"liquidation\":\"M\"}],\"has_more\":false},"
        + "\"usIn\":1590484283450281,\"usOut\":1590484283453466,\"usDiff\":3185,\"testnet\":false}";
    TradePage page = normalizer.onRest(URL, body, 3L);
    assertThat(page).isEqualTo(new TradePage(2, 30289432, 30289433, 1590484255886L));
    assertThat(out).containsExactly(
        new TradeRecord(Exchange.DERIBIT, MarketType.PERPETUAL, "BTC-USD", "BTC-PERPETUAL", 1590484156350L, 3L,
            "48079254", "8950", "10", "sell"),
        new TradeRecord(Exchange.DERIBIT, MarketType.PERPETUAL, "BTC-USD", "BTC-PERPETUAL", 1590484255886L, 3L,
            "48079255", "8950.5", "20", "buy"),
        new LiquidationRecord(Exchange.DERIBIT, MarketType.PERPETUAL, "BTC-USD", "BTC-PERPETUAL", 1590484255886L, 3L,
            "sell", "8950.5", "20", null));
  }

  @Test
  void rpcErrorsAndAnswersWithoutTradesAreRejected() {
    assertThatThrownBy(() -> normalizer.onRest(URL, "{\"jsonrpc\":\"2.0\",\"error\":{\"message\":\"too_many_requests\","
        + "\"code\":10028},\"testnet\":false}", 1)).isInstanceOf(ParseException.class).hasMessageContaining("10028");
    assertThatThrownBy(() -> normalizer.onRest(URL, "{\"jsonrpc\":\"2.0\",\"result\":{\"has_more\":false}}", 1))
        .isInstanceOf(ParseException.class).hasMessageContaining("trades");
    assertThat(out).isEmpty();
  }
}
