package io.marketprism.simulator;

import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/** Which sessions of one server are subscribed to which topic (stream or channel name). */
public final class TopicHub {

  private final Map<String, Set<FeedSession>> subscribers = new HashMap<>();
  private final Set<FeedSession> sessions = new LinkedHashSet<>();

  /** Registers an open session. */
  public void open(FeedSession session) {
    sessions.add(session);
  }

  /** Subscribes a session to a topic; returns false when it already was. */
  public boolean subscribe(FeedSession session, String topic) {
    if (!session.topics().add(topic)) {
      return false;
    }
    subscribers.computeIfAbsent(topic, t -> new LinkedHashSet<>()).add(session);
    return true;
  }

  /** Unsubscribes a session from a topic; returns false when it was not subscribed. */
  public boolean unsubscribe(FeedSession session, String topic) {
    if (!session.topics().remove(topic)) {
      return false;
    }
    Set<FeedSession> set = subscribers.get(topic);
    if (set != null) {
      set.remove(session);
      if (set.isEmpty()) {
        subscribers.remove(topic);
      }
    }
    return true;
  }

  /** Forgets a closed session. */
  public void remove(FeedSession session) {
    sessions.remove(session);
    for (String topic : session.topics().toArray(new String[0])) {
      unsubscribe(session, topic);
    }
  }

  /** Sessions subscribed to a topic (empty set when none); do not modify. */
  public Set<FeedSession> subscribers(String topic) {
    Set<FeedSession> set = subscribers.get(topic);
    return set == null ? Collections.emptySet() : set;
  }

  /** Whether anybody listens to the topic. */
  public boolean hasSubscribers(String topic) {
    return subscribers.containsKey(topic);
  }

  /** Open sessions. */
  public Set<FeedSession> sessions() {
    return sessions;
  }
}
