package io.marketprism.storage.hot;

import io.marketprism.model.DataType;
import org.duckdb.DuckDBConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.EnumMap;
import java.util.Map;

/**
 * Checkpoints the DuckDB file with each table's newest rows rewritten in table order
 * ({@link TableSchema#sortKey()}) first, as ClickHouse merges its parts sorted: rows appended as
 * they arrive interleave instruments, and DuckDB compresses each row group's column in frames of
 * 2,048 values whose bit width is set by the frame's range, so one instrument's times, ids and
 * prices in a row compress far better than the mix.
 *
 * <p>DuckDB writes the rows of a checkpoint in the order they were appended and starts a new row
 * group after them. So this class checkpoints, when the write-ahead log has grown past
 * {@link #LOG_TRIGGER_BYTES}, after rewriting the tail of each table that took rows since the
 * last checkpoint: its last row group unless that is full, and the rows not yet checkpointed.
 * The tail is inserted again sorted and its old rows deleted, in one transaction; row ids are
 * positions, so the tail is the rows from its first row id on. At the checkpoint DuckDB drops the
 * row groups whose rows are all deleted: the unsorted rows are never written, and the blocks of a
 * rewritten partial row group are freed for the next checkpoint to reuse. DuckDB's own threshold
 * is raised above the trigger ({@link #DUCKDB_THRESHOLD}) to stay a backstop. Its default, 16 MiB,
 * checkpointed books every ~24,000 rows, merged those small row groups again at the next ones and
 * left a third of the file as free blocks; and each checkpoint leaves its last blocks part-filled,
 * so fewer and larger ones waste less. The price is memory: DuckDB holds the rows of the log
 * uncompressed until they are checkpointed. Writer thread only.
 */
final class SortedCheckpoints {

  private static final Logger LOG = LoggerFactory.getLogger(SortedCheckpoints.class);

  /** DuckDB's row group size. */
  static final long ROW_GROUP = 122_880;
  /** The log size that triggers a checkpoint: about 860,000 trades or 95,000 20-level books. */
  static final long LOG_TRIGGER_BYTES = 64L << 20;
  /** DuckDB's own checkpoint threshold, a backstop above {@link #LOG_TRIGGER_BYTES}. */
  static final String DUCKDB_THRESHOLD = "96MB";

  /** A stored table's tail: its first row id, and the rows committed since the last checkpoint. */
  private static final class Tail {
    final String table;
    final String order;
    long start;
    long fresh;

    Tail(String table, String order) {
      this.table = table;
      this.order = order;
    }
  }

  private final Path log;
  private final Map<DataType, Tail> tails = new EnumMap<>(DataType.class);

  /**
   * @param file the database file (its log is beside it)
   */
  SortedCheckpoints(Path file) {
    this.log = file.resolveSibling(file.getFileName() + ".wal");
    for (DataType t : DataType.values()) {
      TableSchema s = TableSchema.of(t);
      DuckDbLayout layout = DuckDbLayout.of(s);
      tails.put(t, new Tail(layout.table(), String.join(", ", layout.storedOrder())));
    }
  }

  /**
   * Sets DuckDB's own threshold and finds each table's tail.
   *
   * @param c the writer connection
   * @throws SQLException on failure
   */
  void start(DuckDBConnection c) throws SQLException {
    try (Statement st = c.createStatement()) {
      st.execute("SET checkpoint_threshold = '" + DUCKDB_THRESHOLD + "'");
      for (Tail t : tails.values()) {
        findTail(st, t);
      }
    }
  }

  /** The tail starts at the last row group unless it is full; row groups in row id order. */
  private static void findTail(Statement st, Tail t) throws SQLException {
    long total = 0;
    long last = 0;
    try (ResultSet rs = st.executeQuery("SELECT row_group_id, max(start + count) FROM pragma_storage_info('"
        + t.table + "') WHERE column_id = 0 GROUP BY 1 ORDER BY 1")) {
      while (rs.next()) {
        last = rs.getLong(2);
        total += last;
      }
    }
    t.start = total - (last < ROW_GROUP ? last : 0);
    t.fresh = 0;
  }

  /**
   * Counts rows committed into a table.
   *
   * @param type the table's data type
   * @param rows rows appended
   */
  void appended(DataType type, long rows) {
    tails.get(type).fresh += rows;
  }

  /** @return whether the log is past its trigger */
  boolean due() {
    try {
      return Files.exists(log) && Files.size(log) >= LOG_TRIGGER_BYTES;
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * Rewrites the tail of every table that took rows in table order, then checkpoints. A tail that
   * fails to sort is checkpointed as it is (its rows stay; the next run sorts them again).
   *
   * @param c the writer connection, in auto-commit mode
   * @throws SQLException when the checkpoint fails
   */
  void run(DuckDBConnection c) throws SQLException {
    long t0 = System.nanoTime();
    long sorted = 0;
    try (Statement st = c.createStatement()) {
      for (Tail t : tails.values()) {
        if (t.fresh > 0) {
          sorted += sort(c, st, t);
        }
      }
      st.execute("CHECKPOINT");
      for (Tail t : tails.values()) {
        findTail(st, t);
      }
    }
    LOG.debug("checkpoint with {} rows rewritten in table order in {} ms", sorted, (System.nanoTime() - t0) / 1_000_000);
  }

  private static long sort(DuckDBConnection c, Statement st, Tail t) {
    try {
      c.setAutoCommit(false);
      long end;
      try (ResultSet rs = st.executeQuery("SELECT coalesce(max(rowid) + 1, 0), count(*) FROM " + t.table
          + " WHERE rowid >= " + t.start)) {
        rs.next();
        end = rs.getLong(1);
        if (rs.getLong(2) < 2) {
          c.rollback();
          return 0;
        }
      }
      // rows inserted in this transaction have row ids of their own, above every stored row's
      long n = st.executeUpdate("INSERT INTO " + t.table + " SELECT * FROM " + t.table + " WHERE rowid >= " + t.start
          + " ORDER BY " + t.order);
      st.executeUpdate("DELETE FROM " + t.table + " WHERE rowid >= " + t.start + " AND rowid < " + end);
      c.commit();
      return n;
    } catch (SQLException e) {
      LOG.warn("{}: newest rows not rewritten in table order ({}); checkpointed as appended", t.table, e.getMessage());
      try {
        c.rollback();
      } catch (SQLException ignored) {
        // the connection reports the first failure
      }
      return 0;
    } finally {
      try {
        c.setAutoCommit(true);
      } catch (SQLException ignored) {
        // as above
      }
    }
  }
}
