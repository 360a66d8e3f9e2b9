package io.marketprism.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import io.marketprism.simulator.model.BookDelta;
import io.marketprism.simulator.model.InstrumentCatalog;
import io.marketprism.simulator.model.InstrumentModel;
import io.marketprism.simulator.model.Kline;
import io.marketprism.simulator.model.Liquidation;
import io.marketprism.simulator.model.MarketListener;
import io.marketprism.simulator.model.MarketModel;
import io.marketprism.simulator.model.Trade;
import io.marketprism.simulator.model.Venue;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A simulator started again continues above the ids of its previous run, as an exchange never
 * reuses an id: a collector that stayed connected would otherwise drop the new trades as
 * duplicates and store different trades under identities already used.
 */
@ExtendWith(VertxExtension.class)
class IdsAcrossRestartsTest {

  /** The ids one model run gave, in the order given. */
  private static final class Ids implements MarketListener {
    final List<Long> trades = new ArrayList<>();
    final List<Long> updates = new ArrayList<>();
    final List<Long> liquidations = new ArrayList<>();

    @Override
    public void onBook(InstrumentModel m, BookDelta d) {
      if (updates.isEmpty() && d.firstId() != d.lastId()) {
        updates.add(d.firstId()); // the run's first id; after it the last of each message
      }
      updates.add(d.lastId());
    }

    @Override
    public void onTrades(InstrumentModel m, List<Trade> burst) {
      burst.forEach(t -> trades.add(t.id()));
    }

    @Override
    public void onStats(InstrumentModel m, Kline k) {
    }

    @Override
    public void onLiquidation(InstrumentModel m, Liquidation l) {
      liquidations.add(l.id());
    }
  }

  /**
   * One run of a model with the same seed as every other (only its start time differs), paced by
   * the clock at 100 times the simulator's default rate, for at least {@code millis} and until it
   * gave more than 10 ids of each kind (a loaded machine makes fewer steps in the same time).
   */
  private static Ids run(long millis) throws InterruptedException {
    Ids ids = new Ids();
    InstrumentModel instrument = new InstrumentModel(
        InstrumentCatalog.spec(Venue.BINANCE_USDM, "BTCUSDT", "perpetual"), 7, 50, 100);
    MarketModel model = new MarketModel(7, 20_000).add(instrument).listen(ids);
    long end = System.currentTimeMillis() + millis;
    long deadline = end + 20_000;
    for (long now = System.currentTimeMillis(); now < deadline && (now < end || ids.trades.size() <= 10
        || ids.updates.size() <= 10 || ids.liquidations.size() <= 10); now = System.currentTimeMillis()) {
      model.advance(now);
      instrument.tickStats(now, ids); // more often than the model's once a second: more liquidations
      Thread.sleep(1);
    }
    return ids;
  }

  @Test
  void twoModelsStartedALittleApartGiveDisjointIncreasingIds() throws Exception {
    Ids first = run(300);
    Ids second = run(300); // started right after the first stopped, as a restart does

    assertDisjointIncreasing("trade ids", first.trades, second.trades);
    assertDisjointIncreasing("book update ids", first.updates, second.updates);
    assertDisjointIncreasing("liquidation ids", first.liquidations, second.liquidations);
  }

  private static void assertDisjointIncreasing(String what, List<Long> earlier, List<Long> later) {
    assertThat(earlier).as(what).hasSizeGreaterThan(10).isSorted().doesNotHaveDuplicates();
    assertThat(later).as(what).hasSizeGreaterThan(10).isSorted().doesNotHaveDuplicates();
    assertThat(later.get(0)).as("the later run's first %s above the earlier run's last", what)
        .isGreaterThan(earlier.get(earlier.size() - 1));
  }

  @Test
  void aRestartedSimulatorContinuesAboveTheIdsOfItsPreviousRun(Vertx vertx) throws Exception {
    long[] before = runSimulator(vertx);
    long[] after = runSimulator(vertx);
    String[] what = {"binance trade id", "binance aggregate id", "binance update id", "okx trade id", "okx seqId",
        "deribit trade id", "deribit change_id"};
    for (int i = 0; i < what.length; i++) {
      assertThat(after[2 * i]).as("first %s after the restart", what[i]).isGreaterThan(before[2 * i + 1]);
    }
  }

  /**
   * Deploys a simulator with a fixed seed, lets it trade, and undeploys it.
   *
   * @return the first and last ids of each kind it gave
   */
  private static long[] runSimulator(Vertx vertx) throws Exception {
    SimulatorVerticle sim = new SimulatorVerticle(new SimulatorOptions()
        .setExchanges(List.of("binance", "okx", "deribit")).setRate(600).setSeed(11));
    String id = SimulatorHarness.await(vertx.deployVerticle(sim));
    long end = System.currentTimeMillis() + 10_000;
    while (sim.trueTrades("binance-usdm", "BTCUSDT").size() < 10 || sim.trueTrades("okx", "BTC-USDT").size() < 10
        || sim.trueTrades("deribit", "BTC-PERPETUAL").size() < 10) {
      assertThat(System.currentTimeMillis()).as("trades produced in time").isLessThan(end);
      Thread.sleep(20);
    }
    SimulatorHarness.await(sim.pause());
    JsonArray aggs = new JsonArray(SimulatorHarness.get(vertx, sim.port(Venue.BINANCE_USDM),
        "/fapi/v1/aggTrades?symbol=BTCUSDT&limit=1000").body());
    long[] out = new long[14];
    range(out, 0, sim.trueTrades("binance-usdm", "BTCUSDT"));
    out[2] = aggs.getJsonObject(0).getLong("a");
    out[3] = aggs.getJsonObject(aggs.size() - 1).getLong("a");
    out[4] = sim.instrument("binance-usdm", "BTCUSDT").idBase();
    out[5] = sim.trueBook("binance-usdm", "BTCUSDT").lastUpdateId();
    range(out, 6, sim.trueTrades("okx", "BTC-USDT"));
    out[8] = sim.instrument("okx", "BTC-USDT").idBase();
    out[9] = sim.trueBook("okx", "BTC-USDT").lastUpdateId();
    range(out, 10, sim.trueTrades("deribit", "BTC-PERPETUAL"));
    out[12] = sim.instrument("deribit", "BTC-PERPETUAL").idBase();
    out[13] = sim.trueBook("deribit", "BTC-PERPETUAL").lastUpdateId();
    SimulatorHarness.await(vertx.undeploy(id));
    return out;
  }

  private static void range(long[] out, int at, List<Trade> trades) {
    out[at] = trades.get(0).id();
    out[at + 1] = trades.get(trades.size() - 1).id();
  }
}
