package io.marketprism.storage.hot;

import io.marketprism.model.DataType;
import io.marketprism.platform.bus.BusMessage;
import io.marketprism.platform.http.Http;
import io.marketprism.platform.http.ServerUnavailableException;
import io.marketprism.storage.StorageOptions;
import io.marketprism.storage.cold.ClickHouseColdTier;
import io.marketprism.storage.cold.ColdTier;
import io.marketprism.storage.query.Cursor;
import io.marketprism.storage.query.KlineQuery;
import io.marketprism.storage.query.Page;
import io.marketprism.storage.query.RecordQuery;
import io.marketprism.storage.query.SqlFilter;
import io.marketprism.storage.query.TierPlan;
import io.marketprism.storage.query.TopPage;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The server-mode hot tier: ClickHouse over HTTP, in SQL that runs on 18.16 and on current
 * releases. One {@code ReplacingMergeTree} table per data type, partitioned by UTC day
 * ({@code toYYYYMMDD} of {@code ts_ms}, epoch ms as {@code UInt64}: 18.16 has no DateTime64),
 * ordered by the identity so that a record stored twice collapses into one; queries
 * de-duplicate explicitly ({@code FINAL}, {@code LIMIT 1 BY}) so results never depend on
 * whether a merge has run. Prices and quantities are {@code Decimal(38,18)}.
 *
 * <p>1-minute bars ({@link Bars}) live in a {@code ReplacingMergeTree} versioned by trade count
 * in the hot database, which archiving never drops: a recomputation always covers a superset of
 * the trades an earlier one saw, so the row with most trades is the newest, also when several
 * instances recompute one minute. The minutes a batch touched are logged
 * ({@code trade_bar_dirty}, with this writer's id and a sequence number) before the batch is
 * acknowledged, and each flush records the last sequence number it covered
 * ({@code trade_bar_flushed}): at start, logged minutes no flush covered (a writer that crashed)
 * are recomputed, and so are, before a kline query, the query's minutes that any writer (another
 * instance too) logged and did not flush yet. Log days older than {@link #LOG_DAYS} are dropped.
 *
 * <p>ClickHouse has no transaction around the archive's recount of a day and its
 * {@code DROP PARTITION}: a record of that day inserted in between, by this instance or another
 * one on the same server, would be dropped uncopied. So the archive first closes its days
 * ({@link #closeDaysBefore}, a row in {@code archive_fence}), and a writer puts the records of a
 * closed day into the cold database. Each writer reads the fence after every insert: a batch
 * routed by an older fence that put rows of a day closed meanwhile into hot writes them to cold
 * as well before it is acknowledged. Either the insert committed before the fence (and the copy,
 * which starts after it, takes it) or the check after it sees the fence; no clocks are compared
 * and no instance waits for another.
 *
 * <p>With {@code storage.hot.buffer_seconds} (the default in server mode), each data table has a
 * {@code Buffer} table in front ({@code {table}_buffer}): batches are inserted there and queries read
 * there (ClickHouse reads the table with what it holds), and ClickHouse writes it into the table as
 * one part when it is full or old enough. Without it every batch is a part of each table it touches,
 * and ClickHouse's merges rewrite a day's partition again and again to absorb small parts (at 300
 * records/s it wrote 7-8 MB/s to disk, about 40 times what came in). What a buffer holds is lost
 * when ClickHouse stops abruptly, like what it wrote and the machine did not sync yet: the storage
 * reads that span of the stream again after a restart ({@code replay_after_restart_ms} covers both).
 * A clean stop, a {@code DROP} and {@code OPTIMIZE} write a buffer out; the archive does so before
 * it reads a table's days.
 */
public final class ClickHouseHotStore implements HotStore {

  /**
   * The version column of every data table: {@code recv_ts_us} with its bits inverted, computed by
   * ClickHouse on insert (no insert names it), so that of the copies of one identity a merge keeps
   * the one received first ({@link TableSchema#copyOrder(char)}), as queries pick it before merges.
   */
  static final String VERSION = "first_copy";
  /** The engine of every data table, as {@code system.tables.engine_full} begins (spaces and quotes left out). */
  private static final String ENGINE = "ReplacingMergeTree(" + VERSION + ")";
  /** The name of the {@code Buffer} table in front of a data table: {@code {table}_buffer}. */
  static final String BUFFER_SUFFIX = "_buffer";
  /** What a table is renamed to while it is copied into one of a new sort key (see {@link #rekey}). */
  static final String EARLIER_KEY_SUFFIX = "_earlier_key";
  /** How often a start tries to re-key a table (see {@link #rekey}) before it fails. */
  static final int REKEY_ATTEMPTS = 12;
  /** The partition expression, the same in both tiers. */
  public static final String PARTITION = "toYYYYMMDD(toDateTime(intDiv(ts_ms, 1000), 'UTC'))";
  /** Days of bar log kept: a crashed writer's minutes are recovered by any start within them. */
  static final int LOG_DAYS = 2;
  /** Most minutes one recomputation names (ClickHouse parses at most 256 KiB of SQL). */
  private static final int CELLS_PER_STATEMENT = 1000;
  private static final String TRADE_COLS = "exchange, market_type, symbol, ts_ms, trade_id, price, quantity";
  private static final Logger LOG = LoggerFactory.getLogger(ClickHouseHotStore.class);
  /** A text's length in bytes, which orders a trade id before its text ({@link TableSchema#resultOrder(String)}). */
  private static final String BYTE_LENGTH = "length";
  /** The order of trades in a bar, its open first and its close last: as query results order them. */
  private static final String TRADE_ORDER = "(ts_ms, " + BYTE_LENGTH + "(trade_id), trade_id)";

  private final Vertx vertx;
  private final ClickHouseHttp http;
  /** The same client for user queries: they fail (503, naming ClickHouse) before the gateway gives up. */
  private final ClickHouseHttp queries;
  private final String url;
  private final String db;
  private final String coldDb;
  private final ClickHouseColdTier cold;
  /** {@code storage.hot.buffer_seconds}: the longest ClickHouse holds a data table's records in its buffer; 0: none. */
  private final long bufferSeconds;
  private final String writer = UUID.randomUUID().toString();
  private final BarCells dirty = new BarCells();
  private final AtomicBoolean flushScheduled = new AtomicBoolean();
  /** The last flush; flushes run one after another. */
  private Future<Void> flushing = Future.succeededFuture();
  private long prunedAtMs;
  /** The newest fence read: the days before it (midnight UTC, epoch ms) are closed to the hot database. */
  private volatile long closedBefore;

  /**
   * @param vertx Vert.x
   * @param options storage options (URL, databases, timeout)
   */
  public ClickHouseHotStore(Vertx vertx, StorageOptions options) {
    this.vertx = vertx;
    this.url = options.clickHouseUrl();
    this.http = new ClickHouseHttp(vertx, url, options.clickHouseUser(), options.clickHousePassword(),
        options.clickHouseTimeout());
    this.queries = http.withTimeout(options.queryTimeout());
    this.db = options.hotDatabase();
    this.coldDb = options.coldDatabase();
    this.cold = new ClickHouseColdTier(http.withTimeout(options.archiveStepTimeout()), queries, db, coldDb);
    this.bufferSeconds = options.hotBuffer().toSeconds();
  }

  /**
   * @param database database name
   * @param s table schema
   * @return the CREATE TABLE statement
   */
  public static String createTable(String database, TableSchema s) {
    List<String> cols = physicalColumnDefinitions(s);
    cols.add(VERSION + " UInt64 MATERIALIZED bitNot(" + TableSchema.FIRST_COPY + ")");
    return "CREATE TABLE IF NOT EXISTS " + database + "." + s.table() + " (" + String.join(", ", cols)
        + ") ENGINE = " + ENGINE + " PARTITION BY " + PARTITION + " ORDER BY (" + sortingKey(s) + ")";
  }

  /** @return the name and type of each column a data table is written with (not its version column) */
  private static List<String> physicalColumnDefinitions(TableSchema s) {
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
    return cols;
  }

  /**
   * The table's sort key, which is its de-duplication key: {@link TableSchema#sortKey()}, a
   * nullable column (a liquidation's side, price, quantity) as {@code isNull(c), assumeNotNull(c)}
   * since a ClickHouse sort key holds no nullable column: a null then stays apart from any value
   * and equal to another null. Spelled as ClickHouse shows it in {@code system.tables.sorting_key}.
   *
   * @param s table schema
   * @return the sort key expressions, comma-separated
   */
  public static String sortingKey(TableSchema s) {
    return String.join(", ", sortingKeyTerms(s, false));
  }

  /**
   * @param s table schema
   * @param decimalsAsText whether a decimal term is its text ({@code toString(c)}): ClickHouse 18.16
   *     crashes (the connection closes) grouping by a decimal together with a text column, which a
   *     liquidation's key has (side, price); as text the terms compare alike and can be grouped
   * @return the terms of {@link #sortingKey}: a nullable column as {@code isNull(c)} and
   *     {@code assumeNotNull(c)}, so a null equals a null (in an {@code IN} set too, where a bare null
   *     never matches) and stays apart from any value
   */
  public static List<String> sortingKeyTerms(TableSchema s, boolean decimalsAsText) {
    List<String> key = new ArrayList<>();
    for (String name : s.sortKey()) {
      Column.Kind kind = s.column(name).kind();
      String value = name;
      if (kind.nullable()) {
        key.add("isNull(" + name + ")");
        value = "assumeNotNull(" + name + ")";
      }
      boolean decimal = kind == Column.Kind.DECIMAL || kind == Column.Kind.NULLABLE_DECIMAL;
      key.add(decimalsAsText && decimal ? "toString(" + value + ")" : value);
    }
    return key;
  }


  /**
   * Gives a data table of another sort key than {@link #sortingKey}, or of an earlier version's
   * engine (without the version column {@link #VERSION}), that key and engine, keeping its rows,
   * also while other instances start on the same server and do the same (see {@link #rekeyStep}):
   * a step that fails because another start moved a table (renamed or dropped it first) is
   * retried, from what the tables are then, until the table has the key and no table of the
   * earlier key is left. Idempotent: nothing happens to a table of the right key and no renamed table.
   */
  private Future<Void> rekey(String database, TableSchema s) {
    return rekey(database, s, 1);
  }

  private Future<Void> rekey(String database, TableSchema s, int attempt) {
    return rekeyStep(database, s).transform(ar -> {
      if (ar.succeeded() && ar.result()) {
        return Future.succeededFuture();
      }
      if (attempt >= REKEY_ATTEMPTS) {
        return ar.failed() ? Future.failedFuture(ar.cause()) : Future.failedFuture(new IllegalStateException(
            database + "." + s.table() + " still has tables of an earlier sort key after " + attempt + " re-keyings"));
      }
      if (ar.failed()) {
        LOG.info("re-keying {}.{}: {} (another instance's start re-keys it too?); again from what the tables are now",
            database, s.table(), ar.cause().getMessage());
      }
      long delayMs = ar.failed() ? 50L * attempt + ThreadLocalRandom.current().nextLong(100) : 1;
      return vertx.timer(delayMs).compose(t -> rekey(database, s, attempt + 1));
    });
  }

  /**
   * One pass over the table and its renamed ones: a table of another key is renamed to a name of
   * its own ({@code {table}_earlier_key_{random}}, so two starts never take one name), a table of
   * the key is created, and each renamed table (this start's, another's, one a start that stopped
   * left) is copied into it whole, then dropped. No start drops the table by its name, and a
   * renamed one only after copying all of it: a renamed table takes no rows after its rename, and
   * what a copy puts in the table by its name stays there or, when another start renamed the table
   * meanwhile (it read the key before this start created it), goes with it into a renamed table that
   * start copies back. Two starts copying one table store its rows twice, which the table's key
   * absorbs as it does redelivered records.
   *
   * @return true when there was nothing to do: the table has the key and no renamed table exists
   */
  private Future<Boolean> rekeyStep(String database, TableSchema s) {
    String table = database + "." + s.table();
    String renamedPrefix = s.table() + EARLIER_KEY_SUFFIX;
    // key and engine read together, from one row: another start's new table is never taken for an earlier one
    return http.select("SELECT name, sorting_key, engine_full FROM system.tables WHERE database = "
        + SqlFilter.literal(database))
        .compose(rows -> {
          Object key = null;
          boolean versioned = false;
          List<String> renamed = new ArrayList<>();
          for (Map<String, Object> r : rows) {
            String name = r.get("name").toString();
            if (name.equals(s.table())) {
              key = r.get("sorting_key");
              versioned = unquoted(r.get("engine_full").toString()).startsWith(ENGINE);
            } else if (name.equals(renamedPrefix) || name.startsWith(renamedPrefix + "_")) {
              renamed.add(name);
            }
          }
          // a table of an earlier version has no version column: it kept any copy of an identity
          boolean earlierKey = key != null && (!spelledAlike(key.toString(), sortingKey(s)) || !versioned);
          if (!earlierKey && renamed.isEmpty()) {
            return Future.succeededFuture(true);
          }
          Future<Void> chain = Future.succeededFuture();
          if (earlierKey) {
            LOG.info("re-keying {} (sort key ({}) becomes ({}), versioned by {}), its rows copied", table, key,
                sortingKey(s), VERSION);
            String mine = renamedPrefix + "_" + UUID.randomUUID().toString().replace("-", "");
            renamed.add(mine);
            chain = http.execute("RENAME TABLE " + table + " TO " + database + "." + mine).mapEmpty();
          }
          chain = chain.compose(v -> http.execute(createTable(database, s)).mapEmpty());
          for (String name : renamed) {
            String from = database + "." + name;
            chain = chain.compose(v -> copyDays(s, from, table))
                .compose(v -> http.execute("DROP TABLE IF EXISTS " + from).mapEmpty());
          }
          return chain.map(v -> {
            LOG.info("{} re-keyed", table);
            return false;
          });
        });
  }

  /** Whether two sort keys are the same but for spaces and back quotes (a release may print them otherwise). */
  private static boolean spelledAlike(String a, String b) {
    return unquoted(a).equals(unquoted(b));
  }

  /** @return the text without spaces and back quotes, as {@link #ENGINE} is spelled */
  private static String unquoted(String a) {
    return a.replaceAll("[\\s`]", "");
  }

  /**
   * Copies every row of a data table into another of its schema, one day (partition) per statement.
   * A column the source lacks (one a later version added: a ticker's {@code update_id}) takes its default, null.
   */
  private Future<Void> copyDays(TableSchema s, String from, String to) {
    int dot = from.indexOf('.');
    return http.select("SELECT name FROM system.columns WHERE database = " + SqlFilter.literal(from.substring(0, dot))
        + " AND table = " + SqlFilter.literal(from.substring(dot + 1))).compose(rows -> {
          List<String> has = rows.stream().map(r -> r.get("name").toString()).toList();
          List<String> both = s.physicalColumns().stream().filter(has::contains).toList();
          return copyDays(from, to, "`" + String.join("`, `", both) + "`");
        });
  }

  private Future<Void> copyDays(String from, String to, String cols) {
    int dot = from.indexOf('.');
    return ClickHouseColdTier.days(http, from.substring(0, dot), from.substring(dot + 1)).compose(days -> {
      Future<Void> chain = Future.succeededFuture();
      for (LocalDate day : days) {
        chain = chain.compose(v -> http.execute("INSERT INTO " + to + " (" + cols + ") SELECT " + cols + " FROM " + from
            + " WHERE " + SqlFilter.day(day.toEpochDay() * TierPlan.DAY_MS).inline()).mapEmpty());
      }
      return chain;
    });
  }

  /**
   * @param s table schema
   * @return its physical columns for a SELECT or INSERT list, back-quoted ({@code interval} is a keyword)
   */
  public static String columnList(TableSchema s) {
    return "`" + String.join("`, `", s.physicalColumns()) + "`";
  }

  /**
   * @param database database name
   * @param table a data table
   * @param seconds the longest the buffer holds a record
   * @return the engine of its buffer: one layer (one writer per instance, batches in order), written out
   *     when it is a quarter of {@code seconds} old and holds 100,000 rows and 16 MiB, or when it is
   *     {@code seconds} old, or holds a million rows or 64 MiB
   */
  static String bufferEngine(String database, String table, long seconds) {
    return "Buffer(" + database + ", " + table + ", 1, " + Math.max(1, seconds / 4) + ", " + seconds
        + ", 100000, 1000000, 16777216, 67108864)";
  }

  /**
   * Puts a buffer of the configured engine and of the table's columns in front of a data table, or
   * drops the one an earlier configuration left (which writes what it holds into the table). A buffer
   * of other columns (the table was re-keyed with a column added) or of another engine is dropped
   * first and created again; an instance writing into it meanwhile fails its batch, which is retried.
   */
  private Future<Void> placeBuffer(TableSchema s) {
    String bufferName = s.table() + BUFFER_SUFFIX;
    String table = db + "." + s.table();
    String buffer = db + "." + bufferName;
    if (bufferSeconds == 0) {
      return http.execute("DROP TABLE IF EXISTS " + buffer).mapEmpty();
    }
    String engine = bufferEngine(db, s.table(), bufferSeconds);
    return Future.all(
        http.select("SELECT engine_full FROM system.tables WHERE database = " + SqlFilter.literal(db) + " AND name = "
            + SqlFilter.literal(bufferName)),
        http.select("SELECT table, name, type FROM system.columns WHERE database = " + SqlFilter.literal(db)
            + " AND table IN (" + SqlFilter.literal(s.table()) + ", " + SqlFilter.literal(bufferName) + ")"))
        .compose(found -> {
          List<Map<String, Object>> engines = found.resultAt(0);
          List<Map<String, Object>> columns = found.resultAt(1);
          if (engines.isEmpty()) {
            return createBuffer(buffer, s, engine);
          }
          // the version column is the table's own (computed as rows go in), so a buffer has all the others
          List<String> ofTable = columnsOf(columns, s.table()).stream().filter(c -> !c.startsWith(VERSION + " ")).toList();
          List<String> ofBuffer = columnsOf(columns, bufferName);
          String has = engines.get(0).get("engine_full").toString().replaceAll("[\\s`']", "");
          if (has.equals(engine.replace(" ", "")) && ofTable.equals(ofBuffer)) {
            return Future.succeededFuture();
          }
          LOG.info("{} is {} with columns {}; writing it out and placing {} with the columns of {}", buffer, has,
              ofBuffer, engine, table);
          return http.execute("DROP TABLE IF EXISTS " + buffer).compose(v -> createBuffer(buffer, s, engine));
        });
  }

  private Future<Void> createBuffer(String buffer, TableSchema s, String engine) {
    return http.execute("CREATE TABLE IF NOT EXISTS " + buffer + " (" + String.join(", ", physicalColumnDefinitions(s))
        + ") ENGINE = " + engine).mapEmpty();
  }

  private static List<String> columnsOf(List<Map<String, Object>> columns, String table) {
    return columns.stream().filter(c -> table.equals(c.get("table"))).map(c -> c.get("name") + " " + c.get("type")).toList();
  }

  /** @return where batches are inserted into a hot table and queries read it: its buffer, if it has one */
  private String hotTable(String table) {
    return db + "." + table + (bufferSeconds > 0 ? BUFFER_SUFFIX : "");
  }

  @Override
  public Future<Void> flushBuffered(DataType type) {
    return bufferSeconds == 0 ? Future.succeededFuture()
        : http.execute("OPTIMIZE TABLE " + hotTable(type.wire())).mapEmpty();
  }

  @Override
  public Future<Void> start() {
    // a connection that failed names the key of the address; a refused login names its own keys already
    Future<?> chain = http.execute("CREATE DATABASE IF NOT EXISTS " + db)
        .recover(e -> Future.failedFuture(e instanceof ServerUnavailableException && Http.unreachable(e.getCause()) != null
            ? new IllegalStateException("ClickHouse at " + url + " (storage.hot.url) does not answer: "
                + e.getCause().getMessage(), e) : e))
        .compose(v -> http.execute("CREATE DATABASE IF NOT EXISTS " + coldDb));
    for (DataType t : DataType.values()) {
      TableSchema s = TableSchema.of(t);
      chain = chain.compose(v -> rekey(db, s)).compose(v -> rekey(coldDb, s))
          .compose(v -> http.execute(createTable(db, s))).compose(v -> http.execute(createTable(coldDb, s)))
          .compose(v -> placeBuffer(s));
    }
    String logPartition = " PARTITION BY toYYYYMMDD(toDateTime(intDiv(logged_ms, 1000), 'UTC'))";
    return chain.compose(v -> http.scalar("EXISTS TABLE " + db + "." + Bars.TABLE))
        .compose(exists -> http.execute("CREATE TABLE IF NOT EXISTS " + db + "." + Bars.TABLE + " (exchange String, "
            + "market_type String, symbol String, open_time_ms UInt64, open Decimal(38, 18), high Decimal(38, 18), "
            + "low Decimal(38, 18), close Decimal(38, 18), volume_units Decimal(38, 0), "
            + "volume_fraction Decimal(38, 18), quote_units Decimal(38, 0), " + quoteFractionColumns()
            + "trade_count UInt64) ENGINE = "
            + "ReplacingMergeTree(trade_count) PARTITION BY "
            + "toYYYYMM(toDateTime(intDiv(open_time_ms, 1000), 'UTC')) ORDER BY (exchange, market_type, symbol, "
            + "open_time_ms)")
            .compose(v -> http.execute("CREATE TABLE IF NOT EXISTS " + db + ".trade_bar_dirty (writer String, "
                + "seq UInt64, logged_ms UInt64, exchange String, market_type String, symbol String, minute_ms UInt64) "
                + "ENGINE = MergeTree" + logPartition + " ORDER BY (writer, seq)"))
            .compose(v -> http.execute("CREATE TABLE IF NOT EXISTS " + db + ".trade_bar_flushed (writer String, "
                + "upto_seq UInt64, logged_ms UInt64) ENGINE = MergeTree" + logPartition + " ORDER BY writer"))
            .compose(v -> http.execute("CREATE TABLE IF NOT EXISTS " + db + ".archive_fence (before_ms UInt64, "
                + "set_ms UInt64) ENGINE = MergeTree ORDER BY before_ms"))
            .compose(v -> readFence())
            .compose(v -> exists == 1 ? Future.succeededFuture() : backfillBars())
            .compose(v -> dropEarlierBarTables()))
        .compose(v -> recoverLoggedCells())
        .compose(v -> flush())
        .compose(v -> pruneLog(System.currentTimeMillis()));
  }

  private static String quoteFractionColumns() {
    StringBuilder sb = new StringBuilder();
    Bars.QUOTE_FRACTIONS.forEach((name, scale) -> sb.append(name).append(" Decimal(38, ").append(scale).append("), "));
    return sb.toString();
  }

  private Future<Void> dropEarlierBarTables() {
    Future<Void> chain = Future.succeededFuture();
    for (String earlier : Bars.EARLIER_TABLES) {
      chain = chain.compose(v -> http.execute("DROP TABLE IF EXISTS " + db + "." + earlier).mapEmpty());
    }
    return chain;
  }

  /** Bars for every stored day (the bars table was created over existing trades), one day per statement. */
  private Future<Void> backfillBars() {
    return Future.all(days(DataType.TRADE), cold.days(DataType.TRADE)).compose(all -> {
      List<LocalDate> hotDays = all.resultAt(0);
      List<LocalDate> coldDays = all.resultAt(1);
      java.util.TreeSet<LocalDate> days = new java.util.TreeSet<>(hotDays);
      days.addAll(coldDays);
      Future<Void> chain = Future.succeededFuture();
      for (LocalDate day : days) {
        String where = SqlFilter.day(day.toEpochDay() * TierPlan.DAY_MS).inline();
        // a day in both tiers (an archive interrupted before its drop) is de-duplicated across them; else FINAL
        String source = hotDays.contains(day) && coldDays.contains(day) ? bothTiers(where)
            : "SELECT " + TRADE_COLS + " FROM " + (hotDays.contains(day) ? db : coldDb) + ".trade FINAL WHERE " + where;
        chain = chain.compose(v -> http.execute(insertBars(source)).mapEmpty());
      }
      return chain;
    });
  }

  /** The trades of both tiers that match, each identity (the table's sort key) once: its copy received first. */
  private String bothTiers(String where) {
    TableSchema s = TableSchema.of(DataType.TRADE);
    String cols = columnList(s);
    return "SELECT " + TRADE_COLS + " FROM (SELECT " + cols + " FROM " + hotTable("trade") + " WHERE " + where
        + " UNION ALL SELECT " + cols + " FROM " + coldDb + ".trade WHERE " + where + ") ORDER BY "
        + s.copyOrder('`') + " LIMIT 1 BY " + String.join(", ", s.sortKey());
  }

  private String insertBars(String trades) {
    return "INSERT INTO " + db + "." + Bars.TABLE + " SELECT exchange, market_type, symbol, intDiv(ts_ms, 60000) * 60000 "
        + "AS open_time_ms, argMin(price, " + TRADE_ORDER + "), max(price), min(price), argMax(price, " + TRADE_ORDER + "), "
        + unitsAndFraction("quantity") + ", " + Bars.quoteSums(v -> "toDecimal128(" + v + ", " + Bars.PRODUCT_SCALE
        + ")", ClickHouseHotStore::units) + ", count() FROM (" + trades
        + ") GROUP BY exchange, market_type, symbol, open_time_ms";
  }

  /** The sums of a decimal's whole units and of its fractions (see {@link Bars}). */
  private static String unitsAndFraction(String value) {
    return "sum(" + units(value) + "), sum(" + value + " - " + units(value) + ")";
  }

  /** A decimal's whole units: truncated, so they are no larger than the value and the subtraction's type holds them. */
  private static String units(String value) {
    return "toDecimal128(" + value + ", 0)";
  }

  /** Minutes logged by any writer and covered by none of its flushes (it stopped before flushing). */
  private Future<Void> recoverLoggedCells() {
    return loggedUnflushed("").map(cells -> {
      if (!cells.isEmpty()) {
        LOG.info("recomputing {} minutes of bars logged but not flushed", cells.size());
      }
      dirty.add(cells);
      return null;
    });
  }

  /**
   * @param and more conditions on the log ({@code AND ...}), or empty
   * @return the minutes a writer logged and none of its flushes covered yet: pending with a
   *     running writer (the next flush recomputes them) or a crashed one's
   */
  private Future<List<BarCells.Cell>> loggedUnflushed(String and) {
    return http.select("SELECT DISTINCT exchange, market_type, symbol, minute_ms FROM " + db + ".trade_bar_dirty "
        + "ANY LEFT JOIN (SELECT writer, max(upto_seq) AS done FROM " + db + ".trade_bar_flushed GROUP BY writer) AS flushed "
        + "USING writer WHERE seq > done" + and).map(rows -> {
          List<BarCells.Cell> cells = new ArrayList<>();
          for (Map<String, Object> r : rows) {
            cells.add(new BarCells.Cell((String) r.get("exchange"), (String) r.get("market_type"),
                (String) r.get("symbol"), Long.parseLong(r.get("minute_ms").toString())));
          }
          return cells;
        });
  }

  /** Drops log days older than {@link #LOG_DAYS} (whole partitions: no mutations). */
  private Future<Void> pruneLog(long nowMs) {
    prunedAtMs = nowMs;
    String oldest = LocalDate.ofEpochDay(Math.floorDiv(nowMs, TierPlan.DAY_MS) - LOG_DAYS).toString().replace("-", "");
    return http.select("SELECT DISTINCT table, partition FROM system.parts WHERE active AND database = '" + db
        + "' AND table IN ('trade_bar_dirty', 'trade_bar_flushed') AND partition < '" + oldest + "'").compose(rows -> {
          Future<Void> chain = Future.succeededFuture();
          for (Map<String, Object> r : rows) {
            String part = r.get("partition").toString().replace("'", "");
            chain = chain.compose(v -> http.execute("ALTER TABLE " + db + "." + r.get("table") + " DROP PARTITION "
                + Long.parseLong(part)).mapEmpty());
          }
          return chain;
        });
  }

  /**
   * Recomputes the pending minutes of this writer, after the flush before it.
   *
   * @return completes when their bars are stored
   */
  private synchronized Future<Void> flush() {
    flushing = flushing.transform(ar -> flushNow());
    return flushing;
  }

  private Future<Void> flushNow() {
    if (dirty.isEmpty()) {
      return Future.succeededFuture();
    }
    BarCells.Drained d = dirty.drain();
    Future<Void> chain = Future.succeededFuture();
    for (int i = 0; i < d.cells().size(); i += CELLS_PER_STATEMENT) {
      List<BarCells.Cell> part = d.cells().subList(i, Math.min(d.cells().size(), i + CELLS_PER_STATEMENT));
      chain = chain.compose(v -> http.execute(insertBars(bothTiers(cellFilter(part)))).mapEmpty());
    }
    long now = System.currentTimeMillis();
    return chain
        .compose(v -> http.insert("INSERT INTO " + db + ".trade_bar_flushed FORMAT JSONEachRow", Buffer.buffer(
            "{\"writer\":\"" + writer + "\",\"upto_seq\":" + d.maxSeq() + ",\"logged_ms\":" + now + "}\n")))
        .compose(v -> now - prunedAtMs > TierPlan.DAY_MS / 24 ? pruneLog(now) : Future.succeededFuture())
        .onFailure(e -> dirty.add(d.cells()));
  }

  /**
   * The trades of the cells: their minutes as time ranges (for the index), then the cells
   * themselves. A symbol is whatever a stored trade holds: one the query API would refuse must not
   * fail the statement, or no bar of its batch would ever be recomputed again (nor any kline answered).
   */
  private static String cellFilter(List<BarCells.Cell> cells) {
    StringBuilder w = new StringBuilder("(");
    List<long[]> ranges = BarCells.ranges(cells);
    for (int i = 0; i < ranges.size(); i++) {
      w.append(i == 0 ? "" : " OR ").append("(ts_ms >= ").append(ranges.get(i)[0]).append(" AND ts_ms < ")
          .append(ranges.get(i)[1]).append(')');
    }
    w.append(") AND (exchange, market_type, symbol, intDiv(ts_ms, 60000) * 60000) IN (");
    for (int i = 0; i < cells.size(); i++) {
      BarCells.Cell c = cells.get(i);
      w.append(i == 0 ? "" : ", ").append('(').append(SqlFilter.literal(c.exchange())).append(", ")
          .append(SqlFilter.literal(c.marketType())).append(", ").append(SqlFilter.literal(c.symbol())).append(", ")
          .append(c.minuteMs()).append(')');
    }
    return w.append(')').toString();
  }

  private void scheduleFlush() {
    if (!dirty.isEmpty() && flushScheduled.compareAndSet(false, true)) {
      vertx.setTimer(Bars.FLUSH_DELAY_MS, t -> {
        flushScheduled.set(false);
        flush().onFailure(e -> LOG.warn("bars not recomputed yet ({}); the next flush retries", e.getMessage()));
      });
    }
  }

  /** A batch as RowBinary rows per table and day, with the minutes its trades touch. */
  private static final class Rows extends Batch {
    private final Map<RowBinaryTranscoder.TableDay, Buffer> tables;
    private final Set<BarCells.Cell> cells = new LinkedHashSet<>();
    /** Per trade subject, the minute of its last trade. */
    private final Map<String, Long> lastMinute = new HashMap<>();

    Rows(List<BusMessage> messages) {
      super(messages.size());
      RowBinaryTranscoder rows = new RowBinaryTranscoder(messages);
      for (BusMessage m : messages) {
        try {
          DataType type = rows.add(m.subject(), m.json());
          kept(rows.subject(), rows.tsMs(), rows.recvTsUs(), m.json(), rows.identityKey());
          if (type == DataType.TRADE) {
            cell(rows.subject(), rows.tsMs());
          }
        } catch (IllegalArgumentException e) {
          rejected(m.subject(), e.getMessage());
        }
      }
      tables = rows.rows();
    }

    /**
     * Notes the bar cell of a trade; the trades of one subject and minute make one cell, known by
     * the subject without splitting it again for each.
     */
    private void cell(String subject, long tsMs) {
      long minute = Bars.minute(tsMs);
      Long last = lastMinute.get(subject);
      if (last == null || last != minute) {
        lastMinute.put(subject, minute);
        cells.add(BarCells.Cell.of(subject, tsMs));
      }
    }
  }

  @Override
  public Batch prepare(List<BusMessage> messages) {
    return new Rows(messages);
  }

  @Override
  public Future<Void> write(Batch batch) {
    Rows rows = (Rows) batch;
    Map<RowBinaryTranscoder.TableDay, Buffer> intoHot = new LinkedHashMap<>();
    List<Future<Void>> inserts = new ArrayList<>();
    long closed = closedBefore;
    rows.tables.forEach((t, body) -> {
      if (closedDay(t, closed)) {
        inserts.add(insert(coldDb + "." + t.type().wire(), body));
      } else {
        intoHot.put(t, body);
        inserts.add(insert(hotTable(t.type().wire()), body));
      }
    });
    // a day closed while the batch was routed: the archive may have counted it already, cold must hold them too
    return Future.all(inserts).compose(v -> readFence()).compose(fence -> {
      List<Future<Void>> late = new ArrayList<>();
      intoHot.forEach((t, body) -> {
        if (closedDay(t, fence)) {
          late.add(insert(coldDb + "." + t.type().wire(), body));
        }
      });
      return Future.all(late);
    }).compose(v -> logTouchedMinutes(rows.cells));
  }

  private static boolean closedDay(RowBinaryTranscoder.TableDay t, long closedBefore) {
    return t.day() * TierPlan.DAY_MS < closedBefore;
  }

  private Future<Void> insert(String table, Buffer body) {
    return http.insert("INSERT INTO " + table + " FORMAT RowBinary", body);
  }

  /** @return the fence: the days before it are closed (see {@link #closeDaysBefore}) */
  private Future<Long> readFence() {
    return http.scalar("SELECT max(before_ms) FROM " + db + ".archive_fence").map(fence -> {
      closedBefore = Math.max(closedBefore, fence);
      return closedBefore;
    });
  }

  @Override
  public Future<Void> closeDaysBefore(long dayStartMs) {
    return readFence().compose(fence -> fence >= dayStartMs ? Future.succeededFuture()
        : http.insert("INSERT INTO " + db + ".archive_fence FORMAT JSONEachRow", Buffer.buffer("{\"before_ms\":"
            + dayStartMs + ",\"set_ms\":" + System.currentTimeMillis() + "}\n")).compose(v -> readFence().mapEmpty()));
  }

  /** Logs the minutes of the committed trades not pending yet, so that a crash before the flush loses none. */
  private Future<Void> logTouchedMinutes(Set<BarCells.Cell> cells) {
    Map<BarCells.Cell, Long> touched = dirty.add(cells);
    if (touched.isEmpty()) {
      return Future.succeededFuture();
    }
    StringBuilder rows = new StringBuilder();
    long now = System.currentTimeMillis();
    touched.forEach((c, seq) -> rows.append("{\"writer\":\"").append(writer).append("\",\"seq\":").append(seq)
        .append(",\"logged_ms\":").append(now).append(",\"exchange\":").append(Json.encode(c.exchange()))
        .append(",\"market_type\":").append(Json.encode(c.marketType())).append(",\"symbol\":")
        .append(Json.encode(c.symbol())).append(",\"minute_ms\":").append(c.minuteMs()).append("}\n"));
    return http.insert("INSERT INTO " + db + ".trade_bar_dirty FORMAT JSONEachRow", Buffer.buffer(rows.toString()))
        .onSuccess(v -> scheduleFlush())
        .onFailure(e -> dirty.forget(touched));
  }

  /** The union of the tiers a plan reads, each filtered. */
  private String source(TableSchema s, TierPlan plan, String where, String cols) {
    List<String> parts = new ArrayList<>();
    parts.add("SELECT " + cols + " FROM " + hotTable(s.table()) + " WHERE " + where);
    if (!plan.coldDays().isEmpty()) {
      parts.add("SELECT " + cols + " FROM " + coldDb + "." + s.table() + " WHERE " + where);
    }
    return String.join(" UNION ALL ", parts);
  }

  @Override
  public Future<Page> records(RecordQuery q, TierPlan plan) {
    TableSchema s = TableSchema.of(q.type());
    return TopPage.read(q, true, w -> firstRows(w, s, plan), () -> allRows(q, s, plan));
  }

  /**
   * The page of the first rows of the range in result order ({@link TopPage}), or null when they
   * answer nothing. ClickHouse keeps of the copies of an identity the first in that order, which
   * the first rows hold wherever the others lie.
   */
  private Future<Page> firstRows(RecordQuery q, TableSchema s, TierPlan plan) {
    String cols = columnList(s);
    int n = TopPage.rows(q.limit());
    String where = (s.arrivalOrdered() ? SqlFilter.fromCursorTime(q) : SqlFilter.of(q, BYTE_LENGTH)).inline();
    String after = s.arrivalOrdered() && q.cursor() != null
        ? ", " + SqlFilter.afterCursor(q, BYTE_LENGTH).inline() + " AS " + TopPage.AFTER : "";
    String sql = "SELECT " + cols + after + " FROM (" + source(s, plan, where, cols) + ") ORDER BY "
        + String.join(", ", s.resultOrder(BYTE_LENGTH)) + ", " + s.copyOrder('`') + " LIMIT " + n;
    return queries.select(sql, rows -> TopPage.page(q, s, rows, n, true));
  }

  /** The page of the full query: every row of the range sorted, each identity once (and one more, to know whether one follows). */
  private Future<Page> allRows(RecordQuery q, TableSchema s, TierPlan plan) {
    String cols = columnList(s);
    String order = String.join(", ", s.resultOrder(BYTE_LENGTH));
    // of the copies of one identity (unmerged, or in both tiers) the one received first, as merges keep it
    String firstCopies = " ORDER BY " + order + ", " + s.copyOrder('`') + " LIMIT 1 BY " + String.join(", ", s.identityKey());
    String sql = s.arrivalOrdered()
        // the copies chosen first, then the cursor's position: a later copy of a record before it is not after it
        ? "SELECT " + cols + " FROM (SELECT " + cols + " FROM (" + source(s, plan, SqlFilter.fromCursorTime(q).inline(), cols)
            + ")" + firstCopies + ") WHERE " + SqlFilter.afterCursor(q, BYTE_LENGTH).inline() + " ORDER BY " + order
            + " LIMIT " + (q.limit() + 1)
        : "SELECT " + cols + " FROM (" + source(s, plan, SqlFilter.of(q, BYTE_LENGTH).inline(), cols) + ")" + firstCopies
            + " LIMIT " + (q.limit() + 1);
    return queries.select(sql, rows -> TopPage.of(q, s, rows));
  }

  @Override
  public Future<JsonArray> klines(KlineQuery q) {
    long ms = q.intervalMs();
    String sql = "SELECT intDiv(open_time_ms, " + ms + ") * " + ms + " AS t, argMin(open, open_time_ms) AS o, "
        + "max(high) AS h, min(low) AS l, argMax(close, open_time_ms) AS c, sum(volume_units) AS vu, "
        + "sum(volume_fraction) AS vf, sum(quote_units) AS qu, "
        + "sum(quote_fraction) AS qf, sum(quote_cross_fraction) AS qc, sum(quote_tiny) AS qt, "
        + "sum(trade_count) AS n FROM " + db + "." + Bars.TABLE + " FINAL WHERE " + SqlFilter.of(q).inline()
        + " GROUP BY t ORDER BY t";
    // the query's minutes still pending with any writer (another instance's too) are recomputed first,
    // so the bars answered include every committed trade however long a flush waits
    return loggedUnflushed(" AND " + SqlFilter.minutes(q, "minute_ms").inline()).compose(cells -> {
      dirty.add(cells);
      return flush();
    }).compose(v -> queries.select(sql, rows -> {
      JsonArray bars = new JsonArray();
      for (Map<String, Object> r : rows) {
        bars.add(Bars.bar(Long.parseLong(r.get("t").toString()), dec(r.get("o")), dec(r.get("h")), dec(r.get("l")),
            dec(r.get("c")), dec(r.get("vu")).add(dec(r.get("vf"))), dec(r.get("qu")).add(dec(r.get("qf")))
            .add(dec(r.get("qc"))).add(dec(r.get("qt"))),
            Long.parseLong(r.get("n").toString())));
      }
      return bars;
    }));
  }

  private static BigDecimal dec(Object v) {
    return v instanceof BigDecimal d ? d : new BigDecimal(v.toString());
  }

  @Override
  public Future<List<LocalDate>> days(DataType type) {
    return ClickHouseColdTier.days(queries, db, type);
  }

  @Override
  public Future<Long> newestTime(RecordQuery q, TierPlan plan) {
    // max() of no rows is 0 here, not NULL; no record has time 0
    return queries.scalar("SELECT max(ts_ms) FROM (" + source(TableSchema.of(q.type()), plan, SqlFilter.of(q, BYTE_LENGTH).inline(),
        "ts_ms") + ")").map(t -> t == 0 ? null : t);
  }

  @Override
  public Future<Long> count(DataType type, LocalDate day) {
    return ClickHouseColdTier.count(http, db, type, day);
  }

  @Override
  public Future<Boolean> dropDay(DataType type, LocalDate day, long copiedCount) {
    // a record of the day written from the recount on goes to cold too: the day is closed (see closeDaysBefore)
    return count(type, day).compose(now -> now != copiedCount ? Future.succeededFuture(false)
        : http.execute("ALTER TABLE " + db + "." + type.wire() + " DROP PARTITION " + day.toString().replace("-", ""))
            .map(true));
  }

  @Override
  public Future<Void> ping(long timeoutMs) {
    return http.execute("SELECT 1", timeoutMs).mapEmpty();
  }

  @Override
  public Future<Long> unsyncedServerStartMs(long timeoutMs) {
    // ClickHouse writes a part's files without syncing them (18.16 has no setting for it; later versions do not by
    // default); its start by its own clock, so that two of its answers compare exactly
    return http.execute("SELECT toUInt64(now()) - uptime()", timeoutMs).map(s -> Long.parseLong(s.trim()) * 1000);
  }

  @Override
  public Future<JsonArray> stats() {
    List<String> tables = new ArrayList<>(ClickHouseColdTier.DATA_TABLES);
    tables.add(Bars.TABLE);
    return ClickHouseColdTier.stats(queries, db, "hot", tables);
  }

  @Override
  public ColdTier cold() {
    return cold;
  }

  @Override
  public Future<Void> close() {
    // minutes not flushed are in the log: the next start recomputes them
    return flush().recover(e -> Future.succeededFuture()).eventually(() -> {
      http.close();
      return Future.succeededFuture();
    });
  }
}
