package io.marketprism.collector.feed;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.json.JsonObject;

/**
 * The counters of one feed (exchange and market type), both as Prometheus counters
 * ({@code mp_collector_*_total{exchange,market_type}}) and as plain numbers for the status route.
 * Updated on the collector's context only.
 */
public final class FeedMetrics {

  private final Counter messagesC;
  private final Counter rejectedC;
  private final Counter duplicatesC;
  private final Counter gapsC;
  private final Counter checksumC;
  private final Counter resyncsC;
  private final Counter staleC;
  private final Counter reconnectsC;
  private final Counter recordsC;
  private final Counter tradeGapsC;
  private final Counter backfilledC;
  private final Counter unrecoverableC;
  long messages;
  long rejected;
  long duplicates;
  long gaps;
  long checksumFailures;
  long resyncs;
  long stale;
  long reconnects;
  long records;
  long tradeGaps;
  long backfilled;
  long unrecoverable;

  /**
   * @param registry where the counters live
   * @param exchange tag value
   * @param marketType tag value
   */
  public FeedMetrics(MeterRegistry registry, String exchange, String marketType) {
    messagesC = counter(registry, "mp.collector.messages", "WebSocket frames received", exchange, marketType);
    rejectedC = counter(registry, "mp.collector.rejected", "frames rejected (unparseable or unknown)", exchange,
        marketType);
    duplicatesC = counter(registry, "mp.collector.duplicates", "duplicate frames and records dropped", exchange,
        marketType);
    gapsC = counter(registry, "mp.collector.gaps", "book sequence gaps detected", exchange, marketType);
    checksumC = counter(registry, "mp.collector.checksum.failures", "book checksum mismatches", exchange, marketType);
    resyncsC = counter(registry, "mp.collector.resyncs", "books rebuilt after losing sync", exchange, marketType);
    staleC = counter(registry, "mp.collector.stale", "books resynced after staying silent", exchange, marketType);
    reconnectsC = counter(registry, "mp.collector.reconnects", "connections lost and reopened", exchange, marketType);
    recordsC = counter(registry, "mp.collector.records", "records handed to the bus", exchange, marketType);
    tradeGapsC = counter(registry, "mp.collector.trade.gaps",
        "trade stream gaps (id jumps and reconnects) to be filled over REST", exchange, marketType);
    backfilledC = counter(registry, "mp.collector.trades.backfilled",
        "trades recovered over REST that the live stream had missed", exchange, marketType);
    unrecoverableC = counter(registry, "mp.collector.trade.gaps.unrecoverable",
        "trade gaps not (fully) filled: too old, too long, older than the recent trades served, no REST history, "
            + "failed requests", exchange, marketType);
  }

  private static Counter counter(MeterRegistry r, String name, String help, String exchange, String marketType) {
    return Counter.builder(name).description(help).tag("exchange", exchange).tag("market_type", marketType)
        .register(r);
  }

  void message() {
    messages++;
    messagesC.increment();
  }

  void reject() {
    rejected++;
    rejectedC.increment();
  }

  void duplicate() {
    duplicates++;
    duplicatesC.increment();
  }

  void gaps(long n) {
    gaps += n;
    gapsC.increment(n);
  }

  void checksumFailures(long n) {
    checksumFailures += n;
    checksumC.increment(n);
  }

  void resync() {
    resyncs++;
    resyncsC.increment();
  }

  void stale() {
    stale++;
    staleC.increment();
  }

  void reconnect() {
    reconnects++;
    reconnectsC.increment();
  }

  void record() {
    records++;
    recordsC.increment();
  }

  void tradeGap() {
    tradeGaps++;
    tradeGapsC.increment();
  }

  void backfilledTrade() {
    backfilled++;
    backfilledC.increment();
  }

  void unrecoverableGap() {
    unrecoverable++;
    unrecoverableC.increment();
  }

  /** @return trade gaps detected */
  public long tradeGaps() {
    return tradeGaps;
  }

  /** @return trades recovered over REST */
  public long backfilled() {
    return backfilled;
  }

  /** @return trade gaps not fully filled */
  public long unrecoverable() {
    return unrecoverable;
  }

  /** @return the counters as JSON */
  public JsonObject toJson() {
    return new JsonObject().put("messages", messages).put("rejected", rejected).put("duplicates", duplicates)
        .put("gaps", gaps).put("checksum_failures", checksumFailures).put("resyncs", resyncs).put("stale", stale)
        .put("reconnects", reconnects).put("records", records).put("trade_gaps", tradeGaps)
        .put("trades_backfilled", backfilled).put("trade_gaps_unrecoverable", unrecoverable);
  }

  /** @return gaps detected */
  public long gaps() {
    return gaps;
  }

  /** @return books rebuilt */
  public long resyncs() {
    return resyncs;
  }

  /** @return checksum mismatches */
  public long checksumFailures() {
    return checksumFailures;
  }

  /** @return rejected frames */
  public long rejected() {
    return rejected;
  }

  /** @return duplicates dropped */
  public long duplicates() {
    return duplicates;
  }

  /** @return reconnects */
  public long reconnects() {
    return reconnects;
  }
}
