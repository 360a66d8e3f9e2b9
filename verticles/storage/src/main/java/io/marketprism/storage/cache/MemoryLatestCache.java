package io.marketprism.storage.cache;

import io.vertx.core.Future;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The embedded latest cache: a concurrent map in this JVM; a read is a map lookup. */
public final class MemoryLatestCache implements LatestCache {

  private final Map<String, Latest> latest = new ConcurrentHashMap<>();

  @Override
  public Future<Void> offer(List<Latest> records) {
    for (Latest r : records) {
      latest.merge(r.subject(), r, (old, neu) -> neu.newerOrSame(old) ? neu : old);
    }
    return Future.succeededFuture();
  }

  @Override
  public Future<String> get(String subject) {
    return Future.succeededFuture(peek(subject));
  }

  /**
   * The synchronous read used on the request path.
   *
   * @param subject a subject
   * @return the JSON or null
   */
  public String peek(String subject) {
    Latest e = latest.get(subject);
    return e == null ? null : e.json();
  }

  /**
   * @param subject a subject
   * @return its newest record, or null
   */
  Latest entry(String subject) {
    return latest.get(subject);
  }

  /** @return the newest record of every subject */
  List<Latest> entries() {
    return List.copyOf(latest.values());
  }

  @Override
  public Future<Void> close() {
    return Future.succeededFuture();
  }
}
