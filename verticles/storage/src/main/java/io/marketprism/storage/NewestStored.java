package io.marketprism.storage;

import io.marketprism.storage.hot.HotStore;
import io.marketprism.storage.query.RecordQuery;
import io.marketprism.storage.query.TierPlan;
import io.vertx.core.Future;

import java.time.LocalDate;
import java.util.List;
import java.util.function.Supplier;

/**
 * The newest stored record of an instrument, in either tier: what {@code latest} answers when the
 * cache does not hold it (a memory cache after a restart, or Redis down or emptied since). It is the
 * last, in result order, of the instrument's newest millisecond, however many pages that fills.
 * Cold is read only when it may hold a newer record than hot: hot holds nothing of the instrument,
 * or only records of days cold holds too (late ones of archived days). Like every read of both
 * tiers it lists the archived days again once done and reads again when the archive moved a day
 * meanwhile ({@link TierPlan#read}).
 */
final class NewestStored {

  /** A record found: its time and JSON. */
  record Found(long tsMs, String json) {
  }

  private NewestStored() {
  }

  /**
   * @param hot the store
   * @param q the instrument (type, exchange, market type, symbol) and the page size to read with
   * @return the newest record, or null when none is stored
   */
  static Future<Found> find(HotStore hot, RecordQuery q) {
    return find(hot, q, () -> hot.cold().days(q.type()));
  }

  /** As {@link #find(HotStore, RecordQuery)}, the archived days listed by {@code coldDays}. */
  static Future<Found> find(HotStore hot, RecordQuery q, Supplier<Future<List<LocalDate>>> coldDays) {
    return TierPlan.read(coldDays, Long.MIN_VALUE, Long.MAX_VALUE, plan -> hot.newestTime(q, TierPlan.HOT)
        .compose(t -> t != null && t >= endOfLast(plan.coldDays()) ? Future.succeededFuture(t)
            : hot.newestTime(q, plan))
        .compose(t -> t == null ? Future.succeededFuture(null) : lastRecord(hot, new RecordQuery(q.type(),
            q.exchange(), q.marketType(), q.symbol(), t, t + 1, q.limit(), null), TierPlan.of(t, t + 1, plan.coldDays()),
            null).map(json -> json == null ? null : new Found(t, json))));
  }

  /**
   * The last record in result order that a query finds, through all its pages: a millisecond may
   * hold more records than a page (a burst of trades), and the first page's last is then not the newest.
   *
   * @param lastSoFar the last record of the pages before, or null
   * @return the last record's JSON, or null when there is none
   */
  private static Future<String> lastRecord(HotStore hot, RecordQuery q, TierPlan plan, String lastSoFar) {
    return hot.records(q, plan).compose(page -> {
      String last = page.records().isEmpty() ? lastSoFar : page.records().get(page.records().size() - 1);
      return page.next() == null ? Future.succeededFuture(last) : lastRecord(hot, new RecordQuery(q.type(),
          q.exchange(), q.marketType(), q.symbol(), q.startMs(), q.endMs(), q.limit(), page.next()), plan, last);
    });
  }

  /** @return the end of the last of the days, epoch ms; none: the earliest time */
  private static long endOfLast(List<LocalDate> days) {
    return days.isEmpty() ? Long.MIN_VALUE : days.get(days.size() - 1).toEpochDay() * TierPlan.DAY_MS + TierPlan.DAY_MS;
  }
}
