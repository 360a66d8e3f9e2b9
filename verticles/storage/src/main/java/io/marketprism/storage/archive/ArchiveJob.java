package io.marketprism.storage.archive;

import io.marketprism.model.DataType;
import io.marketprism.storage.cold.ColdTier;
import io.marketprism.storage.hot.HotStore;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.LocalDate;
import java.util.List;

import static io.marketprism.storage.query.TierPlan.DAY_MS;

/**
 * Moves whole UTC days older than a cut-off from the hot tier to the cold tier, one table and
 * day at a time: close the days to hot writes ({@link HotStore#closeDaysBefore}), copy (merged
 * with what cold holds of that day), verify that cold now holds every record hot holds of it,
 * then drop the day from hot if it still holds what was counted before the copy (late records,
 * or a copy that missed some, make it copy again). Each step can be repeated, so a run
 * interrupted anywhere is finished by the next one, and a second run finds nothing to move.
 * Runs never overlap.
 */
public final class ArchiveJob {

  private static final Logger LOG = LoggerFactory.getLogger(ArchiveJob.class);
  /** Copies of one day before a run gives up on it (records still arriving for it). */
  private static final int MAX_ATTEMPTS = 3;

  private final HotStore hot;
  private final ColdTier cold;
  private Future<JsonObject> running;

  /**
   * @param hot the hot tier (its {@link HotStore#cold()} is the destination)
   */
  public ArchiveJob(HotStore hot) {
    this.hot = hot;
    this.cold = hot.cold();
  }

  /**
   * Archives every whole UTC day that ends at or before {@code beforeMs} and has ended by now (a
   * cut-off inside a day keeps that day hot; today is never archived).
   *
   * @param beforeMs the cut-off, epoch ms
   * @return {@code {"before":..,"moved":[{"table","day","rows"}],"failed":[..]}} where
   *     {@code before} is the end of the last day that could move; a run already going is joined
   *     rather than started twice
   */
  public synchronized Future<JsonObject> run(long beforeMs) {
    if (running != null && !running.isComplete()) {
      return running;
    }
    long endDay = Math.min(Math.floorDiv(beforeMs, DAY_MS), Math.floorDiv(System.currentTimeMillis(), DAY_MS));
    LocalDate lastDay = LocalDate.ofEpochDay(endDay - 1);
    JsonObject report = new JsonObject().put("before", endDay * DAY_MS).put("moved", new JsonArray())
        .put("failed", new JsonArray());
    // before anything is counted: a record of these days written from now on goes to cold, not into a drop
    Future<Void> chain = hot.closeDaysBefore(endDay * DAY_MS);
    for (DataType t : DataType.values()) {
      // what the hot store holds in memory of these days was committed before the fence: into the table it goes, and is copied
      chain = chain.compose(v -> hot.flushBuffered(t)).compose(v -> hot.days(t)).compose(days -> moveDays(t, days.stream()
          .filter(d -> !d.isAfter(lastDay)).toList(), 0, report));
    }
    running = chain.map(report);
    return running;
  }

  private Future<Void> moveDays(DataType t, List<LocalDate> days, int i, JsonObject report) {
    if (i >= days.size()) {
      return Future.succeededFuture();
    }
    LocalDate day = days.get(i);
    return moveDay(t, day)
        .onSuccess(rows -> report.getJsonArray("moved").add(new JsonObject().put("table", t.wire())
            .put("day", day.toString()).put("rows", rows)))
        .<Void>mapEmpty()
        .recover(err -> {
          LOG.warn("archive of {} {} stopped: {}", t.wire(), day, err.getMessage());
          report.getJsonArray("failed").add(new JsonObject().put("table", t.wire()).put("day", day.toString())
              .put("error", err.getMessage()));
          return Future.succeededFuture();
        })
        .compose(v -> moveDays(t, days, i + 1, report));
  }

  private Future<Long> moveDay(DataType t, LocalDate day) {
    return moveDay(t, day, 1);
  }

  /**
   * Counts hot, copies, verifies that cold holds every record hot holds of the day, and drops it
   * only if hot still holds what was counted; else copies again.
   */
  private Future<Long> moveDay(DataType t, LocalDate day, int attempt) {
    return hot.count(t, day).compose(hotCount -> cold.copyDay(t, day).compose(v -> cold.missing(t, day))
        .compose(missing -> missing != 0
            ? Future.succeededFuture(missing + " records of " + day + " in hot are not in cold")
            : hot.dropDay(t, day, hotCount).map(dropped -> dropped ? null
                : "records of " + day + " arrived in hot since it was counted"))
        .compose(kept -> {
          if (kept == null) {
            return cold.count(t, day).onSuccess(n -> LOG.info("archived {} {} ({} records)", t.wire(), day, n));
          }
          if (attempt >= MAX_ATTEMPTS) {
            return Future.failedFuture("after " + MAX_ATTEMPTS + " copies, " + kept + "; hot kept");
          }
          LOG.info("archive of {}: {}; copying again", t.wire(), kept);
          return moveDay(t, day, attempt + 1);
        }));
  }
}
