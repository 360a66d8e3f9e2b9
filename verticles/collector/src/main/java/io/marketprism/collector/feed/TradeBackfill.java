package io.marketprism.collector.feed;

import io.marketprism.collector.CollectorOptions;
import io.marketprism.collector.backfill.GapFill;
import io.marketprism.collector.backfill.TradeGap;
import io.marketprism.collector.backfill.TradeHistory;
import io.marketprism.collector.backfill.TradeMarkFile;
import io.marketprism.collector.backfill.TradePage;
import io.marketprism.collector.backfill.TradeSequences;
import io.marketprism.collector.normalize.ParseException;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.function.LongPredicate;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fills the trade gaps of one shard's instruments over REST: one gap at a time per instrument,
 * page after page through the exchange's REST gate, each page parsed by the shard's normalizer
 * into ordinary trade records of the trades the gap misses ({@link TradeSequences#missing}: the
 * rest of a page, and matches a late live aggregate carried, are not published again). A gap
 * that is too old, has no REST history, runs past the page budget, or whose requests keep failing
 * is counted unrecoverable. One log line when a gap is found (with its size) and one when it ends.
 * Used on the collector's context only.
 */
final class TradeBackfill {

  /** Parses a page of past trades into records of the wanted ones, returning what it held. */
  interface Pages {
    TradePage parse(String url, String body, LongPredicate keep) throws ParseException;
  }

  private static final Logger LOG = LoggerFactory.getLogger(TradeBackfill.class);

  private final FeedContext ctx;
  private final String id;
  private final Endpoint endpoint;
  private final TradeSequences sequences;
  private final Predicate<String> collected;
  private final Pages pages;
  private final CollectorOptions.BackfillOptions options;
  private final Map<String, ArrayDeque<TradeGap>> queued = new HashMap<>();
  private final Map<String, GapFill> running = new HashMap<>();
  private boolean stopped;

  /**
   * @param ctx the feed's context
   * @param id the shard, for logs
   * @param endpoint the shard's venue endpoint
   * @param sequences the shard's trade marks
   * @param collected whether an instrument's trades are still collected
   * @param pages the shard's parser of REST pages
   */
  TradeBackfill(FeedContext ctx, String id, Endpoint endpoint, TradeSequences sequences, Predicate<String> collected,
      Pages pages) {
    this.ctx = ctx;
    this.id = id;
    this.endpoint = endpoint;
    this.sequences = sequences;
    this.collected = collected;
    this.pages = pages;
    this.options = ctx.options().backfill();
  }

  /** A gap of the live stream: counted, logged, and filled when it can be. */
  void gap(TradeGap gap) {
    if (stopped) {
      return;
    }
    ctx.metrics().tradeGap();
    String sym = gap.exchangeSymbol();
    long size = gap.size(sequences.consecutive());
    LOG.warn("{} trade gap in {}{} after #{}{}: {} missing", id, sym, across(gap), gap.afterSeq(),
        gap.bounded() ? " before #" + gap.beforeSeq()
            : gap.restarted() ? " (no live trade since the restart)" : " (no live trade since the reconnect)",
        size >= 0 ? size + " trades" : gap.bounded() ? "an unknown number of trades (ids are not consecutive)"
            : "the trades up to now");
    if (!options.enabled()) {
      unrecoverable(gap, "backfill is disabled (collector.backfill.enabled)");
      return;
    }
    TradeHistory history = ctx.protocol().tradeHistory(endpoint, ctx.marketType(), sym);
    if (!history.available()) {
      unrecoverable(gap, history.unavailable());
      return;
    }
    long age = System.currentTimeMillis() - gap.sinceMs();
    if (age > options.maxAgeMs()) {
      unrecoverable(gap, "its trades may be " + age + " ms old (since " + (gap.sinceMs() == gap.lastTsMs()
          ? "its last trade before" : "its saved mark was last known current")
          + "), beyond collector.backfill.max_age_ms");
      return;
    }
    queued.computeIfAbsent(sym, k -> new ArrayDeque<>()).addLast(gap);
    next(sym);
  }

  private void next(String sym) {
    if (running.containsKey(sym)) {
      return;
    }
    ArrayDeque<TradeGap> q = queued.get(sym);
    TradeGap gap = q == null ? null : q.pollFirst();
    if (gap == null) {
      queued.remove(sym);
      return;
    }
    TradeHistory history = ctx.protocol().tradeHistory(endpoint, ctx.marketType(), sym);
    GapFill fill = new GapFill(gap, history, options.maxPages());
    running.put(sym, fill);
    fetch(fill, history, 0, 0);
  }

  private void fetch(GapFill fill, TradeHistory history, int attempt, long recovered) {
    String sym = fill.gap().exchangeSymbol();
    String url = fill.nextUrl();
    ctx.rest().get(url, history.headers()).onComplete(ar -> {
      if (stopped || !collected.test(sym)) {
        running.remove(sym);
        queued.remove(sym);
        return;
      }
      if (ar.failed()) {
        if (attempt < options.retries()) {
          LOG.info("{} trade page of {} failed ({}); trying again", id, sym, ar.cause().getMessage());
          ctx.vertx().setTimer(500L * (attempt + 1), t -> fetch(fill, history, attempt + 1, recovered));
        } else {
          done(fill, recovered, "its REST request failed " + (attempt + 1) + " times: " + ar.cause().getMessage());
        }
        return;
      }
      long before = ctx.metrics().backfilled();
      TradePage page;
      try {
        page = pages.parse(url, ar.result(), seq -> sequences.missing(fill.gap(), seq));
      } catch (ParseException e) {
        done(fill, recovered, "a REST page was rejected: " + e.getMessage());
        return;
      }
      long total = recovered + ctx.metrics().backfilled() - before;
      if (!fill.gap().bounded() && page.trades() > 0) {
        sequences.advance(sym, page.maxSeq(), page.maxSeqTsMs());
      }
      switch (fill.accept(page)) {
        case MORE -> fetch(fill, history, 0, total);
        case DONE -> done(fill, total, null);
        case LIMIT -> done(fill, total, "collector.backfill.max_pages (" + options.maxPages() + ") reached"
            + (fill.uncovered() > 0 ? " with " + fill.uncovered() + " trades left" : ""));
      }
    });
  }

  private void done(GapFill fill, long recovered, String failure) {
    String sym = fill.gap().exchangeSymbol();
    running.remove(sym);
    String why = failure != null ? failure : tooOld(fill);
    if (why == null) {
      LOG.info("{} trade gap in {}{} after #{} filled: {} trades recovered in {} REST pages", id, sym,
          across(fill.gap()), fill.gap().afterSeq(), recovered, fill.pages());
    } else {
      unrecoverable(fill.gap(), why + " (" + recovered + " trades recovered in " + fill.pages() + " REST pages)");
    }
    next(sym);
  }

  /** Why a fill that ended well still misses the start of its gap, or {@code null} when it does not. */
  private static String tooOld(GapFill fill) {
    return fill.tooOld() == 0 ? null : "only the most recent trades are served here, back to #" + fill.oldest()
        + ": the " + fill.tooOld() + " older trades of the gap are gone";
  }

  private void unrecoverable(TradeGap gap, String why) {
    ctx.metrics().unrecoverableGap();
    LOG.warn("{} trade gap in {}{} after #{} is unrecoverable: {}", id, gap.exchangeSymbol(), across(gap),
        gap.afterSeq(), why);
  }

  private static String across(TradeGap gap) {
    return gap.restarted() ? " across the collector restart" : "";
  }

  /**
   * Where each instrument's trades are complete up to: the start of its oldest gap not filled yet
   * (that is the mark to save, so that a restart fetches it again).
   *
   * @return instrument → the mark before its oldest unfinished gap
   */
  Map<String, TradeMarkFile.Mark> unfinished() {
    Map<String, TradeMarkFile.Mark> out = new HashMap<>();
    running.forEach((sym, fill) -> out.put(sym, start(fill.gap())));
    queued.forEach((sym, q) -> {
      TradeGap oldest = q.peekFirst();
      if (oldest != null) {
        out.putIfAbsent(sym, start(oldest));
      }
    });
    return out;
  }

  /** The mark before a gap, current until its trades may be missing. */
  private static TradeMarkFile.Mark start(TradeGap gap) {
    return new TradeMarkFile.Mark(gap.afterSeq(), gap.lastTsMs(), gap.sinceMs());
  }

  /** @return gaps waiting or being filled */
  int pending() {
    int n = running.size();
    for (ArrayDeque<TradeGap> q : queued.values()) {
      n += q.size();
    }
    return n;
  }

  /** Drops what is queued; answers still in flight are ignored. */
  void stop() {
    stopped = true;
    queued.clear();
    running.clear();
  }
}
