package io.marketprism.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.marketprism.platform.bus.BusOptions;
import io.marketprism.platform.bus.BusOverflowException;
import io.marketprism.platform.bus.BusStats;
import io.marketprism.platform.bus.ConsumerSpec;
import io.marketprism.platform.bus.JetStreamRecordBus;
import io.marketprism.platform.bus.RecordBus;
import io.marketprism.platform.bus.RecordConsumer;
import io.marketprism.testkit.NatsServer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The JetStream publisher's byte bound ({@code bus.publish.buffer_max_bytes}) against a real
 * nats-server that goes away: order books of a few KB each would fill the heap long before the
 * record bound ({@code buffer_max}, 500,000 by default) dropped anything. Records beyond the byte
 * bound are dropped and counted like those beyond the record bound, and exactly the records kept
 * reach the stream once NATS is back.
 */
class JetStreamPublishBoundTest {

  private static final int RECORD_BYTES = 100 * 1024;
  private static final long MAX_BYTES = 1L << 20; // the least allowed: 10 records of 100 KiB fit, the 11th does not
  private static final String SUBJECT = "orderbook.binance.spot.BTC-USDT";

  private NatsServer nats;
  private final Vertx vertx = Vertx.vertx();
  private RecordBus bus;

  @BeforeEach
  void start() throws Exception {
    nats = NatsServer.start();
    bus = RecordBus.create(vertx, BusOptions.from(new JsonObject().put("bus", new JsonObject().put("type", "nats")
        .put("nats", new JsonObject().put("url", nats.url()).put("connect_timeout_ms", 200).put("reconnect_wait_ms", 50))
        .put("publish", new JsonObject().put("buffer_max_bytes", MAX_BYTES)))));
    bus.start().await(20, TimeUnit.SECONDS);
    await(bus::connected);
  }

  @AfterEach
  void stop() throws Exception {
    bus.close().await(20, TimeUnit.SECONDS);
    vertx.close().await(20, TimeUnit.SECONDS);
    nats.close();
  }

  @Test
  void whileNatsIsAwayAtMostTheByteBoundIsHeldTheRestIsDroppedAndCountedAndTheKeptRecordsArriveOnce()
      throws Exception {
    List<String> stored = new CopyOnWriteArrayList<>();
    RecordConsumer reader = bus.consume(new ConsumerSpec(BusOptions.MARKET_DATA, "bound", ">", 100,
        Duration.ofMillis(100), Duration.ofSeconds(30), 1), batch -> {
          batch.forEach(m -> stored.add(m.text().substring(0, m.text().indexOf(' '))));
          return Future.succeededFuture();
        }).await(20, TimeUnit.SECONDS);
    for (int i = 0; i < 5; i++) {
      publish("before-" + i).await(20, TimeUnit.SECONDS);
    }
    assertThat(bus.stats().pendingBytes()).as("acknowledged records hold nothing").isZero();

    nats.stop();
    await(() -> !bus.connected());
    List<Future<Void>> kept = new ArrayList<>();
    int overflowed = 0;
    for (int i = 0; i < 30; i++) {
      Future<Void> f = publish("down-" + i);
      if (f.failed()) {
        assertThat(f.cause()).isInstanceOf(BusOverflowException.class).hasMessageContaining("buffer_max_bytes 1048576");
        overflowed++;
      } else {
        kept.add(f);
      }
    }
    BusStats held = bus.stats();
    assertThat(held.buffered()).as("records held while NATS is away: %s", held.toJson()).isEqualTo(10);
    assertThat(held.pendingBytes()).isEqualTo(10L * RECORD_BYTES).isLessThanOrEqualTo(MAX_BYTES);
    assertThat(held.dropped()).isEqualTo(20);
    assertThat(overflowed).isEqualTo(20);

    nats.restart();
    Future.all(kept).await(30, TimeUnit.SECONDS);
    await(() -> stored.size() >= 15);
    BusStats after = bus.stats();
    assertThat(after.pendingBytes()).as("every byte released at its ack: %s", after.toJson()).isZero();
    assertThat(after.acked()).isEqualTo(15);
    assertThat(after.dropped()).isEqualTo(20);
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      expected.add("before-" + i);
    }
    for (int i = 0; i < 10; i++) {
      expected.add("down-" + i); // the newest records are the ones dropped, as beyond buffer_max
    }
    assertThat(((JetStreamRecordBus) bus).connection().jetStreamManagement().getStreamInfo(BusOptions.MARKET_DATA)
        .getStreamState().getMsgCount()).as("messages in the stream").isEqualTo(15);
    await(() -> reader.stats().getLong("acked") == 15);
    assertThat(stored).containsExactlyInAnyOrderElementsOf(expected);
    reader.close().await(20, TimeUnit.SECONDS);
  }

  /** A record of {@link #RECORD_BYTES} JSON bytes that starts with its id and a space, like a large order book. */
  private Future<Void> publish(String id) {
    byte[] json = new byte[RECORD_BYTES];
    Arrays.fill(json, (byte) 'x');
    byte[] head = (id + " ").getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(head, 0, json, 0, head.length);
    return bus.publish(SUBJECT, id, json);
  }

  private static void await(BooleanSupplier done) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 20_000;
    while (!done.getAsBoolean()) {
      assertThat(System.currentTimeMillis()).as("condition never met").isLessThan(deadline);
      Thread.sleep(20);
    }
  }
}
