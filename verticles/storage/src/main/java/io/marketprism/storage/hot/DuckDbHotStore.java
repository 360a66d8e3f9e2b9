package io.marketprism.storage.hot;

import io.marketprism.model.DataType;
import io.marketprism.model.MarketRecord;
import io.marketprism.model.RecordLimits;
import io.marketprism.model.TradeRecord;
import io.marketprism.platform.bus.BusMessage;
import io.marketprism.storage.cold.ColdTier;
import io.marketprism.storage.cold.ParquetColdTier;
import io.marketprism.storage.query.Cursor;
import io.marketprism.storage.query.KlineQuery;
import io.marketprism.storage.query.Page;
import io.marketprism.storage.query.RecordQuery;
import io.marketprism.storage.query.SqlFilter;
import io.marketprism.storage.query.TierPlan;
import io.marketprism.storage.query.TopPage;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The embedded hot tier: DuckDB in one local file, one table per data type with no index (an
 * ART primary key costs memory per row and slows every insert). A batch is de-duplicated by
 * identity in memory, then checked against what the writer knows of the table
 * ({@link StoredMarks}: the newest {@code ts_ms} per instrument and, for trades and books, the ids
 * stored in the minute before it): records at or after that time whose identity is not among
 * those are appended straight into the table with the Appender, which is the whole path for a
 * live, time-ordered stream. The others (redeliveries, late records) are appended into a
 * temporary (in-memory, unlogged) staging table and moved with one {@code INSERT ... SELECT}
 * that leaves out identities already stored; its anti-join reads only the batch's time range
 * (widened by that minute where the identity is an id), which DuckDB's min/max zone maps find
 * without scanning the table. Everything happens in one transaction on the single writer thread,
 * so de-duplication is exact. Book sides are stored as comma-joined exact decimal strings (one
 * string per side and column instead of a list of decimals: the Appender's list path costs
 * 100-200 µs a row). Each table is stored in the columns of {@link DuckDbLayout}, which compress
 * well, under a view named after the data type through which every query reads the record fields;
 * writes go to the stored table. Files of earlier versions are copied into this layout once, at
 * start ({@link DuckDb#open}). The writer checkpoints the file itself, every 64 MiB of log, with
 * each table's newest rows rewritten in table order first ({@link SortedCheckpoints}). Its cold
 * tier is {@link ParquetColdTier}.
 *
 * <p>1-minute bars ({@link Bars}) live in a keyed table that archiving leaves alone; the minutes
 * a batch touched are logged in {@code trade_bar_dirty} in the batch's own transaction, and a
 * flush recomputes their bars from hot and cold trades and empties the log in one transaction,
 * so a crash between the two loses nothing: the log is flushed again at start.
 */
public final class DuckDbHotStore implements HotStore {

  private static final Logger LOG = LoggerFactory.getLogger(DuckDbHotStore.class);
  /** A text's length in bytes, which orders a trade id before its text ({@link TableSchema#resultOrder(String)}). */
  private static final String BYTE_LENGTH = "strlen";
  /** The order of trades in a bar, its open first and its close last: as query results order them. */
  private static final String TRADE_ORDER = "(ts_ms, " + BYTE_LENGTH + "(trade_id), trade_id)";

  /** The plain size of the bars' values: their text's bytes, 8 per {@code BIGINT}, 16 per decimal (ten). */
  private static final String BARS_PLAIN_BYTES_SQL =
      "coalesce(sum(strlen(exchange) + strlen(market_type) + strlen(symbol)), 0) + (8 + 8 + 10 * 16) * count(*)";

  private final Vertx vertx;
  private final Path file;
  private final Path coldDir;
  private DuckDb db;
  /** Prepared on and used by the writer thread only. */
  private final Map<DataType, PreparedStatement[]> moveStatements = new EnumMap<>(DataType.class);
  /** What is stored per table, kept by the writer; writer thread only. */
  private final Map<DataType, StoredMarks> marks = new EnumMap<>(DataType.class);
  private ParquetColdTier cold;
  /** Mirrors {@code trade_bar_dirty}; changed on the writer thread only. */
  private final BarCells dirty = new BarCells();
  private final AtomicBoolean flushScheduled = new AtomicBoolean();
  /** Set by {@link #close}, which flushes the bars itself: a flush timer that fires later does nothing. */
  private volatile boolean closing;
  /**
   * Per data type (by ordinal), a lag no hot row's receive time has below it ({@code recv_ts_us - ts_ms * 1000},
   * µs), or {@link #NO_FLOOR}: read at start, lowered by the writer before the rows that lower it commit,
   * never raised (rows deleted leave it a bound still). It turns "received no later than" into a time
   * bound that DuckDB's zone maps prune ({@link #copiesAfter}).
   */
  private final java.util.concurrent.atomic.AtomicLongArray lagFloor =
      new java.util.concurrent.atomic.AtomicLongArray(DataType.values().length);
  private static final long NO_FLOOR = Long.MIN_VALUE;
  /** When to checkpoint, and the tables' newest rows sorted first; writer thread only. */
  private SortedCheckpoints checkpoints;

  /**
   * @param vertx Vert.x
   * @param file the database file
   * @param coldDir the root of the Parquet cold tier
   */
  public DuckDbHotStore(Vertx vertx, Path file, Path coldDir) {
    this.vertx = vertx;
    this.file = file;
    this.coldDir = coldDir;
  }

  @Override
  public Future<Void> start() {
    return DuckDb.open(vertx, file, DuckDbHotStore::upgrade).compose(d -> {
      db = d;
      cold = new ParquetColdTier(vertx, d, coldDir);
      return d.write(c -> {
        try (Statement st = c.createStatement()) {
          st.execute(DuckDbLayout.decimalMacro());
          for (DataType t : DataType.values()) {
            TableSchema s = TableSchema.of(t);
            DuckDbLayout layout = DuckDbLayout.of(s);
            st.execute("CREATE TABLE IF NOT EXISTS " + layout.table() + " (" + layout.columnsDdl(true) + ")");
            addLaterColumns(st, "main", layout.table(), layout);
            st.execute("CREATE OR REPLACE VIEW " + s.table() + " AS " + layout.viewSql());
            st.execute("CREATE TEMP TABLE IF NOT EXISTS stage_" + s.table() + " (" + layout.columnsDdl(false) + ")");
            lagFloor.set(t.ordinal(), NO_FLOOR);
            if (s.identifiedById()) {
              try (ResultSet rs = st.executeQuery("SELECT coalesce(min(" + DuckDbLayout.RECV_LAG + "), "
                  + Long.MAX_VALUE + ") FROM " + layout.table())) {
                rs.next();
                lagFloor.set(t.ordinal(), rs.getLong(1));
              }
            }
          }
          boolean backfill = !tableExists(st, "main", Bars.TABLE);
          createBarTables(st, "");
          if (backfill) {
            // bars table created over stored trades: every minute of both tiers
            st.execute("INSERT INTO " + Bars.TABLE + " " + barsSql(new TierPlan(cold.archivedDays(DataType.TRADE)),
                "true", false));
          }
          for (String earlier : Bars.EARLIER_TABLES) {
            st.execute("DROP TABLE IF EXISTS " + earlier);
          }
          cold.upgradeFiles(c);
          List<BarCells.Cell> logged = new ArrayList<>();
          try (ResultSet rs = st.executeQuery("SELECT DISTINCT exchange, market_type, symbol, minute_ms FROM "
              + "trade_bar_dirty")) {
            while (rs.next()) {
              logged.add(new BarCells.Cell(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4)));
            }
          }
          dirty.add(logged);
          flushBars(c);
        }
        checkpoints = new SortedCheckpoints(file.toAbsolutePath());
        checkpoints.start(c);
        return null;
      });
    });
  }

  private static String quoteFractionColumns() {
    StringBuilder sb = new StringBuilder();
    Bars.QUOTE_FRACTIONS.forEach((name, scale) -> sb.append(name).append(" DECIMAL(38,").append(scale)
        .append(") NOT NULL, "));
    return sb.toString();
  }

  /** The bars table and the log of minutes to recompute, unless they exist; {@code prefix} is a catalog ("x.") or empty. */
  private static void createBarTables(Statement st, String prefix) throws SQLException {
    st.execute("CREATE TABLE IF NOT EXISTS " + prefix + Bars.TABLE + " (exchange VARCHAR NOT NULL, market_type VARCHAR "
        + "NOT NULL, symbol VARCHAR NOT NULL, open_time_ms BIGINT NOT NULL, open DECIMAL(38,18) NOT NULL, "
        + "high DECIMAL(38,18) NOT NULL, low DECIMAL(38,18) NOT NULL, close DECIMAL(38,18) NOT NULL, "
        + "volume_units DECIMAL(38,0) NOT NULL, volume_fraction DECIMAL(38,18) NOT NULL, "
        + "quote_units DECIMAL(38,0) NOT NULL, " + quoteFractionColumns()
        + "trade_count BIGINT NOT NULL, PRIMARY KEY (exchange, market_type, symbol, open_time_ms))");
    st.execute("CREATE TABLE IF NOT EXISTS " + prefix + "trade_bar_dirty (exchange VARCHAR, market_type VARCHAR, "
        + "symbol VARCHAR, minute_ms BIGINT)");
  }

  /**
   * Copies a file of an earlier version (an older storage format, every field stored under its
   * own name in a table named after the data type) into the new file: each data table into its
   * {@link DuckDbLayout} in table order, the bars and their log as they are. Views, and tables the
   * old file lacks, are created by {@link #start}; the staging tables of earlier versions are left
   * behind.
   */
  private static void upgrade(DuckDBConnection c, String target) throws SQLException {
    try (Statement st = c.createStatement()) {
      for (DataType t : DataType.values()) {
        TableSchema s = TableSchema.of(t);
        if (!tableExists(st, "main", s.table())) {
          continue;
        }
        migrateLevels(st, s);
        DuckDbLayout layout = DuckDbLayout.of(s);
        addLaterColumns(st, "main", s.table(), layout);
        st.execute("CREATE TABLE " + target + "." + layout.table() + " (" + layout.columnsDdl(true) + ")");
        st.execute("INSERT INTO " + target + "." + layout.table() + " (" + String.join(", ", layout.storedColumns())
            + ") SELECT " + String.join(", ", layout.fromEarlierLayout()) + " FROM main." + s.table() + " ORDER BY "
            + String.join(", ", s.sortKey()));
      }
      if (tableExists(st, "main", Bars.TABLE)) {
        createBarTables(st, target + ".");
        st.execute("INSERT INTO " + target + "." + Bars.TABLE + " SELECT * FROM main." + Bars.TABLE);
        if (tableExists(st, "main", "trade_bar_dirty")) {
          st.execute("INSERT INTO " + target + ".trade_bar_dirty SELECT * FROM main.trade_bar_dirty");
        }
      }
    }
  }

  /**
   * @param s a table
   * @return the columns a later version added to it ({@link TableSchema#laterColumns()}) by name, with
   *     their SQL type as DuckDB and its Parquet files hold them
   */
  public static Map<String, String> laterColumns(TableSchema s) {
    Map<String, String> out = new LinkedHashMap<>();
    DuckDbLayout.of(s).laterColumns().forEach(c -> out.put(c[0], c[1]));
    return out;
  }

  /**
   * Adds to a table of an earlier version the columns added since ({@link DuckDbLayout#laterColumns()}),
   * last, as the layout has them: its rows hold null there, and the Appender's column order is the layout's.
   */
  private static void addLaterColumns(Statement st, String schema, String table, DuckDbLayout layout)
      throws SQLException {
    for (String[] col : layout.laterColumns()) {
      boolean has;
      try (ResultSet rs = st.executeQuery("SELECT count(*) FROM information_schema.columns WHERE table_catalog = "
          + "current_database() AND table_schema = '" + schema + "' AND table_name = '" + table
          + "' AND column_name = '" + col[0] + "'")) {
        rs.next();
        has = rs.getLong(1) > 0;
      }
      if (!has) {
        st.execute("ALTER TABLE " + schema + "." + table + " ADD COLUMN " + col[0] + " " + col[1]);
      }
    }
  }

  private static boolean tableExists(Statement st, String schema, String table) throws SQLException {
    try (ResultSet rs = st.executeQuery("SELECT count(*) FROM information_schema.tables WHERE table_catalog = "
        + "current_database() AND table_schema = '" + schema + "' AND table_name = '" + table + "'")) {
      rs.next();
      return rs.getLong(1) > 0;
    }
  }

  /**
   * The 1-minute bars of the trades a plan reads, each trade once.
   *
   * @param where the trade filter, bound once per tier
   * @param dirtyOnly keep only the minutes logged in {@code trade_bar_dirty}
   */
  private String barsSql(TierPlan plan, String where, boolean dirtyOnly) {
    TableSchema s = TableSchema.of(DataType.TRADE);
    return "SELECT exchange, market_type, symbol, (ts_ms // 60000) * 60000 AS open_time_ms, "
        + "arg_min(price, " + TRADE_ORDER + "), max(price), min(price), arg_max(price, " + TRADE_ORDER + "), "
        + unitsAndFraction("quantity") + ", " + Bars.quoteSums(v -> "CAST(trunc(" + v + ", "
        + Bars.PRODUCT_SCALE + ") AS DECIMAL(38, " + Bars.PRODUCT_SCALE + "))", DuckDbHotStore::units) + ", count(*) FROM ("
        + distinct(s, plan, source(s, plan, where)) + ") t"
        + (dirtyOnly ? " WHERE EXISTS (SELECT 1 FROM trade_bar_dirty d WHERE d.exchange = t.exchange AND "
            + "d.market_type = t.market_type AND d.symbol = t.symbol AND d.minute_ms = (t.ts_ms // 60000) * 60000)" : "")
        + " GROUP BY ALL";
  }

  /** The sums of a decimal's whole units and of its fractions (see {@link Bars}). */
  private static String unitsAndFraction(String value) {
    return "sum(" + units(value) + "), sum(" + value + " - " + units(value) + ")";
  }

  /** A decimal's whole units: truncated; rounded up, they could exceed what the subtraction's type holds (a cast alone rounds). */
  private static String units(String value) {
    return "CAST(trunc(" + value + ") AS DECIMAL(38, 0))";
  }

  /**
   * Recomputes the bars of the logged minutes and empties the log, in one transaction (writer thread).
   * Each run of adjacent minutes is read with its own time range, which DuckDB's zone maps find
   * without scanning the table.
   */
  private void flushBars(DuckDBConnection c) throws SQLException {
    if (dirty.isEmpty()) {
      return;
    }
    List<BarCells.Cell> cells = dirty.drain().cells();
    c.setAutoCommit(false);
    try {
      for (long[] range : BarCells.ranges(cells)) {
        TierPlan plan = TierPlan.of(range[0], range[1], cold.archivedDays(DataType.TRADE));
        try (PreparedStatement ps = c.prepareStatement("INSERT OR REPLACE INTO " + Bars.TABLE + " "
            + barsSql(plan, "ts_ms >= ? AND ts_ms < ?", true))) {
          int i = 1;
          for (int b = 0; b < branches(plan); b++) {
            ps.setLong(i++, range[0]);
            ps.setLong(i++, range[1]);
          }
          ps.executeUpdate();
        }
      }
      try (Statement st = c.createStatement()) {
        st.execute("DELETE FROM trade_bar_dirty");
      }
      c.commit();
    } catch (SQLException | RuntimeException e) {
      c.rollback();
      dirty.add(cells);
      throw e;
    } finally {
      c.setAutoCommit(true);
    }
  }

  /** Flushes the bars after {@link Bars#FLUSH_DELAY_MS} unless a flush is scheduled already. */
  private void scheduleFlush() {
    if (!dirty.isEmpty() && flushScheduled.compareAndSet(false, true)) {
      vertx.setTimer(Bars.FLUSH_DELAY_MS, t -> {
        if (closing) {
          return;
        }
        db.write(c -> {
          flushScheduled.set(false);
          flushBars(c);
          return null;
        }).onFailure(e -> LOG.warn("bars not recomputed yet ({}); the next flush retries", e.getMessage()));
      });
    }
  }

  /** Files of earlier versions hold book sides as decimal lists: rewrite them as the text form. */
  private static void migrateLevels(Statement st, TableSchema s) throws SQLException {
    for (Column c : s.columns()) {
      if (c.kind() != Column.Kind.LEVELS) {
        continue;
      }
      for (String col : List.of(c.name() + "_price", c.name() + "_qty")) {
        boolean list;
        try (ResultSet rs = st.executeQuery("SELECT data_type FROM information_schema.columns WHERE table_catalog = "
            + "current_database() AND table_name = '" + s.table() + "' AND column_name = '" + col + "'")) {
          list = rs.next() && rs.getString(1).endsWith("[]");
        }
        if (list) {
          st.execute("ALTER TABLE " + s.table() + " ALTER " + col + " SET DATA TYPE VARCHAR USING "
              + levelsAsText(col));
        }
      }
    }
  }

  /**
   * @param col a book side's column of an earlier version: a list of {@code DECIMAL(38,18)}
   * @return the SQL of its text form now stored: the decimals without trailing zeros, comma-joined
   */
  public static String levelsAsText(String col) {
    return "array_to_string(list_transform(" + col + ", x -> rtrim(rtrim(CAST(x AS VARCHAR), '0'), '.')), ',')";
  }

  /** A batch as records. */
  private static final class Records extends Batch {
    private final List<MarketRecord> records;

    Records(List<BusMessage> messages) {
      super(messages.size());
      records = new ArrayList<>(messages.size());
      for (BusMessage m : messages) {
        try {
          MarketRecord r = m.record();
          DataType named = RowBinaryTranscoder.typeOf(m.subject());
          if (named != null && named != r.dataType()) {
            throw RowBinaryTranscoder.notTheSubject(r.dataType().wire());
          }
          RecordLimits.check(r);
          DuckDbLayout.check(r);
          records.add(r);
          // a trade's or book's key is one of its fields; the others' are read when needed
          kept(r.subject(), r.tsMs(), r.recvTsUs(), m.json(),
              TableSchema.of(r.dataType()).identifiedById() ? r.identityKey() : null);
        } catch (IllegalArgumentException | ClassCastException e) {
          rejected(m.subject(), e.getMessage());
        }
      }
    }
  }

  @Override
  public Batch prepare(List<BusMessage> messages) {
    return new Records(messages);
  }

  @Override
  public Future<Void> write(Batch batch) {
    Map<DataType, Map<String, MarketRecord>> byType = new EnumMap<>(DataType.class);
    for (MarketRecord r : ((Records) batch).records) {
      // repeats inside the batch collapse here; repeats of stored records in writeType
      // of copies of one identity that differ, the one received first (TableSchema#copyOrder), on a tie the first here
      byType.computeIfAbsent(r.dataType(), k -> new LinkedHashMap<>()).merge(r.identity(), r,
          (kept, other) -> other.recvTsUs() < kept.recvTsUs() ? other : kept);
    }
    return db.write(c -> {
      // before the rows can be seen: a reader that sees them sees the floor they need (only pages of the types
      // identified by id look for copies by it)
      byType.forEach((t, rows) -> {
        if (TableSchema.of(t).identifiedById()) {
          long least = rows.values().stream().mapToLong(DuckDbLayout::recvLag).min().orElse(Long.MAX_VALUE);
          lagFloor.accumulateAndGet(t.ordinal(), least, Math::min);
        }
      });
      Map<DataType, List<MarketRecord>> written = new EnumMap<>(DataType.class);
      Map<BarCells.Cell, Long> touched = Map.of();
      c.setAutoCommit(false);
      try {
        for (Map.Entry<DataType, Map<String, MarketRecord>> e : byType.entrySet()) {
          written.put(e.getKey(), writeType(c, TableSchema.of(e.getKey()), e.getValue().values()));
        }
        touched = dirty.add(written.getOrDefault(DataType.TRADE, List.of()).stream()
            .map(t -> BarCells.Cell.of((TradeRecord) t)).toList());
        logDirty(c, touched.keySet());
        c.commit();
      } catch (Exception e) {
        c.rollback();
        dirty.forget(touched);
        throw e;
      } finally {
        c.setAutoCommit(true);
      }
      // only committed rows move the marks
      written.forEach((t, rows) -> {
        marks(c, t).committed(rows);
        checkpoints.appended(t, rows.size());
      });
      scheduleFlush();
      return checkpoints.due();
    }).map(due -> {
      if (due) {
        // after this batch's answer: the batches queued behind it wait for the checkpoint, not this one
        db.write(c -> {
          if (checkpoints.due()) {
            checkpoints.run(c);
          }
          return null;
        }).onFailure(e -> LOG.warn("checkpoint failed ({}); DuckDB checkpoints by itself later", e.getMessage()));
      }
      return null;
    });
  }

  private static void logDirty(DuckDBConnection c, java.util.Set<BarCells.Cell> cells) throws SQLException {
    if (cells.isEmpty()) {
      return;
    }
    try (DuckDBAppender app = c.createAppender(DuckDBConnection.DEFAULT_SCHEMA, "trade_bar_dirty")) {
      for (BarCells.Cell cell : cells) {
        app.beginRow();
        app.append(cell.exchange());
        app.append(cell.marketType());
        app.append(cell.symbol());
        app.append(cell.minuteMs());
        app.endRow();
      }
    }
  }

  /** What is stored of a table, read once (newest time per instrument, keys of the window before it). */
  private StoredMarks marks(DuckDBConnection c, DataType type) {
    return marks.computeIfAbsent(type, t -> {
      TableSchema s = TableSchema.of(t);
      StoredMarks m = new StoredMarks(s.identifiedById());
      String sql = !s.identifiedById()
          ? "SELECT exchange, market_type, symbol, NULL, max(ts_ms) FROM " + s.table() + " GROUP BY ALL"
          : "SELECT x.exchange, x.market_type, x.symbol, CAST(x." + s.keyColumns().get(0) + " AS VARCHAR), x.ts_ms FROM "
              + s.table() + " x JOIN (SELECT exchange, market_type, symbol, max(ts_ms) AS m FROM " + s.table()
              + " GROUP BY ALL) k USING (exchange, market_type, symbol) WHERE x.ts_ms >= k.m - "
              + StoredMarks.WINDOW_MS + " ORDER BY x.ts_ms";
      try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
        while (rs.next()) {
          m.loaded(StoredMarks.instrument(rs.getString(1), rs.getString(2), rs.getString(3)), rs.getString(4),
              rs.getLong(5));
        }
      } catch (SQLException e) {
        throw new IllegalStateException(e.getMessage(), e);
      }
      return m;
    });
  }

  /**
   * Stores the records of one type not stored yet.
   *
   * @return the records now stored (to move the marks once committed)
   */
  private List<MarketRecord> writeType(DuckDBConnection c, TableSchema s, java.util.Collection<MarketRecord> records)
      throws SQLException {
    StoredMarks m = marks(c, s.type());
    List<MarketRecord> fresh = new ArrayList<>(records.size());
    List<MarketRecord> maybeStored = new ArrayList<>();
    for (MarketRecord r : records) {
      switch (m.classify(r)) {
        case NEW -> fresh.add(r);
        // a repeat of a stored identity may have been received before the stored copy, which it then replaces
        default -> maybeStored.add(r);
      }
    }
    if (!fresh.isEmpty()) {
      appendAll(c, null, DuckDbLayout.of(s).table(), s, fresh);
    }
    if (!maybeStored.isEmpty()) {
      writeUnlessStored(c, s, maybeStored);
      fresh.addAll(maybeStored);
    }
    return fresh;
  }

  private static long[] appendAll(DuckDBConnection c, String catalog, String table, TableSchema s,
      List<MarketRecord> records) throws SQLException {
    long minTs = Long.MAX_VALUE;
    long maxTs = Long.MIN_VALUE;
    DuckDbLayout layout = DuckDbLayout.of(s);
    // in table order: a row group then holds each instrument's rows together, which compresses better
    List<MarketRecord> ordered = new ArrayList<>(records);
    ordered.sort(layout.rowOrder());
    // catalog null: the database file's own (its name follows the file name)
    try (DuckDBAppender app = catalog == null ? c.createAppender(DuckDBConnection.DEFAULT_SCHEMA, table)
        : c.createAppender(catalog, DuckDBConnection.DEFAULT_SCHEMA, table)) {
      for (MarketRecord r : ordered) {
        minTs = Math.min(minTs, r.tsMs());
        maxTs = Math.max(maxTs, r.tsMs());
        app.beginRow();
        layout.append(app, r);
        app.endRow();
      }
    }
    return new long[] {minTs, maxTs};
  }

  /**
   * Appends the records to the staging table, deletes the stored copies of their identities
   * received after them (the copy received first is kept, {@link TableSchema#copyOrder(char)}; on a tie
   * the stored one), moves those not stored then, empties the stage.
   */
  private void writeUnlessStored(DuckDBConnection c, TableSchema s, List<MarketRecord> records) throws SQLException {
    long[] range = appendAll(c, "temp", "stage_" + s.table(), s, records);
    PreparedStatement[] move = moveStatements.get(s.type());
    if (move == null) {
      DuckDbLayout layout = DuckDbLayout.of(s);
      StringBuilder match = new StringBuilder();
      for (String k : layout.storedIdentity()) {
        // an id is stored in one of two columns, the other null
        match.append(" AND x.").append(k).append(" IS NOT DISTINCT FROM s.").append(k);
      }
      String cols = String.join(", ", layout.storedColumns());
      move = new PreparedStatement[] {
          c.prepareStatement("DELETE FROM " + layout.table() + " x WHERE x.ts_ms BETWEEN ? AND ? AND EXISTS (SELECT 1 FROM "
              + "temp.stage_" + s.table() + " s WHERE " + DuckDbLayout.storedRecv("s") + " < "
              + DuckDbLayout.storedRecv("x") + match + ")"),
          c.prepareStatement("INSERT INTO " + layout.table() + " (" + cols + ") SELECT " + cols
              + " FROM temp.stage_" + s.table() + " s WHERE NOT EXISTS (SELECT 1 FROM " + layout.table()
              + " x WHERE x.ts_ms BETWEEN ? AND ?" + match + ")")};
      moveStatements.put(s.type(), move);
    }
    // an id may repeat at another time: look for it in a window around the batch
    long window = s.identifiedById() ? StoredMarks.WINDOW_MS : 0;
    for (PreparedStatement ps : move) {
      ps.setLong(1, range[0] - window);
      ps.setLong(2, range[1] + window);
      ps.executeUpdate();
    }
    try (Statement st = c.createStatement()) {
      st.execute("DELETE FROM temp.stage_" + s.table());
    }
  }

  /** The FROM source of a query: hot table and the Parquet files of cold days, unioned. */
  private String source(TableSchema s, TierPlan plan, String where) {
    String cols = String.join(", ", s.physicalColumns());
    List<String> parts = new ArrayList<>();
    parts.add("SELECT " + cols + " FROM " + s.table() + " WHERE " + where);
    if (!plan.coldDays().isEmpty()) {
      parts.add("SELECT " + cols + " FROM " + cold.parquetSource(s.type(), plan.coldDays()) + " WHERE " + where);
    }
    return String.join(" UNION ALL ", parts);
  }

  /** Binds the filter's values once per union branch. */
  private static void bind(PreparedStatement ps, SqlFilter f, int branches) throws SQLException {
    bind(ps, f, branches, 0);
  }

  /**
   * Binds the filter's values once per union branch after the first {@code bound} parameters.
   *
   * @return the parameters bound then
   */
  private static int bind(PreparedStatement ps, SqlFilter f, int branches, int bound) throws SQLException {
    int i = bound;
    for (int b = 0; b < branches; b++) {
      for (Object v : f.values()) {
        ps.setObject(++i, v);
      }
    }
    return i;
  }

  private static int branches(TierPlan plan) {
    return plan.coldDays().isEmpty() ? 1 : 2;
  }

  @Override
  public Future<Page> records(RecordQuery q, TierPlan plan) {
    TableSchema s = TableSchema.of(q.type());
    // the first rows only where a cursor says many records are ahead: on a small range the full query is a
    // statement as cheap, and the first rows may need a second
    if (TopPage.manyAhead(q, MANY_AHEAD)) {
      return TopPage.read(q, false, top -> firstRows(top, q, s, plan), () -> allRows(q, s, plan));
    }
    // a first page reads its range's first minute first (a busy day's first page otherwise sorts the day:
    // 6.5 s for 10 million trades); a miss costs one small query
    long window = q.cursor() == null ? TopPage.windowEnd(q) : -1;
    if (window < 0) {
      return allRows(q, s, plan);
    }
    return firstRows(TopPage.until(q, window), q, s, plan).compose(p -> p != null && p.next() != null
        ? Future.succeededFuture(p) : allRows(q, s, plan));
  }

  /**
   * The page of the first rows of {@code q} in result order ({@link TopPage}), or null when they
   * answer nothing, in one statement; {@code q} is {@code range} or a window at its start. From hot
   * alone, the rows are read up to the time of the n-th row, found first from the times alone, so
   * the sort computes the columns of those rows only. Where an id identifies a record (trades,
   * books) its copies may lie at other times (a trade id repeated minutes later, beyond the span
   * the writer looks for repeats in, or a late copy of an archived day), and the one received first
   * is kept wherever it lies: unless the rows are all of {@code range}, a page answers nothing if
   * there may be such a copy after them in {@code range} ({@link #copiesAfter}).
   */
  private Future<Page> firstRows(RecordQuery q, RecordQuery range, TableSchema s, TierPlan plan) {
    int n = Math.max(TopPage.rows(q.limit()), FIRST_ROWS);
    SqlFilter f = filter(q, s);
    SqlFilter after = s.arrivalOrdered() && q.cursor() != null ? SqlFilter.afterCursor(q, BYTE_LENGTH) : null;
    String order = String.join(", ", s.resultOrder(BYTE_LENGTH)) + ", " + s.copyOrder('"');
    // hot alone: up to the time of the n-th row, found from the times alone (with cold days, each read of the
    // Parquet files costs more than the sort it saves on a small range)
    boolean bounded = plan.coldDays().isEmpty();
    String sql = (bounded ? "WITH b AS (SELECT ts_ms FROM " + s.table() + " WHERE " + f.sql()
        + " ORDER BY ts_ms LIMIT 1 OFFSET " + (n - 1) + ") " : "")
        + "SELECT *" + (after == null ? "" : ", " + after.sql() + " AS " + TopPage.AFTER) + " FROM ("
        + source(s, plan, f.sql()) + ")" + (bounded ? " WHERE ts_ms <= coalesce((SELECT ts_ms FROM b), "
        + Long.MAX_VALUE + ")" : "") + " ORDER BY " + order + " LIMIT " + n;
    return db.read(c -> {
      List<Map<String, Object>> rows;
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        int i = bounded ? bind(ps, f, 1, 0) : 0;
        if (after != null) {
          for (Object v : after.values()) {
            ps.setObject(++i, v);
          }
        }
        bind(ps, f, branches(plan), i);
        rows = rows(ps);
      }
      Page page = TopPage.page(q, s, rows, n, false);
      // fewer rows than asked for are every row of q: of the range, unless q is a window of it
      boolean allOfRange = q.equals(range) && rows.size() < n;
      return page == null || allOfRange || !s.identifiedById() || !copiesAfter(c, s, plan, filter(range, s), rows)
          ? page : null;
    });
  }

  /** The rows a query reads: of types in arrival order, from its cursor's time on (the position is checked apart). */
  private static SqlFilter filter(RecordQuery q, TableSchema s) {
    return s.arrivalOrdered() ? SqlFilter.fromCursorTime(q) : SqlFilter.of(q, BYTE_LENGTH);
  }

  /**
   * The fewest first rows a page reads: in process, rows cost little more than a statement, and a
   * range of fewer is answered whole, so a small page of a small range (a page of one) needs no
   * look for copies after them ({@link #copiesAfter}), a second statement.
   */
  private static final int FIRST_ROWS = 256;

  /** How many records ahead of a cursor make a page read the first rows ({@link TopPage#manyAhead}). */
  private static final long MANY_AHEAD = 100_000;

  /**
   * Whether rows after the first ones of a range ({@code first}, all that was asked for) may hold a
   * copy of one of their identities received no later than the copy among them: a row from their
   * last time on, received no later than the latest of them, of one of their identities, besides
   * the first ones of that last time. The times filter first, so only the rows around that last time
   * are read back; beyond a bound of them, the answer is yes (the full query decides).
   */
  private boolean copiesAfter(java.sql.Connection c, TableSchema s, TierPlan plan, SqlFilter f,
      List<Map<String, Object>> first) throws SQLException {
    long lastTs = -1;
    long lastRecv = -1;
    java.util.Set<List<Object>> ids = new java.util.HashSet<>();
    for (Map<String, Object> row : first) {
      lastTs = Math.max(lastTs, ((Number) row.get("ts_ms")).longValue());
      lastRecv = Math.max(lastRecv, ((Number) row.get(TableSchema.FIRST_COPY)).longValue());
      ids.add(TopPage.identity(s, row));
    }
    long atLast = 0;
    for (Map<String, Object> row : first) {
      atLast += ((Number) row.get("ts_ms")).longValue() == lastTs ? 1 : 0;
    }
    long bound = first.size() + atLast;
    // hot alone: received no later than lastRecv means a time no later than lastRecv less the least lag
    long floor = plan.coldDays().isEmpty() ? lagFloor.get(s.type().ordinal()) : NO_FLOOR;
    String sql = "SELECT " + String.join(", ", s.identityKey()) + " FROM (" + source(s, plan, f.sql())
        + ") WHERE ts_ms >= " + lastTs + (floor == NO_FLOOR ? "" : " AND ts_ms <= " + latestTime(lastRecv, floor))
        + " AND " + TableSchema.FIRST_COPY + " <= " + lastRecv + " LIMIT " + (bound + 1);
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      bind(ps, f, branches(plan));
      List<Map<String, Object>> near = rows(ps);
      long copies = 0;
      for (Map<String, Object> row : near) {
        copies += ids.contains(TopPage.identity(s, row)) ? 1 : 0;
      }
      // a floor lowered meanwhile: rows committed since may lie beyond the time bound, so the full query decides
      return near.size() > bound || copies > atLast || lagFloor.get(s.type().ordinal()) != floor;
    }
  }

  /** @return the latest {@code ts_ms} of a row received at {@code recvUs} or before, none lagging less than {@code floorUs} */
  static long latestTime(long recvUs, long floorUs) {
    try {
      return Math.floorDiv(Math.subtractExact(recvUs, floorUs), 1000L);
    } catch (ArithmeticException e) {
      return recvUs < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
  }

  /** The page of the full query: every row of the range de-duplicated, then sorted (and one more, to know whether one follows). */
  private Future<Page> allRows(RecordQuery q, TableSchema s, TierPlan plan) {
    // where the order holds more than the identity, the copies are chosen first, then the cursor's position:
    // a later copy of a record before the cursor is not after it
    SqlFilter f = filter(q, s);
    SqlFilter after = s.arrivalOrdered() ? SqlFilter.afterCursor(q, BYTE_LENGTH) : null;
    String chosen = "SELECT * FROM (" + source(s, plan, f.sql()) + ") QUALIFY " + firstCopy(s);
    String sql = (after == null ? chosen : "SELECT * FROM (" + chosen + ") WHERE " + after.sql())
        + " ORDER BY " + String.join(", ", s.resultOrder(BYTE_LENGTH)) + " LIMIT " + (q.limit() + 1);
    return db.read(c -> {
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        int i = bind(ps, f, branches(plan), 0);
        if (after != null) {
          for (Object v : after.values()) {
            ps.setObject(++i, v);
          }
        }
        return TopPage.of(q, s, rows(ps));
      }
    });
  }

  /** @return the rows of a statement, column name to value (arrays as Java arrays) */
  private static List<Map<String, Object>> rows(PreparedStatement ps) throws SQLException {
    List<Map<String, Object>> out = new ArrayList<>();
    try (ResultSet rs = ps.executeQuery()) {
      java.sql.ResultSetMetaData md = rs.getMetaData();
      int n = md.getColumnCount();
      while (rs.next()) {
        Map<String, Object> row = new HashMap<>(n * 2);
        for (int i = 1; i <= n; i++) {
          row.put(md.getColumnLabel(i), value(rs, md.getColumnLabel(i)));
        }
        out.add(row);
      }
    }
    return out;
  }

  private static Object value(ResultSet rs, String name) {
    try {
      Object v = rs.getObject(name);
      if (v instanceof java.sql.Array a) {
        return a.getArray();
      }
      return v;
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * De-duplicates across tiers. Each tier alone holds an identity once (writes absorb repeats,
   * archived days are written once), so only a union of both can repeat: the day being archived.
   */
  private static String distinct(TableSchema s, TierPlan plan, String source) {
    if (branches(plan) == 1) {
      return source;
    }
    return "SELECT * FROM (" + source + ") QUALIFY " + firstCopy(s);
  }

  /**
   * @param s table schema
   * @return the QUALIFY condition that keeps, of the rows of one identity, the copy received first
   *     ({@link TableSchema#copyOrder(char)}): the same one in hot, in Parquet and in ClickHouse
   */
  public static String firstCopy(TableSchema s) {
    return "row_number() OVER (PARTITION BY " + String.join(", ", s.identityKey()) + " ORDER BY "
        + s.copyOrder('"') + ") = 1";
  }

  @Override
  public Future<JsonArray> klines(KlineQuery q) {
    SqlFilter f = SqlFilter.of(q);
    long ms = q.intervalMs();
    String sql = "SELECT (open_time_ms // " + ms + ") * " + ms + " AS t, arg_min(open, open_time_ms), max(high), "
        + "min(low), arg_max(close, open_time_ms), sum(volume_units), sum(volume_fraction), sum(quote_units), "
        + "sum(quote_fraction), sum(quote_cross_fraction), sum(quote_tiny), CAST(sum(trade_count) AS BIGINT) "
        + "FROM " + Bars.TABLE + " WHERE " + f.sql() + " GROUP BY 1 ORDER BY 1";
    return db.write(c -> {
      flushBars(c);
      return null;
    }).compose(v -> db.read(c -> {
      JsonArray bars = new JsonArray();
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        bind(ps, f, 1);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            bars.add(Bars.bar(rs.getLong(1), rs.getBigDecimal(2), rs.getBigDecimal(3), rs.getBigDecimal(4),
                rs.getBigDecimal(5), rs.getBigDecimal(6).add(rs.getBigDecimal(7)),
                rs.getBigDecimal(8).add(rs.getBigDecimal(9)).add(rs.getBigDecimal(10)).add(rs.getBigDecimal(11)),
                rs.getLong(12)));
          }
        }
      }
      return bars;
    }));
  }

  @Override
  public Future<List<LocalDate>> days(DataType type) {
    return db.read(c -> {
      List<LocalDate> out = new ArrayList<>();
      try (Statement st = c.createStatement();
           ResultSet rs = st.executeQuery("SELECT DISTINCT ts_ms // 86400000 AS d FROM " + type.wire() + " ORDER BY d")) {
        while (rs.next()) {
          out.add(LocalDate.ofEpochDay(rs.getLong(1)));
        }
      }
      return out;
    });
  }

  @Override
  public Future<Long> newestTime(RecordQuery q, TierPlan plan) {
    SqlFilter f = SqlFilter.of(q, BYTE_LENGTH);
    return db.read(c -> {
      try (PreparedStatement ps = c.prepareStatement("SELECT max(ts_ms) FROM (" + source(TableSchema.of(q.type()), plan,
          f.sql()) + ")")) {
        bind(ps, f, branches(plan));
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          long t = rs.getLong(1);
          return rs.wasNull() ? null : t;
        }
      }
    });
  }

  @Override
  public Future<Long> count(DataType type, LocalDate day) {
    SqlFilter f = SqlFilter.day(day.toEpochDay() * TierPlan.DAY_MS);
    return db.read(c -> {
      try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM " + type.wire() + " WHERE " + f.sql())) {
        bind(ps, f, 1);
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          return rs.getLong(1);
        }
      }
    });
  }

  @Override
  public Future<Boolean> dropDay(DataType type, LocalDate day, long copiedCount) {
    SqlFilter f = SqlFilter.day(day.toEpochDay() * TierPlan.DAY_MS);
    // count and delete in one task of the single writer: no batch can land in between
    return db.write(c -> {
      try (PreparedStatement count = c.prepareStatement("SELECT count(*) FROM " + type.wire() + " WHERE " + f.sql())) {
        bind(count, f, 1);
        try (ResultSet rs = count.executeQuery()) {
          rs.next();
          if (rs.getLong(1) != copiedCount) {
            return false;
          }
        }
      }
      try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + DuckDbLayout.of(TableSchema.of(type)).table()
          + " WHERE " + f.sql())) {
        bind(ps, f, 1);
        ps.executeUpdate();
      }
      // deleted rows keep their blocks until a checkpoint, which a drop's small log would not call for in days:
      // until then the file did not shrink and stats set the day's bytes against the remaining rows
      try {
        checkpoints.run(c);
      } catch (SQLException e) {
        LOG.warn("checkpoint after archiving {} {} failed ({}); the next one frees its blocks", type.wire(), day,
            e.getMessage());
      }
      return true;
    });
  }

  /**
   * Per table (each data type's, then the 1-minute bars, their key index not counted): its rows,
   * the bytes its checkpointed rows take in the file (their segments' share of the blocks), those
   * rows' values uncompressed ({@link DuckDbLayout#plainBytesSql()}, the table's mean row times
   * the rows checkpointed) and their ratio; {@code rows_in_log} counts rows still only in the
   * write-ahead log, which the writer checkpoints once it holds 64 MiB (or at close). The
   * uncompressed size reads every text value of the table: the gateway caches the answer.
   */
  @Override
  public Future<JsonArray> stats() {
    return db.read(c -> {
      Map<String, Long> bytes = segmentBytes(c);
      JsonArray out = new JsonArray();
      for (DataType t : DataType.values()) {
        DuckDbLayout layout = DuckDbLayout.of(TableSchema.of(t));
        out.add(tableStats(c, bytes, t.wire(), layout.table(), layout.plainBytesSql()));
      }
      out.add(tableStats(c, bytes, Bars.TABLE, Bars.TABLE, BARS_PLAIN_BYTES_SQL));
      return out;
    });
  }

  /**
   * @param name the table's name in the answer
   * @param table the stored table
   * @param plainBytesSql an aggregate over it: its values' plain size
   */
  private static JsonObject tableStats(Connection c, Map<String, Long> bytes, String name, String table,
      String plainBytesSql) throws SQLException {
    long rows;
    long plain;
    long inLog;
    try (Statement st = c.createStatement()) {
      try (ResultSet rs = st.executeQuery("SELECT count(*), " + plainBytesSql + " FROM " + table)) {
        rs.next();
        rows = rs.getLong(1);
        plain = rs.getLong(2);
      }
      // rows appended since the last checkpoint sit in segments not yet written to the file
      try (ResultSet rs = st.executeQuery("SELECT coalesce(sum(count), 0) FROM pragma_storage_info('" + table
          + "') WHERE column_id = 0 AND segment_type <> 'VALIDITY' AND NOT persistent")) {
        rs.next();
        inLog = Math.min(rows, rs.getLong(1));
      }
    }
    long packed = bytes.getOrDefault(table, 0L);
    long raw = rows == 0 ? 0 : Math.round((double) plain * (rows - inLog) / rows);
    return new JsonObject().put("table", name).put("tier", "hot").put("engine", "duckdb").put("rows", rows)
        .put("bytes", packed).put("uncompressed_bytes", raw)
        .put("compression", packed == 0 || raw == 0 ? null : Math.round(100.0 * raw / packed) / 100.0)
        .put("rows_in_log", inLog);
  }

  /**
   * @return per stored table, the bytes of its checkpointed segments: from each segment's offset to
   *     the next segment's in its block (tables share blocks), plus the whole blocks a long segment
   *     continues into; a block's last segment is counted at most at {@link #lastSegmentBound}, not
   *     to the block's end (the free rest of a block belongs to no table: counting it made a small
   *     table's compression read below 1)
   */
  private static Map<String, Long> segmentBytes(Connection c) throws SQLException {
    List<String> tables = new ArrayList<>();
    for (DataType t : DataType.values()) {
      tables.add(DuckDbLayout.of(TableSchema.of(t)).table());
    }
    tables.add(Bars.TABLE);
    List<String> parts = new ArrayList<>();
    for (String table : tables) {
      parts.add("SELECT '" + table + "' AS t, block_id, block_offset, len(additional_block_ids) AS more, segment_type, "
          + "count, stats FROM pragma_storage_info('" + table + "') WHERE block_id >= 0");
    }
    Map<String, Long> out = new HashMap<>();
    try (Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT t, lead(block_offset) OVER (PARTITION BY block_id ORDER BY block_offset), "
            + "block_offset, more, segment_type, count, stats, (SELECT block_size FROM pragma_database_size()) FROM "
            + "(SELECT DISTINCT * FROM (" + String.join(" UNION ALL ", parts) + "))")) {
      while (rs.next()) {
        long next = rs.getLong(2);
        boolean last = rs.wasNull();
        long offset = rs.getLong(3);
        long blockSize = rs.getLong(8);
        long size = last
            ? Math.min(blockSize - offset, lastSegmentBound(rs.getString(5), rs.getLong(6), rs.getString(7)))
            : next - offset;
        out.merge(rs.getString(1), size + rs.getLong(4) * blockSize, Long::sum);
      }
    }
    return out;
  }

  /**
   * The most a segment can take: its values uncompressed (a text's longest length from its stats
   * for every value), plus room for a compression's header (FSST's symbol table is the largest).
   *
   * @param type the segment's type as DuckDB names it ({@code BIGINT}, {@code DECIMAL(38,18)},
   *     {@code VARCHAR}, {@code VALIDITY}, ...)
   * @param count its rows
   * @param stats its statistics text
   * @return bytes, or {@link Long#MAX_VALUE} for a type without a bound here
   */
  static long lastSegmentBound(String type, long count, String stats) {
    long header = 4096;
    if (type.startsWith("DECIMAL(")) {
      int precision = Integer.parseInt(type.substring(8, type.indexOf(',')).trim());
      return header + count * (precision <= 4 ? 2 : precision <= 9 ? 4 : precision <= 18 ? 8 : 16);
    }
    switch (type) {
      case "VALIDITY":
        return header + (count + 7) / 8;
      case "BOOLEAN", "TINYINT", "UTINYINT":
        return header + count;
      case "SMALLINT", "USMALLINT":
        return header + 2 * count;
      case "INTEGER", "UINTEGER", "FLOAT", "DATE":
        return header + 4 * count;
      case "BIGINT", "UBIGINT", "DOUBLE", "TIMESTAMP":
        return header + 8 * count;
      case "HUGEINT", "UHUGEINT":
        return header + 16 * count;
      case "VARCHAR": {
        Matcher m = MAX_STRING_LENGTH.matcher(stats == null ? "" : stats);
        return m.find() ? header + count * (4 + Long.parseLong(m.group(1))) : Long.MAX_VALUE;
      }
      default:
        return Long.MAX_VALUE;
    }
  }

  private static final Pattern MAX_STRING_LENGTH =
      Pattern.compile("Max String Length: (\\d+)");

  /**
   * Checkpoints now, each table's newest rows rewritten in table order first, as the writer does
   * when its log has grown ({@link SortedCheckpoints}).
   *
   * @return completes when checkpointed
   */
  Future<Void> sortedCheckpoint() {
    return db.write(c -> {
      checkpoints.run(c);
      return null;
    });
  }

  /** @return the database (for benchmarks and tests that read it directly) */
  public DuckDb database() {
    return db;
  }

  @Override
  public ColdTier cold() {
    return cold;
  }

  @Override
  public Future<Void> close() {
    if (db == null) {
      return Future.succeededFuture();
    }
    closing = true;
    // pending minutes are in the log too: a failed flush is redone at the next start
    return db.<Void>write(c -> {
      flushBars(c);
      return null;
    }).recover(e -> Future.succeededFuture()).compose(v -> db.close());
  }
}
