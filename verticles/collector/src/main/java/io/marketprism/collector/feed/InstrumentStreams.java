package io.marketprism.collector.feed;

import io.marketprism.model.DataType;
import io.marketprism.model.MarketRecord;
import io.marketprism.model.MarketType;
import io.vertx.core.json.JsonObject;

/**
 * What one instrument has handed to the bus, per data type: the records, the duplicates dropped,
 * and the receive time of the last record, for the status route (a user comparing what was
 * collected with what was stored counts per instrument). On a connection it also holds the
 * identity window of each of the instrument's streams. Not thread-safe: the shard's context only.
 */
final class InstrumentStreams {

  private static final DataType[] TYPES = DataType.values();

  private final MarketType marketType;
  private final String symbol;
  private final IdentityWindow[] windows = new IdentityWindow[TYPES.length];
  private final long[] records = new long[TYPES.length];
  private final long[] duplicates = new long[TYPES.length];
  private long lastRecvUs;

  /**
   * @param marketType the market type of its records (a feed's instruments may have records of
   *     another type: Deribit's volatility index is an options record on the perpetual feed)
   * @param symbol the normalized symbol
   */
  InstrumentStreams(MarketType marketType, String symbol) {
    this.marketType = marketType;
    this.symbol = symbol;
  }

  /**
   * @param r a record of this instrument
   * @param windowSize identities its stream remembers, used when the stream's window is made
   * @return true when it is new (and counted), false when its identity is in the window
   */
  boolean admit(MarketRecord r, int windowSize) {
    int t = r.dataType().ordinal();
    if (windows[t] == null) {
      windows[t] = new IdentityWindow(windowSize);
    }
    if (!windows[t].add(r.identityKey())) {
      duplicates[t]++;
      return false;
    }
    counted(r);
    return true;
  }

  /** Counts a record that needs no identity window (a book snapshot the shard builds itself). */
  void counted(MarketRecord r) {
    records[r.dataType().ordinal()]++;
    lastRecvUs = Math.max(lastRecvUs, r.recvTsUs());
  }

  /** @return the market type of its records */
  MarketType marketType() {
    return marketType;
  }

  /** @return the normalized symbol */
  String symbol() {
    return symbol;
  }

  /** Adds the counts of the same instrument on another connection (its windows stay there). */
  void add(InstrumentStreams other) {
    for (int t = 0; t < TYPES.length; t++) {
      records[t] += other.records[t];
      duplicates[t] += other.duplicates[t];
    }
    lastRecvUs = Math.max(lastRecvUs, other.lastRecvUs);
  }

  /**
   * @return {@code market_type}, {@code symbol}, {@code records} and {@code duplicates} by data
   *     type, {@code last_recv_ms}
   */
  JsonObject toJson() {
    JsonObject byType = new JsonObject();
    JsonObject dups = new JsonObject();
    for (DataType t : TYPES) {
      if (records[t.ordinal()] > 0) {
        byType.put(t.wire(), records[t.ordinal()]);
      }
      if (duplicates[t.ordinal()] > 0) {
        dups.put(t.wire(), duplicates[t.ordinal()]);
      }
    }
    return new JsonObject().put("market_type", marketType.wire()).put("symbol", symbol).put("records", byType).put("duplicates", dups)
        .put("last_recv_ms", lastRecvUs == 0 ? null : lastRecvUs / 1000);
  }
}
