package io.marketprism.storage.query;

import io.marketprism.storage.hot.TableSchema;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A WHERE clause with {@code ?} bind parameters and its values, built only from validated queries.
 * DuckDB binds the values; ClickHouse 18.16 has no query parameters over HTTP, so
 * {@link #inline()} renders them as literals: numbers, strings of a strict alphabet (validated
 * enums, symbols, most ids) quoted and escaped, and any other text (a cursor's trade id, a symbol
 * in another script) as {@code unhex('...')} of its UTF-8 bytes, which no text can break out of.
 */
public final class SqlFilter {

  private static final Pattern SAFE_TEXT = Pattern.compile("[A-Za-z0-9_.:\\-]{0,128}");

  private final StringBuilder sql = new StringBuilder();
  private final List<Object> values = new ArrayList<>();

  private SqlFilter() {
  }

  /**
   * The filter of a records page: instrument, time range and the keyset after the cursor.
   *
   * @param q the query
   * @param byteLength the store's SQL function giving a text's length in bytes, for the cursor's
   *     condition on a text id ({@link TableSchema#resultOrder(String)})
   * @return the filter
   */
  public static SqlFilter of(RecordQuery q, String byteLength) {
    SqlFilter f = range(q);
    if (q.cursor() != null) {
      f.after(TableSchema.of(q.type()), q.cursor(), byteLength);
    }
    return f;
  }

  /**
   * The rows a records page chooses its copies of each identity from where the result order holds
   * a column that is not part of the identity ({@link TableSchema#arrivalOrdered()}: a ticker's
   * {@code recv_ts_us}): instrument, time range, and no earlier millisecond than the cursor's. The
   * cursor's position itself applies to the copies chosen ({@link #afterCursor}): a later copy of a
   * record before the cursor lies after it in that order, and would be answered again.
   *
   * @param q the query
   * @return the filter
   */
  public static SqlFilter fromCursorTime(RecordQuery q) {
    SqlFilter f = range(q);
    if (q.cursor() != null) {
      f.cond("ts_ms >= ?", q.cursor().tsMs());
    }
    return f;
  }

  /**
   * @param q the query
   * @param byteLength as in {@link #of(RecordQuery, String)}
   * @return the rows after the query's cursor in result order; all rows without one
   */
  public static SqlFilter afterCursor(RecordQuery q, String byteLength) {
    SqlFilter f = new SqlFilter();
    if (q.cursor() == null) {
      f.sql.append("1 = 1");
    } else {
      f.after(TableSchema.of(q.type()), q.cursor(), byteLength);
    }
    return f;
  }

  private static SqlFilter range(RecordQuery q) {
    SqlFilter f = new SqlFilter();
    f.cond("ts_ms >= ?", q.startMs()).cond("ts_ms < ?", q.endMs());
    if (q.exchange() != null) {
      f.cond("exchange = ?", q.exchange().wire());
    }
    if (q.marketType() != null) {
      f.cond("market_type = ?", q.marketType().wire());
    }
    if (q.symbol() != null) {
      f.cond("symbol = ?", q.symbol());
    }
    return f;
  }

  /**
   * The filter of the 1-minute bars that make up the bars of a kline query.
   *
   * @param q the query
   * @return the filter on {@code open_time_ms} and the instrument
   */
  public static SqlFilter of(KlineQuery q) {
    return minutes(q, "open_time_ms");
  }

  /**
   * The minutes of a kline query, in a table that names them by another column.
   *
   * @param q the query
   * @param minuteColumn the column holding a minute's open time, epoch ms
   * @return the filter on that column and the instrument
   */
  public static SqlFilter minutes(KlineQuery q, String minuteColumn) {
    return new SqlFilter().cond("exchange = ?", q.exchange().wire()).cond("market_type = ?", q.marketType().wire())
        .cond("symbol = ?", q.symbol()).cond(minuteColumn + " >= ?", q.firstOpenMs())
        .cond(minuteColumn + " < ?", q.openEndMs());
  }

  /**
   * The rows of one UTC day.
   *
   * @param dayStartMs midnight UTC of the day
   * @return the filter
   */
  public static SqlFilter day(long dayStartMs) {
    return new SqlFilter().cond("ts_ms >= ?", dayStartMs).cond("ts_ms < ?", dayStartMs + 86_400_000L);
  }

  private SqlFilter cond(String c, Object v) {
    sql.append(sql.length() == 0 ? "" : " AND ").append(c);
    values.add(v);
    return this;
  }

  /**
   * Rows strictly after the cursor in result order ({@link TableSchema#resultOrder(String)}):
   * (ts, ex, mt, sym, keys...) > cursor, spelled out, a text id as its byte length then its text;
   * null-safe for nullable key columns as both stores order them (nulls last): a null equals a
   * null, and after a null comes nothing in that column.
   */
  private void after(TableSchema schema, Cursor c, String byteLength) {
    List<String> cols = new ArrayList<>();
    List<Object> vals = new ArrayList<>();
    List<Boolean> nullable = new ArrayList<>();
    List<Object> cursorVals = new ArrayList<>(List.of(c.tsMs(), c.exchange(), c.marketType(), c.symbol()));
    cursorVals.addAll(c.keyValues(schema));
    List<String> names = schema.resultOrder();
    for (int i = 0; i < names.size(); i++) {
      String col = names.get(i);
      Object v = cursorVals.get(i);
      if (schema.orderedByLength(col)) {
        cols.add(byteLength + "(" + col + ")");
        vals.add((long) ((String) v).getBytes(StandardCharsets.UTF_8).length);
        nullable.add(false);
      }
      cols.add(col);
      vals.add(v);
      nullable.add(schema.tieBreak().contains(col) && schema.column(col).kind().nullable());
    }
    StringBuilder or = new StringBuilder("(");
    for (int i = 0; i < cols.size(); i++) {
      if (i > 0) {
        or.append(" OR ");
      }
      or.append('(');
      for (int j = 0; j < i; j++) {
        equal(or, cols.get(j), vals.get(j));
        or.append(" AND ");
      }
      greater(or, cols.get(i), vals.get(i), nullable.get(i));
      or.append(')');
    }
    or.append(')');
    sql.append(sql.length() == 0 ? "" : " AND ").append(or);
  }

  private void equal(StringBuilder or, String col, Object v) {
    if (v == null) {
      or.append(col).append(" IS NULL");
    } else {
      or.append(col).append(" = ?");
      values.add(v);
    }
  }

  private void greater(StringBuilder or, String col, Object v, boolean nullable) {
    if (v == null) {
      or.append("1 = 0");
    } else if (nullable) {
      or.append('(').append(col).append(" > ? OR ").append(col).append(" IS NULL)");
      values.add(v);
    } else {
      or.append(col).append(" > ?");
      values.add(v);
    }
  }

  /** @return the clause with its {@code ?} bind parameters */
  public String sql() {
    return sql.toString();
  }

  /** @return the bound values, in parameter order */
  public List<Object> values() {
    return values;
  }

  /** @return the clause with each value rendered as a safe literal (ClickHouse) */
  public String inline() {
    StringBuilder out = new StringBuilder();
    int v = 0;
    for (int i = 0; i < sql.length(); i++) {
      char ch = sql.charAt(i);
      out.append(ch == '?' ? literal(values.get(v++)) : String.valueOf(ch));
    }
    return out.toString();
  }

  /**
   * @param v an integer, a decimal or a string (any text: a cursor's trade id, a stored symbol outside the query alphabet)
   * @return its SQL literal: a string of the safe alphabet quoted, any other as {@code unhex('...')}, a
   *     decimal as {@code toDecimal128('...', 18)}
   * @throws IllegalArgumentException for anything else
   */
  public static String literal(Object v) {
    if (v instanceof Long || v instanceof Integer) {
      return v.toString();
    }
    if (v instanceof String s && SAFE_TEXT.matcher(s).matches()) {
      return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }
    if (v instanceof BigDecimal d) {
      // a decimal column compared with a float is an error: the exact text, read as the stores' Decimal(38, 18)
      return "toDecimal128('" + d.toPlainString() + "', 18)";
    }
    if (v instanceof String s) {
      return "unhex('" + HexFormat.of().formatHex(s.getBytes(StandardCharsets.UTF_8)) + "')";
    }
    throw new IllegalArgumentException("value not allowed in SQL: " + v);
  }
}
