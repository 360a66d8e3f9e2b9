package io.marketprism.platform.bus;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

class EventBusRecordBusTest {

  private static final int RECORD_BYTES = 1_000;
  private static final long MAX_BYTES = 10_000;
  private static final String TRADE = "trade.binance.spot.BTC-USDT";

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
        MAX_BYTES, defaults.streams(), defaults.liveMaxPendingBytes(), defaults.eventBusLiveMaxPendingBytes());
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

  /**
   * A storage whose event loop is stuck (a long synchronous step, GC pauses) holds at most {@code
   * bus.eventbus.max_pending_bytes} of records on their way to it and drops (and counts) the rest:
   * the consumer on that loop had the event bus queue each record as a task of it, before its own
   * bounds were checked, so all 10 MB published meanwhile were held and none counted. Once the loop
   * runs again what was kept, and then what comes next, are stored in the order published, each once.
   */
  @Test
  void aStuckStorageLoopHoldsAtMostTheByteBoundDropsTheRestAndStoresTheKeptInOrder() throws Exception {
    long bound = 1L << 20;
    RecordBus bus = RecordBus.create(vertx, BusOptions.from(new JsonObject().put("bus", new JsonObject()
        .put("eventbus", new JsonObject().put("max_pending_bytes", bound)))));
    List<Integer> stored = new CopyOnWriteArrayList<>();
    BatchHandler handler = batch -> {
      batch.forEach(m -> stored.add(ByteBuffer.wrap(m.json()).getInt()));
      return Future.succeededFuture();
    };
    ConsumerSpec spec = new ConsumerSpec(BusOptions.MARKET_DATA, "storage", ">", 100, Duration.ofMillis(20),
        Duration.ofSeconds(30), 1);
    RecordConsumer consumer = onContext(() -> bus.consume(spec, handler)).await(5, TimeUnit.SECONDS);
    CountDownLatch stuck = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    context.runOnContext(v -> {
      stuck.countDown();
      try {
        release.await(30, TimeUnit.SECONDS); // the storage's event loop is busy elsewhere
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    int sent = 10_000;
    JsonObject whileStuck;
    try {
      assertThat(stuck.await(10, TimeUnit.SECONDS)).isTrue();
      for (int i = 0; i < sent; i++) { // 10 MB from another thread while the storage's loop is stuck
        bus.publish(TRADE, "t" + i, numbered(i));
      }
      // every record published is held or dropped (unbounded, the tasks hold all and neither is counted)
      whileStuck = await(consumer, s -> s.getLong("pending") + s.getLong("dropped") == sent);
    } finally {
      release.countDown();
    }
    assertThat(whileStuck.getLong("pending") + whileStuck.getLong("dropped")).as("held or dropped: %s", whileStuck)
        .isEqualTo(sent);
    assertThat(whileStuck.getLong("pending_bytes")).as("bytes held for the stuck loop").isLessThanOrEqualTo(bound)
        .isEqualTo(whileStuck.getLong("pending") * RECORD_BYTES);
    assertThat(whileStuck.getLong("dropped")).isGreaterThanOrEqualTo(sent - bound / RECORD_BYTES);
    long kept = whileStuck.getLong("pending");
    waitFor(consumer, s -> s.getLong("acked") == kept && s.getLong("pending") == 0);
    // once the loop runs again, a record published next is stored after all that was kept
    bus.publish(TRADE, "t" + sent, numbered(sent));
    JsonObject after = waitFor(consumer, s -> s.getLong("acked") == kept + 1 && s.getLong("pending") == 0);
    assertThat(after.getLong("pending_bytes")).isZero();
    assertThat(after.getLong("dropped")).isEqualTo(sent - kept);
    assertThat(stored).as("the kept records, in the order published, each once, then the next").hasSize((int) kept + 1)
        .isSortedAccordingTo(Integer::compare).doesNotHaveDuplicates().endsWith(sent);
    assertThat(stored.get(0)).isZero();
    onContext(consumer::close).await(15, TimeUnit.SECONDS);
  }

  /**
   * A live subscriber whose event loop is stuck (a gateway far behind) holds at most
   * {@code bus.eventbus.live_max_pending_bytes} of records for it and drops (and counts) the rest: a
   * plain event-bus consumer queued each record as a task of that loop, so all 10 MB published
   * meanwhile were held, without bound. Once the loop runs again what was held, and then what comes
   * next, arrive in the order published, each once; the drops are told to the subscriber once, after
   * what was held, with their count, times and subject.
   */
  @Test
  void aStuckLiveSubscriberHoldsAtMostItsByteBoundDropsTheRestAndResumesInOrder() throws Exception {
    long bound = 1L << 20;
    RecordBus bus = RecordBus.create(vertx, BusOptions.from(new JsonObject().put("bus", new JsonObject()
        .put("eventbus", new JsonObject().put("live_max_pending_bytes", bound)))));
    CountDownLatch stuck = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    List<Integer> handled = new CopyOnWriteArrayList<>();
    List<LiveDrops> drops = new CopyOnWriteArrayList<>();
    List<Integer> handledWhenTold = new CopyOnWriteArrayList<>();
    long before = System.currentTimeMillis();
    RecordConsumer live = onContext(() -> bus.subscribe("trade.>", m -> {
      handled.add(ByteBuffer.wrap(m.json()).getInt());
      if (handled.size() == 1) {
        stuck.countDown();
        try {
          release.await(30, TimeUnit.SECONDS); // its event loop is busy elsewhere
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }, d -> {
      drops.add(d);
      handledWhenTold.add(handled.size());
    })).await(5, TimeUnit.SECONDS);
    int sent = 10_000;
    try {
      bus.publish(TRADE, "t0", numbered(0));
      assertThat(stuck.await(10, TimeUnit.SECONDS)).isTrue();
      for (int i = 1; i <= sent; i++) { // 10 MB from another thread while the subscriber's loop is stuck
        bus.publish(TRADE, "t" + i, numbered(i));
      }
      // every record published is handed over or dropped (unbounded, nothing is either: checked below)
      JsonObject whileStuck = await(live, s -> s.getLong("delivered", 0L) + s.getLong("dropped", 0L) == sent + 1);
      release.countDown();
      settled(live, s -> s.getLong("pending_bytes", 0L) == 0);
      // once the loop runs again, a record published next comes after all that was held
      bus.publish(TRADE, "t" + (sent + 1), numbered(sent + 1));
      JsonObject after = settled(live, s -> handled.get(handled.size() - 1) == sent + 1);
      int held = handled.size() - 2;
      assertThat((long) held * RECORD_BYTES).as("bytes held for the stuck handler").isLessThanOrEqualTo(bound);
      assertThat(whileStuck.getLong("pending_bytes")).isLessThanOrEqualTo(bound);
      assertThat(after.getLong("dropped")).isEqualTo(sent - held).isGreaterThanOrEqualTo(sent - bound / RECORD_BYTES);
      assertThat(drops).as("told once, not once per drop").hasSize(1);
      assertThat(drops.get(0).count()).isEqualTo(sent - held);
      assertThat(drops.get(0).subjects()).containsExactly(TRADE);
      assertThat(drops.get(0).fromMs()).isGreaterThanOrEqualTo(before).isLessThanOrEqualTo(drops.get(0).toMs());
      assertThat(handledWhenTold).as("told once what was held had been handled").containsExactly(held + 1);
    } finally {
      release.countDown();
    }
    assertThat(handled.get(0)).isZero();
    assertThat(handled).as("in the order published, each once").isSortedAccordingTo(Integer::compare)
        .doesNotHaveDuplicates();
    live.close().await(5, TimeUnit.SECONDS);
  }

  /** A record of {@link #RECORD_BYTES} that starts with its number. */
  private static byte[] numbered(int i) {
    return ByteBuffer.allocate(RECORD_BYTES).putInt(i).array();
  }

  /**
   * The subscription's stats (read from this thread: they are atomic, and so are a consumer's held records
   * while its loop is stuck) once they satisfy {@code done}; fails after 10 s.
   */
  private static JsonObject settled(RecordConsumer live, Predicate<JsonObject> done) throws InterruptedException {
    JsonObject s = await(live, done);
    assertThat(done.test(s)).as("stats never settled: %s", s).isTrue();
    return s;
  }

  /** The subscription's (or a stuck consumer's) stats once they satisfy {@code done}, or as they are 10 s later. */
  private static JsonObject await(RecordConsumer live, Predicate<JsonObject> done) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 10_000;
    JsonObject s = live.stats();
    while (!done.test(s) && System.currentTimeMillis() < deadline) {
      Thread.sleep(10);
      s = live.stats();
    }
    return s;
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

  /**
   * Live subscriptions closed while records are published (a stream client dropped, its patterns
   * replaced): a publish never fails. Vert.x closed the relays' named worker pool when its last
   * relay was undeployed, while that relay's consumer could still take a record, and the publish
   * threw RejectedExecutionException to the publisher.
   */
  @Test
  void publishingWhileLiveSubscriptionsCloseNeverFails() throws Exception {
    RecordBus bus = RecordBus.create(vertx, BusOptions.from(new JsonObject()));
    java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
    java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean(true);
    Thread publisher = new Thread(() -> {
      int i = 0;
      while (running.get() && failure.get() == null) {
        try {
          bus.publish(TRADE, "t" + i, numbered(i++));
        } catch (Throwable e) {
          failure.set(e);
        }
      }
    });
    publisher.start();
    try {
      for (int round = 0; round < 200 && failure.get() == null; round++) {
        RecordConsumer live = onContext(() -> bus.subscribe("trade.>", m -> { })).await(5, TimeUnit.SECONDS);
        live.close().await(5, TimeUnit.SECONDS);
      }
    } finally {
      running.set(false);
      publisher.join(10_000);
    }
    assertThat(failure.get()).as("a publish failed while subscriptions closed").isNull();
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
