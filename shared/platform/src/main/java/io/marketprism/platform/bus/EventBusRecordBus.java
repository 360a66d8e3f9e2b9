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
 * records and by {@code bus.eventbus.max_pending_bytes} of JSON held (queued or in the batch in
 * hand; a stalled store with order books in the mix would otherwise fill the heap long before the
 * record bound, and the OutOfMemoryError would take the whole process). Beyond either bound it drops
 * and counts. What it holds is lost when the JVM dies. A failed batch is handed over again after a pause, so a store that is
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

  EventBusRecordBus(Vertx vertx, BusOptions options) {
    this.vertx = vertx;
    this.options = options;
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

  @Override
  public Future<RecordConsumer> consume(ConsumerSpec spec, BatchHandler handler) {
    Batcher batcher = new Batcher(vertx.getOrCreateContext(), spec, handler);
    return batcher.consumer.completion().map(batcher);
  }

  /**
   * The event bus hands each record to a consumer as a task of the context that registered it, a
   * queue without bound: a plain consumer on the subscriber's event loop would hold everything
   * published while that loop is busy (a gateway far behind) until the OutOfMemoryError. So the
   * bus is read by a {@link LiveRelay} on a thread of its own, which hands matching records on to
   * the subscriber's context through {@code bus.eventbus.live_max_pending_bytes}, as jnats's
   * dispatcher does on NATS.
   */
  @Override
  public Future<RecordConsumer> subscribe(String pattern, Handler<BusMessage> handler) {
    LiveHandOff handOff = new LiveHandOff(pattern, vertx.getOrCreateContext(), handler,
        options.eventBusLiveMaxPendingBytes(), "bus.eventbus.live_max_pending_bytes");
    return vertx.deployVerticle(new LiveRelay(SubjectPattern.parse(pattern), handOff), LiveRelay.deployment())
        .map(id -> new RecordConsumer() {
          @Override
          public JsonObject stats() {
            return handOff.stats();
          }

          @Override
          public Future<Void> close() {
            // deployed from a verticle, the relay is undeployed with it, maybe before this call
            return vertx.deploymentIDs().contains(id) ? vertx.undeploy(id) : Future.succeededFuture();
          }
        });
  }

  /**
   * Reads the event bus for one live subscription and hands the records its pattern matches on
   * through the subscription's bound. It runs on {@link #POOL}, one thread that runs nothing else
   * and does little per record, so it is never behind for long: what waits is bounded, in the
   * subscriber's queue, by the hand-off. Its own context keeps the order the bus delivered in.
   */
  private static final class LiveRelay extends VerticleBase {
    /** The worker pool of every relay of a Vert.x instance. */
    static final String POOL = "mp-live-relay";

    private final SubjectPattern pattern;
    private final LiveHandOff handOff;
    private MessageConsumer<Buffer> consumer;

    LiveRelay(SubjectPattern pattern, LiveHandOff handOff) {
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
    return Future.succeededFuture();
  }

  private static long bytes(List<BusMessage> batch) {
    long n = 0;
    for (BusMessage m : batch) {
      n += m.json().length;
    }
    return n;
  }

  /** Queues records for one durable consumer and hands them over in batches, one batch at a time. */
  private final class Batcher implements RecordConsumer {
    private final Context context;
    private final ConsumerSpec spec;
    private final BatchHandler handler;
    private final ArrayDeque<BusMessage> queue = new ArrayDeque<>();
    private final MessageConsumer<Buffer> consumer;
    private final long timer;
    private List<BusMessage> inHand;
    /** JSON bytes queued plus those of the batch in hand, released when that batch is committed. */
    private long pendingBytes;
    private boolean closed;
    private long batches;
    private long acked;
    private long failed;
    private long dropped;
    private Future<Void> current = Future.succeededFuture();
    private final SettledClock settled = new SettledClock();

    Batcher(Context context, ConsumerSpec spec, BatchHandler handler) {
      this.context = context;
      this.spec = spec;
      this.handler = handler;
      SubjectPattern filter = SubjectPattern.parse(spec.filterSubject());
      this.consumer = vertx.eventBus().consumer(STREAM_ADDRESS, (Message<Buffer> m) -> {
        String subject = m.headers().get(SUBJECT);
        if (subject == null || !filter.matches(subject)) {
          return;
        }
        byte[] json = m.body().getBytes();
        if (queue.size() >= options.eventBusMaxPending()
            || pendingBytes + json.length > options.eventBusMaxPendingBytes()) {
          if (dropped++ % 10_000 == 0) {
            LOG.warn("consumer {} queue full ({} records, {} bytes held; bounds bus.eventbus.max_pending {}, "
                + "max_pending_bytes {}): dropping", spec.durable(), queue.size(), pendingBytes,
                options.eventBusMaxPending(), options.eventBusMaxPendingBytes());
          }
          return;
        }
        pendingBytes += json.length;
        queue.add(new BusMessage(subject, json, false));
        if (queue.size() >= spec.batchSize()) {
          deliver();
        }
      });
      this.timer = vertx.setPeriodic(Math.max(1, spec.maxWait().toMillis()), t -> deliver());
    }

    private void deliver() {
      if (inHand != null) {
        return;
      }
      long now = System.currentTimeMillis();
      if (queue.isEmpty()) {
        settled.idle(now);
        return;
      }
      int n = Math.min(spec.batchSize(), queue.size());
      List<BusMessage> batch = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        batch.add(queue.poll());
      }
      handOver(batch, settled.fetched(now, queue.isEmpty()));
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
          pendingBytes -= bytes(batch);
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
          .put("failed_batches", failed).put("pending", queue.size() + (inHand == null ? 0 : inHand.size()))
          .put("pending_bytes", pendingBytes)
          .put("dropped", dropped).put("settled_ms", settled.settledMs());
    }

    @Override
    public long settledMs() {
      return settled.settledMs();
    }

    @Override
    public Future<Void> close() {
      closed = true;
      vertx.cancelTimer(timer);
      return consumer.unregister().compose(v -> drain(System.currentTimeMillis() + DRAIN_MS));
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
        int left = queue.size() + (inHand == null ? 0 : inHand.size());
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
