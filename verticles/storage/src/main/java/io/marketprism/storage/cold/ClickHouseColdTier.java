package io.marketprism.storage.cold;

import io.marketprism.model.DataType;
import io.marketprism.storage.hot.ClickHouseHttp;
import io.marketprism.storage.hot.ClickHouseHotStore;
import io.marketprism.storage.hot.TableSchema;
import io.marketprism.storage.query.SqlFilter;
import io.marketprism.storage.query.TierPlan;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The server-mode cold tier: a second ClickHouse database with the same tables. A day is copied
 * with {@code INSERT ... SELECT} of the records cold does not hold yet (so a copy repeated after a
 * crash or a failed drop adds no row twice), then the hot partition is dropped whole: no DELETE
 * mutations. Records of a day the archive closed are written here directly ({@link ClickHouseHotStore}).
 */
public final class ClickHouseColdTier implements ColdTier {

  /** The tables of the data types, in their order: what a cold database holds. */
  public static final List<String> DATA_TABLES = Arrays.stream(DataType.values()).map(DataType::wire).toList();

  private static final DateTimeFormatter PARTITION_ID = DateTimeFormatter.BASIC_ISO_DATE;

  private final ClickHouseHttp http;
  private final ClickHouseHttp queries;
  private final String hotDb;
  private final String coldDb;

  /**
   * @param http the ClickHouse client for the archive's copies and counts
   * @param queries the same with the timeout of user queries (the days and stats they read)
   * @param hotDb the hot database
   * @param coldDb the cold database
   */
  public ClickHouseColdTier(ClickHouseHttp http, ClickHouseHttp queries, String hotDb, String coldDb) {
    this.http = http;
    this.queries = queries;
    this.hotDb = hotDb;
    this.coldDb = coldDb;
  }

  /**
   * @param http client
   * @param db database
   * @param type data type
   * @return the days with active parts, oldest first
   */
  public static Future<List<LocalDate>> days(ClickHouseHttp http, String db, DataType type) {
    return days(http, db, type.wire());
  }

  /**
   * @param http client
   * @param db database
   * @param table a table partitioned by day ({@link ClickHouseHotStore#PARTITION})
   * @return the days with active parts, oldest first
   */
  public static Future<List<LocalDate>> days(ClickHouseHttp http, String db, String table) {
    return http.select("SELECT DISTINCT partition FROM system.parts WHERE active AND database = '" + db
        + "' AND table = '" + table + "' ORDER BY partition").map(rows -> rows.stream()
        .map(r -> LocalDate.parse(r.get("partition").toString().replace("'", ""), PARTITION_ID)).toList());
  }

  /**
   * @param http client
   * @param db database
   * @param type data type
   * @param day day
   * @return distinct records of the day
   */
  public static Future<Long> count(ClickHouseHttp http, String db, DataType type, LocalDate day) {
    return http.scalar("SELECT count() FROM " + db + "." + type.wire() + " FINAL WHERE " + dayFilter(day));
  }

  /**
   * @param http client
   * @param db database
   * @param tier tier name for the answer
   * @param tables the tables to report, in this order (each data type's, and what else the tier keeps)
   * @return rows, bytes on disk, uncompressed bytes and compression ratio per table
   */
  public static Future<JsonArray> stats(ClickHouseHttp http, String db, String tier, List<String> tables) {
    return http.select("SELECT table, sum(rows) AS rows, sum(bytes_on_disk) AS bytes, "
        + "sum(data_uncompressed_bytes) AS raw FROM system.parts "
        + "WHERE active AND database = '" + db + "' GROUP BY table").map(rows -> {
          JsonArray out = new JsonArray();
          for (String table : tables) {
            Map<String, Object> r = rows.stream().filter(x -> table.equals(x.get("table"))).findFirst().orElse(Map.of());
            long n = num(r.get("rows"));
            long bytes = num(r.get("bytes"));
            long raw = num(r.get("raw"));
            out.add(new JsonObject().put("table", table).put("tier", tier).put("engine", "clickhouse")
                .put("rows", n).put("bytes", bytes).put("uncompressed_bytes", raw)
                // against the bytes on disk (marks and indexes too), as the other engines' ratio: the two figures shown
                .put("compression", bytes == 0 ? null : Math.round(100.0 * raw / bytes) / 100.0));
          }
          return out;
        });
  }

  private static long num(Object v) {
    return v == null ? 0 : Long.parseLong(v.toString());
  }

  @Override
  public Future<List<LocalDate>> days(DataType type) {
    return days(queries, coldDb, type);
  }

  @Override
  public Future<Void> copyDay(DataType type, LocalDate day) {
    TableSchema s = TableSchema.of(type);
    String cols = ClickHouseHotStore.columnList(s);
    String where = dayFilter(day);
    // with the receive time: a copy of a stored identity received before it is copied too (the version keeps it)
    String ident = String.join(", ", ClickHouseHotStore.sortingKeyTerms(s, true)) + ", " + TableSchema.FIRST_COPY;
    // only the records cold lacks: a copy cut short, or repeated after a failed or refused drop or a
    // record that landed in hot alone, adds those and not the day again (ReplacingMergeTree would
    // hide a second copy from reads, not from stats, and merge it away some day if ever). The set
    // is what cold holds of the day: empty on a first copy, never more keys than the verification
    // groups. FINAL: hot's redeliveries in unmerged parts are copied once.
    // One copy of a day at a time: one this client stopped waiting for (a timeout, a crash) still runs
    // on the server, and a second one started meanwhile would not see its rows and add them again
    String queryId = copyQueryId(type, day);
    return http.executeAlone(queryId, "INSERT INTO " + coldDb + "." + s.table() + " (" + cols + ") SELECT " + cols
        + " FROM " + hotDb + "." + s.table() + " FINAL WHERE " + where + " AND (" + ident + ") NOT IN (SELECT " + ident
        + " FROM " + coldDb + "." + s.table() + " WHERE " + where + ")")
        .recover(e -> Future.failedFuture(e.getMessage() != null && e.getMessage().contains("Code: 216")
            ? new IllegalStateException("a copy of " + day + " started earlier is still running on ClickHouse (query id "
                + queryId + "); a run after it ends completes the day", e) : e))
        .mapEmpty();
  }

  /**
   * @param type a data type
   * @param day a UTC day
   * @return the ClickHouse query id of the copy of that day into this cold database: no two run at once
   */
  public String copyQueryId(DataType type, LocalDate day) {
    return "marketprism-archive-" + coldDb + "." + type.wire() + "-" + day.format(PARTITION_ID);
  }

  @Override
  public Future<Long> missing(DataType type, LocalDate day) {
    TableSchema s = TableSchema.of(type);
    String where = dayFilter(day);
    // the rows ReplacingMergeTree keeps apart (what count FINAL counts), by the sort key's terms, decimals as
    // text (18.16 cannot group a decimal beside a text column); each table read once
    List<String> key = ClickHouseHotStore.sortingKeyTerms(s, true);
    StringBuilder values = new StringBuilder();
    StringBuilder names = new StringBuilder();
    for (int i = 0; i < key.size(); i++) {
      values.append(i == 0 ? "" : ", ").append(key.get(i)).append(" AS k").append(i);
      names.append(i == 0 ? "" : ", ").append('k').append(i);
    }
    return http.scalar("SELECT count() FROM (SELECT " + names + ", max(in_cold) AS copied FROM (SELECT " + values
        + ", 0 AS in_cold FROM " + hotDb + "." + s.table() + " WHERE " + where + " UNION ALL SELECT " + values
        + ", 1 AS in_cold FROM " + coldDb + "." + s.table() + " WHERE " + where + ") GROUP BY " + names
        + ") WHERE copied = 0");
  }

  private static String dayFilter(LocalDate day) {
    return SqlFilter.day(day.toEpochDay() * TierPlan.DAY_MS).inline();
  }

  @Override
  public Future<Long> count(DataType type, LocalDate day) {
    return count(http, coldDb, type, day);
  }

  @Override
  public Future<JsonArray> stats() {
    return stats(queries, coldDb, "cold", DATA_TABLES);
  }
}
