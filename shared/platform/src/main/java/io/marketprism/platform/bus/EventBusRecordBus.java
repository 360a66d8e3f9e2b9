package io.marketprism.platform.bus;

import io.marketprism.model.MarketRecord;
import io.marketprism.model.SubjectPattern;
import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Handler;
import io.vertx.core.ThreadingModel;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The embedded bus: the Vert.x event bus. Each record is published to its subject as an address
 * (CONTRACT §4) and to {@link #STREAM_ADDRESS}, which durable consumers and wildcard
 * subscriptions read (the event bus has no wildcards).
 *
 * <p>Nothing is durable: a consumer queues what arrives, bounded by {@code bus.eventbus.max_pending}
 * records and by {@code bus.eventbus.max_pending_bytes} of JSON held (on its way to the consumer's
 * event loop, queued or in the batch in hand; a stalled store with order books in the mix would
 * otherwise fill the heap long before the record bound, and the OutOfMemoryError would take the
 * whole process). Beyond either bound it drops and counts (see {@link #consume}). What it holds is
 * lost when the JVM dies. A failed batch is handed over again after a pause, so a store that is
 * briefly unavailable loses nothing while the process lives.
 *
 * <p>A live subscription holds at most {@code bus.eventbus.live_max_pending_bytes} of JSON for a
 * handler whose event loop is busy, as on NATS; beyond, it drops and counts (see {@link #subscribe}).
 */
public final class EventBusRecordBus implements RecordBus {

  /** The address every record is also published to. */
  public static final String STREAM_ADDRESS = "marketprism.bus.records";

  private static final Logger LOG = LoggerFactory.getLogger(EventBusRecordBus.class);
  private static final String SUBJECT = "subject";
  private static final long RETRY_MS = 500;
  private static final long DRAIN_MS = 10_000;

  private final Vertx vertx;
  private final BusOptions options;
  private final AtomicLong published = new AtomicLong();
  /**
   * Holds the relays' worker pool for the bus's life. Vert.x closes a named pool when the last
   * deployment using it ends: a relay undeployed while another was deploying (a stream client's
   * patterns replaced) could leave a consumer registered on a terminated pool, and every publish
   * then threw {@code RejectedExecutionException} to the publisher (seen once in LiveStreamTest).
   */
  private final WorkerExecutor relayPool;

  EventBusRecordBus(Vertx vertx, BusOptions options) {
    this.vertx = vertx;
    this.options = options;
    this.relayPool = vertx.createSharedWorkerExecutor(Relay.POOL, 1);
  }

  @Override
  public Future<Void> start() {
    return Future.succeededFuture();
  }

  @Override
  public boolean offer(MarketRecord record) {
    publish(record);
    return true;
  }

  @Override
  public Future<Void> publish(String subject, String messageId, byte[] json) {
    Buffer body = Buffer.buffer(json);
    DeliveryOptions headers = new DeliveryOptions().addHeader(SUBJECT, subject);
    vertx.eventBus().publish(STREAM_ADDRESS, body, headers);
    vertx.eventBus().publish(subject, body);
    published.incrementAndGet();
    return Future.succeededFuture();
  }

  /**
   * The event bus would hand each record to a consumer as a task of the context that registered it,
   * a queue without bound, before the consumer's own bounds could count it: a storage whose event loop
   * is busy for a while (a long synchronous step, GC pauses) would hold everything published meanwhile
   * until the OutOfMemoryError. So the bus is read by a {@link Relay} on a thread of its own, and
   * what waits for the storage's loop counts against {@code bus.eventbus.max_pending} and {@code
   * max_pending_bytes} from the moment it leaves the bus, as what the consumer queues and has in hand.
   */
  @Override
  public Future<RecordConsumer> consume(ConsumerSpec spec, BatchHandler handler) {
    Batcher batcher = new Batcher(vertx.getOrCreateContext(), spec, handler);
    return relay(SubjectPattern.parse(spec.filterSubject()), batcher.handOff).<RecordConsumer>map(id -> {
      batcher.relayId = id;
      return batcher;
    }).onFailure(e -> vertx.cancelTimer(batcher.timer));
  }

  /**
   * The event bus hands each record to a consumer as a task of the context that registered it, a
   * queue without bound: a plain consumer on the subscriber's event loop would hold everything
   * published while that loop is busy (a gateway far behind) until the OutOfMemoryError. So the
   * bus is read by a {@link Relay} on a thread of its own, which hands matching records on to
   * the subscriber's context through {@code bus.eventbus.live_max_pending_bytes}, as jnats's
   * dispatcher does on NATS.
   */
  @Override
  public Future<RecordConsumer> subscribe(String pattern, Handler<BusMessage> handler, Handler<LiveDrops> dropHandler) {
    BoundedHandOff handOff = BoundedHandOff.live(pattern, vertx.getOrCreateContext(), handler,
        options.eventBusLiveMaxPendingBytes(), "bus.eventbus.live_max_pending_bytes", dropHandler);
    return relay(SubjectPattern.parse(pattern), handOff).map(id -> new RecordConsumer() {
      @Override
      public JsonObject stats() {
        return handOff.liveStats(pattern);
      }

      @Override
      public Future<Void> close() {
        return stopRelay(id);
      }
    });
  }

  /** @return the deployment id of a {@link Relay} handing the records {@code pattern} matches to {@code handOff} */
  private Future<String> relay(SubjectPattern pattern, BoundedHandOff handOff) {
    return vertx.deployVerticle(new Relay(pattern, handOff), Relay.deployment());
  }

  private Future<Void> stopRelay(String id) {
    // deployed from a verticle, the relay is undeployed with it, maybe before this call
    return vertx.deploymentIDs().contains(id) ? vertx.undeploy(id) : Future.succeededFuture();
  }

  /**
   * Reads the event bus for one consumer or live subscription and hands the records its pattern
   * matches on through the consumer's bound. It runs on {@link #POOL}, one thread that runs nothing else
   * and does little per record, so it is never behind for long: what waits is bounded, in the
   * consumer's queue, by the hand-off. Its own context keeps the order the bus delivered in.
   */
  private static final class Relay extends VerticleBase {
    /** The worker pool of every relay of a Vert.x instance. */
    static final String POOL = "mp-bus-relay";

    private final SubjectPattern pattern;
    private final BoundedHandOff handOff;
    private MessageConsumer<Buffer> consumer;

    Relay(SubjectPattern pattern, BoundedHandOff handOff) {
      this.pattern = pattern;
      this.handOff = handOff;
    }

    static DeploymentOptions deployment() {
      return new DeploymentOptions().setThreadingModel(ThreadingModel.WORKER).setWorkerPoolName(POOL)
          .setWorkerPoolSize(1);
    }

    @Override
    public Future<?> start() {
      consumer = vertx.eventBus().consumer(STREAM_ADDRESS, (Message<Buffer> m) -> {
        String subject = m.headers().get(SUBJECT);
        if (subject != null && pattern.matches(subject)) {
          handOff.offer(subject, m.body().getBytes());
        }
      });
      return consumer.completion();
    }

    @Override
    public Future<?> stop() {
      return consumer.unregister();
    }
  }

  @Override
  public boolean connected() {
    return true;
  }

  @Override
  public BusStats stats() {
    long n = published.get();
    return new BusStats(true, n, n, 0, 0, 0, 0, 0, 0, BusStats.Latency.NONE, BusStats.Latency.NONE);
  }

  @Override
  public Future<Void> close() {
    return relayPool.close();
  }

  private static long bytes(List<BusMessage> batch) {
    long n = 0;
    for (BusMessage m : batch) {
      n += m.json().length;
    }
    return n;
  }

  /**
   * Queues records for one durable consumer and hands them over in batches, one batch at a time. Its
   * {@link #handOff} counts each record from the moment the relay takes it off the bus until it leaves
   * the queue for a batch, and its bytes until that batch is committed: one bound for what waits for
   * this context, what is queued and what is in hand.
   */
  private final class Batcher implements RecordConsumer {
    private final Context context;
    private final ConsumerSpec spec;
    private final BatchHandler handler;
    private final ArrayDeque<BusMessage> queue = new ArrayDeque<>();
    final BoundedHandOff handOff;
    private final long timer;
    /** The relay reading the bus for this consumer, set once it is deployed. */
    String relayId;
    private List<BusMessage> inHand;
    private long batches;
    private long acked;
    private long failed;
    private Future<Void> current = Future.succeededFuture();
    private final SettledClock settled = new SettledClock();

    Batcher(Context context, ConsumerSpec spec, BatchHandler handler) {
      this.context = context;
      this.spec = spec;
      this.handler = handler;
      this.handOff = new BoundedHandOff(context, this::queue, options.eventBusMaxPending(),
          options.eventBusMaxPendingBytes(), false, (n, records, bytes) ->
          LOG.warn("consumer {} queue full ({} records, {} bytes held; bounds bus.eventbus.max_pending {}, "
              + "max_pending_bytes {}): dropping", spec.durable(), records, bytes, options.eventBusMaxPending(),
              options.eventBusMaxPendingBytes()), null);
      this.timer = vertx.setPeriodic(Math.max(1, spec.maxWait().toMillis()), t -> deliver());
    }

    /** A record the relay handed over, on this context: already counted against the bounds. */
    private void queue(BusMessage m) {
      queue.add(m);
      if (queue.size() >= spec.batchSize()) {
        deliver();
      }
    }

    private void deliver() {
      if (inHand != null) {
        return;
      }
      long now = System.currentTimeMillis();
      if (queue.isEmpty()) {
        if (handOff.heldRecords() == 0) { // none on its way to this context either
          settled.idle(now);
        }
        return;
      }
      int n = Math.min(spec.batchSize(), queue.size());
      List<BusMessage> batch = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        batch.add(queue.poll());
      }
      handOff.release(n, 0); // its bytes stay held until the batch is committed
      handOver(batch, settled.fetched(now, handOff.heldRecords() == 0));
    }

    private void handOver(List<BusMessage> batch, SettledClock.Fetch fetch) {
      inHand = batch;
      batches++;
      Future<Void> f;
      try {
        f = handler.handle(batch);
      } catch (RuntimeException e) {
        f = Future.failedFuture(e);
      }
      current = f.andThen(ar -> context.runOnContext(v -> {
        if (ar.succeeded()) {
          acked += batch.size();
          inHand = null;
          handOff.release(0, bytes(batch));
          settled.committed(fetch);
          deliver();
        } else {
          failed++;
          LOG.warn("consumer {}: batch of {} failed, retrying in {} ms: {}", spec.durable(), batch.size(), RETRY_MS,
              ar.cause().toString());
          vertx.setTimer(RETRY_MS, t -> handOver(batch, fetch));
        }
      }));
    }

    @Override
    public JsonObject stats() {
      return new JsonObject().put("durable", spec.durable()).put("batches", batches).put("acked", acked)
          .put("failed_batches", failed).put("pending", pending()).put("pending_bytes", handOff.heldBytes())
          .put("dropped", handOff.dropped()).put("settled_ms", settled.settledMs());
    }

    /** @return records on their way to this context, queued and in hand */
    private long pending() {
      return handOff.heldRecords() + (inHand == null ? 0 : inHand.size());
    }

    @Override
    public long settledMs() {
      return settled.settledMs();
    }

    @Override
    public Future<Void> close() {
      vertx.cancelTimer(timer);
      // what the relay handed over before it stopped is still on its way: the drain waits for it too
      return stopRelay(relayId).compose(v -> drain(System.currentTimeMillis() + DRAIN_MS));
    }

    /**
     * Hands over what is still queued (a clean stop flushes); gives up after the deadline, saying
     * what is lost. Each look is a timer's own step, not a future composed on the last: a drain
     * of 10 s nested a thousand futures, whose completion overflowed the stack (the stop then hung).
     */
    private Future<Void> drain(long deadline) {
      Promise<Void> done = Promise.promise();
      drainStep(deadline, done);
      return done.future();
    }

    private void drainStep(long deadline, Promise<Void> done) {
      current.onComplete(ar -> {
        long left = pending();
        if (left == 0) {
          done.complete();
        } else if (System.currentTimeMillis() > deadline) {
          LOG.warn("consumer {} stopped with {} records not stored (embedded bus: not durable)", spec.durable(), left);
          done.complete();
        } else {
          if (inHand == null) {
            deliver();
          }
          vertx.setTimer(10, t -> drainStep(deadline, done));
        }
      });
    }
  }
}
