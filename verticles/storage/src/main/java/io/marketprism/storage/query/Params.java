package io.marketprism.storage.query;

import io.marketprism.model.DataType;
import io.marketprism.model.Exchange;
import io.marketprism.model.MarketType;
import io.marketprism.platform.http.ApiError;
import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonObject;

import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** Validation of query parameters: each bad value is a 400 naming the parameter and what is allowed. */
public final class Params {

  /**
   * Normalized symbols (CONTRACT §3): {@code BASE-QUOTE}, then more dash-separated parts (an
   * expiry, a strike, a side), of upper-case letters, digits, the point of a decimal option strike,
   * and letters without case (Binance lists tokens named in Chinese); 64 characters at most. An
   * exchange's own name without a dash ({@code BTCUSDT}) is not one. They reach SQL only bound or
   * as {@link SqlFilter#literal} renders them.
   */
  public static final Pattern SYMBOL = Pattern.compile("(?=.{3,64}$)[A-Z0-9\\p{Lo}][A-Z0-9\\p{Lo}.]*(-[A-Z0-9\\p{Lo}.]+)+");

  /**
   * A date and time followed by a space and an {@code hh:mm} offset: {@code 2026-01-01T00:00:00+02:00}
   * sent unencoded in a URL's query, whose {@code +} decodes as a space. Unambiguous: ISO-8601 has no
   * space, a {@code -} offset arrives intact, so a space in exactly that place can only be a {@code +}.
   */
  private static final Pattern SPACED_OFFSET =
      Pattern.compile("^(\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(?::\\d{2}(?:\\.\\d{1,9})?)?) (\\d{2}:\\d{2})$");

  private Params() {
  }

  /**
   * Refuses a query parameter the route does not take, and one given more than once: a misspelt
   * filter ({@code simbol=BTC-USDT}) would otherwise be ignored and the answer silently hold every
   * symbol, and of {@code symbol=A&symbol=B} only A would be read.
   *
   * @param p the request's query parameters ({@code RoutingContext.queryParams()}: the request's
   *     {@code params()} also hold the path's, and after a body handler a form body's)
   * @param route the route, as the message names it (e.g. {@code GET /api/v1/storage/trade})
   * @param accepted the parameters the route takes
   * @throws ApiError 400 naming the parameter (and those the route takes, or its values)
   */
  public static void only(MultiMap p, String route, List<String> accepted) {
    refuseOthers(p.names(), "parameter", route, accepted);
    for (String name : p.names()) {
      List<String> values = p.getAll(name);
      if (values.size() > 1) {
        // the first value would be used and the others silently dropped
        throw ApiError.badRequest("parameter '" + name + "' is given " + values.size() + " times for " + route
            + " (" + String.join(", ", values) + "); give it once");
      }
    }
  }

  /**
   * Refuses a field of a JSON request body that the route does not take.
   *
   * @param body the request's body
   * @param route the route, as the message names it
   * @param accepted the fields the route takes
   * @throws ApiError 400 naming the field and those the route takes
   */
  public static void onlyFields(JsonObject body, String route, List<String> accepted) {
    refuseOthers(body.fieldNames(), "body field", route, accepted);
  }

  private static void refuseOthers(Set<String> given, String what, String route, List<String> accepted) {
    for (String name : given) {
      if (!accepted.contains(name)) {
        throw ApiError.badRequest("unknown " + what + " '" + name + "' for " + route + "; "
            + (accepted.isEmpty() ? "it takes none" : "it takes " + String.join(", ", accepted)));
      }
    }
  }

  /**
   * @param v a data type wire name
   * @return the type
   */
  public static DataType dataType(String v) {
    try {
      return DataType.fromWire(v);
    } catch (IllegalArgumentException e) {
      throw ApiError.badRequest("unknown data_type '" + v + "'; one of " + names(DataType.values()));
    }
  }

  /**
   * @param v an exchange wire name
   * @return the exchange
   */
  public static Exchange exchange(String v) {
    try {
      return Exchange.fromWire(v);
    } catch (IllegalArgumentException e) {
      throw ApiError.badRequest("unknown exchange '" + v + "'; one of " + names(Exchange.values()));
    }
  }

  /**
   * @param v a market type wire name
   * @return the market type
   */
  public static MarketType marketType(String v) {
    try {
      return MarketType.fromWire(v);
    } catch (IllegalArgumentException e) {
      throw ApiError.badRequest("unknown market_type '" + v + "'; one of " + names(MarketType.values()));
    }
  }

  /**
   * @param v a normalized symbol
   * @return it, when it has the normalized form
   */
  public static String symbol(String v) {
    if (v == null || !SYMBOL.matcher(v).matches()) {
      throw ApiError.badRequest("symbol '" + v + "' is not a normalized symbol (upper-case BASE-QUOTE, e.g. BTC-USDT, "
          + "BTC-USD-250328 or BTC-USD-250328-100000-C; not the exchange's own name)");
    }
    return v;
  }

  /**
   * @param endDefaulted whether {@code end} was left out (it is then the current time, which a
   *     {@code start} in the future is after: the message says so)
   * @throws ApiError 400 when {@code start} is after {@code end}
   */
  public static void ordered(long start, long end, boolean endDefaulted) {
    if (start > end) {
      throw ApiError.badRequest("start (" + start + ") is after end (" + end
          + (endDefaulted ? ": end was not given, and it defaults to the current time" : "") + ")");
    }
  }

  /**
   * A time: epoch milliseconds, or ISO-8601: a date (its midnight UTC), or a date and time with or
   * without seconds and fractions, with {@code Z}, an offset, or none (UTC), e.g.
   * {@code 2024-05-01}, {@code 2024-05-01T12:00Z}, {@code 2024-05-01T14:00:00.5+02:00}.
   * A space right after the time of day and before an {@code hh:mm} offset is read as the
   * {@code +} it was: a query's unencoded {@code +} arrives as a space, and an ISO-8601 time has
   * no space anywhere else there (see {@link #SPACED_OFFSET}).
   *
   * @param name parameter name (for the message)
   * @param v its value
   * @return epoch ms
   */
  public static long time(String name, String v) {
    String s = SPACED_OFFSET.matcher(v.trim()).replaceFirst("$1+$2");
    if (s.matches("-?\\d{1,16}")) {
      long ms = Long.parseLong(s);
      if (ms < 0) {
        throw ApiError.badRequest(name + " must not be negative");
      }
      return ms;
    }
    long ms;
    try {
      if (s.length() == 10) {
        ms = LocalDate.parse(s).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
      } else if (s.endsWith("Z") || s.lastIndexOf('+') > 10 || s.lastIndexOf('-') > 10) {
        ms = OffsetDateTime.parse(s).toInstant().toEpochMilli();
      } else {
        ms = LocalDateTime.parse(s).toInstant(ZoneOffset.UTC).toEpochMilli();
      }
    } catch (DateTimeParseException | ArithmeticException e) {
      throw ApiError.badRequest(name + " '" + v + "' is neither epoch milliseconds nor an ISO-8601 time "
          + "(e.g. 2024-01-02, 2024-01-02T03:04Z, 2024-01-02T03:04:05.678+02:00; no offset means UTC)"
          + (s.indexOf(' ') >= 0 ? "; a '+' in a URL's query arrives as a space unless it is sent as %2B" : ""));
    }
    if (ms < 0) {
      throw ApiError.badRequest(name + " '" + v + "' is before 1970");
    }
    return ms;
  }

  /**
   * @param v the limit parameter or null
   * @param def the default
   * @param max the largest allowed
   * @return the limit
   */
  public static int limit(String v, int def, int max) {
    if (v == null) {
      return def;
    }
    try {
      int n = Integer.parseInt(v.trim());
      if (n >= 1 && n <= max) {
        return n;
      }
    } catch (NumberFormatException e) {
      // fall through to the message
    }
    throw ApiError.badRequest("limit must be an integer from 1 to " + max + ", got '" + v + "'");
  }

  private static String names(Enum<?>[] values) {
    return Arrays.stream(values).map(Object::toString).collect(Collectors.joining(", "));
  }
}
