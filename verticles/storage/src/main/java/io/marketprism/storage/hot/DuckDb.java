package io.marketprism.storage.hot;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.duckdb.DuckDBConnection;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * One DuckDB database file: a single writer connection used only by its own thread (DuckDB
 * allows one writer per file), and reads on worker threads through duplicates of it. Nothing
 * here ever runs on an event loop.
 */
public final class DuckDb {

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
   * Opens (creating) the database file on a worker thread.
   *
   * @param vertx Vert.x
   * @param file the database file
   * @return the open database
   */
  public static Future<DuckDb> open(Vertx vertx, Path file) {
    return vertx.executeBlocking(() -> {
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      Connection c = DriverManager.getConnection("jdbc:duckdb:" + file.toAbsolutePath());
      return new DuckDb(vertx, c.unwrap(DuckDBConnection.class));
    });
  }

  /**
   * Runs work on the writer thread with the writer connection.
   *
   * @param work the work
   * @param <T> result type
   * @return its result, on the caller's context
   */
  public <T> Future<T> write(Work<T> work) {
    Context ctx = vertx.getOrCreateContext();
    CompletableFuture<T> cf = CompletableFuture.supplyAsync(() -> {
      try {
        return work.run(writer);
      } catch (RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new IllegalStateException(e.getMessage(), e);
      }
    }, writeThread);
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
