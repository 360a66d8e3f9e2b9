package io.marketprism.storage.cold;

import io.marketprism.model.DataType;
import io.marketprism.storage.hot.Column;
import io.marketprism.storage.hot.DuckDb;
import io.marketprism.storage.hot.DuckDbHotStore;
import io.marketprism.storage.hot.TableSchema;
import io.marketprism.storage.query.TierPlan;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The embedded cold tier: one Parquet file (ZSTD) per data type and UTC day,
 * {@code {root}/{data_type}/date=YYYY-MM-DD/part.parquet}, written by DuckDB from the hot table.
 * A day is rewritten whole (its previous file merged in, de-duplicated by identity) into a
 * temporary file that replaces the old one atomically, so a crash leaves either the old or the
 * new file, never half of one.
 */
public final class ParquetColdTier implements ColdTier {

  private static final String FILE = "part.parquet";

  private final Vertx vertx;
  private final DuckDb db;
  private final Path root;

  /**
   * @param vertx Vert.x
   * @param db the hot database (its writer does the copies, so they never race an ingest)
   * @param root the cold directory, e.g. {@code data/cold}
   */
  public ParquetColdTier(Vertx vertx, DuckDb db, Path root) {
    this.vertx = vertx;
    this.db = db;
    this.root = root.toAbsolutePath();
  }

  private Path file(DataType type, LocalDate day) {
    return root.resolve(type.wire()).resolve("date=" + day).resolve(FILE);
  }

  private static String quote(Path p) {
    return "'" + p.toString().replace("'", "''") + "'";
  }

  /**
   * @param type a data type
   * @param days archived days
   * @return a DuckDB table function reading those days' files
   */
  public String parquetSource(DataType type, List<LocalDate> days) {
    return "read_parquet([" + days.stream().map(d -> quote(file(type, d))).collect(Collectors.joining(", ")) + "])";
  }

  @Override
  public Future<List<LocalDate>> days(DataType type) {
    return vertx.executeBlocking(() -> archivedDays(type), false);
  }

  /**
   * Lists the archived days in the calling thread (a worker or the DuckDB writer, never an event loop).
   *
   * @param type a data type
   * @return the days with a file, oldest first
   * @throws java.io.UncheckedIOException if the directory cannot be listed
   */
  public List<LocalDate> archivedDays(DataType type) {
    Path dir = root.resolve(type.wire());
    List<LocalDate> out = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return out;
    }
    try (Stream<Path> s = Files.list(dir)) {
      s.filter(p -> p.getFileName().toString().startsWith("date=") && Files.isRegularFile(p.resolve(FILE)))
          .forEach(p -> out.add(LocalDate.parse(p.getFileName().toString().substring(5))));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    out.sort(null);
    return out;
  }

  @Override
  public Future<Void> copyDay(DataType type, LocalDate day) {
    TableSchema s = TableSchema.of(type);
    String cols = String.join(", ", s.physicalColumns());
    Path target = file(type, day);
    return db.write(c -> {
      Files.createDirectories(target.getParent());
      String src = "SELECT " + cols + " FROM " + hotDay(s, day);
      if (Files.isRegularFile(target)) {
        src += " UNION ALL SELECT " + cols + " FROM read_parquet(" + quote(target) + ")";
      }
      replace(c, target, "SELECT * FROM (" + src + ") QUALIFY " + DuckDbHotStore.firstCopy(s) + " ORDER BY "
          + String.join(", ", s.sortKey()));
      return null;
    });
  }

  /**
   * Writes a day's file anew from a query, through a temporary file that replaces it atomically.
   */
  private static void replace(Connection c, Path target, String select) throws SQLException, IOException {
    Path tmp = target.resolveSibling(FILE + ".tmp");
    try (Statement st = c.createStatement()) {
      st.execute("COPY (" + select + ") TO " + quote(tmp) + " (FORMAT PARQUET, COMPRESSION ZSTD)");
    }
    // on disk before the archive deletes the day from hot: the file's data, then its name and the day's
    // directory (new on a first copy) in their directories, or a power loss could lose the day in both tiers
    sync(tmp);
    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    sync(target.getParent());
    sync(target.getParent().getParent());
  }

  /**
   * Rewrites the day files of earlier versions, each replaced atomically; a file of this version
   * is left alone. Writer thread, at start. Earlier versions' files
   * <ul>
   *   <li>hold book sides as lists of decimals: they get the comma-joined text the hot tier holds
   *       them in now (see {@link DuckDbHotStore#levelsAsText}); a query or a copy that read such a
   *       file together with the hot table or a file of this version failed ("VARCHAR ... can't be
   *       cast to DECIMAL(38,18)[]"), so no read of those days answered and no late record of one
   *       could be archived;</li>
   *   <li>lack the columns added since ({@link TableSchema#laterColumns()}): they get them, null,
   *       or no read that names them would answer.</li>
   * </ul>
   *
   * @param c the writer connection
   * @throws SQLException if a file cannot be read or written
   * @throws IOException if the directories cannot be listed
   */
  public void upgradeFiles(Connection c) throws SQLException, IOException {
    for (DataType t : DataType.values()) {
      TableSchema s = TableSchema.of(t);
      List<String> sides = s.columns().stream().filter(col -> col.kind() == Column.Kind.LEVELS)
          .flatMap(col -> Stream.of(col.name() + "_price", col.name() + "_qty")).toList();
      Map<String, String> later = DuckDbHotStore.laterColumns(s);
      if (sides.isEmpty() && later.isEmpty()) {
        continue;
      }
      for (LocalDate day : archivedDays(t)) {
        Path f = file(t, day);
        Map<String, String> types = new HashMap<>();
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet("
                 + quote(f) + "))")) {
          while (rs.next()) {
            types.put(rs.getString(1), rs.getString(2));
          }
        }
        boolean lists = !sides.isEmpty() && String.valueOf(types.get(sides.get(0))).endsWith("[]");
        boolean lacks = !types.keySet().containsAll(later.keySet());
        if (lists || lacks) {
          String cols = s.physicalColumns().stream().map(col -> sides.contains(col) && lists
              ? DuckDbHotStore.levelsAsText(col) + " AS " + col
              : later.containsKey(col) && !types.containsKey(col) ? "CAST(NULL AS " + later.get(col) + ") AS " + col
              : col).collect(Collectors.joining(", "));
          replace(c, f, "SELECT " + cols + " FROM read_parquet(" + quote(f) + ")");
        }
      }
    }
  }

  /** Forces a file's or a directory's content to the disk. */
  private static void sync(Path path) throws IOException {
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }

  @Override
  public Future<Long> missing(DataType type, LocalDate day) {
    TableSchema s = TableSchema.of(type);
    Path f = file(type, day);
    String ident = String.join(", ", s.identityKey());
    return db.read(c -> {
      String cold = Files.isRegularFile(f) ? " UNION ALL SELECT " + ident + ", true FROM read_parquet(" + quote(f) + ")"
          : "";
      try (Statement st = c.createStatement();
           ResultSet rs = st.executeQuery("SELECT count(*) FROM (SELECT " + ident + " FROM (SELECT " + ident
               + ", false AS in_cold FROM " + hotDay(s, day) + cold + ") GROUP BY ALL HAVING NOT bool_or(in_cold))")) {
        rs.next();
        return rs.getLong(1);
      }
    });
  }

  /** The hot table's rows of a day, as a FROM clause. */
  private static String hotDay(TableSchema s, LocalDate day) {
    long from = day.toEpochDay() * TierPlan.DAY_MS;
    return s.table() + " WHERE ts_ms >= " + from + " AND ts_ms < " + (from + TierPlan.DAY_MS);
  }

  @Override
  public Future<Long> count(DataType type, LocalDate day) {
    Path f = file(type, day);
    TableSchema s = TableSchema.of(type);
    return db.read(c -> {
      if (!Files.isRegularFile(f)) {
        return 0L;
      }
      try (Statement st = c.createStatement();
           ResultSet rs = st.executeQuery("SELECT count(*) FROM (SELECT DISTINCT " + String.join(", ", s.identityKey())
               + " FROM read_parquet(" + quote(f) + "))")) {
        rs.next();
        return rs.getLong(1);
      }
    });
  }

  @Override
  public Future<JsonArray> stats() {
    return days(DataType.TRADE).compose(ignored -> db.read(c -> {
      JsonArray out = new JsonArray();
      for (DataType t : DataType.values()) {
        Path dir = root.resolve(t.wire());
        long bytes = 0;
        long rows = 0;
        long uncompressed = 0;
        if (Files.isDirectory(dir)) {
          List<Path> files;
          try (Stream<Path> s = Files.walk(dir)) {
            files = s.filter(p -> p.getFileName().toString().equals(FILE)).toList();
          }
          for (Path f : files) {
            bytes += size(f);
            try (Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT sum(num_values) FILTER (WHERE column_id = 0), "
                     + "sum(total_uncompressed_size) FROM parquet_metadata(" + quote(f) + ")")) {
              rs.next();
              rows += rs.getLong(1);
              uncompressed += rs.getLong(2);
            }
          }
        }
        out.add(new JsonObject().put("table", t.wire()).put("tier", "cold").put("engine", "parquet").put("rows", rows)
            .put("bytes", bytes).put("uncompressed_bytes", uncompressed)
            .put("compression", bytes == 0 ? null : Math.round(100.0 * uncompressed / bytes) / 100.0));
      }
      return out;
    }));
  }

  private static long size(Path f) {
    try {
      return Files.size(f);
    } catch (IOException e) {
      return 0;
    }
  }
}
