package io.marketprism.platform.bus;

import io.vertx.core.Context;
import io.vertx.core.Handler;

import java.util.HashSet;
import java.util.Set;

/**
 * Gathers the drops of a live {@link BoundedHandOff} and tells its holder of them ({@link LiveDrops})
 * on the holder's context, not once per record: the first drop of a run queues one report behind the
 * records then held, so it runs once the loop has handled them (caught up with what came before the
 * drops), and it tells every drop gathered until then; drops after it start the next run. At most one
 * report a second: a loop that stays just behind its bus drops a few records per pass over what it
 * holds, and would otherwise get a report per pass.
 *
 * <p>Drops come from the offering thread while the loop is busy, so the loop's hot path (records
 * handed over) is untouched: a drop costs a clock read, a set lookup and an uncontended lock.
 */
final class DropReporter {

  static final long MIN_INTERVAL_MS = 1_000;

  private final Context context;
  private final Handler<LiveDrops> handler;
  /** Guarded by this: the run not yet told. */
  private long count;
  private long fromMs;
  private long toMs;
  private Set<String> subjects = new HashSet<>();
  private boolean manySubjects;
  private boolean scheduled;
  /** On the context only. */
  private long lastReportMs;

  DropReporter(Context context, Handler<LiveDrops> handler) {
    this.context = context;
    this.handler = handler;
  }

  /** A record of {@code subject} was dropped; on the offering thread. */
  void dropped(String subject) {
    long now = System.currentTimeMillis();
    boolean schedule;
    synchronized (this) {
      if (count++ == 0) {
        fromMs = now;
      }
      toMs = now;
      if (!manySubjects && !subjects.contains(subject)) {
        if (subjects.size() < LiveDrops.MAX_SUBJECTS) {
          subjects.add(subject);
        } else {
          manySubjects = true;
          subjects.clear();
        }
      }
      schedule = !scheduled;
      scheduled = true;
    }
    if (schedule) {
      context.runOnContext(v -> report());
    }
  }

  /** On the context, behind the records held at the run's first drop. */
  private void report() {
    long wait = lastReportMs + MIN_INTERVAL_MS - System.currentTimeMillis();
    if (wait > 0) {
      context.owner().setTimer(wait, t -> report());
      return;
    }
    LiveDrops drops;
    synchronized (this) {
      drops = new LiveDrops(count, fromMs, toMs, manySubjects ? null : Set.copyOf(subjects));
      count = 0;
      subjects.clear();
      manySubjects = false;
      scheduled = false;
    }
    lastReportMs = System.currentTimeMillis();
    handler.handle(drops);
  }
}
