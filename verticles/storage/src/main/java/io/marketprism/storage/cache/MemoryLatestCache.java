package io.marketprism.storage.cache;

import io.vertx.core.Future;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The embedded latest cache: a concurrent map in this JVM; a read is a map lookup. */
public final class MemoryLatestCache implements LatestCache {

  /**
   * A subject's newest record and, where its type is ordered by arrival (tickers), the identities of
   * its millisecond offered so far with the receive time of the first copy of each (null while only
   * the newest was): a later copy of one of them stays where its first copy was
   * ({@link LatestCache#offer}). Changed only inside the map's {@code compute} of the subject.
   */
  private record Slot(Latest newest, Map<String, Long> seen) {
  }

  private final Map<String, Slot> latest = new ConcurrentHashMap<>();

  @Override
  public Future<Void> offer(List<Latest> records) {
    for (Latest r : records) {
      latest.compute(r.subject(), (subject, old) -> offer(old, r));
    }
    return Future.succeededFuture();
  }

  private static Slot offer(Slot old, Latest r) {
    if (old == null) {
      return new Slot(r, null);
    }
    Latest held = old.newest;
    if (r.tsMs() != held.tsMs() || !Latest.arrivalOrdered(r.subject())) {
      return r.newerOrSame(held) ? new Slot(r, null) : old;
    }
    Map<String, Long> seen = old.seen;
    if (seen == null) {
      seen = new HashMap<>();
      seen.put(held.key(), held.recvTsUs());
    }
    Long first = seen.get(r.key());
    if (first != null && first <= r.recvTsUs()) {
      // a later copy of a ticker of this millisecond seen before (or the same again): it stays where that was
      return old.seen == seen ? old : new Slot(held, seen);
    }
    seen.put(r.key(), r.recvTsUs());
    return new Slot(r.newerOrSame(held) ? r : held, seen);
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
    Slot e = latest.get(subject);
    return e == null ? null : e.newest.json();
  }

  /**
   * @param subject a subject
   * @return its newest record, or null
   */
  Latest entry(String subject) {
    Slot e = latest.get(subject);
    return e == null ? null : e.newest;
  }

  /** @return the newest record of every subject */
  List<Latest> entries() {
    return latest.values().stream().map(Slot::newest).toList();
  }

  @Override
  public Future<Void> close() {
    return Future.succeededFuture();
  }
}
