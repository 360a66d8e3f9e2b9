package io.marketprism.storage.query;

import io.marketprism.storage.hot.StoredValues;
import io.marketprism.storage.hot.TableSchema;
import io.vertx.core.Future;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A records page at the cost of the page, not of the range after it. The stores read the first
 * {@link #rows(int)} raw rows of the range in result order, then copy order (an ORDER BY ... LIMIT,
 * which both engines answer with a partial sort), and keep each identity's first copy here. That
 * is the answer of the full query (every row of the range sorted and de-duplicated) whenever it
 * holds a full page:
 * <ul>
 *   <li>the copies of one identity are next to each other in that order, the one kept first, where
 *       the identity holds every column of the result order (types identified by their time and
 *       content); a ticker's copies differ in {@code recv_ts_us}, which orders them after time and
 *       instrument and before the fields, so the first received comes first again;</li>
 *   <li>a trade or book update id may repeat at another time. ClickHouse keeps the first in result
 *       order then, which a prefix holds; DuckDB keeps the first received, which may lie after the
 *       prefix: its store checks for copies after it ({@code mp_beyond}) and marks the page as not
 *       answered ({@link #page} with {@code firstInOrder} false also refuses copies at two times
 *       inside the rows).</li>
 * </ul>
 * A page reads one record more than its limit, which says whether a record follows it (its
 * cursor is null when none does). A prefix whose de-duplicated rows make no more than a page while
 * the store returned all the rows asked for (copies filled them: unmerged parts, a day in both
 * tiers) answers nothing: the store runs the full query ({@link #read}). Tickers choose copies before the cursor's position applies
 * (a later copy of a record before the cursor is not after it): their rows come from the cursor's
 * millisecond on, each marked with whether it lies after the cursor ({@link #AFTER}).
 */
public final class TopPage {

  /** The column that marks a ticker row as after the cursor's position (1/true) or not. */
  public static final String AFTER = "mp_after";
  /** The smallest window a page with a cursor reads first, ms. */
  static final long MIN_WINDOW_MS = 1_000;
  /**
   * The window a page without a cursor reads first, ms: a busy market's first minute holds a page
   * (a day of 10 million trades has 7,000 a minute), where the range's first rows cost a read of the
   * whole range in ClickHouse 18.16 (about 1 s for such a day); a miss costs one small query.
   */
  static final long FIRST_WINDOW_MS = 60_000;

  private TopPage() {
  }

  /**
   * @param limit the page size
   * @return the raw rows a page reads: the page and some room for copies
   */
  public static int rows(int limit) {
    return limit + limit / 8 + 8;
  }

  /**
   * The end of the window a page reads first: twice the span the previous page covered (its
   * cursor's hint), at least {@link #MIN_WINDOW_MS}, after the cursor; without a cursor, the range's
   * first {@link #FIRST_WINDOW_MS}. A window that holds a full page is the page: the result order
   * starts with the time.
   *
   * @param q the query
   * @return the window's end (exclusive), or -1 when there is none: a cursor without a hint, or a
   *     window reaching the query's end
   */
  public static long windowEnd(RecordQuery q) {
    Cursor c = q.cursor();
    if (c == null) {
      long end = q.startMs() + FIRST_WINDOW_MS;
      return end > q.startMs() && end < q.endMs() ? end : -1;
    }
    if (c.spanMs() < 0) {
      return -1;
    }
    long w = Math.max(MIN_WINDOW_MS, Math.min(c.spanMs(), Long.MAX_VALUE / 4) * 2);
    long end = c.tsMs() + w;
    return end > c.tsMs() && end < q.endMs() ? end : -1;
  }

  /**
   * Whether a page's cursor says many records lie ahead: the range left after it, in spans of the
   * page that made it, times the page size. A guess (records may bunch), for stores whose full
   * query is as cheap as the first rows on a small range.
   *
   * @param q the query
   * @param records how many are many
   * @return false without a cursor or its hint
   */
  public static boolean manyAhead(RecordQuery q, long records) {
    Cursor c = q.cursor();
    return c != null && c.spanMs() >= 0
        && (double) (q.endMs() - c.tsMs()) / Math.max(1, c.spanMs()) * q.limit() >= records;
  }

  /**
   * @param q a query
   * @param endMs an end before its own
   * @return the query up to that end: its first records, if it holds a page of them
   */
  public static RecordQuery until(RecordQuery q, long endMs) {
    return new RecordQuery(q.type(), q.exchange(), q.marketType(), q.symbol(), q.startMs(), endMs, q.limit(), q.cursor());
  }

  /**
   * Reads a page: the window after the cursor first where the store takes one, then the first rows
   * of the range, then, when those answer nothing, the full query.
   *
   * @param q the query
   * @param windowed whether to try the window first
   * @param top the page of the first rows of a query (its range or a window of it), or null when they
   *     answer nothing
   * @param full the full query's page
   * @return the page
   */
  public static Future<Page> read(RecordQuery q, boolean windowed, Function<RecordQuery, Future<Page>> top,
      Supplier<Future<Page>> full) {
    long end = windowed ? windowEnd(q) : -1;
    Future<Page> first = end < 0 ? Future.succeededFuture() : top.apply(until(q, end));
    // a window answers when a record follows its page in it: it may hold the page, but not whether one follows
    return first.compose(w -> w != null && w.next() != null ? Future.succeededFuture(w)
        : top.apply(q).compose(p -> p != null ? Future.succeededFuture(p) : full.get()));
  }

  /**
   * The page of the first raw rows of a range.
   *
   * @param q the query (its cursor and limit)
   * @param s its table
   * @param rows the first rows of the range in result order, then copy order, at most {@code asked}
   * @param asked how many rows were asked for
   * @param firstInOrder true where a store keeps the first copy in result order (ClickHouse); false
   *     where it keeps the first received wherever it lies (DuckDB): copies of an identity at two
   *     times then answer nothing
   * @return the page, or null when the rows do not answer it
   */
  public static Page page(RecordQuery q, TableSchema s, List<Map<String, Object>> rows, int asked,
      boolean firstInOrder) {
    Map<List<Object>, Object> seen = new HashMap<>();
    List<Map<String, Object>> kept = new ArrayList<>(Math.min(rows.size(), q.limit()));
    for (Map<String, Object> row : rows) {
      Object ts = row.get("ts_ms").toString();
      Object before = seen.putIfAbsent(identity(s, row), ts);
      if (before != null) {
        if (!firstInOrder && !before.equals(ts)) {
          return null;
        }
        continue;
      }
      if (after(row) && kept.size() <= q.limit()) {
        kept.add(row);
      }
    }
    // the page and whether a record follows it: its rows hold one more, or were every row asked for
    if (kept.size() <= q.limit() && rows.size() >= asked) {
      return null;
    }
    return of(q, s, kept);
  }

  /**
   * @param s a table
   * @param row one of its rows
   * @return the row's identity values ({@link TableSchema#identityKey()}), equal for copies
   */
  public static List<Object> identity(TableSchema s, Map<String, Object> row) {
    List<Object> id = new ArrayList<>(s.identityKey().size());
    for (String col : s.identityKey()) {
      id.add(row.get(col));
    }
    return id;
  }

  /** Whether a row lies after the cursor: unmarked rows do; a null mark (an unknown comparison) is false, as in a WHERE. */
  private static boolean after(Map<String, Object> row) {
    if (!row.containsKey(AFTER)) {
      return true;
    }
    Object v = row.get(AFTER);
    return Boolean.TRUE.equals(v) || v instanceof Number n && n.intValue() != 0 || "1".equals(v);
  }

  /**
   * @param q the query
   * @param s its table
   * @param rows the page's rows in result order, and the record after them when there is one: at
   *     most its limit and one
   * @return the page: the rows' record JSON and, when a record follows, the cursor after the last
   *     with the span the page covered
   */
  public static Page of(RecordQuery q, TableSchema s, List<Map<String, Object>> rows) {
    int n = Math.min(rows.size(), q.limit());
    List<String> out = new ArrayList<>(n);
    for (Map<String, Object> row : rows.subList(0, n)) {
      out.add(StoredValues.recordJson(s, row::get));
    }
    if (rows.size() <= q.limit()) {
      return new Page(out, null);
    }
    Map<String, Object> last = rows.get(n - 1);
    return new Page(out, Cursor.after(q, tsMs(rows.get(0)), tsMs(last), (String) last.get("exchange"),
        (String) last.get("market_type"), (String) last.get("symbol"), StoredValues.keys(s, last::get)));
  }

  private static long tsMs(Map<String, Object> row) {
    Object v = row.get("ts_ms");
    return v instanceof Number n ? n.longValue() : Long.parseLong(v.toString());
  }
}
