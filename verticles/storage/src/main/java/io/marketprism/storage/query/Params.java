package io.marketprism.storage.query;

import io.marketprism.model.DataType;
import io.marketprism.model.Exchange;
import io.marketprism.model.MarketType;
import io.marketprism.platform.http.ApiError;

import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** Validation of query parameters: each bad value is a 400 naming the parameter and what is allowed. */
public final class Params {

  /** Normalized symbols (CONTRACT §3): upper-case letters, digits and dashes. */
  public static final Pattern SYMBOL = Pattern.compile("[A-Z0-9][A-Z0-9-]{0,63}");

  private Params() {
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
      throw ApiError.badRequest("symbol '" + v + "' is not a normalized symbol (upper-case BASE-QUOTE, e.g. BTC-USDT)");
    }
    return v;
  }

  /**
   * A time: epoch milliseconds, or ISO-8601 ({@code 2024-05-01T12:00:00Z}, with an offset, or a
   * date meaning its midnight UTC).
   *
   * @param name parameter name (for the message)
   * @param v its value
   * @return epoch ms
   */
  public static long time(String name, String v) {
    String s = v.trim();
    if (s.matches("-?\\d{1,16}")) {
      long ms = Long.parseLong(s);
      if (ms < 0) {
        throw ApiError.badRequest(name + " must not be negative");
      }
      return ms;
    }
    try {
      if (s.length() == 10) {
        return LocalDate.parse(s).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
      }
      if (s.endsWith("Z")) {
        return Instant.parse(s).toEpochMilli();
      }
      return OffsetDateTime.parse(s).toInstant().toEpochMilli();
    } catch (DateTimeParseException e) {
      throw ApiError.badRequest(name + " '" + v + "' is neither epoch milliseconds nor an ISO-8601 time");
    }
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
