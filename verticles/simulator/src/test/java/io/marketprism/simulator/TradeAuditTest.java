package io.marketprism.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import io.marketprism.simulator.model.InstrumentSpec;
import io.marketprism.simulator.model.Trade;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The comparison the no-loss tests rest on: records carrying exactly the simulator's trades pass,
 * and a record stored twice, a trade missing in the middle or at the end, and a trade never
 * emitted each fail it and are counted.
 */
class TradeAuditTest {

  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() throws Exception {
    vertx.close().await(20, TimeUnit.SECONDS);
  }

  @Test
  void exactOnlyWhenEveryTradeSinceTheFirstIsThereOnce() throws Exception {
    SimulatorOptions so = new SimulatorOptions().setExchanges(List.of("deribit")).setRate(2000).setSeed(5)
        .setTradeShare(0.9);
    so.setSymbols("deribit", "perpetual", List.of("BTC-PERPETUAL"));
    so.setSymbols("deribit", "options", List.of());
    SimulatorVerticle simulator = new SimulatorVerticle(so);
    vertx.deployVerticle(simulator).await(20, TimeUnit.SECONDS);
    long deadline = System.currentTimeMillis() + 20_000;
    while (simulator.trueTrades("deribit", "BTC-PERPETUAL").size() < 50 && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
    }
    simulator.pause().await(5, TimeUnit.SECONDS);
    InstrumentSpec spec = simulator.instrument("deribit", "BTC-PERPETUAL").spec();
    List<String[]> rows = new ArrayList<>();
    List<Trade> trades = simulator.trueTrades("deribit", "BTC-PERPETUAL");
    // a pipeline that started late: only from the tenth trade on
    for (Trade t : trades.subList(10, trades.size())) {
      rows.add(new String[] {Long.toString(t.id()), spec.qty(t.qty())});
    }
    assertThat(audit(simulator, rows).exact()).as(audit(simulator, rows).toString()).isTrue();
    assertThat(audit(simulator, rows).emitted()).isEqualTo(trades.size() - 10);

    List<String[]> twice = new ArrayList<>(rows);
    twice.add(rows.get(5));
    assertThat(audit(simulator, twice).duplicates()).isEqualTo(1);
    assertThat(audit(simulator, twice).exact()).isFalse();

    List<String[]> hole = new ArrayList<>(rows);
    hole.remove(7);
    assertThat(audit(simulator, hole).missing()).containsExactly(Long.parseLong(rows.get(7)[0]));
    assertThat(audit(simulator, hole).exact()).isFalse();

    List<String[]> lastMissing = new ArrayList<>(rows.subList(0, rows.size() - 1));
    assertThat(audit(simulator, lastMissing).missing()).hasSize(1);

    List<String[]> invented = new ArrayList<>(rows);
    invented.add(new String[] {Long.toString(trades.get(trades.size() - 1).id() + 1000), "1"});
    assertThat(audit(simulator, invented).unexpected()).hasSize(1);
    assertThat(audit(simulator, invented).exact()).isFalse();

    assertThat(audit(simulator, List.of()).exact()).as("nothing compared").isFalse();
  }

  private static TradeAudit audit(SimulatorVerticle simulator, List<String[]> rows) {
    return TradeAudit.of(simulator, "deribit", "BTC-PERPETUAL", rows);
  }
}
