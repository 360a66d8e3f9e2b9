package io.marketprism.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.marketprism.platform.bus.BusOptions;
import io.marketprism.platform.bus.JetStreamRecordBus;
import io.marketprism.platform.bus.RecordBus;
import io.marketprism.testkit.NatsServer;
import io.nats.client.JetStreamManagement;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * The JetStream publisher catches up in the order the records were published: records that were
 * in flight when NATS went away (sent, their acks lost with the connection) go back to the buffer
 * ahead of those published meanwhile, in their own order. They went back one by one to its front,
 * so the stream held them reversed: order books and tickers replayed newest first, and a consumer
 * of the stream (the live stream, the latest cache) saw each instrument go back in time.
 */
class JetStreamCatchUpOrderTest {

  private static final String SUBJECT = "ticker.binance.spot.BTC-USDT";

  @Test
  void recordsInFlightWhenNatsWentAwayAreSentAgainInTheirOrderBeforeThoseBufferedMeanwhile() throws Exception {
    Vertx vertx = Vertx.vertx();
    try (NatsServer nats = NatsServer.start()) {
      RecordBus bus = RecordBus.create(vertx, BusOptions.from(new JsonObject().put("bus", new JsonObject()
          .put("type", "nats")
          .put("nats", new JsonObject().put("url", nats.url()).put("connect_timeout_ms", 200).put("reconnect_wait_ms", 50))
          // no ack is overdue during the test: only the disconnect sends records again
          .put("publish", new JsonObject().put("ack_timeout_ms", 600_000)))));
      bus.start().await(20, TimeUnit.SECONDS);
      await(bus::connected);
      List<String> expected = new ArrayList<>();
      List<Future<Void>> sent = new ArrayList<>();
      publish(bus, "before", expected).await(20, TimeUnit.SECONDS);

      // a hung server takes the sends (they wait unanswered in flight), then dies with them unread
      nats.freeze();
      for (int i = 0; i < 20; i++) {
        sent.add(publish(bus, "inflight-" + i, expected));
      }
      await(() -> bus.stats().inFlight() == 20);
      nats.kill();
      await(() -> !bus.connected());
      for (int i = 0; i < 5; i++) {
        sent.add(publish(bus, "buffered-" + i, expected));
      }
      nats.restart();
      Future.all(sent).await(30, TimeUnit.SECONDS);

      JetStreamManagement jsm = ((JetStreamRecordBus) bus).connection().jetStreamManagement();
      List<String> stored = new ArrayList<>();
      long last = jsm.getStreamInfo(BusOptions.MARKET_DATA).getStreamState().getLastSequence();
      for (long seq = 1; seq <= last; seq++) {
        stored.add(new String(jsm.getMessage(BusOptions.MARKET_DATA, seq).getData(), StandardCharsets.UTF_8));
      }
      assertThat(stored).as("the stream, in its order").containsExactlyElementsOf(expected);
      bus.close().await(20, TimeUnit.SECONDS);
    } finally {
      vertx.close().await(20, TimeUnit.SECONDS);
    }
  }

  private static Future<Void> publish(RecordBus bus, String id, List<String> expected) {
    expected.add(id);
    return bus.publish(SUBJECT, id, id.getBytes(StandardCharsets.UTF_8));
  }

  private static void await(BooleanSupplier done) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 20_000;
    while (!done.getAsBoolean()) {
      assertThat(System.currentTimeMillis()).as("condition never met").isLessThan(deadline);
      Thread.sleep(20);
    }
  }
}
