package io.marketprism.simulator.replay;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A capture loaded for replay: its WebSocket messages in order and its REST responses, which the
 * REST routes serve instead of the model's (the newest one received before the replay position).
 */
public final class ReplayStore {

  private final List<ReplayMessage> messages;
  private final List<CapturedResponse> responses;
  private final List<String> exchanges;
  private volatile long positionNanos = Long.MIN_VALUE;

  /**
   * @param messages  WebSocket messages in capture order
   * @param responses REST responses in capture order
   */
  public ReplayStore(List<ReplayMessage> messages, List<CapturedResponse> responses) {
    this.messages = Collections.unmodifiableList(new ArrayList<>(messages));
    this.responses = Collections.unmodifiableList(new ArrayList<>(responses));
    List<String> ex = new ArrayList<>();
    for (ReplayMessage m : messages) {
      if (!ex.contains(m.exchange())) {
        ex.add(m.exchange());
      }
    }
    this.exchanges = Collections.unmodifiableList(ex);
  }

  /** The WebSocket messages. */
  public List<ReplayMessage> messages() {
    return messages;
  }

  /** The REST responses. */
  public List<CapturedResponse> responses() {
    return responses;
  }

  /** Moves the replay position (capture time of the last message sent). */
  public void position(long tsNanos) {
    positionNanos = tsNanos;
  }

  /** Exchanges the messages belong to, in order of appearance. */
  public List<String> exchanges() {
    return exchanges;
  }

  /**
   * The captured response for a route: the newest received at or before the replay position, else
   * the first one; null when the capture has none.
   *
   * @param kind last path segment
   * @param key  instrument or family, any case; "" matches responses without one
   */
  public String response(String kind, String key) {
    String k = key == null ? "" : key.toUpperCase(java.util.Locale.ROOT);
    String first = null;
    String best = null;
    for (CapturedResponse r : responses) {
      if (!r.kind().equalsIgnoreCase(kind) || !r.key().equals(k)) {
        continue;
      }
      if (first == null) {
        first = r.body();
      }
      if (r.tsNanos() <= positionNanos) {
        best = r.body();
      }
    }
    return best != null ? best : first;
  }
}
