package io.marketprism.storage.query;

import io.marketprism.platform.http.ApiError;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.regex.Pattern;

/**
 * Where a page of records ended: the result order of its last record (time, exchange, market
 * type, symbol, key), sent to clients as opaque base64url text.
 *
 * @param tsMs event time
 * @param exchange exchange wire name
 * @param marketType market type wire name
 * @param symbol normalized symbol
 * @param key trade id or book update id, or null for types whose identity is the time
 */
public record Cursor(long tsMs, String exchange, String marketType, String symbol, String key) {

  /** What a key may contain (trade ids, update ids); anything else is refused before it nears SQL. */
  static final Pattern KEY = Pattern.compile("[A-Za-z0-9_.:\\-]{1,128}");

  /** @return the opaque text form */
  public String encode() {
    JsonArray a = new JsonArray().add(tsMs).add(exchange).add(marketType).add(symbol).add(key);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(a.encode().getBytes(StandardCharsets.UTF_8));
  }

  /**
   * @param text a cursor from a previous page
   * @return the cursor
   * @throws ApiError 400 when it is not one
   */
  public static Cursor decode(String text) {
    try {
      JsonArray a = new JsonArray(new String(Base64.getUrlDecoder().decode(text), StandardCharsets.UTF_8));
      Cursor c = new Cursor(a.getLong(0), Params.exchange(a.getString(1)).wire(),
          Params.marketType(a.getString(2)).wire(), Params.symbol(a.getString(3)), a.getString(4));
      if (c.key != null && !KEY.matcher(c.key).matches()) {
        throw ApiError.badRequest("cursor is not valid");
      }
      return c;
    } catch (IllegalArgumentException | DecodeException | ClassCastException | IndexOutOfBoundsException
        | NullPointerException e) {
      throw ApiError.badRequest("cursor is not valid");
    }
  }
}
