package io.marketprism.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import io.marketprism.simulator.binance.BinanceCodec;
import io.marketprism.simulator.model.BookDelta;
import io.marketprism.simulator.model.InstrumentCatalog;
import io.marketprism.simulator.model.InstrumentModel;
import io.marketprism.simulator.model.Kline;
import io.marketprism.simulator.model.Liquidation;
import io.marketprism.simulator.model.MarketListener;
import io.marketprism.simulator.model.MarketModel;
import io.marketprism.simulator.model.Trade;
import io.marketprism.simulator.model.Venue;
import io.vertx.core.buffer.Buffer;
import java.util.List;
import org.junit.jupiter.api.Test;

class EmitRateTest {

  @Test
  void modelAndBinanceEncodingExceed100kMessagesPerSecondOnOneCore() {
    long[] messages = {0};
    long[] bytes = {0};
    MarketListener encoder = new MarketListener() {
      @Override
      public void onBook(InstrumentModel m, BookDelta d) {
        Buffer b = Buffer.buffer(BinanceCodec.depth(m.spec(), d));
        bytes[0] += b.length();
        messages[0]++;
      }

      @Override
      public void onTrades(InstrumentModel m, List<Trade> trades) {
        for (Trade t : trades) {
          bytes[0] += Buffer.buffer(BinanceCodec.trade(m.spec(), t)).length();
          messages[0]++;
        }
      }

      @Override
      public void onStats(InstrumentModel m, Kline k) {
      }

      @Override
      public void onLiquidation(InstrumentModel m, Liquidation l) {
      }
    };
    MarketModel model = new MarketModel(1, 1);
    model.add(new InstrumentModel(InstrumentCatalog.spec(Venue.BINANCE_USDM, "BTCUSDT", "perpetual"), 1, 400, 1000, 1));
    model.listen(encoder);
    model.step(200_000, System.currentTimeMillis());
    messages[0] = 0;
    long t0 = System.nanoTime();
    model.step(500_000, System.currentTimeMillis());
    double seconds = (System.nanoTime() - t0) / 1e9;
    double rate = messages[0] / seconds;
    System.out.printf("emit rate: %.0f msgs/s (%d msgs, %.1f MB) on one thread%n", rate, messages[0], bytes[0] / 1e6);
    assertThat(rate).isGreaterThan(100_000);
  }
}
