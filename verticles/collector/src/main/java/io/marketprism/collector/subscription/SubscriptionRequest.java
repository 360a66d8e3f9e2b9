package io.marketprism.collector.subscription;

import io.marketprism.model.DataType;
import io.marketprism.model.Exchange;
import io.marketprism.model.MarketType;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * A change of what the collector collects:
 * {@code {"exchange","market_type","symbols":[...],"data_types":[...]}}. Symbols are normalized
 * ({@code BTC-USDT}) or the exchange's own names ({@code BTCUSDT}); without {@code data_types} an
 * addition takes every data type the market supports and a removal drops the symbols entirely.
 *
 * @param exchange the exchange
 * @param marketType the market
 * @param symbols the symbols as given
 * @param dataTypes the data types; empty when not given
 */
public record SubscriptionRequest(Exchange exchange, MarketType marketType, List<String> symbols,
    Set<DataType> dataTypes) {

  private static final Set<String> FIELDS = Set.of("exchange", "market_type", "symbols", "data_types", "action");
  /** Symbols per request at most. */
  public static final int MAX_SYMBOLS = 1000;

  /**
   * Reads and checks the JSON form (shapes and names only; whether the market supports the data
   * types is checked by the collector).
   *
   * @param json the request body
   * @return the request
   * @throws IllegalArgumentException with a message for the client
   */
  public static SubscriptionRequest fromJson(JsonObject json) {
    if (json == null) {
      throw new IllegalArgumentException("a JSON object body is required: {\"exchange\",\"market_type\",\"symbols\","
          + "\"data_types\"}");
    }
    for (String f : json.fieldNames()) {
      if (!FIELDS.contains(f)) {
        throw new IllegalArgumentException("unknown field '" + f + "' (allowed: exchange, market_type, symbols, "
            + "data_types)");
      }
    }
    Exchange exchange;
    try {
      exchange = Exchange.fromWire(text(json, "exchange"));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("exchange must be one of binance, okx, deribit, got '"
          + json.getValue("exchange") + "'");
    }
    MarketType mt;
    try {
      mt = MarketType.fromWire(text(json, "market_type"));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("market_type must be one of spot, perpetual, futures, options, got '"
          + json.getValue("market_type") + "'");
    }
    List<String> symbols = strings(json, "symbols");
    if (symbols == null || symbols.isEmpty()) {
      throw new IllegalArgumentException("symbols must be a non-empty list of strings");
    }
    if (symbols.size() > MAX_SYMBOLS) {
      throw new IllegalArgumentException("symbols must list at most " + MAX_SYMBOLS + " symbols, got "
          + symbols.size());
    }
    Set<DataType> types = EnumSet.noneOf(DataType.class);
    List<String> typeNames = strings(json, "data_types");
    if (typeNames != null) {
      if (typeNames.isEmpty()) {
        throw new IllegalArgumentException("data_types, when given, must not be empty");
      }
      for (String t : typeNames) {
        try {
          types.add(DataType.fromWire(t));
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("unknown data type '" + t + "'");
        }
      }
    }
    return new SubscriptionRequest(exchange, mt, List.copyOf(symbols), types);
  }

  private static String text(JsonObject json, String key) {
    Object v = json.getValue(key);
    if (!(v instanceof String s) || s.isBlank()) {
      throw new IllegalArgumentException(key + " is required (a string)");
    }
    return s;
  }

  private static List<String> strings(JsonObject json, String key) {
    Object v = json.getValue(key);
    if (v == null) {
      return null;
    }
    if (!(v instanceof JsonArray a)) {
      throw new IllegalArgumentException(key + " must be a list of strings");
    }
    List<String> out = new ArrayList<>(a.size());
    for (Object o : a) {
      if (!(o instanceof String s) || s.isBlank()) {
        throw new IllegalArgumentException(key + " must be a list of non-empty strings");
      }
      out.add(s.trim());
    }
    return out;
  }
}
