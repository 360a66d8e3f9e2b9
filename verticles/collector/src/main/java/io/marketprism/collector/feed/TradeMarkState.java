package io.marketprism.collector.feed;

import io.marketprism.collector.backfill.TradeMarkFile;
import io.marketprism.platform.bus.BusStats;
import io.vertx.core.Future;
import io.vertx.core.WorkerExecutor;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The saved trade marks of one feed (exchange and market type): the marks an earlier run left,
 * handed once to the shard that collects the instrument's trades ({@link #claim}), and the
 * current marks written back to the {@link TradeMarkFile} — every
 * {@code collector.state_save_interval_ms} when they changed (a watched mark changes with every
 * save: it was current until then) and once more on stop, on the collector's state worker (not
 * the event loop, not the shared worker pool), one write at a time. A crash loses at most the last
 * interval: the older mark read after it only makes the fetched gap larger, and the overlap is
 * dropped by identity downstream (except, on OKX's aggregated {@code trades} channel, the matches a
 * live aggregate carried below its id, fetched again one by one under their own ids; its default
 * {@code trades-all} pushes every match under its own id, so nothing is counted twice). Used on the
 * collector's context only.
 *
 * <p>Marks are written only once the bus has settled every record offered before they were taken
 * (acknowledged by the stream, or dropped beyond its buffer and counted): while NATS is away the
 * file keeps marks no later than what the stream holds, so a restart fetches the trades the bus
 * still held from the exchange again instead of losing them with the process.
 */
public final class TradeMarkState {

  private static final Logger LOG = LoggerFactory.getLogger(TradeMarkState.class);

  private final WorkerExecutor worker;
  private final TradeMarkFile file;
  private final Map<String, TradeMarkFile.Mark> restored;
  private final long maxAgeMs;
  private Map<String, TradeMarkFile.Mark> saved = Map.of();
  /** The marks taken at the last call, waiting for the bus to settle what was offered before them. */
  private Map<String, TradeMarkFile.Mark> candidate;
  private long candidateOffered;
  private Future<Void> writing = Future.succeededFuture();
  private boolean inFlight;
  private String lastError;

  /**
   * @param worker where the file is written, or {@code null} when nothing is kept
   * @param file where the marks are kept, or {@code null} when nothing is kept
   * @param restored the marks an earlier run left
   * @param maxAgeMs other collectors' entries last watched longer ago than this are dropped from the file
   */
  public TradeMarkState(WorkerExecutor worker, TradeMarkFile file, Map<String, TradeMarkFile.Mark> restored,
      long maxAgeMs) {
    this.worker = worker;
    this.file = file;
    this.restored = new HashMap<>(restored);
    this.maxAgeMs = maxAgeMs;
  }

  /** @return a state that restores and keeps nothing ({@code collector.state_dir} empty) */
  public static TradeMarkState off() {
    return new TradeMarkState(null, null, Map.of(), 0);
  }

  /**
   * @param exchangeSymbol an instrument whose trades a shard starts collecting
   * @return the mark an earlier run saved for it (handed out once), or {@code null}
   */
  TradeMarkFile.Mark claim(String exchangeSymbol) {
    return restored.remove(exchangeSymbol);
  }

  /**
   * Writes the marks of the last call when the bus has settled every record offered before them
   * and they changed since the last write, unless a write is still running (the next call catches
   * up); keeps {@code current} for the next call.
   *
   * @param current the feed's marks now
   * @param bus the bus's counters now
   */
  void save(Map<String, TradeMarkFile.Mark> current, BusStats bus) {
    if (file == null) {
      return;
    }
    if (candidate != null && settled(bus) >= candidateOffered && !inFlight && !candidate.equals(saved)) {
      write(candidate);
    }
    candidate = Map.copyOf(current);
    candidateOffered = bus.published();
  }

  private static long settled(BusStats bus) {
    return bus.acked() + bus.dropped();
  }

  /**
   * The last write, after the one running: the marks at stop when the bus settled everything, else
   * those of the last call when it settled what came before them, else none (the file keeps older
   * marks, and the next start fetches from there).
   *
   * @param current the feed's marks at stop
   * @param bus the bus's counters at stop
   * @return completes when written (never fails)
   */
  Future<Void> close(Map<String, TradeMarkFile.Mark> current, BusStats bus) {
    if (file == null) {
      return Future.succeededFuture();
    }
    Map<String, TradeMarkFile.Mark> last = settled(bus) >= bus.published() ? current
        : candidate != null && settled(bus) >= candidateOffered ? candidate : null;
    if (last == null) {
      LOG.warn("trade marks of {} not written at stop: the bus still holds {} records; the next start fetches "
          + "their trades from the exchange again", file.file(), bus.published() - settled(bus));
    }
    return writing.transform(ar -> last == null || last.equals(saved) ? Future.succeededFuture() : write(last));
  }

  private Future<Void> write(Map<String, TradeMarkFile.Mark> current) {
    Map<String, TradeMarkFile.Mark> own = Map.copyOf(current);
    Set<String> drop = new HashSet<>(saved.keySet());
    drop.removeAll(own.keySet());
    inFlight = true;
    writing = worker.<Void>executeBlocking(() -> {
      long now = System.currentTimeMillis();
      file.save(own, drop, now - maxAgeMs, now);
      return null;
    }).transform(ar -> {
      inFlight = false;
      if (ar.succeeded()) {
        saved = own;
        if (lastError != null) {
          LOG.info("trade marks written to {} again", file.file());
          lastError = null;
        }
      } else if (!String.valueOf(ar.cause()).equals(lastError)) {
        // logged once per distinct failure; the marks are tried again at the next interval
        lastError = String.valueOf(ar.cause());
        LOG.warn("cannot write trade marks to {}: {} (a restart now would not recover the trades it misses)",
            file.file(), lastError);
      }
      return Future.<Void>succeededFuture();
    });
    return writing;
  }
}
