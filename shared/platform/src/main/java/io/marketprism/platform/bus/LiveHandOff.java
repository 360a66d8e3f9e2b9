package io.marketprism.platform.bus;

import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Hands the records of a live subscription (the gateway's stream, monitoring) to its handler on the
 * handler's context, holding at most a bound of JSON bytes handed over and not yet handled.
 *
 * <p>Each record waits as a task of the handler's event loop, and that queue has no bound of its own:
 * while the loop is busy (a gateway far behind) the tasks, and the heap, would grow until the
 * OutOfMemoryError took the whole process. Beyond the bound a record is dropped, counted in
 * {@link #stats()} and logged (one line per 10,000 drops, so a long stall does not flood the log).
 * Both buses use it, each from the thread that receives records before the handler's loop: jnats's
 * dispatcher, the event bus's relay. Records handed over keep the order of {@link #offer} calls
 * (a context runs its tasks in order) and each is handled once.
 */
final class LiveHandOff {

  private static final Logger LOG = LoggerFactory.getLogger(LiveHandOff.class);

  private final String pattern;
  private final Context context;
  private final Handler<BusMessage> handler;
  private final long maxPendingBytes;
  private final String boundKey;
  private final AtomicLong delivered = new AtomicLong();
  /** JSON bytes handed to the context and not yet handled. */
  private final AtomicLong pendingBytes = new AtomicLong();
  private final AtomicLong dropped = new AtomicLong();

  /**
   * @param pattern the subscription's pattern, for stats and the log
   * @param context where the handler runs
   * @param handler receives each record
   * @param maxPendingBytes JSON bytes handed over and not yet handled at most
   * @param boundKey the configuration key of that bound, named in the log line
   */
  LiveHandOff(String pattern, Context context, Handler<BusMessage> handler, long maxPendingBytes, String boundKey) {
    this.pattern = pattern;
    this.context = context;
    this.handler = handler;
    this.maxPendingBytes = maxPendingBytes;
    this.boundKey = boundKey;
  }

  /** Hands one record to the handler's context, or drops and counts it when the bound is reached; any thread. */
  void offer(String subject, byte[] json) {
    long size = json.length;
    if (pendingBytes.addAndGet(size) > maxPendingBytes) {
      pendingBytes.addAndGet(-size);
      if (dropped.getAndIncrement() % 10_000 == 0) {
        LOG.warn("live subscription {}: its handler is behind by more than {} ({}): dropping records ({} so far)",
            pattern, boundKey, maxPendingBytes, dropped.get());
      }
      return;
    }
    delivered.incrementAndGet();
    BusMessage m = new BusMessage(subject, json, false);
    context.runOnContext(v -> {
      pendingBytes.addAndGet(-size);
      handler.handle(m);
    });
  }

  /** @return pattern, records handed over ({@code delivered}), {@code pending_bytes} and {@code dropped} */
  JsonObject stats() {
    return new JsonObject().put("pattern", pattern).put("delivered", delivered.get())
        .put("pending_bytes", pendingBytes.get()).put("dropped", dropped.get());
  }
}
