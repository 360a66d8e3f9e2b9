package io.marketprism.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import io.marketprism.simulator.model.Venue;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A simulator idle until its first client (as {@code run} starts one) keeps its market still until a request comes. */
class IdleUntilFirstClientTest {

  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() throws Exception {
    vertx.close().await(20, TimeUnit.SECONDS);
  }

  @Test
  void theMarketStaysStillUntilARequestReachesAnExchangeThenRunsOn() throws Exception {
    SimulatorOptions so = new SimulatorOptions().setExchanges(List.of("okx")).setRate(2000).setTradeShare(0.9)
        .setIdleUntilFirstClient(true);
    so.setSymbols("okx", List.of("BTC-USDT"));
    SimulatorVerticle simulator = new SimulatorVerticle(so);
    vertx.deployVerticle(simulator).await(20, TimeUnit.SECONDS);
    Thread.sleep(500); // at 2,000 events a second, 90% of them trade bursts: hundreds of trades, were it moving
    assertThat(simulator.trueTrades("okx", "BTC-USDT")).isEmpty();

    assertThat(SimulatorHarness.get(vertx, simulator.port(Venue.OKX), "/api/v5/public/instruments?instType=SPOT").status()).isEqualTo(200);
    long deadline = System.currentTimeMillis() + 10_000;
    while (simulator.trueTrades("okx", "BTC-USDT").size() < 100) {
      assertThat(System.currentTimeMillis()).as("no trades after the first request").isLessThan(deadline);
      Thread.sleep(20);
    }
  }
}
