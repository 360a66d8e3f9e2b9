package io.marketprism.storage.query;

import io.marketprism.model.DataType;
import io.marketprism.platform.http.ApiError;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.regex.Pattern;

/**
 * Where a page of records ended: the data type of the query and the result order of its last
 * record (time, exchange, market type, symbol, key), sent to clients as opaque base64url text.
 *
 * @param type the data type of the query that made it; a query of another type refuses it
 * @param tsMs event time
 * @param exchange exchange wire name
 * @param marketType market type wire name
 * @param symbol normalized symbol
 * @param key trade id or book update id, or null for types whose identity is the time
 */
public record Cursor(DataType type, long tsMs, String exchange, String marketType, String symbol, String key) {

  /** What a key may contain (trade ids, update ids); anything else is refused before it nears SQL. */
  static final Pattern KEY = Pattern.compile("[A-Za-z0-9_.:\\-]{1,128}");

  /** @return the opaque text form */
  public String encode() {
    JsonArray a = new JsonArray().add(type.wire()).add(tsMs).add(exchange).add(marketType).add(symbol).add(key);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(a.encode().getBytes(StandardCharsets.UTF_8));
  }

  /**
   * @param text a cursor from a previous page
   * @param type the data type of the query it is sent with
   * @return the cursor
   * @throws ApiError 400 when it is not one, or when it came from a query of another data type
   */
  public static Cursor decode(String text, DataType type) {
    Cursor c;
    try {
      JsonArray a = new JsonArray(new String(Base64.getUrlDecoder().decode(text), StandardCharsets.UTF_8));
      if (a.size() != 6) {
        throw ApiError.badRequest("cursor is not valid");
      }
      c = new Cursor(DataType.fromWire(a.getString(0)), a.getLong(1), Params.exchange(a.getString(2)).wire(),
          Params.marketType(a.getString(3)).wire(), Params.symbol(a.getString(4)), a.getString(5));
      if (c.key != null && !KEY.matcher(c.key).matches()) {
        throw ApiError.badRequest("cursor is not valid");
      }
    } catch (IllegalArgumentException | DecodeException | ClassCastException | IndexOutOfBoundsException
        | NullPointerException e) {
      throw ApiError.badRequest("cursor is not valid");
    }
    if (c.type != type) {
      throw ApiError.badRequest("cursor is from a query of " + c.type.wire() + ", not of " + type.wire()
          + ": start again without a cursor");
    }
    return c;
  }
}
