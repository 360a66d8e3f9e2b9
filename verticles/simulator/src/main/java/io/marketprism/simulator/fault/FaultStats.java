package io.marketprism.simulator.fault;

import io.vertx.core.json.JsonObject;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/** Counts the faults injected, per kind; readable from any thread. */
public final class FaultStats {

  private final Map<FaultKind, AtomicLong> counts = new EnumMap<>(FaultKind.class);

  /** Creates zeroed counters. */
  public FaultStats() {
    for (FaultKind k : FaultKind.values()) {
      counts.put(k, new AtomicLong());
    }
  }

  /** Counts one injection. */
  public void count(FaultKind kind) {
    counts.get(kind).incrementAndGet();
  }

  /** Injections of a kind so far. */
  public long get(FaultKind kind) {
    return counts.get(kind).get();
  }

  /** The counters as {@code {"drop":3,...}}. */
  public JsonObject toJson() {
    JsonObject o = new JsonObject();
    counts.forEach((k, v) -> o.put(k.word(), v.get()));
    return o;
  }
}
