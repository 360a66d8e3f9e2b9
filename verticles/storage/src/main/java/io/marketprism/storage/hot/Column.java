package io.marketprism.storage.hot;

import io.marketprism.model.MarketRecord;

import java.util.function.Function;

/**
 * One stored field of a record: its JSON name (CONTRACT §3), its kind and how to read it from a
 * record. A {@link Kind#LEVELS} field is stored as two parallel columns, {@code name_price} and
 * {@code name_qty}: decimal arrays in ClickHouse, comma-joined exact decimal text in DuckDB.
 *
 * @param name the JSON field name, also the column name
 * @param kind what is stored
 * @param value reads the value from a record ({@code null} allowed for nullable kinds)
 */
public record Column(String name, Kind kind, Function<MarketRecord, Object> value) {

  /** What a column holds and whether it may be null. */
  public enum Kind {
    /** text, never null */
    STRING(false),
    /** text or null */
    NULLABLE_STRING(true),
    /** exact decimal (a canonical decimal string), never null */
    DECIMAL(false),
    /** exact decimal or null */
    NULLABLE_DECIMAL(true),
    /** unsigned 64-bit integer (times, ids), never null */
    UINT64(false),
    /** unsigned 64-bit integer or null */
    NULLABLE_UINT64(true),
    /** small integer (book depth) */
    INT32(false),
    /** boolean, never null */
    BOOL(false),
    /** boolean or null */
    NULLABLE_BOOL(true),
    /** book side: a list of price levels, stored as two parallel columns of prices and quantities */
    LEVELS(false);

    private final boolean nullable;

    Kind(boolean nullable) {
      this.nullable = nullable;
    }

    /** @return whether the column may hold null */
    public boolean nullable() {
      return nullable;
    }
  }
}
