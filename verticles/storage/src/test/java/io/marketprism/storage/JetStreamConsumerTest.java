package io.marketprism.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marketprism.platform.bus.BusMessage;
import io.marketprism.platform.bus.BusOptions;
import io.marketprism.platform.bus.ConsumerSpec;
import io.marketprism.platform.bus.RecordBus;
import io.marketprism.platform.bus.RecordConsumer;
import io.marketprism.testkit.NatsServer;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The JetStream durable consumer against a real nats-server: batches are fetched while earlier
 * ones commit (and may commit in any order), each message is acknowledged once its batch
 * committed, a failed batch comes back, a durable made with other bounds is updated in place, and
 * a light stream, fetched in gathered bursts, still reaches the handler within about one wait.
 */
class JetStreamConsumerTest {

  private NatsServer nats;
  private final Vertx vertx = Vertx.vertx();
  private RecordBus bus;

  @BeforeEach
  void start() throws Exception {
    nats = NatsServer.start();
    bus = RecordBus.create(vertx, BusOptions.from(new JsonObject().put("bus",
        new JsonObject().put("type", "nats").put("nats", new JsonObject().put("url", nats.url())))));
    bus.start().await(20, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    bus.close().await(20, TimeUnit.SECONDS);
    vertx.close().await(20, TimeUnit.SECONDS);
    nats.close();
  }

  private void publish(int n) throws Exception {
    for (int i = 0; i < n; i++) {
      bus.publish("trade.binance.spot.BTC-USDT", "id-" + i, ("{\"n\":" + i + "}").getBytes(StandardCharsets.UTF_8))
          .await(20, TimeUnit.SECONDS);
    }
  }

  private static ConsumerSpec spec(int batch, int inFlight) {
    return new ConsumerSpec(BusOptions.MARKET_DATA, "test", ">", batch, Duration.ofMillis(100), Duration.ofSeconds(5),
        inFlight);
  }

  @Test
  void aLiveSubscriptionToEverySubjectGetsRecordsAndNoneOfJetStreamsOwnTraffic() throws Exception {
    List<String> subjects = new CopyOnWriteArrayList<>();
    RecordConsumer all = bus.subscribe(">", m -> subjects.add(m.subject())).await(20, TimeUnit.SECONDS);
    // a durable consumer acking, the publisher's acks, JetStream API requests: none of them is a record
    CountDownLatch consumed = new CountDownLatch(3);
    RecordConsumer durable = bus.consume(spec(10, 1), batch -> {
      batch.forEach(m -> consumed.countDown());
      return Future.succeededFuture();
    }).await(20, TimeUnit.SECONDS);
    publish(3);
    assertTrue(consumed.await(20, TimeUnit.SECONDS));
    Thread.sleep(300);
    assertEquals(List.of("trade.binance.spot.BTC-USDT", "trade.binance.spot.BTC-USDT", "trade.binance.spot.BTC-USDT"),
        subjects);
    durable.close().await(20, TimeUnit.SECONDS);
    all.close().await(20, TimeUnit.SECONDS);
  }

  /**
   * A bus started while NATS is away takes live subscriptions (monitoring and the gateway's live
   * stream subscribe at start) and opens them at the first connect; one closed meanwhile is never
   * opened. The subscription failed ("NATS is not connected"), so monitoring did not start.
   */
  @Test
  void aLiveSubscriptionMadeWhileNatsIsAwayReceivesRecordsOnceItIsThere() throws Exception {
    nats.stop();
    RecordBus late = RecordBus.create(vertx, BusOptions.from(new JsonObject().put("bus", new JsonObject()
        .put("type", "nats").put("nats", new JsonObject().put("url", nats.url()).put("connect_timeout_ms", 200)
            .put("reconnect_wait_ms", 50)))));
    late.start().await(20, TimeUnit.SECONDS);
    List<String> subjects = new CopyOnWriteArrayList<>();
    List<String> closedEarly = new CopyOnWriteArrayList<>();
    RecordConsumer all = late.subscribe("trade.>", m -> subjects.add(m.subject())).await(20, TimeUnit.SECONDS);
    late.subscribe(">", m -> closedEarly.add(m.subject())).await(20, TimeUnit.SECONDS).close()
        .await(20, TimeUnit.SECONDS);
    nats.restart();
    await(late::connected);
    late.publish("trade.binance.spot.BTC-USDT", "late-1", "{}".getBytes(StandardCharsets.UTF_8))
        .await(20, TimeUnit.SECONDS);
    await(() -> subjects.size() == 1);
    assertEquals(List.of("trade.binance.spot.BTC-USDT"), subjects);
    assertEquals(List.of(), closedEarly);
    all.close().await(20, TimeUnit.SECONDS);
    late.close().await(20, TimeUnit.SECONDS);
  }

  /**
   * A live subscription whose handler is stuck (the gateway's event loop busy) holds at most
   * {@code bus.nats.live_max_pending_bytes} of records for it and drops (and counts) the rest:
   * each record went to the handler's context as a task, so 10 MB sent while it was stuck were
   * all held, without bound.
   */
  @Test
  void aStuckLiveSubscriberHoldsAtMostItsByteBoundAndDropsTheRest() throws Exception {
    RecordBus bounded = RecordBus.create(vertx, BusOptions.from(new JsonObject().put("bus", new JsonObject()
        .put("type", "nats").put("nats", new JsonObject().put("url", nats.url())
            .put("live_max_pending_bytes", 1 << 20)))));
    bounded.start().await(20, TimeUnit.SECONDS);
    CountDownLatch stuck = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger handled = new AtomicInteger();
    RecordConsumer live = bounded.subscribe("trade.>", m -> {
      if (handled.getAndIncrement() == 0) {
        stuck.countDown();
        try {
          release.await(30, TimeUnit.SECONDS); // its event loop is busy elsewhere
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }).await(20, TimeUnit.SECONDS);
    byte[] record = ("{\"pad\":\"" + "x".repeat(1000) + "\"}").getBytes(StandardCharsets.UTF_8);
    try (io.nats.client.Connection raw = io.nats.client.Nats.connect(nats.url())) {
      raw.publish("trade.binance.spot.BTC-USDT", record);
      assertTrue(stuck.await(20, TimeUnit.SECONDS));
      for (int i = 0; i < 10_000; i++) { // 10 MB while it is stuck
        raw.publish("trade.binance.spot.BTC-USDT", record);
      }
      raw.flush(Duration.ofSeconds(10));
      Thread.sleep(500);
      release.countDown();
      // once it runs again it gets what was held, about 1 MiB, and then records again
      Thread.sleep(1000);
      int held = handled.get() - 1;
      assertTrue(held * record.length <= (1 << 20), "held " + held + " records of " + record.length + " bytes");
      assertTrue(live.stats().getLong("dropped") >= 10_000 - held, live.stats().encode());
      raw.publish("trade.binance.spot.BTC-USDT", record);
      await(() -> handled.get() == held + 2);
    }
    live.close().await(20, TimeUnit.SECONDS);
    bounded.close().await(20, TimeUnit.SECONDS);
  }

  @Test
  void aRecordSentTwiceIsStoredOnceAndCountedAsDuplicate() throws Exception {
    publish(3);
    publish(2); // ids 0 and 1 again: the stream answers {"stream":..,"seq":..,"duplicate": true}
    assertEquals(5, bus.stats().acked());
    assertEquals(2, bus.stats().duplicates());
  }

  @Test
  void batchesCommitConcurrentlyAndOutOfOrderAndEachMessageIsDeliveredOnce() throws Exception {
    publish(600);
    Map<String, Integer> seen = new ConcurrentHashMap<>();
    AtomicInteger open = new AtomicInteger();
    AtomicInteger mostOpen = new AtomicInteger();
    AtomicInteger handed = new AtomicInteger();
    RecordConsumer c = bus.consume(spec(100, 3), batch -> {
      int now = open.incrementAndGet();
      mostOpen.accumulateAndGet(now, Math::max);
      batch.forEach(m -> seen.merge(m.text(), 1, Integer::sum));
      // the first batch commits last: later ones must not wait for it
      long delay = handed.getAndIncrement() == 0 ? 600 : 50;
      Promise<Void> p = Promise.promise();
      vertx.setTimer(delay, t -> {
        open.decrementAndGet();
        p.complete();
      });
      return p.future();
    }).await(20, TimeUnit.SECONDS);
    await(() -> seen.size() == 600 && open.get() == 0);
    await(() -> c.stats().getLong("acked") == 600);
    assertTrue(mostOpen.get() >= 2 && mostOpen.get() <= 3, "batches open at once: " + mostOpen.get());
    assertTrue(seen.values().stream().allMatch(v -> v == 1), "a message was delivered twice: " + seen);
    assertEquals(0L, c.stats().getLong("redelivered"));
    c.close().await(20, TimeUnit.SECONDS);
  }

  @Test
  void aLightStreamIsFetchedOncePerWaitAndNoMessageWaitsMuchLongerThanTheWait() throws Exception {
    Map<Integer, Long> delays = new ConcurrentHashMap<>();
    AtomicInteger batches = new AtomicInteger();
    ConsumerSpec spec = new ConsumerSpec(BusOptions.MARKET_DATA, "light", ">", 1000, Duration.ofMillis(300),
        Duration.ofSeconds(5), 3);
    RecordConsumer c = bus.consume(spec, batch -> {
      batches.incrementAndGet();
      long now = System.currentTimeMillis();
      for (BusMessage m : batch) {
        JsonObject j = new JsonObject(m.text());
        delays.merge(j.getInteger("n"), now - j.getLong("t"), (a, b) -> -1L);
      }
      return Future.succeededFuture();
    }).await(20, TimeUnit.SECONDS);
    // 50 messages a second for 1.6 s: far under a quarter of a batch per wait, so fetched in gathered bursts
    for (int i = 0; i < 80; i++) {
      bus.publish("trade.binance.spot.BTC-USDT", "light-" + i, new JsonObject().put("n", i)
          .put("t", System.currentTimeMillis()).encode().getBytes(StandardCharsets.UTF_8)).await(20, TimeUnit.SECONDS);
      Thread.sleep(20);
    }
    await(() -> delays.size() == 80);
    assertTrue(delays.values().stream().allMatch(d -> d >= 0), "a message was handed over twice: " + delays);
    long longest = delays.values().stream().mapToLong(Long::longValue).max().orElseThrow();
    assertTrue(longest < 800, "a message waited " + longest + " ms for a wait of 300 ms");
    assertTrue(batches.get() >= 4 && batches.get() <= 12, "batches for 1.6 s at a 300 ms wait: " + batches.get());
    c.close().await(20, TimeUnit.SECONDS);
  }

  @Test
  void aFailedBatchIsDeliveredAgainAndADurableWithOtherBoundsIsUpdated() throws Exception {
    publish(50);
    RecordConsumer first = bus.consume(spec(10, 1), batch -> Future.succeededFuture()).await(20, TimeUnit.SECONDS);
    await(() -> first.stats().getLong("acked") == 50);
    first.close().await(20, TimeUnit.SECONDS);
    publish(80); // ids 0..49 are de-duplicated by the stream; 50..79 are new
    Map<String, Integer> committed = new ConcurrentHashMap<>();
    AtomicInteger failures = new AtomicInteger();
    RecordConsumer second = bus.consume(spec(500, 3), (List<BusMessage> batch) -> {
      if (failures.getAndIncrement() == 0) {
        return Future.failedFuture("store down");
      }
      batch.forEach(m -> committed.merge(m.text(), 1, Integer::sum));
      return Future.succeededFuture();
    }).await(20, TimeUnit.SECONDS);
    await(() -> committed.size() == 30);
    assertTrue(second.stats().getLong("failed_batches") >= 1);
    assertTrue(second.stats().getLong("redelivered") >= 1, "the failed batch came back");
    for (int i = 50; i < 80; i++) {
      assertTrue(committed.containsKey("{\"n\":" + i + "}"), "missing " + i);
    }
    second.close().await(20, TimeUnit.SECONDS);
  }

  @Test
  void theSettledTimeStaysBeforeARecordUntilItsBatchIsCommitted() throws Exception {
    Promise<Void> held = Promise.promise();
    RecordConsumer c = bus.consume(spec(10, 3), batch -> batch.stream().anyMatch(m -> m.text().contains("held"))
        ? held.future() : Future.succeededFuture()).await(20, TimeUnit.SECONDS);
    publish(5);
    await(() -> c.stats().getLong("acked") == 5 && c.settledMs() > 0);
    long before = System.currentTimeMillis();
    bus.publish("trade.binance.spot.BTC-USDT", "held", "{\"held\":1}".getBytes(StandardCharsets.UTF_8))
        .await(20, TimeUnit.SECONDS);
    publish(3); // ids 0..2 again: de-duplicated; idle fetches go on behind the held batch
    Thread.sleep(600);
    assertTrue(c.settledMs() < before, "settled at " + c.settledMs() + " past a record published at " + before
        + " whose batch is not committed");
    vertx.runOnContext(v -> held.complete());
    await(() -> c.settledMs() >= before);
    assertEquals(c.settledMs(), c.stats().getLong("settled_ms"));
    c.close().await(20, TimeUnit.SECONDS);
  }

  @Test
  void theSettledTimeWaitsForABatchAnotherInstanceOfTheDurableHolds() throws Exception {
    RecordBus other = RecordBus.create(vertx, BusOptions.from(new JsonObject().put("bus",
        new JsonObject().put("type", "nats").put("nats", new JsonObject().put("url", nats.url())))));
    other.start().await(20, TimeUnit.SECONDS);
    Promise<Void> held = Promise.promise();
    CountDownLatch holding = new CountDownLatch(1);
    RecordConsumer b = other.consume(spec(10, 3), batch -> {
      if (batch.stream().noneMatch(m -> m.text().contains("held"))) {
        return Future.succeededFuture();
      }
      holding.countDown();
      return held.future();
    }).await(20, TimeUnit.SECONDS);
    long before = System.currentTimeMillis();
    bus.publish("trade.binance.spot.BTC-USDT", "held", "{\"held\":1}".getBytes(StandardCharsets.UTF_8))
        .await(20, TimeUnit.SECONDS);
    assertTrue(holding.await(20, TimeUnit.SECONDS));
    RecordConsumer a = bus.consume(spec(10, 3), batch -> Future.succeededFuture()).await(20, TimeUnit.SECONDS);
    publish(5); // committed by either; the stream is empty after them, but the other instance still holds one
    await(() -> a.stats().getLong("acked") + b.stats().getLong("acked") == 5);
    Thread.sleep(600);
    assertTrue(a.settledMs() < before, "settled at " + a.settledMs() + " past a record published at " + before
        + " that another instance has not committed");
    vertx.runOnContext(v -> held.complete());
    await(() -> a.settledMs() >= before);
    a.close().await(20, TimeUnit.SECONDS);
    b.close().await(20, TimeUnit.SECONDS);
    other.close().await(20, TimeUnit.SECONDS);
  }

  private void publish(int from, int to) throws Exception {
    for (int i = from; i < to; i++) {
      bus.publish("trade.binance.spot.BTC-USDT", "id-" + i, ("{\"n\":" + i + "}").getBytes(StandardCharsets.UTF_8))
          .await(20, TimeUnit.SECONDS);
    }
  }

  private static int n(BusMessage m) {
    return new JsonObject(new String(m.json(), StandardCharsets.UTF_8)).getInteger("n");
  }

  /** How long the server keeps the consumer {@code name} unread; null when it is gone (or kept for ever). */
  private Duration inactiveThreshold(String name) throws Exception {
    try (io.nats.client.Connection c = io.nats.client.Nats.connect(nats.url())) {
      return c.jetStreamManagement().getConsumerInfo(BusOptions.MARKET_DATA, name).getConsumerConfiguration()
          .getInactiveThreshold();
    } catch (io.nats.client.JetStreamApiException gone) {
      return null;
    }
  }

  private List<String> consumerNames() throws Exception {
    try (io.nats.client.Connection c = io.nats.client.Nats.connect(nats.url())) {
      return c.jetStreamManagement().getConsumerNames(BusOptions.MARKET_DATA);
    }
  }

  /**
   * A replay reads every record the stream received from its start time on, up to the last one the
   * stream held when it began, though records keep arriving meanwhile; then it ends by itself and
   * removes its durable. The live durable consumer is not disturbed.
   */
  @Test
  void aReplayReadsFromItsTimeToTheStreamsEndThenEndsAndRemovesItsConsumer() throws Exception {
    AtomicInteger live = new AtomicInteger();
    RecordConsumer storage = bus.consume(spec(100, 2), batch -> {
      live.addAndGet(batch.size());
      return Future.succeededFuture();
    }).await(20, TimeUnit.SECONDS);
    publish(0, 300);
    Thread.sleep(50);
    long since = System.currentTimeMillis();
    Thread.sleep(50);
    publish(300, 1000);
    List<Integer> read = new CopyOnWriteArrayList<>();
    AtomicInteger batches = new AtomicInteger();
    io.marketprism.platform.bus.Replay replay = bus.replay(new ConsumerSpec(BusOptions.MARKET_DATA, "replay_test", ">",
        128, Duration.ofMillis(100), Duration.ofSeconds(5), 3), since, "node-a", batch -> {
          batches.incrementAndGet();
          batch.forEach(m -> read.add(n(m)));
          // slow commits: records keep arriving while it reads
          return io.vertx.core.Future.future(p -> vertx.setTimer(20, t -> p.complete()));
        }).await(20, TimeUnit.SECONDS);
    for (int i = 1000; !replay.done().isComplete(); i += 10) {
      assertTrue(i < 5000, "the replay did not end while records kept arriving");
      publish(i, i + 10);
    }
    replay.done().await(20, TimeUnit.SECONDS);
    java.util.Set<Integer> distinct = new java.util.TreeSet<>(read);
    assertEquals(read.size(), distinct.size(), "each record once");
    assertEquals(300, (int) ((java.util.TreeSet<Integer>) distinct).first(), "from the start time on");
    assertTrue(distinct.containsAll(java.util.stream.IntStream.range(300, 1000).boxed().toList()));
    assertEquals(700, read.size(), "nothing beyond the stream's end at the start (the live consumer's)");
    JsonObject stats = replay.stats();
    assertEquals("done", stats.getString("state"));
    assertEquals(1000, stats.getLong("target_seq"));
    assertTrue(stats.getLong("acked_seq") >= 1000);
    assertEquals(List.of("test"), consumerNames());
    await(() -> live.get() >= 1000);
    storage.close().await(20, TimeUnit.SECONDS);
  }

  /**
   * A consumer's position: its acknowledged floor, that message's stream time and what it was
   * delivered (what a storage samples to know what a restarted ClickHouse may have lost); and a
   * replay from a time up to a sequence reads exactly that span.
   */
  @Test
  void aConsumersPositionIsItsFloorAndItsTimeAndAReplayUpToASequenceEndsThere() throws Exception {
    ConsumerSpec live = spec(100, 1);
    assertEquals(new io.marketprism.platform.bus.ConsumerPosition(0, -1, 0), bus.position(live).await(20, TimeUnit.SECONDS),
        "no such consumer yet: it has read nothing");
    long before = System.currentTimeMillis();
    publish(0, 100);
    AtomicInteger committed = new AtomicInteger();
    RecordConsumer c = bus.consume(live, batch -> {
      committed.addAndGet(batch.size());
      return Future.succeededFuture();
    }).await(20, TimeUnit.SECONDS);
    await(() -> committed.get() >= 100);
    io.marketprism.platform.bus.ConsumerPosition[] pos = {null};
    await(() -> {
      pos[0] = bus.position(live).await();
      return pos[0].ackFloorSeq() == 100;
    });
    assertEquals(100, pos[0].deliveredSeq());
    assertTrue(pos[0].ackFloorMs() >= before - 1_000 && pos[0].ackFloorMs() <= System.currentTimeMillis() + 1_000,
        "the floor's stream time: " + pos[0]);
    Thread.sleep(20);
    publish(100, 300);
    List<Integer> read = new CopyOnWriteArrayList<>();
    io.marketprism.platform.bus.Replay replay = bus.replay(new ConsumerSpec(BusOptions.MARKET_DATA, "replay_until",
        ">", 64, Duration.ofMillis(100), Duration.ofSeconds(5), 1), pos[0].ackFloorMs() + 1, 250, "node-a", batch -> {
          batch.forEach(m -> read.add(n(m)));
          return Future.succeededFuture();
        }).await(20, TimeUnit.SECONDS);
    replay.done().await(20, TimeUnit.SECONDS);
    assertEquals(java.util.stream.IntStream.range(100, 250).boxed().toList(), read, "stream sequences 101..250, once");
    assertEquals(250, replay.stats().getLong("target_seq"));
    c.close().await(20, TimeUnit.SECONDS);
  }

  /**
   * A finished replay whose consumer was not removed at its end (NATS away at that moment) would
   * stand for a running one for a day, refusing every other replay: the listing removes it. One
   * short of its target is listed.
   */
  @Test
  void aFinishedReplaysConsumerLeftOnTheServerIsRemovedByTheListing() throws Exception {
    publish(0, 5);
    try (io.nats.client.Connection c = io.nats.client.Nats.connect(nats.url())) {
      var jsm = c.jetStreamManagement();
      for (String[] r : new String[][] {{"storage_replay_1", "5"}, {"storage_replay_2", "4"}, {"storage_replay_3", "6"}}) {
        jsm.addOrUpdateConsumer(BusOptions.MARKET_DATA, io.nats.client.api.ConsumerConfiguration.builder()
            .durable(r[0]).filterSubject(">").ackPolicy(io.nats.client.api.AckPolicy.All)
            .description("marketprism replay from 0 up to stream sequence " + r[1] + ", run by node-x").build());
        var sub = c.jetStream().subscribe(null, io.nats.client.PullSubscribeOptions.bind(BusOptions.MARKET_DATA, r[0]));
        List<io.nats.client.Message> got = sub.fetch(Integer.parseInt(r[1]) - 1, Duration.ofSeconds(2));
        got.get(got.size() - 1).ackSync(Duration.ofSeconds(2)); // acknowledged up to its target less one
        if (r[1].equals("5")) {
          sub.fetch(1, Duration.ofSeconds(2)).get(0).ackSync(Duration.ofSeconds(2)); // and its target: finished
        }
        sub.unsubscribe();
      }
    }
    List<JsonObject> listed = bus.replays(new ConsumerSpec(BusOptions.MARKET_DATA, "storage_replay_", ">", 100,
        Duration.ofMillis(100), Duration.ofSeconds(5), 1)).await(20, TimeUnit.SECONDS);
    assertEquals(List.of("storage_replay_2", "storage_replay_3"), listed.stream().map(j -> j.getString("durable"))
        .sorted().toList());
    assertEquals(List.of("storage_replay_2", "storage_replay_3"), consumerNames().stream().sorted().toList());
  }

  /** A replay from after the stream's last record, or of an empty stream, ends at once with nothing read. */
  @Test
  void aReplayWithNothingToReadEndsAtOnce() throws Exception {
    ConsumerSpec spec = new ConsumerSpec(BusOptions.MARKET_DATA, "replay_empty", ">", 100, Duration.ofMillis(100),
        Duration.ofSeconds(5), 1);
    AtomicInteger read = new AtomicInteger();
    bus.replay(spec, 0, "node-a", batch -> {
      read.addAndGet(batch.size());
      return Future.succeededFuture();
    }).await(20, TimeUnit.SECONDS).done().await(20, TimeUnit.SECONDS);
    publish(0, 10);
    Thread.sleep(50);
    io.marketprism.platform.bus.Replay later = bus.replay(spec, System.currentTimeMillis() + 10, "node-a", batch -> {
      read.addAndGet(batch.size());
      return Future.succeededFuture();
    }).await(20, TimeUnit.SECONDS);
    later.done().await(20, TimeUnit.SECONDS);
    assertEquals(0, read.get());
    assertEquals(List.of(), consumerNames());
  }

  /**
   * A batch whose commit failed is asked again: the replay is not done, however far the batches
   * after it went, until it has been committed too.
   */
  @Test
  void aReplayEndsOnlyOnceAFailedBatchIsCommittedToo() throws Exception {
    publish(0, 200);
    java.util.Set<Integer> committed = ConcurrentHashMap.newKeySet();
    AtomicInteger calls = new AtomicInteger();
    io.marketprism.platform.bus.Replay replay = bus.replay(new ConsumerSpec(BusOptions.MARKET_DATA, "replay_fail",
        ">", 50, Duration.ofMillis(100), Duration.ofSeconds(5), 1), 0, "node-a", batch -> {
          if (calls.getAndIncrement() == 0) {
            return Future.failedFuture("the store was away");
          }
          batch.forEach(m -> committed.add(n(m)));
          return Future.succeededFuture();
        }).await(20, TimeUnit.SECONDS);
    replay.done().await(30, TimeUnit.SECONDS);
    assertEquals(200, committed.size(), "every record committed before the replay ended: " + committed.size());
    assertEquals(1, replay.stats().getLong("failed_batches"));
  }

  /**
   * A replay's consumer the server dropped (after a day without a fetch while a batch kept
   * failing, or by hand) answers empty fetches without an error: it is made again, and the replay
   * still stores everything and ends, where it stayed running for ever.
   */
  @Test
  void aReplayWhoseConsumerIsDroppedMakesItAgainAndEnds() throws Exception {
    publish(0, 200);
    java.util.Set<Integer> committed = ConcurrentHashMap.newKeySet();
    Promise<Void> held = Promise.promise();
    AtomicInteger calls = new AtomicInteger();
    io.marketprism.platform.bus.Replay replay = bus.replay(new ConsumerSpec(BusOptions.MARKET_DATA, "replay_gone",
        ">", 300, Duration.ofMillis(100), Duration.ofSeconds(5), 1), 0, "node-a", batch -> {
          batch.forEach(m -> committed.add(n(m)));
          return calls.getAndIncrement() == 0 ? held.future() : Future.succeededFuture();
        }).await(20, TimeUnit.SECONDS);
    await(() -> calls.get() == 1);
    try (io.nats.client.Connection c = io.nats.client.Nats.connect(nats.url())) {
      c.jetStreamManagement().deleteConsumer(BusOptions.MARKET_DATA, "replay_gone");
    }
    committed.clear();
    held.fail("the store was away"); // asked again, of a consumer that is gone
    replay.done().await(30, TimeUnit.SECONDS);
    assertEquals(200, committed.size());
    assertEquals(List.of(), consumerNames());
  }

  /**
   * A replay stopped half-way (its storage stopped) says so and leaves its durable. A storage that
   * starts later goes on with it, unless the node named on it still runs: a consumer of its own reads
   * on from the stopped one's acknowledged floor (what the stopped one held uncommitted is read again,
   * what it committed is not) up to the same target, and the stopped one's consumer is removed.
   */
  @Test
  void aReplayStoppedHalfWayIsGoneOnWithByTheNextStorageFromWhatItCommitted() throws Exception {
    publish(0, 200);
    ConsumerSpec replays = new ConsumerSpec(BusOptions.MARKET_DATA, "replay_", ">", 50, Duration.ofMillis(100),
        Duration.ofSeconds(5), 1);
    Promise<Void> never = Promise.promise();
    AtomicInteger calls = new AtomicInteger();
    io.marketprism.platform.bus.Replay replay = bus.replay(new ConsumerSpec(BusOptions.MARKET_DATA, "replay_stop",
        ">", 50, Duration.ofMillis(100), Duration.ofSeconds(5), 1), 0, "node-a",
        batch -> calls.getAndIncrement() == 0 ? Future.succeededFuture() : never.future()).await(20, TimeUnit.SECONDS);
    await(() -> replay.stats().getLong("batches") == 2);
    List<String> asked = new CopyOnWriteArrayList<>();
    assertEquals(List.of(), bus.resumeReplays(replays, "node-b", node -> asked.add(node) && node.equals("node-a"),
        batch -> Future.succeededFuture()).await(20, TimeUnit.SECONDS), "node-a runs it: left to node-a");
    assertEquals(List.of("node-a"), asked);

    replay.close().await(30, TimeUnit.SECONDS); // its second batch stays uncommitted
    Throwable why = replay.done().cause();
    assertTrue(why != null && why.getMessage().contains("stopped before it reached stream sequence 200")
        && why.getMessage().contains("its consumer stays 168 h for a storage to go on with it"), String.valueOf(why));
    // the consumer lives as long as the stream keeps the records it reads (MARKET_DATA's default 168 h), not a day
    assertEquals(Duration.ofHours(168), inactiveThreshold("replay_stop"));
    assertEquals("stopped", replay.stats().getString("state"));
    assertEquals(List.of("replay_stop"), consumerNames());
    JsonObject left = bus.replays(replays).await(20, TimeUnit.SECONDS).get(0);
    assertEquals(new JsonObject().put("durable", "replay_stop").put("subjects", ">").put("since_ms", 0L)
        .put("target_seq", 200L).put("acked_seq", 50L).put("run_by", "node-a"), left);

    List<Integer> committed = new CopyOnWriteArrayList<>();
    Promise<Void> gate = Promise.promise(); // holds the first commit until the new consumer has been looked at
    List<io.marketprism.platform.bus.Replay> resumed = bus.resumeReplays(replays, "node-b", node -> false, batch -> {
      batch.forEach(m -> committed.add(n(m)));
      return gate.future();
    }).await(20, TimeUnit.SECONDS);
    assertEquals(1, resumed.size());
    assertTrue(!consumerNames().contains("replay_stop"), "the stopped one's consumer is removed");
    Duration resumedThreshold = inactiveThreshold(resumed.get(0).stats().getString("durable"));
    gate.complete();
    resumed.get(0).done().await(30, TimeUnit.SECONDS);
    assertEquals(java.util.stream.IntStream.range(50, 200).boxed().toList(), committed,
        "from the first record node-a had not committed, each once");
    JsonObject stats = resumed.get(0).stats();
    assertEquals(200, stats.getLong("target_seq"));
    assertEquals(Duration.ofHours(168), resumedThreshold);
    assertEquals(0, stats.getLong("since_ms"));
    assertTrue(stats.getString("durable").startsWith("replay_"), stats.encode());
    assertEquals(List.of(), consumerNames());
  }

  private static void await(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!condition.getAsBoolean()) {
      assertTrue(System.nanoTime() < deadline, "condition not met within 30 s");
      Thread.sleep(20);
    }
  }
}
