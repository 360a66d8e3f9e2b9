package io.marketprism.storage.query;

import io.marketprism.model.DataType;
import io.marketprism.model.Decimals;
import io.marketprism.model.RecordLimits;
import io.marketprism.platform.http.ApiError;
import io.marketprism.storage.hot.Column;
import io.marketprism.storage.hot.TableSchema;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * Where a page of records ended: the data type and instrument filters of the query and the result
 * order of its last record (time, exchange, market type, symbol, then the values of the table's
 * {@link TableSchema#tieBreak()}: a trade id, a book update id, a liquidation's side, price and
 * quantity, a ticker's {@code recv_ts_us} and fields), sent to
 * clients as opaque base64url text. With every column of the result order in it, a page resumes
 * exactly after its last record also where many records share one millisecond. A query of another
 * data type or with other filters refuses it: its records before the position would be skipped
 * without notice.
 *
 * @param type the data type of the query that made it
 * @param filters the instrument filters of the query that made it ({@link #filters(RecordQuery)})
 * @param tsMs event time
 * @param exchange exchange wire name
 * @param marketType market type wire name
 * @param symbol normalized symbol
 * @param keys the values of {@link TableSchema#tieBreak()} as text (a decimal as the store gives
 *     it, null where the record has none); empty for types whose identity is the time
 * @param spanMs a hint, not a position: the time the page that made it covered (from the cursor it
 *     continued, or its first record, to its last), so that the next page first reads a window of
 *     about that length after the cursor ({@link PageWindow}); -1 where unknown (cursors of earlier
 *     versions, which stay valid)
 */
public record Cursor(DataType type, String filters, long tsMs, String exchange, String marketType, String symbol,
    List<String> keys, long spanMs) {

  /** A cursor without a span hint. */
  public Cursor(DataType type, String filters, long tsMs, String exchange, String marketType, String symbol,
      List<String> keys) {
    this(type, filters, tsMs, exchange, marketType, symbol, keys, -1);
  }

  /**
   * What a key may be: any text a stored trade id or update id is, up to a bound. It reaches SQL
   * only as a bound value (DuckDB) or hex-encoded ({@link SqlFilter#literal}, ClickHouse).
   */
  static final int MAX_KEY_CHARS = 1024;

  /**
   * Why a cursor of a ticker page of an earlier version is refused: those pages ordered the tickers
   * of one millisecond by their fields, these by their arrival, so resuming after its position
   * would skip some of that millisecond and repeat others.
   */
  static final String EARLIER_TICKER_CURSOR = "cursor is from an earlier version, which ordered the tickers of one "
      + "millisecond by their fields, not as they arrived: start again without a cursor";

  /**
   * @param q the query whose page ended at this record
   * @param firstTsMs the time of the page's first record
   * @return the cursor after that record, with the span its page covered
   */
  public static Cursor after(RecordQuery q, long firstTsMs, long tsMs, String exchange, String marketType,
      String symbol, List<String> keys) {
    long from = q.cursor() == null ? firstTsMs : q.cursor().tsMs();
    return new Cursor(q.type(), filters(q), tsMs, exchange, marketType, symbol, keys, Math.max(0, tsMs - from));
  }

  /**
   * @param schema the table of the cursor's type
   * @return its key values typed as the key columns: a {@code Long} for an integer column, a
   *     {@code BigDecimal} for a decimal one, text otherwise; null stays null
   */
  public List<Object> keyValues(TableSchema schema) {
    List<Object> out = new ArrayList<>(keys.size());
    for (int i = 0; i < keys.size(); i++) {
      out.add(typed(schema.column(schema.tieBreak().get(i)), keys.get(i)));
    }
    return out;
  }

  private static Object typed(Column c, String text) {
    if (text == null) {
      return null;
    }
    return switch (c.kind()) {
      case UINT64, NULLABLE_UINT64 -> Long.parseLong(text);
      // what a stored decimal can be, no more: it reaches SQL as a decimal literal
      case DECIMAL, NULLABLE_DECIMAL -> new BigDecimal(RecordLimits.fitDecimal(Decimals.canonical(text)));
      default -> text;
    };
  }

  /** @return the query's instrument filters as a cursor keeps them, e.g. {@code exchange=binance&symbol=BTC-USDT} */
  static String filters(RecordQuery q) {
    StringBuilder sb = new StringBuilder();
    filter(sb, "exchange", q.exchange() == null ? null : q.exchange().wire());
    filter(sb, "market_type", q.marketType() == null ? null : q.marketType().wire());
    filter(sb, "symbol", q.symbol());
    return sb.toString();
  }

  private static void filter(StringBuilder sb, String name, String value) {
    if (value != null) {
      sb.append(sb.isEmpty() ? "" : "&").append(name).append('=').append(value);
    }
  }

  /** @return the opaque text form */
  public String encode() {
    JsonArray a = new JsonArray().add(type.wire()).add(filters).add(tsMs).add(exchange).add(marketType).add(symbol);
    keys.forEach(a::add);
    if (keys.isEmpty()) {
      // a slot for no key: the form of the cursors of earlier versions, which stay valid
      a.addNull();
    }
    if (spanMs >= 0) {
      // a number after the keys (which are text or null): cursors without it are those of earlier versions
      a.add(spanMs);
    }
    return Base64.getUrlEncoder().withoutPadding().encodeToString(a.encode().getBytes(StandardCharsets.UTF_8));
  }

  /**
   * @param text a cursor from a previous page
   * @param q the query it is sent with (its cursor not yet set)
   * @return the cursor
   * @throws ApiError 400 when it is not one, or when it came from a query of another data type or
   *     with other instrument filters
   */
  public static Cursor decode(String text, RecordQuery q) {
    Cursor c;
    try {
      JsonArray a = new JsonArray(new String(Base64.getUrlDecoder().decode(text), StandardCharsets.UTF_8));
      DataType type = DataType.fromWire(a.getString(0));
      TableSchema schema = TableSchema.of(type);
      int end = a.size();
      long span = -1;
      if (end > 6 && a.getValue(end - 1) instanceof Number n) {
        span = n.longValue();
        end--;
        if (span < 0) {
          throw ApiError.badRequest("cursor is not valid");
        }
      }
      List<String> keys = new ArrayList<>();
      for (int i = 6; i < end; i++) {
        keys.add(a.getString(i));
      }
      if (schema.keyColumns().isEmpty() && keys.size() == 1 && keys.get(0) == null) {
        keys.clear();
      }
      List<String> tie = schema.tieBreak();
      List<String> later = schema.laterColumns().stream().map(Column::name).filter(tie::contains).toList();
      if (schema.arrivalOrdered() && keys.size() == schema.keyColumns().size() - later.size()) {
        throw ApiError.badRequest(EARLIER_TICKER_CURSOR);
      }
      if (!later.isEmpty() && keys.size() == tie.size() - later.size()) {
        // a cursor of the version before a key column was added (a ticker's update_id): its record had none
        for (int i = 0; i < tie.size(); i++) {
          if (later.contains(tie.get(i))) {
            keys.add(i, null);
          }
        }
      }
      if (keys.size() != schema.tieBreak().size()) {
        throw ApiError.badRequest("cursor is not valid");
      }
      c = new Cursor(type, Objects.requireNonNull(a.getString(1)), a.getLong(2),
          Params.exchange(a.getString(3)).wire(), Params.marketType(a.getString(4)).wire(),
          Params.symbol(a.getString(5)), Collections.unmodifiableList(keys), span);
      for (int i = 0; i < keys.size(); i++) {
        String k = keys.get(i);
        Column col = schema.column(schema.tieBreak().get(i));
        // a key column that is never null (a trade id, a book update id) needs its value
        if (k == null ? !col.kind().nullable() : k.isEmpty() || k.length() > MAX_KEY_CHARS) {
          throw ApiError.badRequest("cursor is not valid");
        }
        typed(col, k);
      }
    } catch (IllegalArgumentException | DecodeException | ClassCastException | IndexOutOfBoundsException
        | NullPointerException e) {
      throw ApiError.badRequest("cursor is not valid");
    }
    if (c.type != q.type()) {
      throw ApiError.badRequest("cursor is from a query of " + c.type.wire() + ", not of " + q.type().wire()
          + ": start again without a cursor");
    }
    String filters = filters(q);
    if (!c.filters.equals(filters)) {
      throw ApiError.badRequest("cursor is from a query with " + describe(c.filters) + ", not with "
          + describe(filters) + ": send the same exchange, market_type and symbol, or start again without a cursor");
    }
    return c;
  }

  private static String describe(String filters) {
    return filters.isEmpty() ? "no instrument filter" : filters;
  }
}
