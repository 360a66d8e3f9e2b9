package io.marketprism.simulator.fault;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A parsed fault specification.
 *
 * <p>Syntax: faults separated by commas; each is a kind followed by {@code :name=value} parameters.
 * <pre>
 *   spec     = "" | "none" | fault ("," fault)*
 *   fault    = kind (":" name "=" value)*
 *   kind     = disconnect | stall | drop | dup | reorder | checksum | malformed
 *            | slow-snapshot | rest-429 | rest-418
 *   duration = number ("ms" | "s" | "m")            e.g. 500ms, 5s, 1m
 * </pre>
 * Parameters:
 * <ul>
 *   <li>{@code disconnect:every=DUR} (required) — each WebSocket is closed DUR after it opened;</li>
 *   <li>{@code stall:every=DUR:for=DUR} (both required) — each connection goes silent for {@code for}
 *       once every {@code every} of its life (open, nothing sent, pings included);</li>
 *   <li>{@code drop|dup|reorder|checksum|malformed:p=P} — per data message, probability 0..1
 *       ({@code checksum} only alters OKX book messages, which carry one);</li>
 *   <li>{@code slow-snapshot:delay=DUR[:p=P]} — REST book snapshots and trade-history
 *       pages (Binance historicalTrades/aggTrades, OKX history-trades, Deribit get_last_trades_by_instrument)
 *       answered late (p defaults to 1);</li>
 *   <li>{@code rest-429|rest-418:p=P[:retry-after=DUR]} — REST answered with that status, the exchange's
 *       error body and a {@code Retry-After} header in whole seconds (default 1s for 429, 2s for 418);</li>
 *   <li>any fault: {@code on=EX[+EX]} limits it to exchanges ({@code binance}, {@code okx}, {@code deribit}).</li>
 * </ul>
 * Example: {@code disconnect:every=5s,stall:every=20s:for=3s,drop:p=0.01,rest-429:p=0.1:on=binance}.
 */
public final class FaultSpec {

  /** No faults. */
  public static final FaultSpec NONE = new FaultSpec(List.of());

  private final List<Fault> faults;

  private FaultSpec(List<Fault> faults) {
    this.faults = Collections.unmodifiableList(faults);
  }

  /**
   * Parses a spec.
   *
   * @throws IllegalArgumentException naming the bad part and the allowed values
   */
  public static FaultSpec parse(String spec) {
    if (spec == null || spec.isBlank() || "none".equalsIgnoreCase(spec.trim())) {
      return NONE;
    }
    List<Fault> out = new ArrayList<>();
    for (String part : spec.split(",")) {
      if (part.isBlank()) {
        continue;
      }
      String[] tokens = part.trim().split(":");
      FaultKind kind = FaultKind.of(tokens[0]);
      double p = 1;
      long every = -1;
      long forMs = -1;
      long delay = -1;
      long retryAfter = kind == FaultKind.REST_418 ? 2 : 1;
      Set<String> on = new LinkedHashSet<>();
      boolean hasP = false;
      for (int i = 1; i < tokens.length; i++) {
        String t = tokens[i].trim();
        int eq = t.indexOf('=');
        if (eq <= 0) {
          throw new IllegalArgumentException("fault '" + part.trim() + "' in option 'faults': parameter '" + t
              + "' must be name=value (allowed names for " + kind.word() + ": " + names(kind) + ")");
        }
        String name = t.substring(0, eq).trim().toLowerCase(Locale.ROOT);
        String value = t.substring(eq + 1).trim();
        if ("on".equals(name)) {
          for (String ex : value.split("\\+")) {
            String e = ex.trim().toLowerCase(Locale.ROOT);
            if (!Set.of("binance", "okx", "deribit").contains(e)) {
              throw new IllegalArgumentException("fault '" + part.trim() + "' in option 'faults': on=" + value
                  + " (allowed: binance, okx, deribit, joined by +)");
            }
            on.add(e);
          }
          continue;
        }
        if (!kind.params().contains(name)) {
          throw new IllegalArgumentException("fault '" + part.trim() + "' in option 'faults': unknown parameter '"
              + name + "' (allowed for " + kind.word() + ": " + names(kind) + ")");
        }
        switch (name) {
          case "p" -> {
            p = probability(part, value);
            hasP = true;
          }
          case "every" -> every = duration(part, name, value);
          case "for" -> forMs = duration(part, name, value);
          case "delay" -> delay = duration(part, name, value);
          case "retry-after" -> retryAfter = Math.max(1, (duration(part, name, value) + 999) / 1000);
          default -> throw new IllegalStateException(name);
        }
      }
      require(kind == FaultKind.DISCONNECT || kind == FaultKind.STALL, every > 0, part, "every");
      require(kind == FaultKind.STALL, forMs > 0, part, "for");
      require(kind == FaultKind.SLOW_SNAPSHOT, delay > 0, part, "delay");
      require(kind.params().contains("p") && kind != FaultKind.SLOW_SNAPSHOT, hasP, part, "p");
      out.add(new Fault(kind, p, every, forMs, delay, retryAfter, Collections.unmodifiableSet(on)));
    }
    return new FaultSpec(out);
  }

  private static void require(boolean applies, boolean present, String part, String name) {
    if (applies && !present) {
      throw new IllegalArgumentException("fault '" + part.trim() + "' in option 'faults' needs parameter '" + name
          + "'");
    }
  }

  private static String names(FaultKind kind) {
    return kind.params().stream().sorted().collect(Collectors.joining(", ")) + ", on";
  }

  private static double probability(String part, String value) {
    try {
      double p = Double.parseDouble(value);
      if (p >= 0 && p <= 1) {
        return p;
      }
    } catch (NumberFormatException ignored) {
      // reported below
    }
    throw new IllegalArgumentException("fault '" + part.trim() + "' in option 'faults': p=" + value
        + " (allowed: a number from 0 to 1)");
  }

  /**
   * Parses a duration: a number with unit {@code ms}, {@code s} or {@code m}.
   *
   * @throws IllegalArgumentException when malformed
   */
  public static long duration(String context, String name, String value) {
    String v = value.trim().toLowerCase(Locale.ROOT);
    try {
      if (v.endsWith("ms")) {
        return Math.round(Double.parseDouble(v.substring(0, v.length() - 2)));
      }
      if (v.endsWith("s")) {
        return Math.round(Double.parseDouble(v.substring(0, v.length() - 1)) * 1000);
      }
      if (v.endsWith("m")) {
        return Math.round(Double.parseDouble(v.substring(0, v.length() - 1)) * 60_000);
      }
    } catch (NumberFormatException ignored) {
      // reported below
    }
    throw new IllegalArgumentException("'" + context.trim() + "': " + name + "=" + value
        + " (allowed: a duration such as 500ms, 5s or 1m)");
  }

  /** All faults, in spec order. */
  public List<Fault> faults() {
    return faults;
  }

  /** The fault of this kind that applies to the exchange, or null. */
  public Fault find(FaultKind kind, String exchange) {
    for (Fault f : faults) {
      if (f.kind() == kind && f.appliesTo(exchange)) {
        return f;
      }
    }
    return null;
  }

  /** Probability of a per-message kind for an exchange; 0 when not configured. */
  public double probability(FaultKind kind, String exchange) {
    Fault f = find(kind, exchange);
    return f == null ? 0 : f.p();
  }

  /** Whether no fault is configured. */
  public boolean isEmpty() {
    return faults.isEmpty();
  }

  /** The spec text, parseable again. */
  @Override
  public String toString() {
    return faults.stream().map(Fault::toSpec).collect(Collectors.joining(","));
  }
}
