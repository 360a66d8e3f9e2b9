package io.marketprism.storage.cache;

import io.marketprism.model.DataType;
import io.marketprism.model.MarketRecord;
import io.marketprism.model.RecordJson;
import io.marketprism.storage.hot.Column;
import io.marketprism.storage.hot.TableSchema;
import io.vertx.core.Future;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The newest record per (data type, exchange, market type, symbol), keyed by its subject,
 * updated as records flow; an older record never replaces a newer one. Newer is a later
 * {@code ts_ms}, then, within one millisecond, the later in the stores' order of the records
 * ({@link Latest#newerOrSame}): of tickers the later received (the current best bid and offer), of
 * other types (several trades of a burst, book updates, liquidations) a later identity key, so that the
 * newest a store finds after a restart is the one the cache held: a trade of that millisecond
 * delivered again or filled in late over REST leaves the newest in place.
 */
public interface LatestCache {

  /**
   * A record offered to the cache.
   *
   * @param subject its subject, {@code data_type.exchange.market_type.symbol}
   * @param tsMs its {@code ts_ms}
   * @param key its identity key ({@link io.marketprism.model.MarketRecord#identityKey()}: the trade id,
   *     the book's last update id, a liquidation's {@code ts_ms:side:price:quantity}, a ticker's
   *     {@code ts_ms} and fields, else the {@code ts_ms})
   * @param json its JSON
   * @param recvTsUs its {@code recv_ts_us}: of two copies of one identity the one received first is
   *     kept, as the stores keep it ({@link io.marketprism.storage.hot.TableSchema#copyOrder(char)});
   *     {@link Long#MAX_VALUE} when unknown
   */
  record Latest(String subject, long tsMs, String key, String json, long recvTsUs) {

    /** {@link Latest#keyFields} per data type's wire name, for the types whose key is the time and fields. */
    @SuppressWarnings("unchecked")
    private static final Map.Entry<String, String>[] KEY_FIELDS_BY_TYPE =
        keyFieldsOfAllTypes().entrySet().toArray(Map.Entry[]::new);

    /** The wire names of the types ordered by arrival within one millisecond ({@link TableSchema#arrivalOrdered()}). */
    private static final String[] ARRIVAL_ORDERED = Arrays.stream(DataType.values())
        .filter(t -> TableSchema.of(t).arrivalOrdered()).map(DataType::wire).toArray(String[]::new);

    private static Map<String, String> keyFieldsOfAllTypes() {
      Map<String, String> out = new HashMap<>();
      for (DataType t : DataType.values()) {
        TableSchema s = TableSchema.of(t);
        if (s.identifiedById() || s.keyColumns().isEmpty()) {
          continue;
        }
        StringBuilder letters = new StringBuilder();
        for (String col : s.keyColumns()) {
          Column.Kind kind = s.column(col).kind();
          letters.append(kind == Column.Kind.STRING || kind == Column.Kind.NULLABLE_STRING ? 't' : 'd');
        }
        out.put(t.wire(), letters.toString());
      }
      return Map.copyOf(out);
    }

    /**
     * @param subject its subject
     * @param tsMs its {@code ts_ms}
     * @param json a record JSON that was accepted (its identity key is read from it)
     * @return the record for the cache
     */
    public static Latest of(String subject, long tsMs, String json) {
      try {
        MarketRecord r = RecordJson.parse(json);
        return new Latest(subject, tsMs, r.identityKey(), json, r.recvTsUs());
      } catch (RuntimeException notARecord) {
        return new Latest(subject, tsMs, "", json, Long.MAX_VALUE);
      }
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
     * Whether this record may replace {@code old}: a later {@code ts_ms}, or the same one and later in
     * the stores' order ({@link #newerOrSame(String, String, long, String, long)}), or another copy of
     * the same identity received no later ({@code recv_ts_us}): the copy the stores keep. The same
     * record again replaces itself.
     *
     * @param old the cached record
     * @return true when this one is at least as new
     */
    public boolean newerOrSame(Latest old) {
      return tsMs != old.tsMs ? tsMs > old.tsMs : newerOrSame(subject, key, recvTsUs, old.key, old.recvTsUs);
    }

    /**
     * Whether a record of one millisecond may replace another of it, in the stores' order of records
     * ({@link TableSchema#resultOrder()}): the copy received first of one identity; of two identities
     * the later received where the type is ordered by arrival (a ticker: {@link TableSchema#arrivalOrdered()}),
     * then, and for every other type, the later key ({@link #compareKeys(String, String, String)}).
     *
     * @param subject the records' subject
     * @param key the offered record's identity key
     * @param recvTsUs its {@code recv_ts_us}
     * @param oldKey the held record's identity key
     * @param oldRecvTsUs its {@code recv_ts_us}
     * @return true when the offered record is at least as new
     */
    public static boolean newerOrSame(String subject, String key, long recvTsUs, String oldKey, long oldRecvTsUs) {
      int c = compareKeys(subject, key, oldKey);
      if (c == 0) {
        return recvTsUs <= oldRecvTsUs;
      }
      if (recvTsUs != oldRecvTsUs && arrivalOrdered(subject)) {
        return recvTsUs > oldRecvTsUs;
      }
      return c > 0;
    }

    /**
     * @param subject a subject
     * @return whether its type orders the records of one millisecond by arrival ({@link TableSchema#arrivalOrdered()})
     */
    public static boolean arrivalOrdered(String subject) {
      for (String type : ARRIVAL_ORDERED) {
        // no substring: this runs for every record of a millisecond that holds several
        if (subject.startsWith(type) && (subject.length() == type.length() || subject.charAt(type.length()) == '.')) {
          return true;
        }
      }
      return false;
    }

    /**
     * Orders identity keys of one millisecond as the stores order its records: an id
     * ({@link #compareKeys(String, String)}), or, for a type whose key is the time and fields (a
     * liquidation: {@code ts_ms:side:price:quantity}), field by field as the stores order those
     * columns ({@link #keyFields}).
     *
     * @param subject the records' subject ({@code data_type.exchange.market_type.symbol})
     * @param a a key
     * @param b another
     * @return negative, zero or positive as {@code a} is before, equal to or after {@code b}
     */
    public static int compareKeys(String subject, String a, String b) {
      String fields = keyFields(subject);
      return fields.isEmpty() ? compareKeys(a, b) : compareFields(fields, a, b);
    }

    /**
     * How a type's identity keys compare within one millisecond, from its table's key columns
     * ({@link TableSchema#keyColumns()}) where the key is the time and those columns: one letter a
     * column, {@code t} a text (its bytes), {@code d} a number (a decimal: {@code 999.5} before
     * {@code 1000}); empty where the key is a single id or the time alone. The Redis cache's script
     * is given these letters.
     *
     * @param subject a subject
     * @return the letters, or empty
     */
    public static String keyFields(String subject) {
      // no substring: this runs for every record of a millisecond that holds several
      for (Map.Entry<String, String> e : KEY_FIELDS_BY_TYPE) {
        String type = e.getKey();
        if (subject.startsWith(type) && (subject.length() == type.length() || subject.charAt(type.length()) == '.')) {
          return e.getValue();
        }
      }
      return "";
    }

    /**
     * Keys {@code ts_ms:f1:...:fn} of one millisecond, field by field as the stores order the columns
     * ({@link TableSchema#resultOrder(String)}: text by its bytes, decimals as numbers, a null, empty
     * in the key, after every value). A key not of that form (none is, for a record a store took)
     * sorts first. Decimals beyond the stores' 18 fractional digits compare exactly, whereas the
     * stores round them: two such records are one record there.
     */
    static int compareFields(String fields, String a, String b) {
      String[] x = a.split(":", -1);
      String[] y = b.split(":", -1);
      int n = fields.length() + 1;
      if (x.length != n || y.length != n) {
        return x.length == n ? 1 : y.length == n ? -1 : compareKeys(a, b);
      }
      for (int i = 1; i < n; i++) {
        int c;
        if (x[i].isEmpty() || y[i].isEmpty()) {
          c = Boolean.compare(x[i].isEmpty(), y[i].isEmpty());
        } else if (fields.charAt(i - 1) == 'd') {
          c = compareDecimals(x[i], y[i]);
        } else {
          c = compareBytes(x[i], y[i]);
        }
        if (c != 0) {
          return c;
        }
      }
      return 0;
    }

    private static int compareDecimals(String a, String b) {
      try {
        return new BigDecimal(a).compareTo(new BigDecimal(b));
      } catch (NumberFormatException notADecimal) {
        return compareBytes(a, b);
      }
    }

    private static int compareBytes(String a, String b) {
      return Arrays.compareUnsigned(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Orders ids of one millisecond as the stores order a trade id
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
   * ({@link Latest#newerOrSame}). Where the type is ordered by arrival (tickers) the cache also
   * remembers the identities of the newest millisecond it was offered, each with the receive time of
   * its first copy: a later copy of one of them (a ticker published again) keeps the place of its
   * first copy, before the tickers received after that, as the stores keep the first copy.
   *
   * @param records records in the order to apply them: at most one per subject, or, where the type is
   *     ordered by arrival, every one of its newest millisecond by {@code recv_ts_us} ({@code Batch#latest()})
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

  /**
   * @param subject a subject
   * @return whether a record {@link #get} answers for it may be taken without asking the store: true
   *     where the cache holds only what this instance saw (memory); a shared cache (Redis) vouches
   *     only for subjects this instance has seen a record of or checked against the store
   */
  default boolean vouchesFor(String subject) {
    return true;
  }

  /** @return as {@link #problem()}, for the start-up log: the first connection may take longer than a read */
  default Future<String> startProblem() {
    return problem();
  }

  /** @return completes when released */
  Future<Void> close();
}
