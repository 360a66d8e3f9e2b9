package io.marketprism.model;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON form of {@link MarketRecord}s (CONTRACT §3): one flat object per record, common fields
 * first. Writing is hand-rolled into a caller-supplied {@link StringBuilder} because it runs once
 * per record on the collector's hot path; reading uses Jackson's streaming parser.
 */
public final class RecordJson {

  private static final JsonFactory FACTORY = new JsonFactory();
  private static final int MAX_SCRATCH = 1 << 20;
  private static final ThreadLocal<StringBuilder> SCRATCH = ThreadLocal.withInitial(() -> new StringBuilder(4096));

  private RecordJson() {
  }

  /**
   * @param record a record
   * @return its JSON text
   */
  public static String toJson(MarketRecord record) {
    StringBuilder sb = new StringBuilder(256);
    write(record, sb);
    return sb.toString();
  }

  /**
   * @param record a record
   * @return its JSON text as UTF-8 bytes
   */
  public static byte[] toBytes(MarketRecord record) {
    // one builder per thread, reused: a book's JSON would otherwise regrow a fresh one several times
    StringBuilder sb = SCRATCH.get();
    sb.setLength(0);
    write(record, sb);
    byte[] out = sb.toString().getBytes(StandardCharsets.UTF_8);
    if (sb.capacity() > MAX_SCRATCH) {
      SCRATCH.remove();
    }
    return out;
  }

  /**
   * Appends the JSON object of a record.
   *
   * @param record a record
   * @param out where to append
   */
  public static void write(MarketRecord record, StringBuilder out) {
    out.append("{\"data_type\":\"").append(record.dataType().wire())
        .append("\",\"exchange\":\"").append(record.exchange().wire())
        .append("\",\"market_type\":\"").append(record.marketType().wire()).append('"');
    str(out, "symbol", record.symbol());
    str(out, "exchange_symbol", record.exchangeSymbol());
    num(out, "ts_ms", record.tsMs());
    num(out, "recv_ts_us", record.recvTsUs());
    if (record instanceof TradeRecord t) {
      str(out, "trade_id", t.tradeId());
      str(out, "price", t.price());
      str(out, "quantity", t.quantity());
      str(out, "side", t.side());
    } else if (record instanceof OrderBookRecord b) {
      levels(out, "bids", b.bids());
      levels(out, "asks", b.asks());
      num(out, "depth", b.depth());
      num(out, "last_update_id", b.lastUpdateId());
      if (b.checksumOk() != null) {
        out.append(",\"checksum_ok\":").append(b.checksumOk().booleanValue());
      }
    } else if (record instanceof TickerRecord t) {
      str(out, "best_bid", t.bestBid());
      str(out, "best_bid_qty", t.bestBidQty());
      str(out, "best_ask", t.bestAsk());
      str(out, "best_ask_qty", t.bestAskQty());
      str(out, "last_price", t.lastPrice());
      str(out, "volume_24h", t.volume24h());
      str(out, "quote_volume_24h", t.quoteVolume24h());
      str(out, "high_24h", t.high24h());
      str(out, "low_24h", t.low24h());
      num(out, "update_id", t.updateId());
    } else if (record instanceof KlineRecord k) {
      str(out, "interval", k.interval());
      num(out, "open_time_ms", k.openTimeMs());
      num(out, "close_time_ms", k.closeTimeMs());
      str(out, "open", k.open());
      str(out, "high", k.high());
      str(out, "low", k.low());
      str(out, "close", k.close());
      str(out, "volume", k.volume());
      str(out, "quote_volume", k.quoteVolume());
      num(out, "trade_count", k.tradeCount());
      out.append(",\"closed\":").append(k.closed());
    } else if (record instanceof FundingRateRecord f) {
      str(out, "funding_rate", f.fundingRate());
      num(out, "funding_time_ms", f.fundingTimeMs());
      num(out, "next_funding_time_ms", f.nextFundingTimeMs());
      str(out, "estimated_rate", f.estimatedRate());
    } else if (record instanceof MarkPriceRecord m) {
      str(out, "mark_price", m.markPrice());
      str(out, "index_price", m.indexPrice());
    } else if (record instanceof OpenInterestRecord o) {
      str(out, "open_interest", o.openInterest());
      str(out, "open_interest_value", o.openInterestValue());
    } else if (record instanceof LiquidationRecord l) {
      str(out, "side", l.side());
      str(out, "price", l.price());
      str(out, "quantity", l.quantity());
      str(out, "order_id", l.orderId());
    } else if (record instanceof VolatilityIndexRecord v) {
      str(out, "index_value", v.indexValue());
      str(out, "resolution", v.resolution());
    } else if (record instanceof LongShortRatioRecord r) {
      str(out, "long_short_ratio", r.longShortRatio());
      str(out, "long_ratio", r.longRatio());
      str(out, "short_ratio", r.shortRatio());
      str(out, "period", r.period());
    }
    out.append('}');
  }

  private static void str(StringBuilder out, String name, String value) {
    out.append(",\"").append(name).append("\":");
    if (value == null) {
      out.append("null");
    } else {
      quote(out, value);
    }
  }

  private static void num(StringBuilder out, String name, long value) {
    out.append(",\"").append(name).append("\":").append(value);
  }

  private static void num(StringBuilder out, String name, Long value) {
    out.append(",\"").append(name).append("\":");
    if (value == null) {
      out.append("null");
    } else {
      out.append(value.longValue());
    }
  }

  private static void levels(StringBuilder out, String name, List<PriceLevel> levels) {
    out.append(",\"").append(name).append("\":[");
    for (int i = 0, n = levels.size(); i < n; i++) {
      PriceLevel l = levels.get(i);
      if (i > 0) {
        out.append(',');
      }
      out.append('[');
      quote(out, l.price());
      out.append(',');
      quote(out, l.quantity());
      out.append(']');
    }
    out.append(']');
  }

  /**
   * Appends a JSON string literal.
   *
   * @param out where to append
   * @param s the string
   */
  public static void quote(StringBuilder out, String s) {
    out.append('"');
    int n = s.length();
    int clean = 0;
    while (clean < n) {
      char c = s.charAt(clean);
      if (c == '"' || c == '\\' || c < 0x20) {
        break;
      }
      clean++;
    }
    // the common case (prices, ids, symbols): nothing to escape, one bulk append
    out.append(s, 0, clean);
    for (int i = clean; i < n; i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\') {
        out.append('\\').append(c);
      } else if (c < 0x20) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    out.append('"');
  }

  /**
   * Reads a record back from its JSON object (as written by {@link #write}); unknown fields are
   * ignored so that newer writers stay readable.
   *
   * @param json one JSON object
   * @return the record
   * @throws IllegalArgumentException if the text is not a valid record
   */
  public static MarketRecord parse(String json) {
    try (JsonParser p = FACTORY.createParser(json)) {
      return parse(p);
    } catch (IOException e) {
      throw new IllegalArgumentException("malformed record JSON: " + e.getMessage(), e);
    }
  }

  /**
   * Parses a record from UTF-8 bytes (as it travels on the bus), without a String in between.
   *
   * @param json one JSON object, UTF-8
   * @return the record
   * @throws IllegalArgumentException if the bytes are not a valid record
   */
  public static MarketRecord parse(byte[] json) {
    try (JsonParser p = FACTORY.createParser(json)) {
      return parse(p);
    } catch (IOException e) {
      throw new IllegalArgumentException("malformed record JSON: " + e.getMessage(), e);
    }
  }

  private static MarketRecord parse(JsonParser p) throws IOException {
    Map<String, Object> f = new HashMap<>();
    if (p.nextToken() != JsonToken.START_OBJECT) {
      throw new IllegalArgumentException("record is not a JSON object");
    }
    JsonToken next;
    while ((next = p.nextToken()) == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken t = p.nextToken();
      f.put(name, value(p, t, name));
    }
    // one object and nothing after it: a second record run into the first would be lost unseen
    if (next != JsonToken.END_OBJECT || p.nextToken() != null) {
      throw new IllegalArgumentException("malformed record JSON: content after the record's object");
    }
    return build(f);
  }

  private static Object value(JsonParser p, JsonToken t, String name) throws IOException {
    if (t == JsonToken.START_ARRAY && !"bids".equals(name) && !"asks".equals(name)) {
      p.skipChildren(); // read loosely, as an object: an unknown field's list is not a book side
      return null;
    }
    switch (t) {
      case VALUE_NULL:
        return null;
      case VALUE_TRUE:
        return Boolean.TRUE;
      case VALUE_FALSE:
        return Boolean.FALSE;
      case VALUE_NUMBER_INT:
        return p.getLongValue();
      case VALUE_STRING:
      case VALUE_NUMBER_FLOAT:
        return p.getText();
      case START_ARRAY:
        List<PriceLevel> levels = new ArrayList<>();
        JsonToken level;
        while ((level = p.nextToken()) == JsonToken.START_ARRAY) {
          p.nextToken();
          String px = p.getText();
          p.nextToken();
          String qty = p.getText();
          if (p.nextToken() != JsonToken.END_ARRAY) {
            throw new IllegalArgumentException("a book level must be a [price, quantity] pair");
          }
          levels.add(new PriceLevel(px, qty));
        }
        if (level != JsonToken.END_ARRAY) {
          throw new IllegalArgumentException("a book level must be a [price, quantity] pair");
        }
        return levels;
      default:
        p.skipChildren();
        return null;
    }
  }

  /**
   * Builds a record from its fields as {@link #parse} reads them, for a reader that has them
   * without JSON (a store's row): decimals and text as strings, integers as {@link Long}, flags as
   * {@link Boolean}, book sides as lists of {@link PriceLevel}.
   *
   * @param f field name (CONTRACT §3) to value; {@code data_type} included
   * @return the record
   * @throws IllegalArgumentException if a field is missing or of the wrong kind
   */
  public static MarketRecord fromFields(Map<String, Object> f) {
    return build(f);
  }

  private static MarketRecord build(Map<String, Object> f) {
    DataType type = DataType.fromWire(req(f, "data_type"));
    Exchange ex = Exchange.fromWire(req(f, "exchange"));
    MarketType mt = MarketType.fromWire(req(f, "market_type"));
    String sym = req(f, "symbol");
    String exSym = s(f, "exchange_symbol");
    long ts = reqLong(f, "ts_ms");
    long recv = reqLong(f, "recv_ts_us");
    switch (type) {
      case TRADE:
        return new TradeRecord(ex, mt, sym, exSym, ts, recv, req(f, "trade_id"), req(f, "price"),
            req(f, "quantity"), req(f, "side"));
      case ORDERBOOK:
        return new OrderBookRecord(ex, mt, sym, exSym, ts, recv, levelsOf(f, "bids"), levelsOf(f, "asks"),
            reqInt(f, "depth"), reqLong(f, "last_update_id"), (Boolean) f.get("checksum_ok"));
      case TICKER:
        return new TickerRecord(ex, mt, sym, exSym, ts, recv, s(f, "best_bid"), s(f, "best_bid_qty"),
            s(f, "best_ask"), s(f, "best_ask_qty"), s(f, "last_price"), s(f, "volume_24h"),
            s(f, "quote_volume_24h"), s(f, "high_24h"), s(f, "low_24h"), l(f, "update_id"));
      case KLINE:
        return new KlineRecord(ex, mt, sym, exSym, ts, recv, req(f, "interval"), reqLong(f, "open_time_ms"),
            l(f, "close_time_ms"), s(f, "open"), s(f, "high"), s(f, "low"), s(f, "close"), s(f, "volume"),
            s(f, "quote_volume"), l(f, "trade_count"), Boolean.TRUE.equals(f.get("closed")));
      case FUNDING_RATE:
        return new FundingRateRecord(ex, mt, sym, exSym, ts, recv, s(f, "funding_rate"), l(f, "funding_time_ms"),
            l(f, "next_funding_time_ms"), s(f, "estimated_rate"));
      case MARK_PRICE:
        return new MarkPriceRecord(ex, mt, sym, exSym, ts, recv, s(f, "mark_price"), s(f, "index_price"));
      case OPEN_INTEREST:
        return new OpenInterestRecord(ex, mt, sym, exSym, ts, recv, s(f, "open_interest"),
            s(f, "open_interest_value"));
      case LIQUIDATION:
        return new LiquidationRecord(ex, mt, sym, exSym, ts, recv, s(f, "side"), s(f, "price"), s(f, "quantity"),
            s(f, "order_id"));
      case VOLATILITY_INDEX:
        return new VolatilityIndexRecord(ex, mt, sym, exSym, ts, recv, s(f, "index_value"), s(f, "resolution"));
      default:
        return new LongShortRatioRecord(type, ex, mt, sym, exSym, ts, recv, s(f, "long_short_ratio"),
            s(f, "long_ratio"), s(f, "short_ratio"), s(f, "period"));
    }
  }

  private static String s(Map<String, Object> f, String name) {
    Object v = f.get(name);
    return v == null ? null : v.toString();
  }

  private static String req(Map<String, Object> f, String name) {
    String v = s(f, name);
    if (v == null) {
      throw new IllegalArgumentException("record lacks " + name);
    }
    return v;
  }

  private static Long l(Map<String, Object> f, String name) {
    Object v = f.get(name);
    if (v == null) {
      return null;
    }
    if (v instanceof Long n) {
      return n;
    }
    throw new IllegalArgumentException(name + " must be an integer");
  }

  private static long reqLong(Map<String, Object> f, String name) {
    Long v = l(f, name);
    if (v == null) {
      throw new IllegalArgumentException("record lacks " + name);
    }
    return v;
  }

  private static int reqInt(Map<String, Object> f, String name) {
    long v = reqLong(f, name);
    if (v != (int) v) {
      throw new IllegalArgumentException(name + " out of range: " + v);
    }
    return (int) v;
  }

  @SuppressWarnings("unchecked")
  private static List<PriceLevel> levelsOf(Map<String, Object> f, String name) {
    Object v = f.get(name);
    if (!(v instanceof List)) {
      throw new IllegalArgumentException("record lacks " + name);
    }
    return (List<PriceLevel>) v;
  }
}
