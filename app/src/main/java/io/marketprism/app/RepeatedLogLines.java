package io.marketprism.app;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import org.slf4j.Marker;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Lets through at most one WARN or ERROR line a period (a minute) of each kind that a library logs
 * over and over, and says how many it left out when the next one passes. A kind is the logger, the
 * message and the exception's class and message: Vert.x logs an ERROR with its stack for every
 * message it cannot deliver to a node (a cluster member without the cluster's keystore, say,
 * thousands a minute), which would fill the disk and cost a core without telling more than the
 * first. Only loggers under the configured prefixes ({@code loggerPrefix}) are throttled.
 */
public final class RepeatedLogLines extends TurboFilter {

  private static final int MAX_KINDS = 10_000;

  private final List<String> prefixes = new ArrayList<>();
  private final Map<String, long[]> kinds = new ConcurrentHashMap<>();
  private long periodMs = 60_000;

  public void addLoggerPrefix(String prefix) {
    prefixes.add(prefix);
  }

  public void setPeriodMs(long periodMs) {
    this.periodMs = periodMs;
  }

  @Override
  public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
    if (level == null || !level.isGreaterOrEqual(Level.WARN) || !throttled(logger.getName())) {
      return FilterReply.NEUTRAL;
    }
    String kind = logger.getName() + '|' + format + '|' + (t == null ? "" : t.getClass().getName() + ':' + t.getMessage());
    if (kinds.size() > MAX_KINDS) {
      kinds.clear();
    }
    long[] seen = kinds.computeIfAbsent(kind, k -> new long[] {Long.MIN_VALUE, 0});
    long now = System.currentTimeMillis();
    long left;
    synchronized (seen) {
      if (seen[0] != Long.MIN_VALUE && now - seen[0] < periodMs) {
        seen[1]++;
        return FilterReply.DENY;
      }
      left = seen[1];
      seen[0] = now;
      seen[1] = 0;
    }
    if (left > 0) {
      logger.getLoggerContext().getLogger(RepeatedLogLines.class)
          .warn("{} more lines like the next one were left out since it was last logged", left);
    }
    return FilterReply.NEUTRAL;
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
