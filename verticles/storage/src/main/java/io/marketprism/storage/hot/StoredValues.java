package io.marketprism.storage.hot;

import io.marketprism.model.Decimals;
import io.marketprism.model.DataType;
import io.marketprism.model.MarketRecord;
import io.marketprism.model.PriceLevel;
import io.marketprism.model.RecordJson;
import io.marketprism.model.TradeRecord;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Function;

/**
 * Conversions between record fields and stored values that every store shares: decimals fitted
 * to {@code Decimal(38,18)} and rows read back into record JSON, so a record reads the same from
 * any store and tier.
 */
public final class StoredValues {

  /** Digits after the point the stores keep. */
  public static final int SCALE = 18;
  /** Digits before the point the stores keep. */
  public static final int INTEGER_DIGITS = 20;

  /** The latest {@code ts_ms} the stores hold (see {@link #checkInteger}). */
  static final long MAX_TS_MS = 0xFFFF_FFFFL * 1000 + 999;

  private StoredValues() {
  }

  /**
   * The longest symbol the stores take, in UTF-8 bytes: the query API's is 64 characters, and a
   * bar recomputation names 1,000 minutes of symbols in one statement, which ClickHouse parses
   * only up to 256 KiB.
   */
  static final int MAX_SYMBOL_BYTES = 64;

  /**
   * Checks a text field: one a record cannot be without ({@code STRING}) is not empty, a symbol
   * not longer than {@link #MAX_SYMBOL_BYTES}.
   *
   * @param c the column
   * @param utf8Bytes the text's length in UTF-8 bytes
   * @throws IllegalArgumentException when the stores cannot take it
   */
  static void checkText(Column c, int utf8Bytes) {
    if (utf8Bytes == 0 && c.kind() == Column.Kind.STRING) {
      throw new IllegalArgumentException(c.name() + " is empty");
    }
    if (utf8Bytes > MAX_SYMBOL_BYTES && c.name().equals("symbol")) {
      throw new IllegalArgumentException("symbol longer than " + MAX_SYMBOL_BYTES + " bytes");
    }
  }

  /**
   * Fits a canonical decimal string to {@code Decimal(38,18)}: values with more than 18
   * fractional digits are rounded half-even (no exchange quotes that finely; such digits are
   * float noise), values with more than 20 integer digits are refused.
   *
   * @param canonical a decimal string
   * @return a decimal string that the stores hold exactly
   * @throws IllegalArgumentException when the value is too large
   */
  public static String fitDecimal(String canonical) {
    int dot = canonical.indexOf('.');
    int intDigits = (dot < 0 ? canonical.length() : dot) - (canonical.startsWith("-") ? 1 : 0);
    int fracDigits = dot < 0 ? 0 : canonical.length() - dot - 1;
    if (intDigits <= INTEGER_DIGITS && fracDigits <= SCALE && canonical.indexOf('e') < 0
        && canonical.indexOf('E') < 0) {
      return canonical;
    }
    BigDecimal d = new BigDecimal(canonical).setScale(SCALE, RoundingMode.HALF_EVEN);
    if (d.precision() - d.scale() > INTEGER_DIGITS) {
      throw new IllegalArgumentException("decimal " + canonical + " has more than " + INTEGER_DIGITS + " integer digits");
    }
    return Decimals.plain(d);
  }

  /**
   * Checks an integer field as the stores hold it: times, ids and counts are unsigned (ClickHouse
   * keeps them as {@code UInt64}, where a negative would come back as a number beyond a long), a
   * book depth is an {@code Int32}, and {@code ts_ms} partitions the tables by a {@code DateTime}
   * (seconds in 32 bits: up to 2106).
   *
   * @param c the column
   * @param v its value
   * @return the value
   * @throws IllegalArgumentException when the stores cannot hold it
   */
  static long checkInteger(Column c, long v) {
    if (v < 0 || c.kind() == Column.Kind.INT32 && v > Integer.MAX_VALUE || v > MAX_TS_MS && c.name().equals("ts_ms")) {
      throw new IllegalArgumentException(c.name() + " out of range: " + v);
    }
    return v;
  }

  /**
   * Checks that every field of a record is one the stores hold: decimals (see {@link Decimal128}),
   * integers ({@link #checkInteger}) and text ({@link #checkText}).
   *
   * @param r a record
   * @throws IllegalArgumentException naming the first field that is not
   */
  static void check(MarketRecord r) {
    Decimal128 d = new Decimal128();
    for (Column c : TableSchema.of(r.dataType()).columns()) {
      Object v = c.value().apply(r);
      if (v == null) {
        continue;
      }
      switch (c.kind()) {
        case UINT64, NULLABLE_UINT64, INT32 -> checkInteger(c, ((Number) v).longValue());
        case STRING, NULLABLE_STRING -> {
          String text = (String) v;
          checkText(c, text.length() <= MAX_SYMBOL_BYTES / 3 ? text.length()
              : text.getBytes(StandardCharsets.UTF_8).length);
        }
        default -> { }
      }
      try {
        if (c.kind() == Column.Kind.DECIMAL || c.kind() == Column.Kind.NULLABLE_DECIMAL) {
          d.read((String) v);
        } else if (c.kind() == Column.Kind.LEVELS) {
          for (Object o : (List<?>) v) {
            PriceLevel l = (PriceLevel) o;
            d.read(l.price());
            d.read(l.quantity());
          }
        }
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(c.name() + ": " + e.getMessage());
      }
    }
    if (r instanceof TradeRecord t && integerDigits(t.price()) + integerDigits(t.quantity()) > Bars.QUOTE_VOLUME_DIGITS) {
      // below 10^a times below 10^b is below 10^(a + b): only large trades need the product
      Bars.checkQuoteVolume(new BigDecimal(t.price()), new BigDecimal(t.quantity()));
    }
  }

  /** @return the digits before the point of a decimal string (at least 1 for a plain one) */
  private static int integerDigits(String decimal) {
    int dot = decimal.indexOf('.');
    int e = Math.max(decimal.indexOf('e'), decimal.indexOf('E'));
    return e >= 0 ? Integer.MAX_VALUE / 2 : (dot < 0 ? decimal.length() : dot) - (decimal.startsWith("-") ? 1 : 0);
  }

  /**
   * Builds the record JSON of one stored row.
   *
   * @param schema the table
   * @param value the value of a physical column by name: decimals as strings or numbers, integers, booleans, arrays
   * @return the record's canonical JSON (CONTRACT §3)
   */
  public static String recordJson(TableSchema schema, Function<String, Object> value) {
    JsonObject o = new JsonObject().put("data_type", schema.type().wire());
    for (Column c : schema.columns()) {
      switch (c.kind()) {
        case LEVELS -> o.put(c.name(), levels(value.apply(c.name() + "_price"), value.apply(c.name() + "_qty")));
        case DECIMAL, NULLABLE_DECIMAL -> {
          Object v = value.apply(c.name());
          o.put(c.name(), v == null ? null : decimal(v));
        }
        case UINT64, NULLABLE_UINT64, INT32 -> {
          Object v = value.apply(c.name());
          o.put(c.name(), v == null ? null : v instanceof Number n ? n.longValue() : Long.parseLong(v.toString()));
        }
        case BOOL, NULLABLE_BOOL -> {
          Object v = value.apply(c.name());
          o.put(c.name(), v == null ? null : v instanceof Boolean b ? b : !"0".equals(v.toString())
              && !"false".equalsIgnoreCase(v.toString()));
        }
        default -> {
          Object v = value.apply(c.name());
          o.put(c.name(), v == null ? null : v.toString());
        }
      }
    }
    MarketRecord r = RecordJson.parse(o.encode());
    return RecordJson.toJson(r);
  }

  private static JsonArray levels(Object prices, Object qtys) {
    List<?> p = asList(prices);
    List<?> q = asList(qtys);
    JsonArray out = new JsonArray();
    for (int i = 0; i < p.size(); i++) {
      out.add(new JsonArray().add(decimal(p.get(i))).add(decimal(q.get(i))));
    }
    return out;
  }

  private static String decimal(Object v) {
    if (v instanceof BigDecimal d) {
      return Decimals.plain(d);
    }
    // text (DuckDB's book sides) may hold "-0.0": zero reads as "0" from every store
    String text = v.toString();
    return Decimals.isZero(text) ? "0" : Decimals.canonical(text);
  }

  private static List<?> asList(Object v) {
    if (v instanceof String text) {
      // DuckDB's form of a book side: decimals joined by commas
      return text.isEmpty() ? List.of() : java.util.Arrays.asList(text.split(","));
    }
    if (v instanceof JsonArray a) {
      return a.getList();
    }
    if (v instanceof List<?> l) {
      return l;
    }
    if (v instanceof Object[] arr) {
      return java.util.Arrays.asList(arr);
    }
    return List.of();
  }

  /**
   * @param type a data type
   * @return whether its key column is numeric (book update ids) rather than text (trade ids)
   */
  public static boolean numericKey(DataType type) {
    return type == DataType.ORDERBOOK;
  }
}
