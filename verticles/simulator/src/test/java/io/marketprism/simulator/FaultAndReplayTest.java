package io.marketprism.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.marketprism.simulator.fault.FaultKind;
import io.marketprism.simulator.fault.FaultSpec;
import io.marketprism.simulator.model.Venue;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class FaultAndReplayTest {

  private static List<JsonObject> depth(WsProbe p, long ms, List<String> raw) throws InterruptedException {
    List<JsonObject> out = new ArrayList<>();
    long end = System.currentTimeMillis() + ms;
    while (System.currentTimeMillis() < end) {
      String m = p.next(100);
      if (m == null) {
        continue;
      }
      raw.add(m);
      try {
        out.add(new JsonObject(m));
      } catch (RuntimeException e) {
        // malformed frame
      }
    }
    return out;
  }

  @Test
  void messageFaultsAreObservableOnTheWire(Vertx vertx) throws Exception {
    SimulatorVerticle sim = SimulatorHarness.deploy(vertx, new SimulatorOptions().setExchanges(List.of("binance"))
        .setRate(1000).setFaults("drop:p=0.05,dup:p=0.05,reorder:p=0.05,malformed:p=0.02"));
    try (WsProbe p = WsProbe.connect(vertx, sim.port(Venue.BINANCE_SPOT), "/ws/btcusdt@depth")) {
      List<String> raw = new ArrayList<>();
      List<JsonObject> diffs = depth(p, 1500, raw);
      assertBreaks(diffs.stream().map(d -> new long[] {d.getLong("U"), d.getLong("u")}).toList());
      assertThat(raw.size()).isGreaterThan(diffs.size());
    }
    assertThat(sim.faultStats().get(FaultKind.DROP)).isPositive();
    assertThat(sim.faultStats().get(FaultKind.MALFORMED)).isPositive();
  }

  /** {@code trades-all} pushes go through the same message faults as every channel: seen in their ids. */
  @Test
  void okxTradesAllPushesAreDroppedDuplicatedAndReordered(Vertx vertx) throws Exception {
    SimulatorVerticle sim = SimulatorHarness.deploy(vertx, new SimulatorOptions().setExchanges(List.of("okx"))
        .setRate(1000).setFaults("drop:p=0.05,dup:p=0.05,reorder:p=0.05"));
    try (WsProbe p = WsProbe.connect(vertx, sim.port(Venue.OKX), "/ws/v5/business")) {
      p.send("{\"op\":\"subscribe\",\"args\":[{\"channel\":\"trades-all\",\"instId\":\"BTC-USDT\"}]}");
      List<long[]> ids = new ArrayList<>();
      long end = System.currentTimeMillis() + 2500;
      while (System.currentTimeMillis() < end) {
        String m = p.next(100);
        if (m != null && m.startsWith("{\"arg\"")) {
          long id = Long.parseLong(new JsonObject(m).getJsonArray("data").getJsonObject(0).getString("tradeId"));
          ids.add(new long[] {id, id});
        }
      }
      assertBreaks(ids);
    }
  }

  /** Messages covering the ids {first, last} in arrival order: some skip ids, repeat and go backwards. */
  private static void assertBreaks(List<long[]> ranges) {
    int gaps = 0;
    int dups = 0;
    int backwards = 0;
    for (int i = 1; i < ranges.size(); i++) {
      long u0 = ranges.get(i - 1)[1];
      long u1 = ranges.get(i)[1];
      if (u1 == u0) {
        dups++;
      } else if (u1 < u0) {
        backwards++;
      } else if (ranges.get(i)[0] != u0 + 1) {
        gaps++;
      }
    }
    assertThat(gaps).isPositive();
    assertThat(dups).isPositive();
    assertThat(backwards).isPositive();
  }

  @Test
  void okxChecksumCorruptionIsInjected(Vertx vertx) throws Exception {
    SimulatorVerticle sim = SimulatorHarness.deploy(vertx, new SimulatorOptions().setExchanges(List.of("okx"))
        .setRate(600).setFaults("checksum:p=0.2"));
    try (WsProbe p = WsProbe.connect(vertx, sim.port(Venue.OKX), "/ws/v5/public")) {
      p.send("{\"op\":\"subscribe\",\"args\":[{\"channel\":\"books\",\"instId\":\"BTC-USDT\"}]}");
      Thread.sleep(1000);
    }
    assertThat(sim.faultStats().get(FaultKind.CHECKSUM)).isPositive();
  }

  @Test
  void disconnectAndStallHappenOnSchedule(Vertx vertx) throws Exception {
    SimulatorVerticle sim = SimulatorHarness.deploy(vertx, new SimulatorOptions().setExchanges(List.of("binance"))
        .setRate(1000).setFaults("stall:every=500ms:for=400ms,disconnect:every=1500ms"));
    try (WsProbe p = WsProbe.connect(vertx, sim.port(Venue.BINANCE_SPOT), "/ws/btcusdt@depth")) {
      long opened = System.currentTimeMillis();
      long lastAt = opened;
      long longestSilence = 0;
      while (!p.closed && System.currentTimeMillis() - opened < 4000) {
        String m = p.next(20);
        long now = System.currentTimeMillis();
        if (m != null) {
          longestSilence = Math.max(longestSilence, now - lastAt);
          lastAt = now;
        }
      }
      assertThat(longestSilence).isGreaterThanOrEqualTo(300);
      assertThat(p.closed).isTrue();
      assertThat(p.closedAt - opened).isBetween(1300L, 3000L);
    }
    assertThat(sim.faultStats().get(FaultKind.STALL)).isPositive();
    assertThat(sim.faultStats().get(FaultKind.DISCONNECT)).isEqualTo(1);
  }

  @Test
  void restFaultsAnswer429And418WithRetryAfterAndSlowSnapshots(Vertx vertx) {
    SimulatorVerticle sim = SimulatorHarness.deploy(vertx, new SimulatorOptions().setExchanges(List.of("binance"))
        .setFaults("rest-429:p=0.3:retry-after=3s,rest-418:p=0.2,slow-snapshot:delay=300ms"));
    int port = sim.port(Venue.BINANCE_SPOT);
    boolean saw429 = false;
    boolean saw418 = false;
    boolean slow = false;
    for (int i = 0; i < 40; i++) {
      SimulatorHarness.Response r = SimulatorHarness.get(vertx, port, "/api/v3/depth?symbol=BTCUSDT&limit=10");
      if (r.status() == 429) {
        saw429 = true;
        assertThat(r.retryAfter()).isEqualTo("3");
        assertThat(new JsonObject(r.body()).getInteger("code")).isEqualTo(-1003);
      } else if (r.status() == 418) {
        saw418 = true;
        assertThat(r.retryAfter()).isEqualTo("2");
      } else {
        assertThat(r.status()).isEqualTo(200);
        slow |= r.millis() >= 300;
      }
    }
    assertThat(saw429).isTrue();
    assertThat(saw418).isTrue();
    assertThat(slow).isTrue();
  }

  @Test
  void faultSpecAndOptionsRejectBadValuesNamingThem() {
    assertThat(FaultSpec.parse("disconnect:every=5s,stall:every=20s:for=3s,drop:p=0.01,rest-429:p=0.1:on=binance")
        .faults()).hasSize(4);
    assertThatThrownBy(() -> FaultSpec.parse("explode:p=1")).hasMessageContaining("explode")
        .hasMessageContaining("disconnect");
    assertThatThrownBy(() -> FaultSpec.parse("drop:p=2")).hasMessageContaining("p=2");
    assertThatThrownBy(() -> FaultSpec.parse("stall:every=5s")).hasMessageContaining("'for'");
    assertThatThrownBy(() -> SimulatorOptions.fromJson(new JsonObject().put("rate", -1)))
        .hasMessageContaining("'rate'");
    assertThatThrownBy(() -> SimulatorOptions.fromJson(new JsonObject().put("exchanges", List.of("kraken"))))
        .hasMessageContaining("'exchanges'").hasMessageContaining("binance, okx, deribit");
    assertThatThrownBy(() -> SimulatorOptions.fromJson(new JsonObject().put("colour", "red")))
        .hasMessageContaining("'colour'");
    assertThatThrownBy(() -> SimulatorOptions.fromJson(new JsonObject().put("replay",
        new JsonObject().put("file", "x").put("pace", "fast")))).hasMessageContaining("replay.pace");
  }

  @Test
  void replayOfASpotCaptureReproducesItsMessagesAndSnapshot(Vertx vertx) throws Exception {
    String shared = System.getProperty("mp.shared.dir");
    Path file = shared == null ? null
        : Path.of(shared, "fixtures", "binance", "hftbacktest_spot_btcusdt_20240808_first15000.txt");
    Assumptions.assumeTrue(file != null && Files.exists(file), "shared fixtures absent");
    List<String> expected = new ArrayList<>();
    for (String line : Files.readAllLines(file)) {
      String json = line.substring(line.indexOf(' ') + 1);
      if (json.startsWith("{\"stream\":\"btcusdt@trade\"") || json.startsWith("{\"stream\":\"btcusdt@depth@100ms\"")) {
        expected.add(json);
      }
      if (expected.size() == 500) {
        break;
      }
    }
    SimulatorVerticle sim = SimulatorHarness.deploy(vertx, new SimulatorOptions().setExchanges(List.of("binance"))
        .setReplayFile(file.toString()).setReplayPace("max"));
    try (WsProbe p = WsProbe.connect(vertx, sim.port(Venue.BINANCE_SPOT),
        "/stream?streams=btcusdt@trade/btcusdt@depth@100ms")) {
      List<String> got = new ArrayList<>();
      while (got.size() < expected.size()) {
        String m = p.next(5000);
        assertThat(m).isNotNull();
        got.add(m);
      }
      assertThat(got).isEqualTo(expected);
    }
    JsonObject snap = new JsonObject(SimulatorHarness.get(vertx, sim.port(Venue.BINANCE_SPOT),
        "/api/v3/depth?symbol=BTCUSDT&limit=1000").body());
    assertThat(snap.getLong("lastUpdateId")).isEqualTo(50093239218L);
  }
}
