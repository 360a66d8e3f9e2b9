package io.marketprism.simulator.fault;

import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/** The faults the simulator can inject, with the parameters each one takes. */
public enum FaultKind {
  /** Close every WebSocket connection {@code every} after it opened (then again on the new one). */
  DISCONNECT("disconnect", "every"),
  /** Keep the connection open but send nothing (data, replies, pings) for {@code for}, each {@code every}. */
  STALL("stall", "every", "for"),
  /** Drop a data message with probability {@code p}. */
  DROP("drop", "p"),
  /** Send a data message twice with probability {@code p}. */
  DUP("dup", "p"),
  /** Swap a data message with the next one, with probability {@code p}. */
  REORDER("reorder", "p"),
  /** Send an OKX book message with a wrong {@code checksum}, with probability {@code p}. */
  CHECKSUM("checksum", "p"),
  /**
   * Send the first half of a data message (invalid JSON), with probability {@code p}; counted
   * when the write to the open socket succeeded.
   */
  MALFORMED("malformed", "p"),
  /** Answer REST book snapshots {@code delay} late (with probability {@code p}, default 1). */
  SLOW_SNAPSHOT("slow-snapshot", "delay", "p"),
  /** Answer a REST request with HTTP 429 and {@code Retry-After}, with probability {@code p}. */
  REST_429("rest-429", "p", "retry-after"),
  /** Answer a REST request with HTTP 418 (IP ban) and {@code Retry-After}, with probability {@code p}. */
  REST_418("rest-418", "p", "retry-after");

  private final String word;
  private final Set<String> params;

  FaultKind(String word, String... params) {
    this.word = word;
    this.params = Set.of(params);
  }

  /** The name used in a fault spec. */
  public String word() {
    return word;
  }

  /** Parameter names this kind accepts (besides {@code on}). */
  public Set<String> params() {
    return params;
  }

  /** Looks a kind up by its spec name. */
  public static FaultKind of(String word) {
    String w = word.trim().toLowerCase(Locale.ROOT);
    for (FaultKind k : values()) {
      if (k.word.equals(w)) {
        return k;
      }
    }
    throw new IllegalArgumentException("unknown fault '" + word + "' in option 'faults' (allowed: " + allowed() + ")");
  }

  /** All spec names, comma separated. */
  public static String allowed() {
    return Arrays.stream(values()).map(FaultKind::word).collect(Collectors.joining(", "));
  }
}
