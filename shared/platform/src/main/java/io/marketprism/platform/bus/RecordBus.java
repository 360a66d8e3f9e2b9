package io.marketprism.platform.bus;

import io.marketprism.model.MarketRecord;
import io.marketprism.model.RecordJson;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.function.Predicate;

/**
 * The record bus (CONTRACT §1, §4): normalized records go out on their subject
 * ({@code data_type.exchange.market_type.symbol}) with their identity as the de-duplication id,
 * and come back to durable consumers in batches that are acknowledged only once the consumer
 * has committed them.
 *
 * <p>Publishing never blocks the caller: while the bus is away or the in-flight window is full,
 * records wait in a bounded buffer and are sent when it comes back; what does not fit is
 * dropped and counted in {@link #stats()}.
 *
 * <p>Two implementations, chosen by {@code bus.type}: {@link JetStreamRecordBus} (server mode,
 * durable across crashes of any process) and {@link EventBusRecordBus} (embedded mode, the Vert.x
 * event bus, nothing survives a crash of the JVM).
 */
public interface RecordBus {

  /**
   * Creates the bus {@code options} describe; call {@link #start()} before use.
   *
   * @param vertx the Vert.x instance
   * @param options bus options
   * @return an unstarted bus
   */
  static RecordBus create(Vertx vertx, BusOptions options) {
    return options.isNats() ? new JetStreamRecordBus(vertx, options) : new EventBusRecordBus(vertx, options);
  }

  /**
   * Connects. A JetStream bus that cannot reach NATS yet still starts: it keeps trying and
   * buffers what is published meanwhile.
   *
   * @return completes when the bus is usable
   */
  Future<Void> start();

  /**
   * Publishes a record on its subject with its identity as message id.
   *
   * @param record the record
   * @return completes when the bus has stored it (JetStream ack), fails with
   *     {@link BusOverflowException} when it was dropped because the buffer was full
   */
  default Future<Void> publish(MarketRecord record) {
    return publish(record.subject(), record.identity(), RecordJson.toBytes(record));
  }

  /**
   * Publishes a record when nobody needs to wait for its ack (the collector's hot path): no
   * future, no completion hop per record.
   *
   * @param record the record
   * @return false when it was dropped (and counted) because the buffer was full
   */
  boolean offer(MarketRecord record);

  /**
   * Publishes an already encoded record.
   *
   * @param subject its subject
   * @param messageId its identity, the de-duplication id
   * @param json its JSON bytes
   * @return as {@link #publish(MarketRecord)}
   */
  Future<Void> publish(String subject, String messageId, byte[] json);

  /**
   * Starts a durable consumer: batches of records are handed to {@code handler} on the caller's
   * context, up to {@link ConsumerSpec#batchesInFlight()} of them not yet committed at once (so
   * they may commit in any order); a batch is acknowledged when the handler's future succeeds
   * and delivered again (at once or after a crash) when it fails or never completes.
   *
   * @param spec which records, batch bounds, ack wait
   * @param handler commits a batch
   * @return the running consumer
   */
  Future<RecordConsumer> consume(ConsumerSpec spec, BatchHandler handler);

  /**
   * Reads the stream again from {@code sinceMs} on, up to the last record it held when this was
   * called, into {@code handler} as {@link #consume} does: the records a store lost (a server that
   * did not sync its files, a restored backup) are stored again, the ones it kept absorbed by their
   * identity. Its own durable consumer ({@code spec.durable()}, removed when it ends, or by the
   * server after a day without a reader when its reader stopped or died, unless a storage
   * goes on with it: {@link #resumeReplays}) reads one batch at a time.
   *
   * @param spec which records and the batch bounds; {@code batchesInFlight} is taken as 1
   * @param sinceMs the first record time (the stream's own receive time of each message), epoch ms
   * @param owner who runs it (a node id): a storage that starts while it runs leaves it alone
   * @param handler commits a batch
   * @return the running replay; failed with {@link UnsupportedOperationException} where the bus
   *     keeps nothing to read again (the embedded event bus)
   */
  default Future<Replay> replay(ConsumerSpec spec, long sinceMs, String owner, BatchHandler handler) {
    return replay(spec, sinceMs, 0, owner, handler);
  }

  /**
   * As {@link #replay(ConsumerSpec, long, String, BatchHandler)}, up to a stream sequence rather than
   * the stream's end.
   *
   * @param untilSeq the last stream sequence to read (the stream's last sequence now when lower);
   *     0 for the stream's last sequence now
   */
  default Future<Replay> replay(ConsumerSpec spec, long sinceMs, long untilSeq, String owner, BatchHandler handler) {
    return Future.failedFuture(new UnsupportedOperationException(
        "the event bus keeps no records to read again: replay needs bus.type nats (JetStream)"));
  }

  /**
   * @param spec a durable consumer (its stream and durable name)
   * @return where it stands on the stream (nothing acknowledged nor delivered when it does not exist
   *     yet: it has read nothing); failed with {@link UnsupportedOperationException} where the bus keeps
   *     nothing (the embedded event bus), or when NATS cannot be asked
   */
  default Future<ConsumerPosition> position(ConsumerSpec spec) {
    return Future.failedFuture(new UnsupportedOperationException("the event bus keeps no stream positions"));
  }

  /**
   * @param spec the replays' durable name prefix
   * @return every replay the stream has a consumer of, whoever runs it (or ran it: a stopped one's
   *     stays a day): {@code durable}, {@code subjects}, {@code since_ms}, {@code target_seq},
   *     {@code acked_seq} (everything up to it committed) and {@code run_by} (a node id); none where
   *     the bus keeps nothing to read again
   */
  default Future<List<io.vertx.core.json.JsonObject>> replays(ConsumerSpec spec) {
    return Future.succeededFuture(List.of());
  }

  /**
   * Goes on with the replays whose owner stopped before they ended: their durable consumers (named
   * {@code spec.durable()} and more) stay on the server for a day, with their start time,
   * filter, target and owner. For each one whose owner is not {@code alive}, a new consumer, run by
   * {@code owner}, reads on from the stopped one's acknowledged floor (everything before it is
   * committed: what the stopped one held uncommitted is read again) up to the same target; the
   * stopped one's consumer is removed.
   *
   * @param spec the replays' durable name prefix and the batch bounds
   * @param alive whether an owner named on a replay's consumer still runs (then it is left to it)
   * @return the replays taken over; none where the bus keeps nothing to read again
   */
  default Future<List<Replay>> resumeReplays(ConsumerSpec spec, String owner, Predicate<String> alive,
      BatchHandler handler) {
    return Future.succeededFuture(List.of());
  }

  /**
   * A non-durable live subscription with a NATS wildcard pattern (the live stream): no
   * acknowledgements, no redelivery, at most once. Taken while NATS is away too: it receives
   * records from the first connect on.
   *
   * @param pattern e.g. {@code trade.binance.*.*} or {@code orderbook.>}
   * @param handler receives each message on the caller's context
   * @return the subscription, once the bus delivers to it (NATS: the server has it, when
   *     connected): records published after it completed reach it; {@link RecordConsumer#close()} ends it
   */
  default Future<RecordConsumer> subscribe(String pattern, Handler<BusMessage> handler) {
    return subscribe(pattern, handler, null);
  }

  /**
   * The same, telling {@code dropHandler} (on the caller's context, once it has handled what was
   * held before them, at most once a second) of the records dropped because the caller's event loop
   * was behind by more than {@code bus.nats.live_max_pending_bytes} / {@code
   * bus.eventbus.live_max_pending_bytes}: a holder that serves clients can tell them what they missed.
   *
   * @param pattern as above
   * @param handler as above
   * @param dropHandler told of drops ({@link LiveDrops}); null: only counted and logged
   * @return as above
   */
  Future<RecordConsumer> subscribe(String pattern, Handler<BusMessage> handler, Handler<LiveDrops> dropHandler);

  /** @return whether the bus is reachable now */
  boolean connected();

  /**
   * Tells {@code handler}, on the context that called this, each time the bus stops being
   * reachable ({@code false}) and becomes reachable again ({@code true}, also on the first
   * connect): live subscriptions miss what is published in between, and their holders may have to
   * say so (the gateway tells its stream clients). The embedded bus is always reachable: never.
   *
   * @param handler receives the new state on each change
   */
  default void connectionHandler(Handler<Boolean> handler) {
  }

  /** @return null while the bus is reachable, else what is wrong with it, for health checks */
  default String problem() {
    return connected() ? null : "the bus is not connected";
  }

  /** @return counters of the publisher side */
  BusStats stats();

  /**
   * Stops: waits a short while for publishes in flight, then disconnects.
   *
   * @return completes when closed
   */
  Future<Void> close();
}
