package io.marketprism.collector.feed;

import io.marketprism.collector.backfill.TradeMarkFile;
import io.marketprism.platform.bus.BusStats;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The trade marks reach the file only behind what the bus settled. */
class TradeMarkStateTest {

  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private static BusStats bus(long published, long acked, long dropped) {
    return new BusStats(acked + dropped == published, published, acked, 0, 0, dropped,
        (int) (published - acked - dropped), 0, 0, BusStats.Latency.NONE, BusStats.Latency.NONE);
  }

  private static Map<String, TradeMarkFile.Mark> marks(long seq) {
    return Map.of("BTCUSDT", new TradeMarkFile.Mark(seq, 1_700_000_000_000L + seq, 1_700_000_000_000L + seq));
  }

  @Test
  void marksAreWrittenOnlyOnceTheBusSettledTheRecordsOfTheirTrades(@TempDir Path dir) throws Exception {
    TradeMarkFile file = new TradeMarkFile(dir, "binance", "spot");
    WorkerExecutor worker = vertx.createSharedWorkerExecutor("marks", 1);
    TradeMarkState state = new TradeMarkState(worker, file, Map.of(), 600_000);
    vertx.runOnContext(v -> {
      state.save(marks(10), bus(10, 10, 0)); // taken after 10 records were offered
      state.save(marks(20), bus(20, 10, 0)); // the first 10 are acked: marks(10) is written
    });
    awaitSeq(file, 10);
    vertx.runOnContext(v -> {
      // NATS went away: the bus holds what came after the 10th record
      state.save(marks(30), bus(30, 10, 0));
      state.save(marks(40), bus(40, 10, 0));
    });
    Thread.sleep(300);
    assertThat(file.load().marks().get("BTCUSDT").seq()).as("not past what the stream holds").isEqualTo(10);
    // stopped with records still in the bus: the file keeps the marks of what the stream holds
    state.close(marks(50), bus(50, 10, 0)).await(10, TimeUnit.SECONDS);
    assertThat(file.load().marks().get("BTCUSDT").seq()).isEqualTo(10);

    // with everything acknowledged (or dropped beyond the buffer and counted) at stop, the last marks are written
    TradeMarkState again = new TradeMarkState(worker, file, Map.of(), 600_000);
    again.close(marks(60), bus(60, 55, 5)).await(10, TimeUnit.SECONDS);
    assertThat(file.load().marks().get("BTCUSDT").seq()).isEqualTo(60);
  }

  private static void awaitSeq(TradeMarkFile file, long seq) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 10_000;
    while (System.currentTimeMillis() < deadline) {
      TradeMarkFile.Mark m = file.load().marks().get("BTCUSDT");
      if (m != null && m.seq() == seq) {
        return;
      }
      Thread.sleep(20);
    }
    throw new AssertionError("marks of seq " + seq + " not written: " + file.load());
  }
}
