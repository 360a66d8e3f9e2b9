package io.marketprism.app;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import org.slf4j.Marker;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Lets through at most one WARN or ERROR line a period (a minute) of each kind that a library logs
 * over and over. A kind is the logger, the message and the exception's class and message: Vert.x
 * logs an ERROR with its stack for every message it cannot deliver to a node (a cluster member
 * without the cluster's keystore, say, thousands a minute), which would fill the disk and cost a
 * core without telling more than the first. Only loggers under the configured prefixes
 * ({@code loggerPrefix}) are throttled.
 *
 * <p>At the end of each period in which lines of a kind were left out, one line says how many and
 * of which kind, so a storm's size is known while it goes on and once it has ended. Each line left
 * out is counted in exactly one such line.
 */
public final class RepeatedLogLines extends TurboFilter {

  private static final int MAX_KINDS = 10_000;
  private static final int SHOWN_CHARS = 300;

  private final List<String> prefixes = new ArrayList<>();
  private final Map<String, Kind> kinds = new ConcurrentHashMap<>();
  private long periodMs = 60_000;
  private ScheduledExecutorService sweeper;

  /** When a kind was last let through, and how many of it were left out since. */
  private static final class Kind {
    final Logger logger;
    final String shown;
    long passedAt = Long.MIN_VALUE;
    long leftOut;

    Kind(Logger logger, String format, Throwable t) {
      this.logger = logger;
      String line = logger.getName() + " - " + format + (t == null ? "" : " (" + t + ")");
      this.shown = line.length() > SHOWN_CHARS ? line.substring(0, SHOWN_CHARS) + "..." : line;
    }
  }

  public void addLoggerPrefix(String prefix) {
    prefixes.add(prefix);
  }

  public void setPeriodMs(long periodMs) {
    this.periodMs = periodMs;
  }

  @Override
  public void start() {
    sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread thread = new Thread(r, "repeated-log-lines");
      thread.setDaemon(true);
      return thread;
    });
    long every = Math.max(10, periodMs / 4);
    sweeper.scheduleWithFixedDelay(() -> sweep(false), every, every, TimeUnit.MILLISECONDS);
    super.start();
  }

  @Override
  public void stop() {
    if (sweeper != null) {
      sweeper.shutdownNow();
      sweeper = null;
    }
    sweep(true); // what was left out before the stop is said too
    super.stop();
  }

  @Override
  public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
    if (level == null || !level.isGreaterOrEqual(Level.WARN) || !throttled(logger.getName())) {
      return FilterReply.NEUTRAL;
    }
    String key = logger.getName() + '|' + format + '|' + (t == null ? "" : t.getClass().getName() + ':' + t.getMessage());
    if (kinds.size() > MAX_KINDS) {
      sweep(true);
    }
    Kind kind = kinds.computeIfAbsent(key, k -> new Kind(logger, format, t));
    long now = System.currentTimeMillis();
    long leftOut;
    synchronized (kind) {
      if (kind.passedAt != Long.MIN_VALUE && now - kind.passedAt < periodMs) {
        kind.leftOut++;
        return FilterReply.DENY;
      }
      kind.passedAt = now;
      leftOut = kind.leftOut;
      kind.leftOut = 0;
    }
    if (leftOut > 0) { // the sweeper has not said it yet
      say(kind, leftOut);
    }
    return FilterReply.NEUTRAL;
  }

  /**
   * Says, for each kind whose period has ended with lines left out, how many; forgets the kinds
   * quiet for a whole period. With {@code all}, every kind's period is taken as ended.
   */
  void sweep(boolean all) {
    long now = System.currentTimeMillis();
    for (Iterator<Kind> it = kinds.values().iterator(); it.hasNext(); ) {
      Kind kind = it.next();
      long leftOut;
      synchronized (kind) {
        if (!all && now - kind.passedAt < periodMs) {
          continue;
        }
        leftOut = kind.leftOut;
        kind.leftOut = 0;
        if (leftOut == 0) {
          it.remove();
          continue;
        }
        kind.passedAt = now; // a storm that goes on is summed up again a period later
      }
      say(kind, leftOut);
    }
  }

  private static void say(Kind kind, long leftOut) {
    kind.logger.getLoggerContext().getLogger(RepeatedLogLines.class)
        .warn("{} more lines like this one were left out since it was logged: {}", leftOut, kind.shown);
  }

  private boolean throttled(String logger) {
    for (String p : prefixes) {
      if (logger.startsWith(p)) {
        return true;
      }
    }
    return false;
  }
}
