package io.marketprism.collector.feed;

import io.marketprism.collector.backfill.TradeMarkFile;
import io.marketprism.collector.backfill.TradePage;
import io.marketprism.collector.backfill.TradeSequences;
import io.marketprism.collector.book.BookStats;
import io.marketprism.collector.book.BookSync;
import io.marketprism.collector.connection.ConnectionState;
import io.marketprism.collector.connection.FeedConnection;
import io.marketprism.collector.normalize.Normalizer;
import io.marketprism.collector.normalize.ParseException;
import io.marketprism.model.DataType;
import io.marketprism.model.MarketRecord;
import io.marketprism.model.MarketType;
import io.marketprism.model.Micros;
import io.marketprism.model.OrderBookRecord;
import io.marketprism.platform.metrics.LogThrottle;
import io.vertx.core.Future;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.LongPredicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection of a feed and the instruments it carries: subscriptions (changed at runtime
 * without touching the other channels), the pure normalizer with one book sync per instrument,
 * book watchdogs and resyncs, de-duplication, and publishing.
 *
 * <p>Books: after a gap or checksum failure (reported by the normalizer), after staying silent
 * for {@code collector.books.stale_ms}, or after a reconnect, the book is not published until a
 * new snapshot rebuilt it — a REST snapshot on Binance, an unsubscribe/subscribe of that one
 * channel on OKX and Deribit. A resync that does not complete within
 * {@code collector.books.resync_timeout_ms} (the snapshot itself may be lost) is started again.
 * Synced books are published at the feed's interval when they changed, and at once when they
 * (re)gain sync.
 *
 * <p>Trades: the sequence numbers of live trades are followed; a jump in a consecutive id stream,
 * or the first trade after a reconnect (or {@code collector.backfill.quiet_ms} without one), opens
 * a gap that {@link TradeBackfill} fills over REST with ordinary trade records. An instrument
 * whose trades start being collected takes the mark an earlier run of the collector saved
 * ({@link TradeMarkState}), as if its stream had been interrupted since: the trades sent while the
 * collector was stopped are fetched the same way.
 */
final class Shard implements FeedConnection.Listener {

  private static final Logger LOG = LoggerFactory.getLogger(Shard.class);
  private static final int RECENT_FRAMES = 8;

  private final FeedContext ctx;
  private final String id;
  private final String venue;
  private final Endpoint endpoint;
  private final ExchangeProtocol protocol;
  private final Map<String, Set<DataType>> wanted = new LinkedHashMap<>();
  private final Map<String, Set<DataType>> accept = new HashMap<>();
  private Map<String, Set<DataType>> subscribed = new LinkedHashMap<>();
  private final Map<String, BookState> books = new LinkedHashMap<>();
  /** By exchange symbol: the identity windows and counts of what each instrument handed to the bus. */
  private final Map<String, InstrumentStreams> instruments = new LinkedHashMap<>();
  private final String[] recentFrames = new String[RECENT_FRAMES];
  private final Normalizer normalizer;
  private final BookStats bookStats;
  private final FeedConnection connection;
  private final TradeSequences sequences;
  private final TradeBackfill backfill;
  private final TradeMarkState marks;
  /** A book is published at most once per this much time. */
  private final long bookIntervalUs;
  private boolean backfilling;
  private int nextFrame;
  private int nextRequestId = 1;
  private long lastPingMs;
  private long pingOutstandingMs;
  private long lastPollMs;
  private long seenGaps;
  private long seenChecksumFailures;
  private long rejected;
  /** A feed that sends bad messages by the thousand (or a book withheld for each update) logs one a second. */
  private final LogThrottle rejectLog = new LogThrottle(1_000);
  private long duplicates;

  Shard(FeedContext ctx, String id, String venue, Endpoint endpoint, TradeMarkState marks) {
    this.ctx = ctx;
    this.marks = marks;
    this.id = id;
    this.venue = venue;
    this.endpoint = endpoint;
    this.protocol = ctx.protocol();
    this.bookIntervalUs = TimeUnit.MILLISECONDS.toMicros(ctx.exchange().bookIntervalMs());
    MarketType plain = ctx.marketType() == MarketType.SPOT ? MarketType.SPOT : MarketType.PERPETUAL;
    this.normalizer = new Normalizer(protocol.exchange(), plain, ctx.exchange().bookDepth(), accept::containsKey,
        this::output, this::lostSync);
    this.bookStats = normalizer.bookStats();
    this.sequences = new TradeSequences(protocol.consecutiveTradeIds());
    this.backfill = new TradeBackfill(ctx, id, endpoint, sequences,
        sym -> accept.getOrDefault(sym, Set.of()).contains(DataType.TRADE), this::tradePage);
    normalizer.trackTrades(sequences, backfill::gap).booksTo(this::bookChanged);
    this.connection = new FeedConnection(ctx.vertx(), ctx.client(), id, protocol.wsUrl(endpoint),
        ctx.exchange().connection(), this);
  }

  void start() {
    connection.start();
  }

  Future<Void> stop() {
    backfill.stop();
    return connection.stop();
  }

  String venue() {
    return venue;
  }

  String id() {
    return id;
  }

  FeedConnection connection() {
    return connection;
  }

  int symbolCount() {
    return wanted.size();
  }

  Map<String, Set<DataType>> wanted() {
    return Collections.unmodifiableMap(wanted);
  }

  /**
   * @param exchangeSymbol an instrument (on this shard or not)
   * @param types the data types it would have
   * @return whether that fits within the shard size and the channel limit
   */
  boolean fits(String exchangeSymbol, Set<DataType> types) {
    if (!wanted.containsKey(exchangeSymbol) && wanted.size() >= ctx.exchange().shardSize()) {
      return false;
    }
    Map<String, Set<DataType>> all = new LinkedHashMap<>();
    wanted.forEach((sym, t) -> {
      if (!sym.equals(exchangeSymbol)) {
        all.putAll(protocol.channels(sym, ctx.marketType(), t));
      }
    });
    all.putAll(protocol.channels(exchangeSymbol, ctx.marketType(), types));
    return all.size() <= ctx.exchange().maxStreamsPerConnection();
  }

  /**
   * Sets what is collected for one instrument; only the channels that change are (un)subscribed.
   *
   * @param exchangeSymbol the instrument
   * @param types its data types; empty removes the instrument
   */
  void set(String exchangeSymbol, Set<DataType> types) {
    if (types.isEmpty()) {
      wanted.remove(exchangeSymbol);
    } else {
      wanted.put(exchangeSymbol, EnumSet.copyOf(types));
    }
    reconcile();
  }

  private Map<String, Set<DataType>> desired() {
    Map<String, Set<DataType>> d = new LinkedHashMap<>();
    wanted.forEach((sym, types) -> protocol.channels(sym, ctx.marketType(), types)
        .forEach((ch, t) -> d.computeIfAbsent(ch, k -> EnumSet.noneOf(DataType.class)).addAll(t)));
    return d;
  }

  private void reconcile() {
    long now = System.currentTimeMillis();
    accept.clear();
    wanted.forEach((sym, types) -> {
      accept.computeIfAbsent(sym, k -> EnumSet.noneOf(DataType.class)).addAll(types);
      if (types.contains(DataType.VOLATILITY_INDEX)) {
        accept.computeIfAbsent(DeribitProtocol.volatilityIndex(sym), k -> EnumSet.noneOf(DataType.class))
            .add(DataType.VOLATILITY_INDEX);
      }
    });
    // instruments no longer collected go with their identity windows, so memory stays bounded across changes
    instruments.keySet().removeIf(k -> !accept.containsKey(k));
    sequences.retain(sym -> wanted.getOrDefault(sym, Set.of()).contains(DataType.TRADE));
    wanted.forEach((sym, types) -> {
      if (types.contains(DataType.TRADE) && sequences.last(sym) < 0) {
        restore(sym, now);
      }
    });
    for (Iterator<Map.Entry<String, BookState>> it = books.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<String, BookState> e = it.next();
      Set<DataType> t = wanted.get(e.getKey());
      if (t == null || !t.contains(DataType.ORDERBOOK)) {
        normalizer.forgetBook(e.getKey());
        it.remove();
      }
    }
    wanted.forEach((sym, types) -> {
      if (types.contains(DataType.ORDERBOOK) && !books.containsKey(sym)) {
        BookState b = new BookState(sym, now);
        books.put(sym, b);
        if (protocol.restSnapshots()) {
          b.snapshotDueMs = now + ctx.options().snapshotDelayMs();
        }
      }
    });
    Map<String, Set<DataType>> target = desired();
    if (connection.state() == ConnectionState.UP) {
      List<String> gone = new ArrayList<>();
      subscribed.keySet().forEach(ch -> {
        if (!target.containsKey(ch)) {
          gone.add(ch);
        }
      });
      List<String> fresh = new ArrayList<>();
      target.keySet().forEach(ch -> {
        if (!subscribed.containsKey(ch)) {
          fresh.add(ch);
        }
      });
      int per = ctx.exchange().channelsPerMessage();
      protocol.unsubscribe(gone, this::requestId, per).forEach(connection::send);
      protocol.subscribe(fresh, this::requestId, per).forEach(connection::send);
      subscribed = target;
    }
  }

  private int requestId() {
    return nextRequestId++;
  }

  /** Takes the mark an earlier run saved for an instrument whose trades start being collected. */
  private void restore(String sym, long now) {
    TradeMarkFile.Mark m = marks.claim(sym);
    long quietFrom = connection.state() == ConnectionState.UP ? now : TradeSequences.NOT_YET;
    if (m == null || !sequences.restore(sym, m, quietFrom)) {
      return;
    }
    // one line per instrument at start-up: the gap it leads to is logged (and counted) when it is found
    LOG.debug("{} restored the trade mark of {}: #{} traded at {}, current until {} ({} ms ago); the trades since are "
        + "fetched over REST once the live stream is back", id, sym, m.seq(), Instant.ofEpochMilli(m.tsMs()),
        Instant.ofEpochMilli(m.watchedMs()), now - m.watchedMs());
  }

  /**
   * @param nowMs the time
   * @return the mark to save of every instrument whose trades are collected here: its last trade
   *     (see {@link TradeSequences#marks(long)}), or the start of its oldest gap not filled yet
   */
  Map<String, TradeMarkFile.Mark> tradeMarks(long nowMs) {
    Map<String, TradeMarkFile.Mark> out = sequences.marks(nowMs);
    backfill.unfinished().forEach((sym, start) -> out.computeIfPresent(sym, (k, last) -> start));
    return out;
  }

  // ---- connection events ----

  @Override
  public void opened(FeedConnection c) {
    long now = System.currentTimeMillis();
    subscribed = new LinkedHashMap<>();
    pingOutstandingMs = 0;
    lastPingMs = now;
    for (BookState b : books.values()) {
      // a new socket starts every book from a new snapshot: what was missed while down is unknown
      normalizer.forgetBook(b.exchangeSymbol);
      b.sync = BookState.Sync.SYNCING;
      b.resyncStartedMs = now;
      b.snapshotInFlight = false;
      b.snapshotDueMs = protocol.restSnapshots() ? now + ctx.options().snapshotDelayMs() : 0;
    }
    protocol.onOpen(this::requestId).forEach(connection::send);
    reconcile();
    sequences.resumed(now);
  }

  @Override
  public void closed(FeedConnection c, String reason) {
    ctx.metrics().reconnect();
    // trades sent while the socket is down are fetched over REST once it is back
    sequences.interrupted();
    for (BookState b : books.values()) {
      if (b.sync == BookState.Sync.SYNCED) {
        // nothing is published from a book that cannot be kept current; it rebuilds after reconnecting
        b.lostSync = true;
        b.lastReason = "reconnect";
      }
      b.sync = BookState.Sync.SYNCING;
    }
  }

  @Override
  public void text(String frame, long recvTsUs) {
    ctx.metrics().message();
    ExchangeProtocol.Control control = protocol.control(frame, this::requestId);
    if (control != null) {
      if (control.pong()) {
        pingOutstandingMs = 0;
      }
      if (control.reply() != null) {
        connection.sendNow(control.reply());
      }
      return;
    }
    if (repeated(frame)) {
      // a frame sent twice (never legitimate: every data frame carries its own ids and times)
      duplicates++;
      ctx.metrics().duplicate();
      return;
    }
    try {
      normalizer.onMessage(frame, recvTsUs);
    } catch (ParseException e) {
      reject(e.getMessage(), frame);
    }
  }

  @Override
  public void stray(String frame) {
    if (protocol.control(frame, this::requestId) != null) {
      return;
    }
    try {
      Json.decodeValue(frame);
    } catch (DecodeException e) {
      // malformed frames are rejected wherever they arrive; well-formed stray data is only counted
      reject("malformed frame on a socket already given up", frame);
    }
  }

  @Override
  public void paused(long pausedMs) {
    if (pingOutstandingMs > 0) {
      pingOutstandingMs += pausedMs;
    }
    lastPingMs += pausedMs;
    for (BookState b : books.values()) {
      b.lastChangeMs += pausedMs;
      b.resyncStartedMs += pausedMs;
    }
  }

  private boolean repeated(String frame) {
    int len = frame.length();
    for (String f : recentFrames) {
      if (f != null && f.length() == len && f.equals(frame)) {
        return true;
      }
    }
    recentFrames[nextFrame] = frame;
    nextFrame = (nextFrame + 1) % RECENT_FRAMES;
    return false;
  }

  private void reject(String reason, String frame) {
    rejected++;
    ctx.metrics().reject();
    String more = rejectLog.admit();
    if (more != null) {
      LOG.warn("{} rejected a message: {} [{}]{}", id, reason,
          frame.length() > 160 ? frame.substring(0, 160) + "…" : frame, more);
    }
  }

  @Override
  public void tick(long now) {
    if (connection.state() != ConnectionState.UP) {
      return;
    }
    keepAlive(now);
    for (BookState b : books.values()) {
      watch(b, now);
    }
    sequences.quiet(now, ctx.options().backfill().quietMs()).forEach(backfill::gap);
    for (TradeSequences.Reset r : sequences.resets()) {
      LOG.warn("{} dropped the restored trade mark of {}: live trade #{} at {} is below mark #{} at {} (ids started "
          + "again: another exchange environment or simulator?); nothing is fetched for the restart", id,
          r.exchangeSymbol(), r.liveSeq(), Instant.ofEpochMilli(r.liveTsMs()), r.restoredSeq(),
          Instant.ofEpochMilli(r.restoredTsMs()));
    }
    if (now - lastPollMs >= ctx.options().restPollIntervalMs()) {
      lastPollMs = now;
      poll();
    }
  }

  private void keepAlive(long now) {
    String ping = protocol.ping();
    if (ping == null) {
      return;
    }
    if (pingOutstandingMs > 0 && now - pingOutstandingMs > ctx.exchange().pongTimeoutMs()) {
      connection.reconnect("no pong within " + ctx.exchange().pongTimeoutMs() + " ms");
      return;
    }
    if (now - lastPingMs >= ctx.exchange().pingIntervalMs()) {
      lastPingMs = now;
      if (pingOutstandingMs == 0) {
        pingOutstandingMs = now;
      }
      connection.sendNow(ping);
    }
  }

  private void watch(BookState b, long now) {
    if (b.snapshotDueMs > 0 && now >= b.snapshotDueMs && !b.snapshotInFlight) {
      b.snapshotDueMs = 0;
      fetchSnapshot(b);
    }
    if (b.sync != BookState.Sync.SYNCED) {
      if (now - b.resyncStartedMs > ctx.options().resyncTimeoutMs()) {
        LOG.warn("{} book {} still not synced after {} ms; resyncing again", id, b.exchangeSymbol,
            now - b.resyncStartedMs);
        resync(b, b.lastReason.isEmpty() ? "timeout" : b.lastReason);
      }
    } else if (now - b.lastChangeMs > ctx.options().bookStaleMs()) {
      b.stale++;
      ctx.metrics().stale();
      LOG.warn("{} book {} stale: no change for {} ms; resyncing", id, b.exchangeSymbol, now - b.lastChangeMs);
      normalizer.forgetBook(b.exchangeSymbol);
      b.sync = BookState.Sync.RESYNCING;
      b.lostSync = true;
      resync(b, "stale");
    }
  }

  private void poll() {
    wanted.forEach((sym, types) -> {
      for (String url : protocol.polls(endpoint, ctx.marketType(), sym, types)) {
        int epoch = (int) connection.connects();
        ctx.rest().get(url).onComplete(ar -> {
          if (epoch != connection.connects() || !wanted.containsKey(sym)) {
            return;
          }
          if (ar.failed()) {
            LOG.warn("{} poll of {} failed: {}", id, url, ar.cause().getMessage());
            return;
          }
          try {
            normalizer.onRest(url, ar.result(), TimeUnit.MILLISECONDS.toMicros(System.currentTimeMillis()));
          } catch (ParseException e) {
            reject(e.getMessage(), ar.result());
          }
        });
      }
    });
  }

  // ---- books ----

  /** The normalizer's resync callback: a gap or checksum failure just unsynced this book. */
  private void lostSync(String exchangeSymbol) {
    long gaps = bookStats.gaps() - seenGaps;
    long checksums = bookStats.checksumFailed() - seenChecksumFailures;
    seenGaps = bookStats.gaps();
    seenChecksumFailures = bookStats.checksumFailed();
    ctx.metrics().gaps(gaps);
    ctx.metrics().checksumFailures(checksums);
    BookState b = books.get(exchangeSymbol);
    if (b == null) {
      return;
    }
    b.gaps += gaps;
    b.checksumFailures += checksums;
    String reason = checksums > 0 ? "checksum" : "gap";
    LOG.warn("{} book {} lost sync ({}); resyncing", id, exchangeSymbol, reason);
    b.sync = BookState.Sync.RESYNCING;
    b.lostSync = true;
    resync(b, reason);
  }

  private void resync(BookState b, String reason) {
    b.lastReason = reason;
    b.resyncStartedMs = System.currentTimeMillis();
    if (connection.state() != ConnectionState.UP) {
      return;
    }
    if (protocol.restSnapshots()) {
      fetchSnapshot(b);
    } else {
      String ch = protocol.bookChannel(b.exchangeSymbol);
      List<String> one = List.of(ch);
      protocol.unsubscribe(one, this::requestId, 1).forEach(connection::send);
      protocol.subscribe(one, this::requestId, 1).forEach(connection::send);
    }
  }

  private void fetchSnapshot(BookState b) {
    if (b.snapshotInFlight) {
      return;
    }
    b.snapshotInFlight = true;
    long epoch = connection.connects();
    String url = protocol.snapshotUrl(endpoint, ctx.marketType(), b.exchangeSymbol, ctx.exchange().snapshotLimit());
    ctx.rest().get(url).onComplete(ar -> {
      b.snapshotInFlight = false;
      if (epoch != connection.connects() || books.get(b.exchangeSymbol) != b
          || connection.state() != ConnectionState.UP) {
        return; // for a socket or subscription that no longer exists
      }
      if (ar.failed()) {
        LOG.warn("{} snapshot of {} failed: {}", id, b.exchangeSymbol, ar.cause().getMessage());
        b.lastSnapshotError = String.valueOf(ar.cause().getMessage());
        return; // the resync timeout tries again
      }
      try {
        normalizer.onRest(url, ar.result(), TimeUnit.MILLISECONDS.toMicros(System.currentTimeMillis()));
      } catch (ParseException e) {
        reject(e.getMessage(), ar.result());
      }
    });
  }

  /** Parses a page of past trades, publishing the wanted ones; those it adds are counted as backfilled. */
  private TradePage tradePage(String url, String body, LongPredicate keep) throws ParseException {
    backfilling = true;
    try {
      return normalizer.onRest(url, body, TimeUnit.MILLISECONDS.toMicros(System.currentTimeMillis()), keep);
    } catch (ParseException e) {
      reject(e.getMessage(), body);
      throw e;
    } finally {
      backfilling = false;
    }
  }

  /**
   * A book message was applied: its record is built only when it is published, and not while it is
   * withheld ({@link BookSync#unstorable()}; the book changed all the same, so it is not stale, and
   * it is published once a change makes it storable).
   */
  private void bookChanged(BookSync sync) {
    BookState b = books.get(sync.exchangeSymbol());
    if (b == null) {
      return;
    }
    b.source = sync;
    b.lastChangeMs = System.currentTimeMillis();
    boolean storable = sync.unstorable() == null;
    if (b.sync == BookState.Sync.SYNCED) {
      if (storable && sync.recvTsUs() - b.lastPublishedUs >= bookIntervalUs) {
        // due: leaves with the update that made it due (received just now), not at the timer's next tick
        publishBook(b, sync.recvTsUs());
      }
    } else {
      b.sync = BookState.Sync.SYNCED;
      b.lastSnapshotError = "";
      if (b.lostSync) {
        b.lostSync = false;
        b.resyncs++;
        ctx.metrics().resync();
        LOG.info("{} book {} resynced at update {} (after {})", id, b.exchangeSymbol, sync.lastUpdateId(),
            b.lastReason);
      }
      if (storable) {
        publishBook(b, sync.recvTsUs());
      }
    }
  }

  private void output(MarketRecord r) {
    Set<DataType> types = accept.get(r.exchangeSymbol());
    if (types == null || !types.contains(r.dataType())) {
      return;
    }
    int window = r.dataType() == DataType.TRADE ? ctx.options().tradeDedupWindow() : ctx.options().otherDedupWindow();
    if (!instrument(r).admit(r, window)) {
      duplicates++;
      ctx.metrics().duplicate();
      return;
    }
    if (backfilling && r.dataType() == DataType.TRADE) {
      ctx.metrics().backfilledTrade();
    }
    ctx.metrics().record();
    ctx.publisher().publish(r);
  }

  private InstrumentStreams instrument(MarketRecord r) {
    InstrumentStreams i = instruments.get(r.exchangeSymbol());
    if (i == null) {
      i = new InstrumentStreams(r.marketType(), r.symbol());
      instruments.put(r.exchangeSymbol(), i);
    }
    return i;
  }

  /** @param nowUs the time of publication, epoch µs */
  private void publishBook(BookState b, long nowUs) {
    OrderBookRecord book = b.source.toRecord();
    b.lastPublishedId = book.lastUpdateId();
    b.lastPublishedUs = nowUs;
    instrument(book).counted(book);
    ctx.metrics().record();
    ctx.publisher().publish(book);
  }

  /**
   * Publishes the synced books that changed since their last publication and have been due for
   * {@code tickUs} with no update to carry them (a busy book leaves with the update that makes it
   * due; this publishes the last change of a book that went quiet).
   *
   * @param tickUs the timer's period, µs
   */
  void publishBooks(long tickUs) {
    if (connection.state() != ConnectionState.UP) {
      return;
    }
    long now = Micros.now();
    for (BookState b : books.values()) {
      if (b.sync == BookState.Sync.SYNCED && b.source != null && b.source.synced() && b.source.unstorable() == null
          && b.source.lastUpdateId() != b.lastPublishedId
          && now - b.lastPublishedUs >= bookIntervalUs + tickUs) {
        publishBook(b, now);
      }
    }
  }

  JsonObject connectionJson() {
    return new JsonObject().put("id", id).put("exchange", protocol.exchange().wire())
        .put("market_type", ctx.marketType().wire()).put("venue", venue).put("url", connection.url())
        .put("state", connection.state().wire()).put("messages", connection.messages())
        .put("reconnects", connection.reconnects()).put("rejected", rejected).put("strays", connection.strays())
        .put("paused_ms", connection.pausedMs()).put("duplicates", duplicates)
        .put("symbols", new JsonArray(new ArrayList<>(wanted.keySet()))).put("channels", subscribed.size())
        .put("queued", connection.queued()).put("last_close_reason", connection.lastCloseReason())
        .put("trade_gaps_pending", backfill.pending());
  }

  void booksJson(JsonArray out) {
    for (BookState b : books.values()) {
      out.add(b.toJson().put("exchange", protocol.exchange().wire()).put("market_type", ctx.marketType().wire())
          .put("connection", id));
    }
  }

  /** @return by exchange symbol, what each instrument of this connection handed to the bus */
  Map<String, InstrumentStreams> instruments() {
    return instruments;
  }

  /** @return per-book state for tests and status */
  Map<String, BookState> books() {
    return books;
  }
}
