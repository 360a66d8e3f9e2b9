package io.marketprism.collector.backfill;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The trade marks of one market of one exchange on disk ({@code collector.state_dir}), so that a
 * restarted collector can fetch the trades sent while it was stopped: per instrument the last
 * trade sequence number handled, its trade time, and until when the mark was known to be current
 * ({@code watched_ms}: the time of the save when the instrument's live stream had been up since
 * that trade, see {@link TradeSequences#marks(long)}). The gap of a restart is aged from the last:
 * an instrument quiet for long before a stop lost nothing while it was watched. Files without
 * {@code watched_ms} (written before it existed) read it as the trade time.
 *
 * <p>One file per exchange and market type, {@code trade-marks.<exchange>.<market_type>.json}, for
 * every collector whose state directory it is. Collectors that split one market between them
 * (sharding over processes, or {@code collector.instances} in one process) share the file without
 * clobbering each other: {@link #save} merges under a lock (an exclusive {@link FileLock} on
 * {@code <file>.lock} between processes, a monitor within this one), replacing only the entries of
 * the instruments the caller collects and removing the ones it stopped collecting. Entries of
 * other collectors stay — unless they were last watched longer ago than the backfill bound, where
 * they could no longer be used by anyone (that is also how an instrument dropped from every
 * configuration while its collector was down leaves the file). A file name derived from each
 * collector's subscriptions would change with every runtime subscription and lose the marks; one
 * file per instrument would cost a write per instrument and second.
 *
 * <p>Writes are atomic: a temporary file in the same directory, forced to disk, then moved over
 * the old one ({@link StandardCopyOption#ATOMIC_MOVE}); a reader sees the old or the new file,
 * never a part. A missing or unreadable file reads as no marks, with the reason. Blocking: call it
 * off the event loop.
 */
public final class TradeMarkFile {

  /**
   * A trade mark.
   *
   * @param seq the sequence number of the last trade handled
   * @param tsMs its trade time, epoch ms
   * @param watchedMs until when no trade after it can have been missed, epoch ms: trades missing
   *     after the mark are not older than this
   */
  public record Mark(long seq, long tsMs, long watchedMs) {

    /**
     * A mark known current only at its trade.
     *
     * @param seq the sequence number of the last trade handled
     * @param tsMs its trade time, epoch ms
     */
    public Mark(long seq, long tsMs) {
      this(seq, tsMs, tsMs);
    }
  }

  /**
   * What a file held.
   *
   * @param marks instrument → mark (empty when the file is missing or unreadable)
   * @param savedMs when it was written, or 0 when it could not be read
   * @param problem why nothing was read ({@code missing}, or what is wrong with it), or {@code null}
   */
  public record Loaded(Map<String, Mark> marks, long savedMs, String problem) {

    /** @return whether the file was there and read */
    public boolean ok() {
      return problem == null;
    }
  }

  /** {@link Loaded#problem} of a file that does not exist. */
  public static final String MISSING = "missing";

  private static final String FORMAT = "marketprism.trade-marks";
  private static final int VERSION = 1;
  private static final Map<Path, Object> LOCKS = new ConcurrentHashMap<>();

  private final Path file;
  private final String exchange;
  private final String marketType;

  /**
   * @param dir the state directory
   * @param exchange the exchange, as on the wire
   * @param marketType the market type, as on the wire
   */
  public TradeMarkFile(Path dir, String exchange, String marketType) {
    this.file = dir.resolve("trade-marks." + exchange + "." + marketType + ".json");
    this.exchange = exchange;
    this.marketType = marketType;
  }

  /** @return the file */
  public Path file() {
    return file;
  }

  /**
   * Reads the file; never throws.
   *
   * @return its marks, or none with the reason
   */
  public Loaded load() {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return new Loaded(Map.of(), 0, MISSING);
    } catch (IOException | RuntimeException e) {
      return new Loaded(Map.of(), 0, "cannot be read: " + e);
    }
    try {
      return parse(text);
    } catch (DecodeException | ClassCastException | IllegalArgumentException | NullPointerException e) {
      return new Loaded(Map.of(), 0, "is corrupt: " + e.getMessage());
    }
  }

  private Loaded parse(String text) {
    JsonObject root = new JsonObject(text);
    if (!FORMAT.equals(root.getString("format")) || root.getInteger("version", -1) != VERSION) {
      throw new IllegalArgumentException("not a version " + VERSION + " " + FORMAT + " file");
    }
    if (!exchange.equals(root.getString("exchange")) || !marketType.equals(root.getString("market_type"))) {
      throw new IllegalArgumentException("it holds " + root.getString("exchange") + " " + root.getString("market_type"));
    }
    JsonObject marks = root.getJsonObject("marks");
    if (marks == null) {
      throw new IllegalArgumentException("no marks");
    }
    Map<String, Mark> out = new TreeMap<>();
    for (String sym : marks.fieldNames()) {
      JsonObject m = marks.getJsonObject(sym);
      long seq = m.getLong("seq");
      long ts = m.getLong("ts_ms");
      long watched = m.getLong("watched_ms", ts);
      if (sym.isEmpty() || seq < 0 || ts < 0 || watched < 0) {
        throw new IllegalArgumentException("bad mark of '" + sym + "'");
      }
      out.put(sym, new Mark(seq, ts, watched));
    }
    return new Loaded(Collections.unmodifiableMap(out), root.getLong("saved_ms"), null);
  }

  /**
   * Writes the caller's marks into the file, keeping those of other collectors (see the class
   * comment), atomically. An unreadable file is replaced.
   *
   * @param own the marks of the instruments the caller collects
   * @param drop instruments the caller stopped collecting: removed
   * @param pruneBeforeMs other entries last watched before this are removed
   * @param nowMs the time written into the file
   * @throws IOException when the file cannot be written (the old one is then untouched)
   */
  public void save(Map<String, Mark> own, Set<String> drop, long pruneBeforeMs, long nowMs) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    Path lockFile = file.resolveSibling(file.getFileName() + ".lock");
    synchronized (LOCKS.computeIfAbsent(lockFile.toAbsolutePath().normalize(), k -> new Object())) {
      try (FileChannel lockChannel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
          FileLock lock = lockChannel.lock()) {
        Map<String, Mark> merged = new TreeMap<>();
        load().marks().forEach((sym, m) -> {
          if (!drop.contains(sym) && m.watchedMs() >= pruneBeforeMs) {
            merged.put(sym, m);
          }
        });
        merged.putAll(own);
        write(merged, nowMs);
      }
    }
  }

  private void write(Map<String, Mark> marks, long nowMs) throws IOException {
    JsonObject entries = new JsonObject();
    marks.forEach((sym, m) -> entries.put(sym, new JsonObject().put("seq", m.seq()).put("ts_ms", m.tsMs())
        .put("watched_ms", m.watchedMs())));
    JsonObject root = new JsonObject().put("format", FORMAT).put("version", VERSION).put("exchange", exchange)
        .put("market_type", marketType).put("saved_ms", nowMs).put("marks", entries);
    byte[] bytes = root.encodePrettily().getBytes(StandardCharsets.UTF_8);
    Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), file.getFileName() + ".", ".tmp");
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
        ch.force(true);
      }
      try {
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        // a file system without atomic rename: a plain replace still beats keeping no state
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}
