package io.marketprism.collector;

import static io.marketprism.collector.SimulatedCollector.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.io.File;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Thousands of reconnects (the simulator closes every connection 40 ms after it opened) must not
 * leak threads, sockets, timers or heap.
 */
class ReconnectStressTest {

  @Test
  void thousandsOfReconnectsLeakNothing() throws Exception {
    try (SimulatedCollector rig = new SimulatedCollector("disconnect:every=40ms", List.of("trade", "orderbook"),
        new JsonObject().put("connection", new JsonObject().put("reconnect_initial_ms", 2)
            .put("reconnect_max_ms", 20)), 100)) {
      await("some reconnects", 20_000, () -> reconnects(rig) > 200);
      long[] base = sample();
      long startReconnects = reconnects(rig);
      long start = System.currentTimeMillis();
      await("2000 more reconnects", 60_000, () -> reconnects(rig) - startReconnects >= 2000);
      long[] end = sample();
      long total = reconnects(rig);
      CollectorFaultTest.report("reconnect stress: {} reconnects ({} in {} ms); threads {} -> {}; open fds {} -> {}; "
          + "heap after GC {} MB -> {} MB", total, total - startReconnects, System.currentTimeMillis() - start,
          base[0], end[0], base[1], end[1], base[2] >> 20, end[2] >> 20);
      assertThat(end[0]).as("threads").isLessThanOrEqualTo(base[0] + 4);
      assertThat(end[1]).as("open file descriptors").isLessThanOrEqualTo(base[1] + 40);
      assertThat(end[2]).as("heap after GC").isLessThanOrEqualTo(base[2] + (48L << 20));
    }
  }

  private static long reconnects(SimulatedCollector rig) {
    try {
      JsonObject s = rig.status();
      return rig.counter(s, "reconnects", null);
    } catch (Exception e) {
      return 0;
    }
  }

  private static long[] sample() throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(100);
    }
    Runtime rt = Runtime.getRuntime();
    String[] fds = new File("/proc/self/fd").list();
    return new long[] {Thread.activeCount(), fds == null ? -1 : fds.length, rt.totalMemory() - rt.freeMemory()};
  }
}
