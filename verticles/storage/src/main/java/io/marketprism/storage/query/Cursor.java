package io.marketprism.storage.query;

import io.marketprism.model.DataType;
import io.marketprism.platform.http.ApiError;
import io.marketprism.storage.hot.StoredValues;
import io.marketprism.storage.hot.TableSchema;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Objects;

/**
 * Where a page of records ended: the data type and instrument filters of the query and the result
 * order of its last record (time, exchange, market type, symbol, key), sent to clients as opaque
 * base64url text. A query of another data type or with other filters refuses it: its records
 * before the position would be skipped without notice.
 *
 * @param type the data type of the query that made it
 * @param filters the instrument filters of the query that made it ({@link #filters(RecordQuery)})
 * @param tsMs event time
 * @param exchange exchange wire name
 * @param marketType market type wire name
 * @param symbol normalized symbol
 * @param key trade id or book update id, or null for types whose identity is the time
 */
public record Cursor(DataType type, String filters, long tsMs, String exchange, String marketType, String symbol, String key) {

  /**
   * What a key may be: any text a stored trade id or update id is, up to a bound. It reaches SQL
   * only as a bound value (DuckDB) or hex-encoded ({@link SqlFilter#literal}, ClickHouse).
   */
  static final int MAX_KEY_CHARS = 1024;

  /**
   * @param q the query whose page ended at this record
   * @return the cursor after that record
   */
  public static Cursor after(RecordQuery q, long tsMs, String exchange, String marketType, String symbol,
      String key) {
    return new Cursor(q.type(), filters(q), tsMs, exchange, marketType, symbol, key);
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
    JsonArray a = new JsonArray().add(type.wire()).add(filters).add(tsMs).add(exchange).add(marketType).add(symbol).add(key);
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
      if (a.size() != 7) {
        throw ApiError.badRequest("cursor is not valid");
      }
      c = new Cursor(DataType.fromWire(a.getString(0)), Objects.requireNonNull(a.getString(1)), a.getLong(2),
          Params.exchange(a.getString(3)).wire(), Params.marketType(a.getString(4)).wire(),
          Params.symbol(a.getString(5)), a.getString(6));
      if (c.key != null && (c.key.isEmpty() || c.key.length() > MAX_KEY_CHARS)) {
        throw ApiError.badRequest("cursor is not valid");
      }
      // a type with a key column (trades, books) needs the key; a book's is its numeric update id
      if (TableSchema.of(c.type).keyColumn() != null && c.key == null) {
        throw ApiError.badRequest("cursor is not valid");
      }
      if (StoredValues.numericKey(c.type)) {
        Long.parseLong(c.key);
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
