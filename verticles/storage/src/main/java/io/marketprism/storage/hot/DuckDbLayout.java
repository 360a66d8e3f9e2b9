package io.marketprism.storage.hot;

import io.marketprism.model.DataType;
import io.marketprism.model.Decimals;
import io.marketprism.model.MarketRecord;
import io.marketprism.model.PriceLevel;
import io.marketprism.model.RecordLimits;
import org.duckdb.DuckDBAppender;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * How a {@link TableSchema} is stored in DuckDB: in a table {@code {table}_rows} of stored columns
 * that DuckDB compresses far better than the fields themselves, under a view named after the
 * table ({@code trade}, {@code orderbook}, ...) that shows every field of the schema under its own
 * name and type, so that every query reads the view as it read the table before:
 * <ul>
 *   <li>a decimal is stored as its canonical text ({@code price_text}) and shown as
 *       {@code DECIMAL(38,18)}: a 16-byte integer scaled by 10^18 only bit-packs into wide frames
 *       (a price range of $2,000 is 71 bits), while the text of prices and sizes, which repeat,
 *       goes to DuckDB's dictionary and FSST compression;</li>
 *   <li>a text key ({@code trade_id}) is stored as a {@code BIGINT} ({@code trade_id_num}) when it
 *       is a canonical decimal integer of up to 18 digits, as every exchange's ids are, else as
 *       text ({@code trade_id_text}); the integers bit-pack (ids of one instrument ascend);</li>
 *   <li>{@code recv_ts_us} is stored as its lag behind {@code ts_ms} ({@code recv_lag_us}), a few
 *       milliseconds, where the time itself needs as many bits as its frame's span.</li>
 * </ul>
 * Book sides stay comma-joined decimal text. The conversions are a view's, not generated columns:
 * DuckDB's Appender takes a slow path (about 20 times slower) into a table with generated columns.
 * Writers append the stored columns only, in {@link #storedColumns()} order, with {@link #append};
 * they append a batch's rows in table order ({@link #rowOrder()}), which puts the rows of one
 * instrument next to each other in a row group.
 */
final class DuckDbLayout {

  /** A canonical integer that a {@code BIGINT} holds and gives back as the same text. */
  private static final Pattern INTEGER_ID = Pattern.compile("0|[1-9][0-9]{0,17}");
  private static final String INTEGER_ID_SQL = "'0|[1-9][0-9]{0,17}'";
  private static final String DECIMAL = "DECIMAL(38,18)";
  /** The macro that reads a stored decimal text as {@code DECIMAL(38,18)}; see {@link #decimalMacro()}. */
  static final String DECIMAL_MACRO = "mp_decimal";
  private static final String RECV = "recv_ts_us";
  /** The stored column of the receive time: its lag behind {@code ts_ms}, µs. */
  static final String RECV_LAG = "recv_lag_us";

  private static final Map<DataType, DuckDbLayout> ALL = new EnumMap<>(DataType.class);

  static {
    for (DataType t : DataType.values()) {
      ALL.put(t, new DuckDbLayout(TableSchema.of(t)));
    }
  }

  private final TableSchema schema;
  private final List<String> stored = new ArrayList<>();
  private final Comparator<MarketRecord> rowOrder;

  private DuckDbLayout(TableSchema schema) {
    this.schema = schema;
    for (Column c : schema.columns()) {
      for (String[] s : storedOf(c)) {
        stored.add(s[0]);
      }
    }
    this.rowOrder = tableOrder(schema);
  }

  /**
   * @param schema a table
   * @return its DuckDB layout
   */
  static DuckDbLayout of(TableSchema schema) {
    return ALL.get(schema.type());
  }

  /** How a column is stored. */
  private enum Form {
    /** as its own type */
    PLAIN,
    /** book side: two text columns */
    LEVELS,
    /** decimal as canonical text */
    DECIMAL_TEXT,
    /** text key: integer or text */
    KEY_ID,
    /** receive time as lag behind ts_ms */
    RECV_LAG
  }

  private Form form(Column c) {
    if (c.kind() == Column.Kind.LEVELS) {
      return Form.LEVELS;
    }
    if (c.kind() == Column.Kind.DECIMAL || c.kind() == Column.Kind.NULLABLE_DECIMAL) {
      return Form.DECIMAL_TEXT;
    }
    if (c.kind() == Column.Kind.STRING && schema.identifiedById() && schema.keyColumns().contains(c.name())) {
      return Form.KEY_ID;
    }
    if (c.name().equals(RECV)) {
      return Form.RECV_LAG;
    }
    return Form.PLAIN;
  }

  /** @return per stored column of {@code c}: its name and SQL type */
  private List<String[]> storedOf(Column c) {
    String n = c.name();
    return switch (form(c)) {
      case LEVELS -> List.of(new String[] {n + "_price", "VARCHAR"}, new String[] {n + "_qty", "VARCHAR"});
      case DECIMAL_TEXT -> List.<String[]>of(new String[] {n + "_text", "VARCHAR"});
      case KEY_ID -> List.of(new String[] {n + "_num", "BIGINT"}, new String[] {n + "_text", "VARCHAR"});
      case RECV_LAG -> List.<String[]>of(new String[] {RECV_LAG, "BIGINT"});
      case PLAIN -> List.<String[]>of(new String[] {n, plainType(c.kind())});
    };
  }

  private static String plainType(Column.Kind kind) {
    return switch (kind) {
      case UINT64, NULLABLE_UINT64 -> "BIGINT";
      case INT32 -> "INTEGER";
      case BOOL, NULLABLE_BOOL -> "BOOLEAN";
      default -> "VARCHAR";
    };
  }

  /** @return the SQL expression of field {@code c} over the stored columns */
  private String fieldOf(Column c) {
    String n = c.name();
    return switch (form(c)) {
      case LEVELS -> n + "_price, " + n + "_qty";
      case DECIMAL_TEXT -> DECIMAL_MACRO + "(" + n + "_text) AS " + n;
      case KEY_ID -> "coalesce(" + n + "_text, CAST(" + n + "_num AS VARCHAR)) AS " + n;
      case RECV_LAG -> "ts_ms * 1000 + " + RECV_LAG + " AS " + RECV;
      case PLAIN -> n;
    };
  }

  /**
   * The definition of {@link #DECIMAL_MACRO}, exact for every text {@link StoredValues#fitDecimal}
   * gives. DuckDB parses text into a {@code DECIMAL(38,18)} (a 128-bit integer) about 100 times
   * slower than into a 64-bit one, 3.4 µs a value here, which made every bar recomputed and every
   * page of records read pay for it. So the integer part (up to 18 digits) is read as a
   * {@code BIGINT} and the fraction as a {@code DECIMAL(18,18)}, both 64-bit, and added; only a
   * value with more integer digits takes the slow cast.
   *
   * @return {@code CREATE OR REPLACE MACRO ...}
   */
  static String decimalMacro() {
    String whole = "CAST(CAST(split_part(x, '.', 1) AS BIGINT) AS " + DECIMAL + ")";
    String fraction = "CAST(CAST('0.' || split_part(x, '.', 2) AS DECIMAL(18,18)) AS " + DECIMAL + ")";
    return "CREATE OR REPLACE MACRO " + DECIMAL_MACRO + "(x) AS CASE WHEN length(split_part(x, '.', 1)) > 18 THEN "
        + "CAST(x AS " + DECIMAL + ") WHEN starts_with(x, '-') THEN " + whole + " - " + fraction + " ELSE " + whole
        + " + " + fraction + " END";
  }

  /** @return the table of stored columns */
  String table() {
    return schema.table() + "_rows";
  }

  /** @return the body of the view that shows the stored table as the schema's fields */
  String viewSql() {
    List<String> fields = new ArrayList<>();
    for (Column c : schema.columns()) {
      fields.add(fieldOf(c));
    }
    return "SELECT " + String.join(", ", fields) + " FROM " + table();
  }

  /**
   * @param alias a table alias of this layout's stored table
   * @return the SQL expression of its {@code recv_ts_us} over the stored columns
   */
  static String storedRecv(String alias) {
    return "(" + alias + ".ts_ms * 1000 + " + alias + "." + RECV_LAG + ")";
  }

  /** @return the stored columns that hold the identity ({@link TableSchema#identityKey()}) */
  List<String> storedIdentity() {
    return stored(schema.identityKey());
  }

  /** @return the stored columns of the table order ({@link TableSchema#sortKey()}) */
  List<String> storedOrder() {
    return stored(schema.sortKey());
  }

  private List<String> stored(List<String> fields) {
    List<String> out = new ArrayList<>();
    for (String k : fields) {
      Column c = schema.columns().stream().filter(x -> x.name().equals(k)).findFirst().orElseThrow();
      for (String[] st : storedOf(c)) {
        out.add(st[0]);
      }
    }
    return out;
  }

  /**
   * @param notNull whether stored columns of required fields are declared {@code NOT NULL} (the
   *     table) or not (its staging copy)
   * @return the column definitions of {@code CREATE TABLE} of the stored table
   */
  String columnsDdl(boolean notNull) {
    List<String> out = new ArrayList<>();
    for (Column c : schema.columns()) {
      // a key stored in one of two columns is never null, but neither column alone is required
      String nn = notNull && !c.kind().nullable() && form(c) != Form.LEVELS && form(c) != Form.KEY_ID
          ? " NOT NULL" : "";
      for (String[] s : storedOf(c)) {
        out.add(s[0] + " " + s[1] + nn);
      }
    }
    return String.join(", ", out);
  }

  /**
   * @return an aggregate over the stored table: the bytes its values take uncompressed (the text's
   *     UTF-8 bytes, a {@code BIGINT} 8, an {@code INTEGER} 4, a {@code BOOLEAN} 1; nulls nothing)
   */
  String plainBytesSql() {
    List<String> terms = new ArrayList<>();
    for (Column c : schema.columns()) {
      for (String[] s : storedOf(c)) {
        terms.add(switch (s[1]) {
          case "BIGINT" -> "8 * count(" + s[0] + ")";
          case "INTEGER" -> "4 * count(" + s[0] + ")";
          case "BOOLEAN" -> "count(" + s[0] + ")";
          default -> "coalesce(sum(strlen(" + s[0] + ")), 0)";
        });
      }
    }
    return String.join(" + ", terms);
  }

  /**
   * @return per column a later version added ({@link TableSchema#laterColumns()}), a plain one,
   *     its name and SQL type, as {@code ALTER TABLE ... ADD COLUMN} takes them: in a table of the
   *     earlier or of this layout, the stored column is the field itself
   */
  List<String[]> laterColumns() {
    List<String[]> out = new ArrayList<>();
    for (Column c : schema.laterColumns()) {
      if (form(c) != Form.PLAIN) {
        throw new IllegalStateException("a column added later must be stored as itself: " + c.name());
      }
      out.add(new String[] {c.name(), plainType(c.kind())});
    }
    return out;
  }

  /** @return the stored columns, in the order {@link #append} appends them */
  List<String> storedColumns() {
    return stored;
  }

  /**
   * The stored columns computed from a table of the earlier layout, where every field was stored
   * under its own name as its own type (decimals as {@code DECIMAL(38,18)}, book sides as text).
   *
   * @return one SQL expression per {@link #storedColumns()} entry, over the old table's columns
   */
  List<String> fromEarlierLayout() {
    List<String> out = new ArrayList<>();
    for (Column c : schema.columns()) {
      String n = c.name();
      switch (form(c)) {
        case LEVELS -> {
          out.add(n + "_price");
          out.add(n + "_qty");
        }
        // CAST prints all 18 fractional digits: dropping the trailing zeros gives the canonical text
        case DECIMAL_TEXT -> out.add("rtrim(rtrim(CAST(" + n + " AS VARCHAR), '0'), '.')");
        case KEY_ID -> {
          out.add("CASE WHEN regexp_full_match(" + n + ", " + INTEGER_ID_SQL + ") THEN CAST(" + n
              + " AS BIGINT) END");
          out.add("CASE WHEN NOT regexp_full_match(" + n + ", " + INTEGER_ID_SQL + ") THEN " + n + " END");
        }
        case RECV_LAG -> out.add(RECV + " - ts_ms * 1000");
        default -> out.add(n);
      }
    }
    return out;
  }

  /**
   * Checks what only this layout limits: the receive time must be expressible as a 64-bit lag
   * behind {@code ts_ms} (it is, for any time before the year 292,000).
   *
   * @param r a record of this table
   * @throws IllegalArgumentException when it is not
   */
  static void check(MarketRecord r) {
    recvLag(r);
  }

  /** @return the receive time's lag behind {@code ts_ms}, µs, as stored */
  static long recvLag(MarketRecord r) {
    try {
      return Math.subtractExact(r.recvTsUs(), Math.multiplyExact(r.tsMs(), 1000L));
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException("recv_ts_us " + r.recvTsUs() + " and ts_ms " + r.tsMs() + " out of range");
    }
  }

  /**
   * Appends one record's stored columns to the current row.
   *
   * @param app an appender on a table of this layout, in a row
   * @param r the record
   * @throws SQLException from the appender
   */
  void append(DuckDBAppender app, MarketRecord r) throws SQLException {
    for (Column c : schema.columns()) {
      Object v = c.value().apply(r);
      switch (form(c)) {
        case LEVELS -> appendLevels(app, v);
        case DECIMAL_TEXT -> {
          if (v == null) {
            app.appendNull();
          } else {
            app.append(Decimals.canonical(RecordLimits.fitDecimal((String) v)));
          }
        }
        case KEY_ID -> {
          String id = (String) v;
          if (INTEGER_ID.matcher(id).matches()) {
            app.append(Long.parseLong(id));
            app.appendNull();
          } else {
            app.appendNull();
            app.append(id);
          }
        }
        case RECV_LAG -> app.append(recvLag(r));
        default -> appendPlain(app, c.kind(), v);
      }
    }
  }

  private static void appendLevels(DuckDBAppender app, Object v) throws SQLException {
    if (v == null) {
      app.appendNull();
      app.appendNull();
      return;
    }
    @SuppressWarnings("unchecked")
    List<PriceLevel> levels = (List<PriceLevel>) v;
    StringBuilder px = new StringBuilder(levels.size() * 10);
    StringBuilder qty = new StringBuilder(levels.size() * 8);
    for (int i = 0; i < levels.size(); i++) {
      PriceLevel l = levels.get(i);
      px.append(i == 0 ? "" : ",").append(RecordLimits.fitDecimal(l.price()));
      qty.append(i == 0 ? "" : ",").append(RecordLimits.fitDecimal(l.quantity()));
    }
    app.append(px.toString());
    app.append(qty.toString());
  }

  private static void appendPlain(DuckDBAppender app, Column.Kind kind, Object v) throws SQLException {
    if (v == null) {
      app.appendNull();
      return;
    }
    switch (kind) {
      case UINT64, NULLABLE_UINT64 -> app.append(((Number) v).longValue());
      case INT32 -> app.append(((Number) v).intValue());
      case BOOL, NULLABLE_BOOL -> app.append((boolean) (Boolean) v);
      default -> app.append((String) v);
    }
  }

  /** @return the table order ({@link TableSchema#sortKey()}) of records */
  Comparator<MarketRecord> rowOrder() {
    return rowOrder;
  }

  private static Comparator<MarketRecord> tableOrder(TableSchema schema) {
    Comparator<MarketRecord> order = Comparator.<MarketRecord, String>comparing(r -> r.exchange().wire())
        .thenComparing(r -> r.marketType().wire())
        .thenComparing(MarketRecord::symbol)
        .thenComparingLong(MarketRecord::tsMs);
    for (String k : schema.keyColumns()) {
      Column key = schema.column(k);
      // nulls last, as the stores order them; the order only groups rows for compression
      @SuppressWarnings({"unchecked", "rawtypes"})
      Comparator<MarketRecord> byKey = Comparator.comparing(r -> (Comparable) key.value().apply(r),
          Comparator.nullsLast(Comparator.naturalOrder()));
      order = order.thenComparing(byKey);
    }
    return order;
  }
}
