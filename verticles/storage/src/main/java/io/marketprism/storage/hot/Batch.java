package io.marketprism.storage.hot;

import io.marketprism.storage.cache.LatestCache;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A batch from the bus as {@link HotStore#prepare} leaves it for {@link HotStore#write}: the rows
 * in the store's own form (a subclass of each store holds them), and what the storage service
 * needs besides: the messages rejected, the newest record JSON per subject for the latest cache
 * and the receive time of every record kept.
 */
public class Batch {

  /**
   * A message that is not a valid record.
   *
   * @param subject its subject
   * @param reason why it was rejected
   */
  public record Rejected(String subject, String reason) {
  }

  /** The newest message of a subject so far. */
  private static final class Newest {
    long tsMs;
    long recvUs;
    byte[] json;
    /** Its identity key, read from the JSON only when needed (a tie, the cache entry), else null. */
    String key;

    /**
     * Where the type is ordered by arrival (tickers): the other records of this millisecond, in
     * batch order; null until a second one comes. The cache is offered each.
     */
    List<Newest> sameMs;

    String key() {
      if (key == null) {
        key = LatestCache.Latest.keyOf(new String(json, StandardCharsets.UTF_8));
      }
      return key;
    }

    LatestCache.Latest latest(String subject) {
      return new LatestCache.Latest(subject, tsMs, key(), new String(json, StandardCharsets.UTF_8), recvUs);
    }
  }

  private final List<Rejected> rejected = new ArrayList<>();
  private final Map<String, Newest> newest = new HashMap<>();
  private long[] recvTsUs;
  private int size;
  private List<LatestCache.Latest> latest;

  /** @param capacity the number of messages expected */
  protected Batch(int capacity) {
    recvTsUs = new long[Math.max(1, capacity)];
  }

  /**
   * Counts a record kept.
   *
   * @param subject its subject (CONTRACT §4), the latest cache's key
   * @param tsMs its {@code ts_ms}
   * @param recvUs its {@code recv_ts_us}
   * @param json its JSON as it came from the bus
   * @param key its identity key ({@link io.marketprism.model.MarketRecord#identityKey()}) where the store
   *     has it at hand, else null: then it is read from the JSON when needed
   */
  void kept(String subject, long tsMs, long recvUs, byte[] json, String key) {
    if (size == recvTsUs.length) {
      recvTsUs = Arrays.copyOf(recvTsUs, size * 2);
    }
    recvTsUs[size++] = recvUs;
    Newest n = newest.get(subject);
    if (n == null) {
      n = new Newest();
      n.tsMs = Long.MIN_VALUE;
      newest.put(subject, n);
    }
    if (tsMs > n.tsMs) {
      n.tsMs = tsMs;
      n.recvUs = recvUs;
      n.json = json;
      n.key = key;
      n.sameMs = null;
    } else if (tsMs == n.tsMs && LatestCache.Latest.arrivalOrdered(subject)) {
      // tickers of one millisecond: the cache takes each in the order received, knowing which it saw before
      Newest other = new Newest();
      other.tsMs = tsMs;
      other.recvUs = recvUs;
      other.json = json;
      other.key = key;
      if (n.sameMs == null) {
        n.sameMs = new ArrayList<>();
      }
      n.sameMs.add(other);
    } else if (tsMs == n.tsMs) {
      // several records of one millisecond (a burst of trades): the later identity wins, not the later arrival;
      // of two copies of one identity the one received first, as the stores keep it
      if (key == null) {
        key = LatestCache.Latest.keyOf(new String(json, StandardCharsets.UTF_8));
      }
      int c = LatestCache.Latest.compareKeys(subject, key, n.key());
      if (c > 0 || c == 0 && recvUs <= n.recvUs) {
        n.recvUs = recvUs;
        n.json = json;
        n.key = key;
      }
    }
  }

  /**
   * Counts a message rejected.
   *
   * @param subject its subject
   * @param reason why
   */
  void rejected(String subject, String reason) {
    rejected.add(new Rejected(subject, reason));
  }

  /** @return the number of records kept */
  public int size() {
    return size;
  }

  /** @return the messages rejected, in batch order */
  public List<Rejected> rejected() {
    return rejected;
  }

  /**
   * @param i a record kept, 0 to {@link #size()} - 1
   * @return its {@code recv_ts_us}
   */
  public long recvTsUs(int i) {
    return recvTsUs[i];
  }

  /**
   * Computed once (it reads each entry's identity key from its JSON): the storage asks for it on
   * the worker that prepared the batch, not on the event loop.
   *
   * @return per subject, the newest record kept ({@link LatestCache.Latest#newerOrSame}); of a type
   *     ordered by arrival (tickers) every record of its newest millisecond, by {@code recv_ts_us}
   */
  public List<LatestCache.Latest> latest() {
    if (latest == null) {
      List<LatestCache.Latest> out = new ArrayList<>(newest.size());
      newest.forEach((subject, n) -> {
        if (n.sameMs == null) {
          out.add(n.latest(subject));
          return;
        }
        List<LatestCache.Latest> ms = new ArrayList<>(n.sameMs.size() + 1);
        ms.add(n.latest(subject));
        n.sameMs.forEach(o -> ms.add(o.latest(subject)));
        ms.sort(Comparator.comparingLong(LatestCache.Latest::recvTsUs));
        out.addAll(ms);
      });
      latest = out;
    }
    return latest;
  }
}
