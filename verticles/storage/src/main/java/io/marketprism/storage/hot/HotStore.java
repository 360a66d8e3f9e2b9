package io.marketprism.storage.hot;

import io.marketprism.model.DataType;
import io.marketprism.model.MarketRecord;
import io.marketprism.model.RecordJson;
import io.marketprism.platform.bus.BusMessage;
import io.marketprism.storage.cold.ColdTier;
import io.marketprism.storage.query.KlineQuery;
import io.marketprism.storage.query.Page;
import io.marketprism.storage.query.RecordQuery;
import io.marketprism.storage.query.TierPlan;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;

/**
 * The hot tier: one table per data type (see {@link TableSchema}), partitioned by UTC day,
 * written in batches that absorb records seen before by their identity; and the queries, which
 * read this tier and its {@link #cold()} tier together as a {@link TierPlan} says, with the same
 * results wherever the rows live.
 */
public interface HotStore {

  /**
   * Creates databases and tables that are missing.
   *
   * @return completes when ready
   */
  Future<Void> start();

  /**
   * Turns a batch from the bus into this store's rows: CPU work, for a worker thread. A message
   * that is not a valid record (malformed JSON or more than one object, a required field missing
   * or empty, a bad decimal, an integer the store cannot hold, an unknown data type or one its
   * subject does not name) is rejected alone; the rest of the batch is kept.
   *
   * @param messages the batch, any mix of data types
   * @return the rows to {@link #write}, with what was rejected
   */
  Batch prepare(List<BusMessage> messages);

  /**
   * Stores a batch; a record whose identity is stored already is absorbed (not duplicated). A
   * batch that failed may be written again.
   *
   * @param batch what this store's {@link #prepare} made
   * @return completes when the batch is committed
   */
  Future<Void> write(Batch batch);

  /**
   * Stores records as they would come from the bus, for callers that hold records (tests,
   * benchmarks).
   *
   * @param records the records, any mix of data types
   * @return completes when they are committed; fails when one is not valid
   */
  default Future<Void> write(List<MarketRecord> records) {
    List<BusMessage> messages = new ArrayList<>(records.size());
    for (MarketRecord r : records) {
      messages.add(new BusMessage(r.subject(), RecordJson.toBytes(r), false));
    }
    Batch batch = prepare(messages);
    if (!batch.rejected().isEmpty()) {
      return Future.failedFuture(new IllegalArgumentException("rejected: " + batch.rejected()));
    }
    return write(batch);
  }

  /**
   * @param q a records query
   * @param plan the tiers to read
   * @return one page, de-duplicated by identity across tiers
   */
  Future<Page> records(RecordQuery q, TierPlan plan);

  /**
   * @param q a records query (its instrument and range; cursor and limit are not used)
   * @param plan the tiers to read
   * @return the time of the newest record it matches in those tiers, epoch ms, or null when none does
   */
  Future<Long> newestTime(RecordQuery q, TierPlan plan);

  /**
   * Reads the 1-minute bars the writer keeps (see {@link Bars}), which cover both tiers, after
   * recomputing the minutes this instance touched since its last flush, so the answer holds every
   * trade this instance has committed.
   *
   * @param q a kline query
   * @return bars {@code {"open_time_ms","open","high","low","close","volume","quote_volume","trade_count"}}, oldest first
   */
  Future<JsonArray> klines(KlineQuery q);

  /**
   * @param type a data type
   * @return the UTC days with rows in the hot tier, oldest first
   */
  Future<List<LocalDate>> days(DataType type);

  /**
   * @param type a data type
   * @param day a UTC day
   * @return the number of distinct records of that day in the hot tier
   */
  Future<Long> count(DataType type, LocalDate day);

  /**
   * Closes the hot tier to the days before a time, for good: a record of one of them that any
   * storage instance writes afterwards goes to the cold tier (where queries read it with the
   * rest), so that archiving can drop those days from hot without losing a record written in
   * the meantime. The archive calls it before it counts a day. A store whose drop cannot race a
   * write (one writer that recounts and deletes in one step) keeps writing such records to hot,
   * and the next archive run moves them.
   *
   * @param dayStartMs midnight UTC: the days before it are closed (a time before the current one changes nothing)
   * @return completes when every write that commits afterwards abides by it
   */
  default Future<Void> closeDaysBefore(long dayStartMs) {
    return Future.succeededFuture();
  }

  /**
   * Writes into a type's table what the store holds of it in memory in front of the table
   * (ClickHouse's {@code Buffer}, which queries read with the table), so that the table's days and
   * counts, which the archive reads, include every record committed before. Nothing elsewhere.
   *
   * @param type a data type
   * @return completes when the table holds them
   */
  default Future<Void> flushBuffered(DataType type) {
    return Future.succeededFuture();
  }

  /**
   * Removes a whole day from the hot tier (after it was archived and verified), unless records
   * arrived for it since it was counted: the count is taken again right before the removal and
   * the day is kept when it differs, so a late record is never dropped uncopied.
   *
   * @param type a data type
   * @param day a UTC day
   * @param copiedCount the {@link #count} taken before the day was copied
   * @return true when the day was removed, false when it was kept because its count changed
   */
  Future<Boolean> dropDay(DataType type, LocalDate day, long copiedCount);

  /** @return per table: {@code {"table","tier":"hot","rows","bytes","uncompressed_bytes","compression"}} */
  Future<JsonArray> stats();

  /**
   * @param timeoutMs how long to wait for an answer
   * @return succeeds when the store answers a trivial query within the timeout (a server that
   *     hangs fails it long before a write's own timeout)
   */
  default Future<Void> ping(long timeoutMs) {
    return Future.succeededFuture();
  }

  /**
   * For a store whose server answers a commit before its files are synced (ClickHouse: a power cut
   * can lose what it acknowledged), when that server started: a later start than the one seen
   * before is a restart, after which what it committed shortly before may be gone.
   *
   * @param timeoutMs how long to wait for an answer
   * @return the server's start, epoch ms (to its second); null for a store that syncs what it commits
   */
  default Future<Long> unsyncedServerStartMs(long timeoutMs) {
    return Future.succeededFuture(null);
  }

  /** @return the cold tier that archives this store's days */
  ColdTier cold();

  /**
   * Releases connections.
   *
   * @return completes when closed
   */
  Future<Void> close();
}
