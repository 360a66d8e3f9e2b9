package io.marketprism.storage.query;

import java.time.LocalDate;
import java.util.List;

/**
 * Which tiers a query reads: hot, and the cold days inside its range.
 *
 * @param hot whether to read the hot tier
 * @param coldDays archived days the range touches (empty: cold not read)
 */
public record TierPlan(boolean hot, List<LocalDate> coldDays) {

  /** The day length. */
  public static final long DAY_MS = 86_400_000L;

  /**
   * @param startMs range start (inclusive)
   * @param endMs range end (exclusive)
   * @param archived the archived days of the type
   * @return the plan: cold days in the range; hot unless every day of the range is archived
   */
  public static TierPlan of(long startMs, long endMs, List<LocalDate> archived) {
    List<LocalDate> inRange = archived.stream().filter(d -> {
      long s = d.toEpochDay() * DAY_MS;
      return s < endMs && s + DAY_MS > startMs;
    }).toList();
    long firstDay = Math.floorDiv(startMs, DAY_MS);
    long lastDay = Math.floorDiv(Math.max(startMs, endMs - 1), DAY_MS);
    boolean allCold = lastDay - firstDay + 1 <= inRange.size();
    return new TierPlan(!allCold, inRange);
  }
}
