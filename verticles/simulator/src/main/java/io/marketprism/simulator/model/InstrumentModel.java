package io.marketprism.simulator.model;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * The true state of one simulated instrument: a random-walk fair price, a full-depth book kept
 * around it, trades executed against that book, and the derived figures (24h ticker, candle, mark,
 * index, funding, open interest).
 *
 * <p>Its ids (trade ids, book update ids, liquidation order ids) count up from an id base. An
 * instrument built without one takes {@link #idBase(long)} of the wall clock, so that a simulator
 * started again continues above the ids of its previous run, as an exchange never reuses an id: a
 * collector that stayed connected neither drops the new trades as duplicates nor finds an identity
 * used twice. That holds while a run gives fewer than {@link #IDS_PER_MS} ids of each kind a
 * millisecond per instrument (a million a second, far above any rate the simulator runs at).
 *
 * <p>Driven by one thread (the simulator's event loop); the read methods ({@link #topBids(int)},
 * {@link #lastUpdateId()}, {@link #recentTrades()}...) may be called from any thread.
 */
public final class InstrumentModel {

  /**
   * Ids the clock-derived base leaves room for per millisecond. Bases stay below 2^53 (exact as
   * JSON numbers anywhere) until the year 2255, and within every exchange's id format: Binance
   * and Deribit numbers, OKX and Deribit trade ids as strings of digits.
   */
  public static final long IDS_PER_MS = 1000;

  private static final long FUNDING_PERIOD_MS = 8 * 3_600_000L;
  /** Of the events that are not trade bursts, the share that moves the fair price (the rest churn levels). */
  private static final double MOVE_OF_REST = 0.12 / 0.82;

  private final InstrumentSpec spec;
  private final SplittableRandom rng;
  private final int depth;
  private final int tradeHistory;
  private final long meanLots;
  private final TreeMap<Long, Long> bids = new TreeMap<>(Comparator.reverseOrder());
  private final TreeMap<Long, Long> asks = new TreeMap<>();
  private final Map<Long, long[]> pendingBids = new LinkedHashMap<>();
  private final Map<Long, long[]> pendingAsks = new LinkedHashMap<>();
  private final ArrayDeque<Trade> trades = new ArrayDeque<>();
  private volatile double tradeShare = 0.18;

  private final long idBase;
  private long fair;
  private long lastUpdateId;
  private long nextTradeId;
  private long nextLiquidationId;
  private long tradeCount;
  private long bookUpdates;
  // 24h ticker (since start)
  private long openPrice;
  private long highPrice;
  private long lowPrice;
  private long lastPrice;
  private long lastQty;
  private long volume;
  private long quoteVolume;
  private long firstTradeId = -1;
  // current one-minute candle
  private long kOpenTime = -1;
  private long kOpen;
  private long kHigh;
  private long kLow;
  private long kClose;
  private long kVolume;
  private long kQuote;
  private long kCount;
  private long kFirst = -1;
  private long kLast = -1;
  // derivatives
  private double fundingRate = 0.0001;
  private double openInterest;
  private long markPrice;
  private long indexPrice;
  private double volatilityIndex = 55.0;

  /**
   * Creates the instrument and builds its initial book.
   *
   * @param spec         what it is
   * @param seed         seed of its own random stream
   * @param depth        levels per side kept in the book
   * @param tradeHistory how many recent trades to remember for tests
   */
  public InstrumentModel(InstrumentSpec spec, long seed, int depth, int tradeHistory) {
    this(spec, seed, depth, tradeHistory, idBase(System.currentTimeMillis()));
  }

  /**
   * Creates the instrument with a given id base (tests, benchmarks): the same seed and base give
   * the same ids.
   *
   * @param spec         what it is
   * @param seed         seed of its own random stream
   * @param depth        levels per side kept in the book
   * @param tradeHistory how many recent trades to remember for tests
   * @param idBase       the book's update id before its first update; trade and liquidation ids
   *                     start right above it
   */
  public InstrumentModel(InstrumentSpec spec, long seed, int depth, int tradeHistory, long idBase) {
    this.spec = spec;
    this.rng = new SplittableRandom(seed);
    this.depth = depth;
    this.tradeHistory = tradeHistory;
    this.meanLots = InstrumentCatalog.typicalLots(spec);
    this.fair = roundTick(spec.initialPrice());
    this.idBase = idBase;
    this.lastUpdateId = idBase;
    this.nextTradeId = idBase + 1;
    this.nextLiquidationId = idBase + 1;
    long tick = spec.tickUnits();
    long p = fair - tick;
    for (int i = 0; i < depth; i++) {
      bids.put(p, lots());
      p -= tick * (1 + rng.nextInt(3));
      if (p <= 0) {
        break;
      }
    }
    p = fair + tick;
    for (int i = 0; i < depth; i++) {
      asks.put(p, lots());
      p += tick * (1 + rng.nextInt(3));
    }
    openPrice = highPrice = lowPrice = lastPrice = fair;
    markPrice = indexPrice = fair;
    openInterest = meanLots * 2_000.0;
  }

  /** What this instrument is. */
  public InstrumentSpec spec() {
    return spec;
  }

  /**
   * The id base of an instrument started at {@code nowMs}: {@link #IDS_PER_MS} ids for every
   * millisecond since the epoch, so that a later start begins above the ids of an earlier run.
   *
   * @param nowMs epoch ms
   * @return the base
   */
  public static long idBase(long nowMs) {
    return nowMs * IDS_PER_MS;
  }

  /** The id base: the update id before the first update; trade and liquidation ids start above it. */
  public long idBase() {
    return idBase;
  }

  /** The share of events that are trade bursts (see {@code SimulatorOptions#setTradeShare}). */
  public void setTradeShare(double share) {
    this.tradeShare = share;
  }

  /**
   * Advances the market by one event: a level churn, a fair-price move or a trade burst, and reports
   * the resulting trades and book update to the listener.
   *
   * @param now      event time, epoch ms
   * @param listener receives the result
   */
  public void step(long now, MarketListener listener) {
    List<Trade> burst = null;
    BookDelta delta;
    synchronized (this) {
      double r = rng.nextDouble();
      if (r < tradeShare) {
        burst = tradeBurst(now);
      } else if (r < tradeShare + (1 - tradeShare) * MOVE_OF_REST) {
        movePrice();
      } else {
        churn();
      }
      refill();
      delta = flush(now);
    }
    if (burst != null && !burst.isEmpty()) {
      listener.onTrades(this, burst);
    }
    if (delta != null) {
      listener.onBook(this, delta);
    }
  }

  /**
   * Refreshes the once-a-second figures (mark, index, funding, open interest, candle) and reports them;
   * rolls the candle at minute boundaries, sending the closed one first. May emit a liquidation.
   *
   * @param now      epoch ms
   * @param listener receives the result
   */
  public void tickStats(long now, MarketListener listener) {
    Kline closed = null;
    Kline current;
    Liquidation liq = null;
    synchronized (this) {
      long minute = now - now % 60_000L;
      if (kOpenTime >= 0 && minute != kOpenTime) {
        closed = kline(true);
        kOpenTime = -1;
      }
      if (kOpenTime < 0) {
        kOpenTime = minute;
        kOpen = kHigh = kLow = kClose = lastPrice;
        kVolume = kQuote = kCount = 0;
        kFirst = kLast = -1;
      }
      long mid = mid();
      long tick = spec.tickUnits();
      indexPrice = mid + (rng.nextInt(5) - 2) * tick;
      markPrice = mid + (rng.nextInt(3) - 1) * tick;
      fundingRate = Math.max(-0.0075, Math.min(0.0075, fundingRate + (rng.nextDouble() - 0.5) * 0.00001));
      openInterest = Math.max(meanLots, openInterest * (1 + (rng.nextDouble() - 0.5) * 0.002));
      volatilityIndex = Math.max(20, Math.min(200, volatilityIndex + (rng.nextDouble() - 0.5) * 0.4));
      current = kline(false);
      if (!"spot".equals(spec.marketType()) && rng.nextDouble() < 0.4) {
        boolean buy = rng.nextBoolean();
        long px = roundTick(mid + (buy ? 1 : -1) * mid / 400);
        liq = new Liquidation(nextLiquidationId++, buy, px, lots(), now);
      }
    }
    if (closed != null) {
      listener.onStats(this, closed);
    }
    listener.onStats(this, current);
    if (liq != null) {
      listener.onLiquidation(this, liq);
    }
  }

  private List<Trade> tradeBurst(long now) {
    boolean takerBuy = rng.nextDouble() < (fair > mid() ? 0.65 : fair < mid() ? 0.35 : 0.5);
    int n = 1 + rng.nextInt(4);
    List<Trade> out = new ArrayList<>(n);
    TreeMap<Long, Long> side = takerBuy ? asks : bids;
    Map<Long, long[]> pending = takerBuy ? pendingAsks : pendingBids;
    for (int i = 0; i < n && !side.isEmpty(); i++) {
      Map.Entry<Long, Long> best = side.firstEntry();
      long want = Math.max(1, lots() / 3);
      long take = Math.min(want, best.getValue() / spec.lotUnits()) * spec.lotUnits();
      if (take <= 0) {
        take = best.getValue();
      }
      long left = best.getValue() - take;
      setLevel(side, pending, best.getKey(), left);
      Trade t = new Trade(nextTradeId++, best.getKey(), take, takerBuy, now);
      out.add(t);
      record(t);
    }
    return out;
  }

  private void record(Trade t) {
    tradeCount++;
    trades.addLast(t);
    if (trades.size() > tradeHistory) {
      trades.removeFirst();
    }
    if (firstTradeId < 0) {
      firstTradeId = t.id();
    }
    lastPrice = t.price();
    lastQty = t.qty();
    highPrice = Math.max(highPrice, t.price());
    lowPrice = Math.min(lowPrice, t.price());
    volume += t.qty();
    quoteVolume += t.qty() * t.price();
    if (kOpenTime >= 0) {
      if (kCount == 0) {
        kOpen = kHigh = kLow = t.price();
        kFirst = t.id();
      }
      kHigh = Math.max(kHigh, t.price());
      kLow = Math.min(kLow, t.price());
      kClose = t.price();
      kVolume += t.qty();
      kQuote += t.qty() * t.price();
      kCount++;
      kLast = t.id();
    }
  }

  private void movePrice() {
    long tick = spec.tickUnits();
    long step = tick * (1 + rng.nextInt(3));
    // mean-reverting walk so prices stay near their start over long runs
    double up = 0.5 - 0.1 * Math.signum(fair - spec.initialPrice()) * Math.min(1.0,
        Math.abs(fair - spec.initialPrice()) / (double) (spec.initialPrice() / 20 + 1));
    fair = Math.max(tick * 10, fair + (rng.nextDouble() < up ? step : -step));
    // levels on the wrong side of the new fair price are pulled
    while (!bids.isEmpty() && bids.firstKey() >= fair) {
      setLevel(bids, pendingBids, bids.firstKey(), 0);
    }
    while (!asks.isEmpty() && asks.firstKey() <= fair) {
      setLevel(asks, pendingAsks, asks.firstKey(), 0);
    }
    if (!bids.containsKey(fair - tick)) {
      setLevel(bids, pendingBids, fair - tick, lots());
    }
    if (!asks.containsKey(fair + tick)) {
      setLevel(asks, pendingAsks, fair + tick, lots());
    }
  }

  private void churn() {
    int changes = 1 + rng.nextInt(3);
    for (int c = 0; c < changes; c++) {
      boolean bid = rng.nextBoolean();
      TreeMap<Long, Long> side = bid ? bids : asks;
      Map<Long, long[]> pending = bid ? pendingBids : pendingAsks;
      int k = (int) Math.min(side.size() - 1, -Math.log(1 - rng.nextDouble()) * 15);
      if (k < 0) {
        continue;
      }
      double op = rng.nextDouble();
      long tick = spec.tickUnits();
      if (op < 0.55) {
        long price = keyAt(side, k);
        setLevel(side, pending, price, lots());
      } else if (op < 0.8) {
        long price = bid ? fair - tick * (1 + k) : fair + tick * (1 + k);
        if (price > 0 && !side.containsKey(price)) {
          setLevel(side, pending, price, lots());
        }
      } else if (side.size() > depth / 2 && k > 0) {
        setLevel(side, pending, keyAt(side, k), 0);
      }
    }
  }

  /** Keeps each side at {@code depth} levels: trims the far end, tops up behind the last level. */
  private void refill() {
    long tick = spec.tickUnits();
    if (bids.isEmpty()) {
      setLevel(bids, pendingBids, fair - tick, lots());
    }
    if (asks.isEmpty()) {
      setLevel(asks, pendingAsks, fair + tick, lots());
    }
    while (bids.size() > depth) {
      setLevel(bids, pendingBids, bids.lastKey(), 0);
    }
    while (asks.size() > depth) {
      setLevel(asks, pendingAsks, asks.lastKey(), 0);
    }
    while (bids.size() < depth && bids.lastKey() - tick * 3 > 0) {
      setLevel(bids, pendingBids, bids.lastKey() - tick * (1 + rng.nextInt(3)), lots());
    }
    while (asks.size() < depth) {
      setLevel(asks, pendingAsks, asks.lastKey() + tick * (1 + rng.nextInt(3)), lots());
    }
  }

  private void setLevel(TreeMap<Long, Long> side, Map<Long, long[]> pending, long price, long qty) {
    Long before = qty == 0 ? side.remove(price) : side.put(price, qty);
    long[] p = pending.get(price);
    if (p == null) {
      pending.put(price, new long[] {before == null ? 0 : 1, qty});
    } else {
      p[1] = qty;
    }
  }

  private BookDelta flush(long now) {
    List<LevelChange> b = drain(pendingBids, true);
    List<LevelChange> a = drain(pendingAsks, false);
    int n = b.size() + a.size();
    if (n == 0) {
      return null;
    }
    long prev = lastUpdateId;
    long first = prev + 1;
    lastUpdateId = prev + n + rng.nextInt(3);
    bookUpdates++;
    return new BookDelta(first, lastUpdateId, prev, now, b, a);
  }

  private static List<LevelChange> drain(Map<Long, long[]> pending, boolean bid) {
    if (pending.isEmpty()) {
      return List.of();
    }
    List<LevelChange> out = new ArrayList<>(pending.size());
    for (Map.Entry<Long, long[]> e : pending.entrySet()) {
      long[] v = e.getValue();
      boolean existed = v[0] == 1;
      if (!existed && v[1] == 0) {
        continue;
      }
      LevelChange.Action action = !existed ? LevelChange.Action.NEW
          : v[1] == 0 ? LevelChange.Action.DELETE : LevelChange.Action.CHANGE;
      out.add(new LevelChange(e.getKey(), v[1], action));
    }
    pending.clear();
    out.sort(bid ? (x, y) -> Long.compare(y.price(), x.price()) : (x, y) -> Long.compare(x.price(), y.price()));
    return out;
  }

  private long keyAt(TreeMap<Long, Long> side, int k) {
    Iterator<Long> it = side.keySet().iterator();
    long key = it.next();
    for (int i = 0; i < k && it.hasNext(); i++) {
      key = it.next();
    }
    return key;
  }

  private long lots() {
    double g = rng.nextDouble() + rng.nextDouble() + rng.nextDouble() - 1.5;
    long n = Math.max(1, Math.round(meanLots * Math.exp(g * 1.4) * 0.6));
    return n * spec.lotUnits();
  }

  private long roundTick(long price) {
    long tick = spec.tickUnits();
    return Math.max(tick, price / tick * tick);
  }

  private long mid() {
    if (bids.isEmpty() || asks.isEmpty()) {
      return fair;
    }
    return roundTick((bids.firstKey() + asks.firstKey()) / 2);
  }

  private Kline kline(boolean closed) {
    return new Kline(kOpenTime, kOpenTime + 59_999L, kOpen, kHigh, kLow, kClose, kVolume, kQuote, kCount, kFirst,
        kLast, closed);
  }

  // ---- reads (any thread) ----

  /** Last update id: Binance {@code u}, OKX {@code seqId}, Deribit {@code change_id} of the latest update. */
  public synchronized long lastUpdateId() {
    return lastUpdateId;
  }

  /** The best {@code n} bids as {@code [price, qty]} unit pairs, best first. */
  public synchronized List<long[]> topBids(int n) {
    return top(bids, n);
  }

  /** The best {@code n} asks as {@code [price, qty]} unit pairs, best first. */
  public synchronized List<long[]> topAsks(int n) {
    return top(asks, n);
  }

  private static List<long[]> top(NavigableMap<Long, Long> side, int n) {
    List<long[]> out = new ArrayList<>(Math.min(n, side.size()));
    for (Map.Entry<Long, Long> e : side.entrySet()) {
      if (out.size() >= n) {
        break;
      }
      out.add(new long[] {e.getKey(), e.getValue()});
    }
    return out;
  }

  /**
   * The top of the book and the update id it reflects, read atomically.
   *
   * @param n levels per side
   */
  public synchronized BookSnapshot snapshot(int n) {
    return new BookSnapshot(lastUpdateId, top(bids, n), top(asks, n));
  }

  /** Best bid {@code [price, qty]} or null. */
  public synchronized long[] bestBid() {
    return bids.isEmpty() ? null : new long[] {bids.firstKey(), bids.firstEntry().getValue()};
  }

  /** Best ask {@code [price, qty]} or null. */
  public synchronized long[] bestAsk() {
    return asks.isEmpty() ? null : new long[] {asks.firstKey(), asks.firstEntry().getValue()};
  }

  /** Number of levels per side currently in the book. */
  public synchronized int[] levelCounts() {
    return new int[] {bids.size(), asks.size()};
  }

  /** The most recent trades (bounded by the trade-history setting), oldest first. */
  public synchronized List<Trade> recentTrades() {
    return Collections.unmodifiableList(new ArrayList<>(trades));
  }

  /**
   * Past trades going up, as {@code fromId} pagination serves them (Binance, Deribit).
   *
   * @param fromId the first id wanted
   * @param limit trades at most
   * @return trades with {@code id >= fromId} still in the history, oldest first
   */
  public synchronized List<Trade> tradesFrom(long fromId, int limit) {
    List<Trade> out = new ArrayList<>(Math.min(limit, 1024));
    for (Trade t : trades) {
      if (out.size() >= limit) {
        break;
      }
      if (t.id() >= fromId) {
        out.add(t);
      }
    }
    return out;
  }

  /**
   * Past trades going down, as {@code after} pagination serves them (OKX).
   *
   * @param belowId trades below this id are wanted ({@link Long#MAX_VALUE}: the newest)
   * @param aboveId trades above this id are wanted ({@link Long#MIN_VALUE}: no bound)
   * @param limit trades at most
   * @return the newest trades within the bounds, newest first
   */
  public synchronized List<Trade> tradesBelow(long belowId, long aboveId, int limit) {
    List<Trade> out = new ArrayList<>(Math.min(limit, 1024));
    for (Iterator<Trade> it = trades.descendingIterator(); it.hasNext() && out.size() < limit; ) {
      Trade t = it.next();
      if (t.id() <= aboveId) {
        break;
      }
      if (t.id() < belowId) {
        out.add(t);
      }
    }
    return out;
  }

  /** Trades executed since start. */
  public synchronized long tradeCount() {
    return tradeCount;
  }

  /** Book updates produced since start. */
  public synchronized long bookUpdateCount() {
    return bookUpdates;
  }

  /** 24h figures: {@code [open, high, low, last, lastQty, volume, quoteVolume, firstTradeId, lastTradeId, count]}. */
  public synchronized long[] ticker() {
    return new long[] {openPrice, highPrice, lowPrice, lastPrice, lastQty, volume, quoteVolume, firstTradeId,
        nextTradeId - 1, tradeCount};
  }

  /** Mark price units. */
  public synchronized long markPrice() {
    return markPrice;
  }

  /** Index price units. */
  public synchronized long indexPrice() {
    return indexPrice;
  }

  /** Current funding rate. */
  public synchronized double fundingRate() {
    return fundingRate;
  }

  /** Next funding time (every 8 h from 00:00 UTC) after {@code now}. */
  public static long nextFundingTime(long now) {
    return now - now % FUNDING_PERIOD_MS + FUNDING_PERIOD_MS;
  }

  /** Open interest in quantity units. */
  public synchronized long openInterest() {
    return Math.round(openInterest) / spec.lotUnits() * spec.lotUnits();
  }

  /** A volatility index value (Deribit DVOL). */
  public synchronized double volatilityIndex() {
    return volatilityIndex;
  }
}
