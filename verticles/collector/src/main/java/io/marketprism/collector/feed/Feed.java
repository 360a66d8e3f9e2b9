package io.marketprism.collector.feed;

import io.marketprism.collector.backfill.TradeMarkFile;
import io.marketprism.collector.connection.ConnectionState;
import io.marketprism.collector.connection.FeedConnection;
import io.marketprism.model.DataType;
import io.marketprism.model.MarketType;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * The collection of one market of one exchange: its instruments spread over connections
 * ({@code shard_size} instruments and {@code max_streams_per_connection} channels at most per
 * connection, one connection per venue endpoint at least), changed at runtime one instrument at a
 * time, and the periodic publication of its books. The venue is chosen per data type of an
 * instrument, so one instrument may be carried by one connection per venue (OKX klines on
 * {@code business}, its other types on {@code public}). Its trade marks are saved to the
 * {@link TradeMarkState} every {@code collector.state_save_interval_ms} and on stop. Used on the
 * collector's context only.
 */
public final class Feed {

  private final FeedContext ctx;
  private final TradeMarkState marks;
  private final List<Shard> shards = new ArrayList<>();
  private long publishTimer = -1;
  private long saveTimer = -1;
  private int shardIds;
  private boolean stopped;

  /**
   * @param ctx what the feed's connections share
   * @param marks the trade marks an earlier run saved, and where this one saves them
   */
  public Feed(FeedContext ctx, TradeMarkState marks) {
    this.ctx = ctx;
    this.marks = marks;
  }

  /** @return the market */
  public MarketType marketType() {
    return ctx.marketType();
  }

  /** @return the feed's counters */
  public FeedMetrics metrics() {
    return ctx.metrics();
  }

  /**
   * Starts the book publication and trade mark timers (connections start with their first
   * instrument).
   */
  public void start() {
    // a book that changed and went quiet is published a tick to two past its due time
    long tickMs = Math.max(5, ctx.exchange().bookIntervalMs() / 4);
    long tickUs = TimeUnit.MILLISECONDS.toMicros(tickMs);
    publishTimer = ctx.vertx().setPeriodic(tickMs, t -> {
      for (Shard s : shards) {
        s.publishBooks(tickUs);
      }
    });
    saveTimer = ctx.vertx().setPeriodic(ctx.options().stateSaveIntervalMs(), t -> marks.save(tradeMarks(), ctx.bus().get()));
  }

  /** @return the mark to save of every instrument whose trades are collected */
  private Map<String, TradeMarkFile.Mark> tradeMarks() {
    long now = System.currentTimeMillis();
    Map<String, TradeMarkFile.Mark> out = new HashMap<>();
    for (Shard s : shards) {
      out.putAll(s.tradeMarks(now));
    }
    return out;
  }

  /**
   * Sets the data types collected for an instrument; an empty set stops collecting it. Other
   * instruments and channels are not touched.
   *
   * @param exchangeSymbol the exchange's instrument name
   * @param types the data types
   */
  public void set(String exchangeSymbol, Set<DataType> types) {
    if (stopped) {
      return;
    }
    // the types by venue, with an empty set for each venue that holds the instrument and keeps nothing
    Map<String, Set<DataType>> byVenue = new LinkedHashMap<>();
    for (Shard s : shards) {
      if (s.wanted().containsKey(exchangeSymbol)) {
        byVenue.put(s.venue(), EnumSet.noneOf(DataType.class));
      }
    }
    for (DataType t : types) {
      byVenue.computeIfAbsent(ctx.protocol().venue(ctx.marketType(), exchangeSymbol, t),
          k -> EnumSet.noneOf(DataType.class)).add(t);
    }
    byVenue.forEach((venue, part) -> {
      if (!part.isEmpty() && !ctx.exchange().endpoints().containsKey(venue)) {
        throw new IllegalArgumentException(ctx.protocol().exchange().wire() + " has no endpoint '" + venue
            + "' configured for " + exchangeSymbol);
      }
    });
    byVenue.forEach((venue, part) -> set(exchangeSymbol, venue, part));
  }

  private void set(String exchangeSymbol, String venue, Set<DataType> types) {
    Shard current = holder(exchangeSymbol, venue);
    if (current != null) {
      if (types.isEmpty()) {
        current.set(exchangeSymbol, types);
        if (current.symbolCount() == 0) {
          shards.remove(current);
          current.stop();
        }
        return;
      }
      if (current.fits(exchangeSymbol, types)) {
        current.set(exchangeSymbol, types);
        return;
      }
      // more channels than its connection can take: it moves to another connection
      current.set(exchangeSymbol, Set.of());
      if (current.symbolCount() == 0) {
        shards.remove(current);
        current.stop();
      }
    }
    if (types.isEmpty()) {
      return;
    }
    for (Shard s : shards) {
      if (s.venue().equals(venue) && s.fits(exchangeSymbol, types)) {
        s.set(exchangeSymbol, types);
        return;
      }
    }
    Endpoint endpoint = ctx.exchange().endpoints().get(venue);
    Shard s = new Shard(ctx, ctx.protocol().exchange().wire() + "-" + ctx.marketType().wire() + "-" + venue + "-"
        + shardIds++, venue, endpoint, marks);
    shards.add(s);
    s.set(exchangeSymbol, types);
    s.start();
  }

  private Shard holder(String exchangeSymbol, String venue) {
    for (Shard s : shards) {
      if (s.venue().equals(venue) && s.wanted().containsKey(exchangeSymbol)) {
        return s;
      }
    }
    return null;
  }

  /** @return instrument → data types collected (over all its connections) */
  public Map<String, Set<DataType>> subscriptions() {
    Map<String, Set<DataType>> out = new LinkedHashMap<>();
    for (Shard s : shards) {
      s.wanted().forEach((k, v) -> out.computeIfAbsent(k, x -> EnumSet.noneOf(DataType.class)).addAll(v));
    }
    out.replaceAll((k, v) -> Collections.unmodifiableSet(v));
    return out;
  }

  /** @return the feed's connections */
  public List<FeedConnection> connections() {
    List<FeedConnection> out = new ArrayList<>();
    shards.forEach(s -> out.add(s.connection()));
    return out;
  }

  /**
   * @param nowMs the time
   * @param budgetMs how long a connection may be down and still count as healthy
   * @return whether every connection is up or reconnecting within the budget
   */
  public boolean healthy(long nowMs, long budgetMs) {
    for (Shard s : shards) {
      FeedConnection c = s.connection();
      if (c.state() != ConnectionState.UP && nowMs - c.downSinceMs() > budgetMs) {
        return false;
      }
    }
    return true;
  }

  /** Adds the status of the connections to {@code out}. */
  public void connectionsJson(JsonArray out) {
    shards.forEach(s -> out.add(s.connectionJson()));
  }

  /** Adds the status of the books to {@code out}. */
  public void booksJson(JsonArray out) {
    shards.forEach(s -> s.booksJson(out));
  }

  /**
   * Adds, per instrument (over all its connections), the records handed to the bus and the
   * duplicates dropped by data type, and the receive time of its last record.
   *
   * @param out where the instruments go
   */
  public void instrumentsJson(JsonArray out) {
    Map<String, InstrumentStreams> all = new TreeMap<>();
    shards.forEach(s -> s.instruments().forEach((sym, i) ->
        all.computeIfAbsent(sym, k -> new InstrumentStreams(i.marketType(), i.symbol())).add(i)));
    all.forEach((sym, i) -> out.add(i.toJson().put("exchange", ctx.protocol().exchange().wire())
        .put("exchange_symbol", sym)));
  }

  /**
   * Book sync states by exchange symbol (for tests and tools).
   *
   * @return exchange symbol → {@code syncing}, {@code synced} or {@code resyncing}
   */
  public Map<String, String> bookStates() {
    Map<String, String> out = new LinkedHashMap<>();
    shards.forEach(s -> s.books().forEach((k, b) -> out.put(k, b.sync.name().toLowerCase())));
    return out;
  }

  /**
   * Stops the timers and every connection, and saves the trade marks as they are now (gaps not
   * filled yet included, from their start).
   *
   * @return completes when the sockets are closed and the marks written
   */
  public Future<Void> stop() {
    stopped = true;
    if (publishTimer >= 0) {
      ctx.vertx().cancelTimer(publishTimer);
    }
    if (saveTimer >= 0) {
      ctx.vertx().cancelTimer(saveTimer);
    }
    Map<String, TradeMarkFile.Mark> last = tradeMarks();
    List<Future<Void>> closing = new ArrayList<>();
    shards.forEach(s -> closing.add(s.stop()));
    shards.clear();
    closing.add(marks.close(last, ctx.bus().get()));
    return Future.join(closing).mapEmpty();
  }
}
