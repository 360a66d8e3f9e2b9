package io.marketprism.storage.cache;

import io.marketprism.model.MarketRecord;
import io.marketprism.model.RecordJson;
import io.vertx.core.Future;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The embedded latest cache: a concurrent map in this JVM; a read is a map lookup. */
public final class MemoryLatestCache implements LatestCache {

  private record Entry(long tsMs, String json) {
  }

  private final Map<String, Entry> latest = new ConcurrentHashMap<>();

  /**
   * Keeps, per subject, only the newest record of a batch.
   *
   * @param records a batch
   * @return newest record per subject
   */
  static Map<String, MarketRecord> newestBySubject(List<MarketRecord> records) {
    Map<String, MarketRecord> newest = new HashMap<>();
    for (MarketRecord r : records) {
      newest.merge(r.subject(), r, (a, b) -> b.tsMs() >= a.tsMs() ? b : a);
    }
    return newest;
  }

  @Override
  public Future<Void> offer(List<MarketRecord> records) {
    newestBySubject(records).forEach((subject, r) -> {
      Entry e = new Entry(r.tsMs(), RecordJson.toJson(r));
      latest.merge(subject, e, (old, neu) -> neu.tsMs() >= old.tsMs() ? neu : old);
    });
    return Future.succeededFuture();
  }

  @Override
  public Future<String> get(String subject) {
    Entry e = latest.get(subject);
    return Future.succeededFuture(e == null ? null : e.json());
  }

  /**
   * The synchronous read used on the request path.
   *
   * @param subject a subject
   * @return the JSON or null
   */
  public String peek(String subject) {
    Entry e = latest.get(subject);
    return e == null ? null : e.json();
  }

  @Override
  public Future<Void> close() {
    return Future.succeededFuture();
  }
}
