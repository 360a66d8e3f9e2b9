package io.marketprism.platform.bus;

import io.vertx.core.Future;

/**
 * A reading of the stream again from a time on ({@link RecordBus#replay}): batches go to its
 * handler as a durable consumer's do, and it ends by itself once every record the stream held
 * when it began has been committed. Its {@link #stats()} add {@code since_ms}, {@code target_seq}
 * (the stream's last sequence when it began), {@code acked_seq} and {@code state}.
 */
public interface Replay extends RecordConsumer {

  /** @return completes when the replay reached its target (or found nothing to read), fails if it could not start */
  Future<Void> done();
}
