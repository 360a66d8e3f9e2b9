package io.marketprism.storage.hot;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.duckdb.DuckDBConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One DuckDB database file: a single writer connection used only by its own thread (DuckDB
 * allows one writer per file), and reads on worker threads through duplicates of it. Nothing
 * here ever runs on an event loop.
 *
 * <p>Files are created in DuckDB's {@value #STORAGE_VERSION} storage format. DuckDB's default is
 * still the format of 0.10.2, readable by old versions, in which the compressions added since
 * (dictionary+FSST for text, ZSTD, newer bit-packing) are switched off. A file in an older format
 * is rewritten once when it is opened: its content is copied into a new file of this format by an
 * {@link Upgrade}, which replaces the old file (see {@link #open}).
 */
public final class DuckDb {

  /** The storage format of the files this class creates and upgrades to. */
  public static final String STORAGE_VERSION = "v1.5.0";

  /** Copies an open database of an older format into a new, attached one. */
  @FunctionalInterface
  public interface Upgrade {
    /**
     * @param connection a connection to the old database (the default catalog)
     * @param target the catalog name of the new, empty database
     * @throws Exception on failure (the old file is kept)
     */
    void copy(DuckDBConnection connection, String target) throws Exception;
  }

  /** Work done with a connection. */
  @FunctionalInterface
  public interface Work<T> {
    /**
     * @param connection the connection to use
     * @return the result
     * @throws Exception on failure
     */
    T run(DuckDBConnection connection) throws Exception;
  }

  private static final Logger LOG = LoggerFactory.getLogger(DuckDb.class);
  private static final String UPGRADE_CATALOG = "mp_upgrade";

  private final Vertx vertx;
  private final DuckDBConnection writer;
  private final ExecutorService writeThread;

  private DuckDb(Vertx vertx, DuckDBConnection writer) {
    this.vertx = vertx;
    this.writer = writer;
    this.writeThread = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "mp-duckdb-writer");
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * Opens (creating) the database file on a worker thread. A file of an older storage format is
   * upgraded first: {@code upgrade} copies it into {@code FILE.upgrade}, a new file of
   * {@link #STORAGE_VERSION}, which then replaces it (an atomic rename after the old database is
   * closed and checkpointed). A crash before the rename leaves the old file as it was; the partial
   * copy is removed at the next attempt.
   *
   * @param vertx Vert.x
   * @param file the database file
   * @param upgrade copies an older file's content into the new file
   * @return the open database
   */
  public static Future<DuckDb> open(Vertx vertx, Path file, Upgrade upgrade) {
    return vertx.executeBlocking(() -> {
      Path path = file.toAbsolutePath();
      Path parent = path.getParent();
      if (parent != null) {
        createDirectories(parent, path);
      }
      DuckDBConnection c = open(path);
      String version = storageVersion(c);
      if (older(version)) {
        c = upgrade(path, c, version, upgrade);
      }
      return new DuckDb(vertx, c);
    });
  }

  /**
   * Creates the directory of the database file, or fails with a message that says what is in the
   * way: the JDK's exceptions name only the path ({@code FileAlreadyExistsException: data}, which
   * the user of {@code demo --data FILE} saw alone).
   */
  private static void createDirectories(Path dir, Path file) throws IOException {
    try {
      Files.createDirectories(dir);
    } catch (FileSystemException e) {
      String why = e instanceof FileAlreadyExistsException ? (e.getFile() + " is a file, not a directory")
          : e instanceof AccessDeniedException ? ("permission denied on " + e.getFile())
          : (e.getFile() + ": " + (e.getReason() != null ? e.getReason() : e.getClass().getSimpleName()));
      throw new IOException("cannot create the directory " + dir + " of the DuckDB file " + file
          + " (storage.hot.path; demo: --data): " + why + "; choose a directory this user can write", e);
    }
  }

  /**
   * Connects to the database file, or fails with a message that says what is wrong and which
   * setting chooses the file: DuckDB's own names neither ({@code IO Error: Could not set lock on
   * file ...: Conflicting lock is held in /usr/lib/jvm/.../bin/java (PID 12239)}, which a user who
   * started a second {@code demo} saw alone).
   */
  private static DuckDBConnection open(Path path) throws IOException {
    try {
      return connect(path);
    } catch (SQLException e) {
      String said = String.valueOf(e.getMessage()).replaceFirst("^IO Error: ", "");
      if (said.contains("Could not set lock") || said.contains("Conflicting lock")) {
        Matcher pid = Pattern.compile("\\(PID (\\d+)\\)").matcher(said);
        throw new IOException("the DuckDB file " + path + " is in use by another process"
            + (pid.find() ? " (PID " + pid.group(1) + ")" : "")
            + ", another MarketPrism storage or demo on the same data directory; stop it, or choose another"
            + " directory (storage.hot.path; demo: --data)", e);
      }
      throw new IOException("cannot open the DuckDB file " + path + " (storage.hot.path; demo: --data): " + said
          + (said.contains("Permission denied") ? "; choose a directory this user can write" : ""), e);
    }
  }

  private static DuckDBConnection connect(Path path) throws SQLException {
    Properties p = new Properties();
    // the format of files created by this connection; existing files keep theirs
    p.setProperty("storage_compatibility_version", STORAGE_VERSION);
    Connection c = DriverManager.getConnection("jdbc:duckdb:" + path, p);
    return c.unwrap(DuckDBConnection.class);
  }

  /** @return the storage format of the connection's database, e.g. {@code v1.0.0+} */
  private static String storageVersion(DuckDBConnection c) throws SQLException {
    try (Statement st = c.createStatement();
         ResultSet rs = st.executeQuery("SELECT tags['storage_version'] FROM duckdb_databases() "
             + "WHERE database_name = current_database()")) {
      return rs.next() && rs.getString(1) != null ? rs.getString(1) : STORAGE_VERSION;
    }
  }

  /** @return whether a storage format is older than {@link #STORAGE_VERSION} */
  static boolean older(String version) {
    int[] v = versionNumbers(version);
    int[] target = versionNumbers(STORAGE_VERSION);
    for (int i = 0; i < 3; i++) {
      if (v[i] != target[i]) {
        return v[i] < target[i];
      }
    }
    return false;
  }

  private static int[] versionNumbers(String version) {
    String[] parts = version.replaceAll("[^0-9.]", "").split("\\.");
    int[] out = new int[3];
    for (int i = 0; i < 3 && i < parts.length; i++) {
      out[i] = parts[i].isEmpty() ? 0 : Integer.parseInt(parts[i]);
    }
    return out;
  }

  private static DuckDBConnection upgrade(Path path, DuckDBConnection old, String version, Upgrade upgrade)
      throws Exception {
    Path tmp = path.resolveSibling(path.getFileName() + ".upgrade");
    Files.deleteIfExists(tmp);
    Files.deleteIfExists(wal(tmp));
    long t0 = System.nanoTime();
    try (Statement st = old.createStatement()) {
      st.execute("CHECKPOINT");
      st.execute("ATTACH '" + tmp.toString().replace("'", "''") + "' AS " + UPGRADE_CATALOG + " (STORAGE_VERSION '"
          + STORAGE_VERSION + "')");
      try {
        upgrade.copy(old, UPGRADE_CATALOG);
      } finally {
        st.execute("DETACH " + UPGRADE_CATALOG);
      }
    } catch (Exception e) {
      old.close();
      Files.deleteIfExists(tmp);
      Files.deleteIfExists(wal(tmp));
      throw e;
    }
    old.close();
    if (Files.exists(wal(tmp)) || Files.exists(wal(path))) {
      // closing checkpoints both: a log left beside either would be replayed into the wrong file
      throw new IllegalStateException("DuckDB upgrade of " + path + ": write-ahead log left after close; old file kept");
    }
    long before = Files.size(path);
    Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    LOG.info("DuckDB file {} upgraded from storage format {} to {} in {} ms: {} -> {} bytes", path, version,
        STORAGE_VERSION, (System.nanoTime() - t0) / 1_000_000, before, Files.size(path));
    return connect(path);
  }

  private static Path wal(Path db) {
    return db.resolveSibling(db.getFileName() + ".wal");
  }

  /**
   * Runs work on the writer thread with the writer connection.
   *
   * @param work the work
   * @param <T> result type
   * @return its result, on the caller's context; failed when the database is closed
   */
  public <T> Future<T> write(Work<T> work) {
    Context ctx = vertx.getOrCreateContext();
    CompletableFuture<T> cf;
    try {
      cf = CompletableFuture.supplyAsync(() -> {
        try {
          return work.run(writer);
        } catch (RuntimeException e) {
          throw e;
        } catch (Exception e) {
          throw new IllegalStateException(e.getMessage(), e);
        }
      }, writeThread);
    } catch (RejectedExecutionException e) {
      return Future.failedFuture(new IllegalStateException("DuckDB database closed"));
    }
    return Future.fromCompletionStage(cf, ctx);
  }

  /**
   * Runs read-only work on a worker thread with its own connection to the same database.
   *
   * @param work the work
   * @param <T> result type
   * @return its result
   */
  public <T> Future<T> read(Work<T> work) {
    return vertx.executeBlocking(() -> {
      try (DuckDBConnection c = (DuckDBConnection) writer.duplicate()) {
        return work.run(c);
      }
    }, false);
  }

  /**
   * Closes the writer after the work queued before.
   *
   * @return completes when closed
   */
  public Future<Void> close() {
    return this.<Void>write(c -> {
      try {
        c.close();
      } catch (SQLException e) {
        // closing is best effort; the file is consistent after each commit
      }
      return null;
    }).onComplete(ar -> writeThread.shutdown());
  }
}
