package io.marketprism.platform.bus;

import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.PriorityQueue;
import java.util.function.ToLongFunction;

/**
 * The JetStream publisher's buffer: records waiting to be sent, taken in the order they were
 * published. Records sent before and sent back (their ack failed, was overdue, or was lost with the
 * connection) wait apart, ordered by their publish sequence, and go before the records never sent,
 * all of which were published after them. Put back one by one at the front of one queue, the
 * window in flight when NATS went away came back reversed, and the stream held the catch-up
 * newest first. Not thread-safe: the publisher holds its lock.
 *
 * @param <T> the buffered record
 */
final class SendQueue<T> {

  private final ArrayDeque<T> fresh = new ArrayDeque<>();
  private final PriorityQueue<T> again;

  /** @param publishSeq a record's publish sequence (ascending in publish order) */
  SendQueue(ToLongFunction<T> publishSeq) {
    this.again = new PriorityQueue<>(Comparator.comparingLong(publishSeq));
  }

  /** Buffers a record never sent. */
  void add(T record) {
    fresh.add(record);
  }

  /** Buffers a record sent before, ahead of those never sent, in publish order among its kind. */
  void sendAgain(T record) {
    again.add(record);
  }

  /** @return the record to send next, or null when none waits */
  T poll() {
    T next = again.poll();
    return next != null ? next : fresh.poll();
  }

  boolean isEmpty() {
    return again.isEmpty() && fresh.isEmpty();
  }

  int size() {
    return again.size() + fresh.size();
  }
}
