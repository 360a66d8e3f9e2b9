package io.marketprism.storage.query;

import java.time.LocalDate;
import java.util.List;

/**
 * Which cold days a query reads besides the hot tier. Hot is always read: a day that was archived
 * can hold records in hot again (late records, arrived after the day was copied, until the next
 * archive run moves them too), and the stores drop an identity found in both tiers.
 *
 * @param coldDays archived days the range touches (empty: cold not read)
 */
public record TierPlan(List<LocalDate> coldDays) {

  /** The day length. */
  public static final long DAY_MS = 86_400_000L;

  /** Hot alone. */
  public static final TierPlan HOT = new TierPlan(List.of());

  /**
   * @param startMs range start (inclusive)
   * @param endMs range end (exclusive)
   * @param archived the archived days of the type
   * @return the plan: the archived days in the range
   */
  public static TierPlan of(long startMs, long endMs, List<LocalDate> archived) {
    return new TierPlan(archived.stream().filter(d -> {
      long s = d.toEpochDay() * DAY_MS;
      return s < endMs && s + DAY_MS > startMs;
    }).toList());
  }
}
