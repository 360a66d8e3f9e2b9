package io.marketprism.platform.bus;

import io.vertx.core.Future;

import java.util.List;

/** Commits one batch of a durable consumer; the batch is acknowledged only when the future succeeds. */
@FunctionalInterface
public interface BatchHandler {

  /**
   * @param batch the messages, in delivery order
   * @return succeeds once the batch is durably stored
   */
  Future<Void> handle(List<BusMessage> batch);
}
