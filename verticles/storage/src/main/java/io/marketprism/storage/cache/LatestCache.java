package io.marketprism.storage.cache;

import io.marketprism.model.RecordJson;
import io.vertx.core.Future;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * The newest record per (data type, exchange, market type, symbol), keyed by its subject,
 * updated as records flow; an older record never replaces a newer one. Newer is a later
 * {@code ts_ms}, then, within one millisecond (several trades of a burst, book updates), a later
 * identity key ({@link Latest#newerOrSame}): a trade of that millisecond delivered again or filled
 * in late over REST leaves the newest in place.
 */
public interface LatestCache {

  /**
   * A record offered to the cache.
   *
   * @param subject its subject, {@code data_type.exchange.market_type.symbol}
   * @param tsMs its {@code ts_ms}
   * @param key its identity key ({@link io.marketprism.model.MarketRecord#identityKey()}: the trade id,
   *     the book's last update id, else the {@code ts_ms})
   * @param json its JSON
   */
  record Latest(String subject, long tsMs, String key, String json) {

    /**
     * @param subject its subject
     * @param tsMs its {@code ts_ms}
     * @param json a record JSON that was accepted (its identity key is read from it)
     * @return the record for the cache
     */
    public static Latest of(String subject, long tsMs, String json) {
      return new Latest(subject, tsMs, keyOf(json), json);
    }

    /**
     * @param json a record JSON
     * @return its identity key, or "" when it cannot be read (then only {@code ts_ms} orders it)
     */
    public static String keyOf(String json) {
      try {
        return RecordJson.parse(json).identityKey();
      } catch (RuntimeException notARecord) {
        return "";
      }
    }

    /**
     * Whether this record may replace {@code old}: a later {@code ts_ms}, or the same one and an
     * identity key at least as late ({@link #compareKeys}); the same record again replaces itself.
     *
     * @param old the cached record
     * @return true when this one is at least as new
     */
    public boolean newerOrSame(Latest old) {
      return tsMs != old.tsMs ? tsMs > old.tsMs : compareKeys(key, old.key) >= 0;
    }

    /**
     * Orders identity keys of one millisecond as the stores order a trade id
     * ({@link io.marketprism.storage.hot.TableSchema#orderedByLength}): by their length in UTF-8
     * bytes, then their bytes. All-digit keys (trade ids and book update ids of most exchanges)
     * thus order by their number, so {@code 1000} follows {@code 999}, as do prefixed ids of one
     * form ({@code ETH-999} before {@code ETH-1000}); any two keys compare, and the order is total,
     * so the newest a store finds after a restart is the one the cache held. The Redis cache's
     * script orders them the same way.
     *
     * @param a a key
     * @param b another
     * @return negative, zero or positive as {@code a} is before, equal to or after {@code b}
     */
    public static int compareKeys(String a, String b) {
      byte[] x = a.getBytes(StandardCharsets.UTF_8);
      byte[] y = b.getBytes(StandardCharsets.UTF_8);
      return x.length != y.length ? Integer.compare(x.length, y.length) : Arrays.compareUnsigned(x, y);
    }
  }

  /**
   * Offers records; each replaces the cached one of its subject when it is at least as new
   * ({@link Latest#newerOrSame}).
   *
   * @param records records, at most one per subject
   * @return completes when the cache holds them
   */
  Future<Void> offer(List<Latest> records);

  /**
   * @param subject {@code data_type.exchange.market_type.symbol}
   * @return the newest record's JSON, or null when none was seen
   */
  Future<String> get(String subject);

  /** @return null while the cache works, else what is wrong with it, for health checks and the start-up log */
  default Future<String> problem() {
    return Future.succeededFuture();
  }

  /** @return completes when released */
  Future<Void> close();
}
