package io.marketprism.storage.query;

import io.marketprism.platform.http.ApiError;
import io.vertx.core.Future;

import java.time.LocalDate;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

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

  /** Reads of a range before the archive is given up as moving its days all the time. */
  static final int READ_ATTEMPTS = 3;

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

  /**
   * Reads a range with the plan of the cold days listed now, and lists them again once read: the
   * archive may have moved a day of the range in between (copied it to cold, then dropped it from
   * hot), which a read planned before it did not look for in cold and no longer found in hot. Then
   * the range is read again with the new plan.
   *
   * @param coldDays lists the archived days of the type
   * @param startMs range start (inclusive)
   * @param endMs range end (exclusive)
   * @param read the read of a plan
   * @param <T> its answer
   * @return the answer of a read whose plan still held when it was done; a 503 when the archive
   *     moved days of the range during each of {@link #READ_ATTEMPTS} reads
   */
  public static <T> Future<T> read(Supplier<Future<List<LocalDate>>> coldDays, long startMs, long endMs,
      Function<TierPlan, Future<T>> read) {
    return read(coldDays, startMs, endMs, read, 1);
  }

  private static <T> Future<T> read(Supplier<Future<List<LocalDate>>> coldDays, long startMs, long endMs,
      Function<TierPlan, Future<T>> read, int attempt) {
    return coldDays.get().compose(days -> {
      TierPlan plan = of(startMs, endMs, days);
      return read.apply(plan).compose(answer -> coldDays.get().compose(after -> {
        if (of(startMs, endMs, after).equals(plan)) {
          return Future.succeededFuture(answer);
        }
        if (attempt >= READ_ATTEMPTS) {
          return Future.failedFuture(new ApiError(503, "unavailable", "the archive moved days of the range during "
              + attempt + " reads of it; ask again"));
        }
        return read(coldDays, startMs, endMs, read, attempt + 1);
      }));
    });
  }
}
