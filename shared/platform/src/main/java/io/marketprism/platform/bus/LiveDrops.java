package io.marketprism.platform.bus;

import java.util.Set;

/**
 * Records a live subscription dropped because its handler's event loop was behind by more than
 * its bound ({@code bus.*.live_max_pending_bytes}), told to its holder once that loop has handled
 * what it held when the first of them was dropped ({@link RecordBus#subscribe(String,
 * io.vertx.core.Handler, io.vertx.core.Handler)}): the holder's own clients would otherwise miss
 * them without knowing.
 *
 * @param count records dropped
 * @param fromMs when the first was dropped (epoch ms, the subscriber's clock)
 * @param toMs when the last was
 * @param subjects the subjects of the dropped records, or null when there were more than
 *     {@link #MAX_SUBJECTS} (any subject may then be missing)
 */
public record LiveDrops(long count, long fromMs, long toMs, Set<String> subjects) {

  /** Distinct subjects named at most: past them a report says only that any subject may be missing. */
  public static final int MAX_SUBJECTS = 256;
}
