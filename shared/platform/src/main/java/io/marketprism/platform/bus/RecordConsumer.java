package io.marketprism.platform.bus;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/** A running consumer or live subscription of a {@link RecordBus}. */
public interface RecordConsumer {

  /** @return delivery counters: batches, messages, acked, failed batches, dropped (embedded) */
  JsonObject stats();

  /**
   * @return for a durable consumer, a time T (epoch ms) such that every record the bus held at T
   *     has been committed ({@link SettledClock}); -1 before the first such point, and for a live
   *     subscription
   */
  default long settledMs() {
    return -1;
  }

  /**
   * Stops taking new messages; a batch being handled is finished (and acknowledged) first.
   *
   * @return completes when stopped
   */
  Future<Void> close();
}
