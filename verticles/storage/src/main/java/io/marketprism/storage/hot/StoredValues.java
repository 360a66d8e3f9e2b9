package io.marketprism.storage.hot;

import io.marketprism.model.Decimals;
import io.marketprism.model.PriceLevel;
import io.marketprism.model.RecordJson;
import io.vertx.core.json.JsonArray;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Conversions between record fields and stored values that every store shares: rows read back
 * into record JSON, so a record reads the same from any store and tier.
 */
public final class StoredValues {

  private StoredValues() {
  }

  /**
   * Builds the record JSON of one stored row.
   *
   * @param schema the table
   * @param value the value of a physical column by name: decimals as strings or numbers, integers, booleans, arrays
   * @return the record's canonical JSON (CONTRACT §3)
   */
  public static String recordJson(TableSchema schema, Function<String, Object> value) {
    Map<String, Object> o = new HashMap<>(32);
    o.put("data_type", schema.type().wire());
    for (Column c : schema.columns()) {
      Object v = c.kind() == Column.Kind.LEVELS ? null : value.apply(c.name());
      o.put(c.name(), switch (c.kind()) {
        case LEVELS -> levels(value.apply(c.name() + "_price"), value.apply(c.name() + "_qty"));
        case DECIMAL, NULLABLE_DECIMAL -> v == null ? null : decimal(v);
        case UINT64, NULLABLE_UINT64, INT32 -> v == null ? null : v instanceof Number n ? n.longValue()
            : Long.parseLong(v.toString());
        case BOOL, NULLABLE_BOOL -> v == null ? null : v instanceof Boolean b ? b : !"0".equals(v.toString())
            && !"false".equalsIgnoreCase(v.toString());
        default -> v == null ? null : v.toString();
      });
    }
    // the record's own writer: field order, decimals and nulls as every other path writes them
    return RecordJson.toJson(RecordJson.fromFields(o));
  }

  private static List<PriceLevel> levels(Object prices, Object qtys) {
    List<?> p = asList(prices);
    List<?> q = asList(qtys);
    List<PriceLevel> out = new ArrayList<>(p.size());
    for (int i = 0; i < p.size(); i++) {
      out.add(new PriceLevel(decimal(p.get(i)), decimal(q.get(i))));
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
   * The values of a row's key columns as a cursor keeps them.
   *
   * @param schema the table
   * @param value the value of a column by name
   * @return per {@link TableSchema#tieBreak()} entry its text (a decimal in plain notation), or null
   */
  public static List<String> keys(TableSchema schema, Function<String, Object> value) {
    List<String> out = new java.util.ArrayList<>(schema.tieBreak().size());
    for (String k : schema.tieBreak()) {
      Object v = value.apply(k);
      out.add(v == null ? null : v instanceof BigDecimal d ? d.toPlainString() : v.toString());
    }
    return out;
  }
}
