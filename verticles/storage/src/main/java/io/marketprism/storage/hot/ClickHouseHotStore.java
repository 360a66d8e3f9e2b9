package io.marketprism.storage.hot;

import io.marketprism.model.DataType;
import io.marketprism.model.MarketRecord;
import io.marketprism.model.PriceLevel;
import io.marketprism.model.RecordJson;
import io.marketprism.storage.StorageOptions;
import io.marketprism.storage.cold.ClickHouseColdTier;
import io.marketprism.storage.cold.ColdTier;
import io.marketprism.storage.query.Cursor;
import io.marketprism.storage.query.KlineQuery;
import io.marketprism.storage.query.Page;
import io.marketprism.storage.query.RecordQuery;
import io.marketprism.storage.query.SqlFilter;
import io.marketprism.storage.query.TierPlan;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The server-mode hot tier: ClickHouse over HTTP, in SQL that runs on 18.16 and on current
 * releases. One {@code ReplacingMergeTree} table per data type, partitioned by UTC day
 * ({@code toYYYYMMDD} of {@code ts_ms}, epoch ms as {@code UInt64}: 18.16 has no DateTime64),
 * ordered by the identity so that a record stored twice collapses into one; queries
 * de-duplicate explicitly ({@code FINAL}, {@code LIMIT 1 BY}) so results never depend on
 * whether a merge has run. Prices and quantities are {@code Decimal(38,18)}.
 */
public final class ClickHouseHotStore implements HotStore {

  /** The partition expression, the same in both tiers. */
  public static final String PARTITION = "toYYYYMMDD(toDateTime(intDiv(ts_ms, 1000), 'UTC'))";

  private final Vertx vertx;
  private final ClickHouseHttp http;
  private final String db;
  private final String coldDb;
  private final ClickHouseColdTier cold;

  /**
   * @param vertx Vert.x
   * @param options storage options (URL, databases, timeout)
   */
  public ClickHouseHotStore(Vertx vertx, StorageOptions options) {
    this.vertx = vertx;
    this.http = new ClickHouseHttp(vertx, options.clickHouseUrl(), options.clickHouseTimeout());
    this.db = options.hotDatabase();
    this.coldDb = options.coldDatabase();
    this.cold = new ClickHouseColdTier(http, db, coldDb);
  }

  /**
   * @param database database name
   * @param s table schema
   * @return the CREATE TABLE statement
   */
  public static String createTable(String database, TableSchema s) {
    List<String> cols = new ArrayList<>();
    for (Column c : s.columns()) {
      switch (c.kind()) {
        case LEVELS -> {
          cols.add(c.name() + "_price Array(Decimal(38, 18))");
          cols.add(c.name() + "_qty Array(Decimal(38, 18))");
        }
        case STRING -> cols.add(c.name() + " String");
        case NULLABLE_STRING -> cols.add(c.name() + " Nullable(String)");
        case DECIMAL -> cols.add(c.name() + " Decimal(38, 18)");
        case NULLABLE_DECIMAL -> cols.add(c.name() + " Nullable(Decimal(38, 18))");
        case UINT64 -> cols.add(c.name() + " UInt64");
        case NULLABLE_UINT64 -> cols.add(c.name() + " Nullable(UInt64)");
        case INT32 -> cols.add(c.name() + " Int32");
        case BOOL -> cols.add(c.name() + " UInt8");
        default -> cols.add(c.name() + " Nullable(UInt8)");
      }
    }
    return "CREATE TABLE IF NOT EXISTS " + database + "." + s.table() + " (" + String.join(", ", cols)
        + ") ENGINE = ReplacingMergeTree PARTITION BY " + PARTITION + " ORDER BY (" + String.join(", ", s.sortKey())
        + ")";
  }

  @Override
  public Future<Void> start() {
    Future<?> chain = http.execute("CREATE DATABASE IF NOT EXISTS " + db)
        .compose(v -> http.execute("CREATE DATABASE IF NOT EXISTS " + coldDb));
    for (DataType t : DataType.values()) {
      TableSchema s = TableSchema.of(t);
      chain = chain.compose(v -> http.execute(createTable(db, s))).compose(v -> http.execute(createTable(coldDb, s)));
    }
    return chain.mapEmpty();
  }

  @Override
  public Future<Void> write(List<MarketRecord> records) {
    // encoding a batch is CPU work proportional to its size: done on a worker
    return vertx.executeBlocking(() -> encode(records), false).compose(rows -> {
      List<Future<Void>> inserts = new ArrayList<>();
      rows.forEach((t, body) -> inserts.add(http.insert("INSERT INTO " + db + "." + t.wire() + " FORMAT JSONEachRow",
          body)));
      return Future.all(inserts).mapEmpty();
    });
  }

  private static Map<DataType, Buffer> encode(List<MarketRecord> records) {
    Map<DataType, StringBuilder> rows = new EnumMap<>(DataType.class);
    for (MarketRecord r : records) {
      TableSchema s = TableSchema.of(r.dataType());
      row(s, r, rows.computeIfAbsent(r.dataType(), k -> new StringBuilder(256 * records.size())));
    }
    Map<DataType, Buffer> out = new EnumMap<>(DataType.class);
    rows.forEach((t, sb) -> out.put(t, Buffer.buffer(sb.toString())));
    return out;
  }

  /** One JSONEachRow line; decimals as JSON numbers (what 18.16 reads into Decimal). */
  private static void row(TableSchema s, MarketRecord r, StringBuilder out) {
    out.append('{');
    boolean first = true;
    for (Column c : s.columns()) {
      Object v = c.value().apply(r);
      if (c.kind() == Column.Kind.LEVELS) {
        @SuppressWarnings("unchecked")
        List<PriceLevel> levels = (List<PriceLevel>) v;
        out.append(first ? "" : ",").append('"').append(c.name()).append("_price\":[");
        for (int i = 0; i < levels.size(); i++) {
          out.append(i == 0 ? "" : ",").append(StoredValues.fitDecimal(levels.get(i).price()));
        }
        out.append("],\"").append(c.name()).append("_qty\":[");
        for (int i = 0; i < levels.size(); i++) {
          out.append(i == 0 ? "" : ",").append(StoredValues.fitDecimal(levels.get(i).quantity()));
        }
        out.append(']');
        first = false;
        continue;
      }
      out.append(first ? "" : ",").append('"').append(c.name()).append("\":");
      first = false;
      if (v == null) {
        out.append("null");
        continue;
      }
      switch (c.kind()) {
        case DECIMAL, NULLABLE_DECIMAL -> out.append(StoredValues.fitDecimal((String) v));
        case UINT64, NULLABLE_UINT64, INT32 -> out.append(((Number) v).longValue());
        case BOOL, NULLABLE_BOOL -> out.append((Boolean) v ? 1 : 0);
        default -> {
          if (v instanceof String str) {
            RecordJson.quote(out, str);
          } else {
            out.append(Json.encode(v));
          }
        }
      }
    }
    out.append("}\n");
  }

  /** The union of the tiers a plan reads, each filtered. */
  private String source(TableSchema s, TierPlan plan, String where, String cols, boolean finalTables) {
    List<String> parts = new ArrayList<>();
    String fin = finalTables ? " FINAL" : "";
    if (plan.hot() || plan.coldDays().isEmpty()) {
      parts.add("SELECT " + cols + " FROM " + db + "." + s.table() + fin + " WHERE " + where);
    }
    if (!plan.coldDays().isEmpty()) {
      parts.add("SELECT " + cols + " FROM " + coldDb + "." + s.table() + fin + " WHERE " + where);
    }
    return String.join(" UNION ALL ", parts);
  }

  @Override
  public Future<Page> records(RecordQuery q, TierPlan plan) {
    TableSchema s = TableSchema.of(q.type());
    SqlFilter f = SqlFilter.of(q);
    String cols = String.join(", ", s.physicalColumns());
    String sql = "SELECT " + cols + " FROM (" + source(s, plan, f.inline(), cols, false) + ") ORDER BY "
        + String.join(", ", s.resultOrder()) + " LIMIT 1 BY " + String.join(", ", s.identityKey()) + " LIMIT "
        + q.limit();
    return http.select(sql).map(rows -> {
      List<String> out = new ArrayList<>(rows.size());
      Cursor last = null;
      for (Map<String, Object> row : rows) {
        out.add(StoredValues.recordJson(s, row::get));
        last = new Cursor(Long.parseLong(row.get("ts_ms").toString()), (String) row.get("exchange"),
            (String) row.get("market_type"), (String) row.get("symbol"),
            s.keyColumn() == null ? null : row.get(s.keyColumn()).toString());
      }
      return new Page(out, out.size() == q.limit() ? last : null);
    });
  }

  @Override
  public Future<JsonArray> klines(KlineQuery q, TierPlan plan) {
    TableSchema s = TableSchema.of(DataType.TRADE);
    long ms = q.intervalMs();
    String sql = "SELECT intDiv(ts_ms, " + ms + ") * " + ms + " AS t, argMin(price, (ts_ms, trade_id)) AS o, "
        + "max(price) AS h, min(price) AS l, argMax(price, (ts_ms, trade_id)) AS c, sum(quantity) AS v, "
        + "sum(toDecimal128(price, " + Bars.PRODUCT_SCALE + ") * toDecimal128(quantity, " + Bars.PRODUCT_SCALE
        + ")) AS q, count() AS n FROM (" + source(s, plan, SqlFilter.of(q).inline(), "ts_ms, trade_id, price, quantity", true)
        + ") GROUP BY t ORDER BY t";
    return http.select(sql).map(rows -> {
      JsonArray bars = new JsonArray();
      for (Map<String, Object> r : rows) {
        bars.add(Bars.bar(Long.parseLong(r.get("t").toString()), dec(r.get("o")), dec(r.get("h")), dec(r.get("l")),
            dec(r.get("c")), dec(r.get("v")), dec(r.get("q")), Long.parseLong(r.get("n").toString())));
      }
      return bars;
    });
  }

  private static BigDecimal dec(Object v) {
    return v instanceof BigDecimal d ? d : new BigDecimal(v.toString());
  }

  @Override
  public Future<List<LocalDate>> days(DataType type) {
    return ClickHouseColdTier.days(http, db, type);
  }

  @Override
  public Future<Long> count(DataType type, LocalDate day) {
    return ClickHouseColdTier.count(http, db, type, day);
  }

  @Override
  public Future<Boolean> dropDay(DataType type, LocalDate day, long copiedCount) {
    // ClickHouse has no transaction around count and drop: the recount narrows the window to one round trip
    return count(type, day).compose(now -> now != copiedCount ? Future.succeededFuture(false)
        : http.execute("ALTER TABLE " + db + "." + type.wire() + " DROP PARTITION "
            + day.toString().replace("-", "")).map(true));
  }

  @Override
  public Future<JsonArray> stats() {
    return ClickHouseColdTier.stats(http, db, "hot");
  }

  @Override
  public ColdTier cold() {
    return cold;
  }

  @Override
  public Future<Void> close() {
    http.close();
    return Future.succeededFuture();
  }
}
