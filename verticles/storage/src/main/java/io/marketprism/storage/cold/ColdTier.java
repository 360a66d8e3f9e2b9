package io.marketprism.storage.cold;

import io.marketprism.model.DataType;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;

import java.time.LocalDate;
import java.util.List;

/**
 * The cold tier: whole UTC days moved out of the hot tier. Copying a day is idempotent: a record
 * the tier holds already is not stored again, so a copy interrupted by a crash, or repeated after
 * a drop that failed, is simply done again and leaves each record once.
 */
public interface ColdTier {

  /**
   * @param type a data type
   * @return the days this tier holds, oldest first
   */
  Future<List<LocalDate>> days(DataType type);

  /**
   * Copies a day from the hot tier, merging it with what this tier already holds of that day:
   * afterwards the tier holds each record of the day once, however often the copy ran.
   *
   * @param type a data type
   * @param day a UTC day
   * @return completes when copied
   */
  Future<Void> copyDay(DataType type, LocalDate day);

  /**
   * The archive's verification: what the hot tier holds of a day and this tier does not. It is
   * not a comparison of counts, since this tier may take records of the day meanwhile (late ones,
   * written straight to cold once their day is closed: {@link io.marketprism.storage.hot.HotStore#closeDaysBefore}).
   *
   * @param type a data type
   * @param day a UTC day
   * @return the number of distinct records of the day in the hot tier and not in this one
   */
  Future<Long> missing(DataType type, LocalDate day);

  /**
   * @param type a data type
   * @param day a UTC day
   * @return the number of distinct records of the day in this tier
   */
  Future<Long> count(DataType type, LocalDate day);

  /** @return per table: {@code {"table","tier":"cold","rows","bytes","uncompressed_bytes","compression"}} */
  Future<JsonArray> stats();
}
