package io.marketprism.platform.bus;

import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Hands records from the thread that receives them (jnats's dispatcher, the event bus's relay) to a
 * handler on the handler's context, holding at most a bound of records and of JSON bytes, counted
 * from the moment a record is offered.
 *
 * <p>Each record waits as a task of the handler's event loop, and that queue has no bound of its own:
 * while the loop is busy (a gateway far behind, a storage in a long step or a GC pause) the tasks, and
 * the heap, would grow until the OutOfMemoryError took the whole process. Beyond either bound a record
 * is dropped, counted in {@link #dropped()} and logged (one line per 10,000 drops, so a long stall does
 * not flood the log). Records handed over keep the order of {@link #offer} calls (a context runs its
 * tasks in order) and each is handled once.
 *
 * <p>A live subscription holds a record until its handler has run ({@link #live}); the embedded
 * storage's consumer holds it further, queued and in the batch being stored, and says when it lets
 * go ({@link #release}), so one count covers what waits for its loop and what its loop holds.
 *
 * <p>A live subscription's holder may also be told of its drops ({@link DropReporter}), so that it can
 * tell its own clients what they missed.
 */
final class BoundedHandOff {

  private static final Logger LOG = LoggerFactory.getLogger(BoundedHandOff.class);

  /** Writes the log line of a drop (the first, then one per 10,000). */
  @FunctionalInterface
  interface DropLog {
    /**
     * @param dropped records dropped so far, this one included
     * @param records records held when it was dropped
     * @param bytes JSON bytes held when it was dropped
     */
    void log(long dropped, long records, long bytes);
  }

  private final Context context;
  private final Handler<BusMessage> handler;
  private final long maxRecords;
  private final long maxBytes;
  private final boolean releaseWhenHandled;
  private final DropLog dropLog;
  /** Null when nobody is told of drops. */
  private final DropReporter dropReporter;
  private final AtomicLong delivered = new AtomicLong();
  /** Records offered and not yet released: on their way to the context, or held by its owner. */
  private final AtomicLong records = new AtomicLong();
  /** JSON bytes of the same. */
  private final AtomicLong bytes = new AtomicLong();
  private final AtomicLong dropped = new AtomicLong();

  /**
   * @param context where the handler runs
   * @param handler receives each record
   * @param maxRecords records held at most
   * @param maxBytes JSON bytes held at most
   * @param releaseWhenHandled whether a record is let go once its handler has run; otherwise its owner calls
   *     {@link #release}
   * @param dropLog writes the log line of a drop
   * @param dropHandler told of drops on {@code context} ({@link DropReporter}); null: nobody
   */
  BoundedHandOff(Context context, Handler<BusMessage> handler, long maxRecords, long maxBytes,
      boolean releaseWhenHandled, DropLog dropLog, Handler<LiveDrops> dropHandler) {
    this.context = context;
    this.handler = handler;
    this.maxRecords = maxRecords;
    this.maxBytes = maxBytes;
    this.releaseWhenHandled = releaseWhenHandled;
    this.dropLog = dropLog;
    this.dropReporter = dropHandler == null ? null : new DropReporter(context, dropHandler);
  }

  /**
   * The hand-off of a live subscription: bounded in bytes only, each record let go once handled.
   *
   * @param pattern the subscription's pattern, for the log
   * @param maxBytes JSON bytes handed over and not yet handled at most
   * @param boundKey the configuration key of that bound, named in the log line
   * @param dropHandler told of drops on {@code context}, once it caught up ({@link DropReporter})
   */
  static BoundedHandOff live(String pattern, Context context, Handler<BusMessage> handler, long maxBytes,
      String boundKey, Handler<LiveDrops> dropHandler) {
    return new BoundedHandOff(context, handler, Long.MAX_VALUE, maxBytes, true, (n, records, bytes) ->
        LOG.warn("live subscription {}: its handler is behind by more than {} ({}): dropping records ({} so far)",
            pattern, boundKey, maxBytes, n), dropHandler);
  }

  /**
   * Hands one record to the handler's context, or drops and counts it when either bound is reached. Any
   * thread, one at a time (the checks are exact only for a single offering thread).
   */
  void offer(String subject, byte[] json) {
    long size = json.length;
    if (!reserve(records, 1, maxRecords)) {
      drop(subject);
      return;
    }
    if (!reserve(bytes, size, maxBytes)) {
      records.decrementAndGet();
      drop(subject);
      return;
    }
    delivered.incrementAndGet();
    BusMessage m = new BusMessage(subject, json, false);
    context.runOnContext(v -> {
      if (releaseWhenHandled) {
        release(1, size);
      }
      handler.handle(m);
    });
  }

  /** Adds {@code n} to {@code held} unless that would exceed {@code max}; never above it, even briefly. */
  private static boolean reserve(AtomicLong held, long n, long max) {
    long h;
    do {
      h = held.get();
      if (h + n > max) {
        return false;
      }
    } while (!held.compareAndSet(h, h + n));
    return true;
  }

  private void drop(String subject) {
    long n = dropped.incrementAndGet();
    if (n % 10_000 == 1) {
      dropLog.log(n, records.get(), bytes.get());
    }
    if (dropReporter != null) {
      dropReporter.dropped(subject);
    }
  }

  /** Lets go of records and bytes the owner held (without {@code releaseWhenHandled}); any thread. */
  void release(long n, long size) {
    records.addAndGet(-n);
    bytes.addAndGet(-size);
  }

  /** @return records handed over */
  long delivered() {
    return delivered.get();
  }

  /** @return records offered and not yet released */
  long heldRecords() {
    return records.get();
  }

  /** @return JSON bytes offered and not yet released */
  long heldBytes() {
    return bytes.get();
  }

  /** @return records dropped */
  long dropped() {
    return dropped.get();
  }

  /** @return the stats of a live subscription: its pattern, {@code delivered}, {@code pending_bytes}, {@code dropped} */
  JsonObject liveStats(String pattern) {
    return new JsonObject().put("pattern", pattern).put("delivered", delivered.get())
        .put("pending_bytes", bytes.get()).put("dropped", dropped.get());
  }
}
