package io.marketprism.platform.bus;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

class EventBusRecordBusTest {

  private static final int RECORD_BYTES = 1_000;
  private static final long MAX_BYTES = 10_000;

  private final Vertx vertx = Vertx.vertx();
  private final Context context = vertx.getOrCreateContext();

  @AfterEach
  void close() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void stalledHandlerHoldsAtMostTheByteBoundDropsTheRestAndRecovers() throws Exception {
    // the record bound is far away: only the byte bound can stop the queue
    BusOptions defaults = BusOptions.from(new JsonObject());
    BusOptions options = new BusOptions(BusOptions.EVENTBUS, defaults.natsUrl(), defaults.connectTimeout(),
        defaults.reconnectWait(), defaults.maxInFlight(), defaults.bufferMax(), defaults.bufferMaxBytes(), defaults.ackTimeout(), 1_000_000,
        MAX_BYTES, defaults.streams(), defaults.liveMaxPendingBytes());
    RecordBus bus = RecordBus.create(vertx, options);
    Promise<Void> stall = Promise.promise();
    List<BusMessage> stored = new CopyOnWriteArrayList<>();
    BatchHandler handler = batch -> {
      if (!stall.future().isComplete()) {
        return stall.future().onSuccess(v -> stored.addAll(batch)); // the store hangs (disk full, a lock)
      }
      stored.addAll(batch);
      return Future.succeededFuture();
    };
    ConsumerSpec spec = new ConsumerSpec(BusOptions.MARKET_DATA, "storage", ">", 5, Duration.ofMillis(20),
        Duration.ofSeconds(30), 1);
    RecordConsumer consumer = onContext(() -> bus.consume(spec, handler)).await(5, TimeUnit.SECONDS);

    for (int i = 0; i < 100; i++) {
      bus.publish("orderbook.binance.spot.BTC-USDT", "m" + i, body(i));
    }
    JsonObject full = waitFor(consumer, s -> s.getLong("pending") + s.getLong("dropped") == 100);
    assertThat(full.getLong("pending")).isEqualTo(MAX_BYTES / RECORD_BYTES);
    assertThat(full.getLong("dropped")).isEqualTo(90);
    assertThat(full.getLong("pending_bytes")).isEqualTo(MAX_BYTES);

    context.runOnContext(v -> stall.complete());
    waitFor(consumer, s -> s.getLong("acked") == 10 && s.getLong("pending") == 0);
    for (int i = 100; i < 110; i++) {
      bus.publish("orderbook.binance.spot.BTC-USDT", "m" + i, body(i));
    }
    JsonObject recovered = waitFor(consumer, s -> s.getLong("acked") == 20 && s.getLong("pending") == 0);
    assertThat(recovered.getLong("pending_bytes")).isZero();
    assertThat(recovered.getLong("dropped")).isEqualTo(90);
    assertThat(stored).hasSize(20);
    assertThat(stored.get(19).json()[0]).isEqualTo((byte) (109 % 128)); // the records sent after the stall were stored
  }

  private static byte[] body(int i) {
    byte[] b = new byte[RECORD_BYTES];
    Arrays.fill(b, (byte) (i % 128));
    return b;
  }

  private <T> Future<T> onContext(Supplier<Future<T>> action) {
    Promise<T> p = Promise.promise();
    context.runOnContext(v -> action.get().onComplete(p));
    return p.future();
  }

  /** The consumer's stats (read on its context) once they satisfy {@code done}; fails after 10 s. */
  private JsonObject waitFor(RecordConsumer consumer, Predicate<JsonObject> done) throws Exception {
    long deadline = System.currentTimeMillis() + 10_000;
    while (true) {
      JsonObject s = onContext(() -> Future.succeededFuture(consumer.stats())).await(5, TimeUnit.SECONDS);
      if (done.test(s)) {
        return s;
      }
      assertThat(System.currentTimeMillis()).as("stats never settled: %s", s).isLessThan(deadline);
      Thread.sleep(10);
    }
  }
}
