package io.marketprism.storage;

import io.marketprism.collector.normalize.NormalizeJob;
import io.marketprism.collector.normalize.Normalizer;
import io.marketprism.model.Exchange;
import io.marketprism.model.MarketRecord;
import io.marketprism.model.MarketType;
import io.marketprism.model.RecordJson;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Assumptions;

import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Real exchange captures of the shared fixtures (see their SOURCES.md), read in place: what the
 * collector's normalizer makes of them ({@link #normalized()}, the records the storage is given),
 * and, read independently of it from the raw messages, the field values each record must carry
 * ({@link #sentByExchange()}), so that a read of the query API is compared with what the exchange
 * sent, not with the product's own parsing.
 */
final class RecordedCaptures {

  /** One capture: its exchange, the market type of its plain symbols, and its files (under fixtures/). */
  private record Capture(Exchange exchange, MarketType marketType, String... files) {
  }

  private static final List<Capture> CAPTURES = List.of(
      new Capture(Exchange.BINANCE, MarketType.PERPETUAL, "binance/hftbacktest_usdm_btcusdt_20230404.txt"),
      new Capture(Exchange.BINANCE, MarketType.SPOT, "binance/hftbacktest_spot_btcusdt_20240808_first15000.txt"),
      new Capture(Exchange.BINANCE, MarketType.SPOT, "binance/cryptofeed_binance_spot_2021-10-12_ws.txt",
          "binance/cryptofeed_binance_spot_2021-10-12_rest_depth.txt"),
      new Capture(Exchange.BINANCE, MarketType.PERPETUAL, "binance/cryptofeed_binance_usdm_2021-07-22_ws.txt",
          "binance/cryptofeed_binance_usdm_2021-07-22_rest_depth.txt"),
      new Capture(Exchange.OKX, null, "okx/cryptofeed_okx_2022-05-13_ws.txt",
          "okx/cryptofeed_okx_2022-05-13_rest_instruments.txt"),
      new Capture(Exchange.OKX, null, "okx/cryptofeed_okx_2022-02-27_ws.txt",
          "okx/cryptofeed_okx_2022-02-27_rest_instruments.txt"),
      new Capture(Exchange.OKX, null, "okx/gocryptotrader_okx_trades_btc-usdt_2025-02-24.jsonl"),
      new Capture(Exchange.DERIBIT, null, "deribit/cryptofeed_deribit_2021-07-22_ws.txt",
          "deribit/cryptofeed_deribit_2021-07-22_rest_instruments.txt"),
      new Capture(Exchange.DERIBIT, null, "deribit/ssc2ce_deribit_testnet_btc-perpetual_2020-06-22.jsonl"),
      new Capture(Exchange.DERIBIT, null, "deribit/gocryptotrader_deribit_trades_btc-perpetual_agg2_2025-03-22.jsonl"));

  /** tardis-node's recorded messages: the only recorded liquidations, OKX funding, mark price and open interest. */
  private static final Map<String, Exchange> TARDIS = Map.of(
      "binance/tardis_binance-futures_mapper_cases.json", Exchange.BINANCE,
      "okx/tardis_okex-swap_v5_mapper_cases.json", Exchange.OKX,
      "okx/tardis_okex-futures_v5_mapper_cases.json", Exchange.OKX);

  private RecordedCaptures() {
  }

  private static Path fixture(String relative) {
    String shared = System.getProperty("mp.shared.dir");
    Path p = shared == null ? null : Path.of(shared, "fixtures", relative);
    Assumptions.assumeTrue(p != null && Files.exists(p), "shared fixtures absent: " + relative);
    return p;
  }

  /** @return every record the normalizer makes of the captures (as {@code marketprism normalize} writes them) */
  static List<MarketRecord> normalized() throws Exception {
    List<MarketRecord> out = new ArrayList<>();
    for (Capture c : CAPTURES) {
      List<Path> inputs = new ArrayList<>();
      for (String f : c.files()) {
        inputs.add(fixture(f));
      }
      ByteArrayOutputStream ndjson = new ByteArrayOutputStream();
      NormalizeJob.Summary s = new NormalizeJob().run(new NormalizeJob.Options(c.exchange(), c.marketType(), Set.of(),
          NormalizeJob.DEFAULT_DEPTH, inputs, ndjson));
      if (s.rejected() != 0) {
        throw new AssertionError(c.files()[0] + " rejected messages: " + s.toJson());
      }
      for (String line : ndjson.toString(StandardCharsets.UTF_8).split("\n")) {
        if (!line.isEmpty()) {
          out.add(RecordJson.parse(line));
        }
      }
    }
    for (Map.Entry<String, Exchange> f : new java.util.TreeMap<>(TARDIS).entrySet()) {
      JsonObject root = new JsonObject(Files.readString(fixture(f.getKey())));
      Map<String, Normalizer> groups = new HashMap<>();
      for (Object o : root.getJsonArray("cases")) {
        JsonObject c = (JsonObject) o;
        Normalizer n = groups.computeIfAbsent(c.getValue("mapper_group").toString(),
            g -> new Normalizer(f.getValue(), MarketType.PERPETUAL, NormalizeJob.DEFAULT_DEPTH, s -> true, out::add, null));
        n.onMessage(c.getJsonObject("message").encode(), recvUs(c));
      }
    }
    return out;
  }

  private static long recvUs(JsonObject tardisCase) {
    return Instant.parse(tardisCase.getString("localTimestamp")).toEpochMilli() * 1000;
  }

  /**
   * What the exchanges sent, read here from the raw messages: per record expected, its data type,
   * exchange symbol, receive time and the fields this reading takes from the message (decimals as
   * the exchange wrote them, ids as text, times as the exchange's milliseconds). Channels read:
   * Binance {@code trade}, {@code aggTrade}, {@code bookTicker}, {@code markPrice}, {@code kline},
   * {@code forceOrder}; OKX {@code trades}, {@code tickers}, {@code funding-rate}, {@code mark-price},
   * {@code open-interest}, {@code liquidation-orders}; Deribit {@code trades}, {@code ticker}.
   */
  static List<JsonObject> sentByExchange() throws Exception {
    List<JsonObject> out = new ArrayList<>();
    for (Capture c : CAPTURES) {
      for (String f : c.files()) {
        for (String line : Files.readAllLines(fixture(f))) {
          int brace = line.indexOf('{');
          String prefix = brace < 0 ? "" : line.substring(0, brace);
          if (brace < 0 || prefix.contains("://")) {
            continue; // recorder bookkeeping, a sent request, a REST response
          }
          long recv = recvUsOfPrefix(prefix.replace(":", "").trim());
          read(c.exchange(), new JsonObject(line.substring(brace)), recv, out);
        }
      }
    }
    for (Map.Entry<String, Exchange> f : TARDIS.entrySet()) {
      for (Object o : new JsonObject(Files.readString(fixture(f.getKey()))).getJsonArray("cases")) {
        JsonObject c = (JsonObject) o;
        JsonObject m = c.getJsonObject("message");
        String channel = f.getValue() == Exchange.BINANCE ? m.getString("stream", "")
            : m.getJsonObject("arg").getString("channel");
        // only the derivative channels no capture above has
        if (channel.contains("forceOrder") || Set.of("funding-rate", "mark-price", "open-interest",
            "liquidation-orders").contains(channel)) {
          read(f.getValue(), m, recvUs(c), out);
        }
      }
    }
    // A message sent again is one record, the copy received first: tardis's OKX liquidation-orders
    // case twice. (A Binance bookTicker back to the state it had earlier in its millisecond, eight of
    // the futures stream's 6,765, is a record of its own by its update id.)
    Map<String, JsonObject> first = new java.util.LinkedHashMap<>();
    for (JsonObject r : out) {
      JsonObject content = r.copy();
      content.remove("recv_ts_us");
      first.merge(content.encode(), r, (a, b) -> a.getLong("recv_ts_us", 0L) <= b.getLong("recv_ts_us", 0L) ? a : b);
    }
    return new ArrayList<>(first.values());
  }

  /**
   * The book update ids the exchanges sent, per exchange symbol, read from the raw messages: Binance
   * diffs' {@code u} and snapshots' {@code lastUpdateId}, OKX's {@code ts} (these captures predate
   * {@code seqId}), Deribit's {@code change_id}.
   */
  static Map<String, Set<Long>> bookUpdateIds() throws Exception {
    Map<String, Set<Long>> out = new HashMap<>();
    List<String> lines = new ArrayList<>();
    for (Capture c : CAPTURES) {
      for (String f : c.files()) {
        lines.addAll(Files.readAllLines(fixture(f)));
      }
    }
    for (String f : TARDIS.keySet()) {
      new JsonObject(Files.readString(fixture(f))).getJsonArray("cases")
          .forEach(o -> lines.add(((JsonObject) o).getJsonObject("message").encode()));
    }
    String single = null; // the symbol of a single-symbol capture, for its bare snapshot line
    for (String line : lines) {
      int brace = line.indexOf('{');
      if (brace < 0 || line.substring(0, brace).contains("<-")) {
        continue;
      }
      JsonObject m = new JsonObject(line.substring(brace));
      String prefix = line.substring(0, brace);
      if (m.containsKey("lastUpdateId")) {
        int at = prefix.indexOf("symbol=");
        String sym = at < 0 ? single : prefix.substring(at + 7).split("[& ]")[0];
        out.computeIfAbsent(sym, k -> new java.util.HashSet<>()).add(m.getLong("lastUpdateId"));
        continue;
      }
      JsonObject d = m.getValue("data") instanceof JsonObject o ? o : null;
      String stream = m.getString("stream");
      if (stream != null && d != null) {
        single = stream.substring(0, stream.indexOf('@')).toUpperCase(Locale.ROOT);
        Long id = d.getLong(stream.contains("@depthSnapshot") ? "lastUpdateId" : "u");
        if (stream.contains("@depth") && id != null) {
          out.computeIfAbsent(single, k -> new java.util.HashSet<>()).add(id);
        }
      } else if (m.getJsonObject("arg") != null && m.getJsonArray("data") != null
          && m.getJsonObject("arg").getString("channel").startsWith("books")) {
        for (Object o : m.getJsonArray("data")) {
          out.computeIfAbsent(m.getJsonObject("arg").getString("instId"), k -> new java.util.HashSet<>())
              .add(Long.parseLong(((JsonObject) o).getString("ts")));
        }
      } else if (m.getJsonObject("params") != null && m.getJsonObject("params").getString("channel").startsWith("book.")) {
        JsonObject b = m.getJsonObject("params").getJsonObject("data");
        out.computeIfAbsent(b.getString("instrument_name"), k -> new java.util.HashSet<>()).add(b.getLong("change_id"));
      }
    }
    return out;
  }

  /** The capture's receive time in µs: float seconds, or an integer in µs (16 digits) or ns (19 digits). */
  private static long recvUsOfPrefix(String ts) {
    if (ts.isEmpty()) {
      return -1; // a bare message: the normalizer's own time, not checked
    }
    if (ts.contains(".")) {
      return new BigDecimal(ts).movePointRight(6).setScale(0, java.math.RoundingMode.DOWN).longValueExact();
    }
    long v = Long.parseLong(ts);
    return ts.length() >= 19 ? v / 1000 : v;
  }

  private static JsonObject rec(String type, String exchangeSymbol, long recv) {
    JsonObject r = new JsonObject().put("data_type", type).put("exchange_symbol", exchangeSymbol);
    return recv < 0 ? r : r.put("recv_ts_us", recv);
  }

  private static void read(Exchange ex, JsonObject m, long recv, List<JsonObject> out) {
    switch (ex) {
      case BINANCE -> binance(m, recv, out);
      case OKX -> okx(m, recv, out);
      default -> deribit(m, recv, out);
    }
  }

  private static void binance(JsonObject m, long recv, List<JsonObject> out) {
    String stream = m.getString("stream");
    JsonObject d = m.getJsonObject("data");
    if (stream == null || d == null) {
      return;
    }
    if (stream.endsWith("@trade") || stream.endsWith("@aggTrade")) {
      // m: the buyer is the maker, so the taker sold
      out.add(rec("trade", d.getString("s"), recv).put("ts_ms", d.getLong("T"))
          .put("trade_id", d.getValue(stream.endsWith("@trade") ? "t" : "a").toString())
          .put("price", d.getString("p")).put("quantity", d.getString("q"))
          .put("side", d.getBoolean("m") ? "sell" : "buy"));
    } else if (stream.endsWith("@bookTicker")) {
      JsonObject t = rec("ticker", d.getString("s"), recv).put("best_bid", d.getString("b"))
          .put("best_bid_qty", d.getString("B")).put("best_ask", d.getString("a")).put("best_ask_qty", d.getString("A"))
          .put("update_id", d.getLong("u"));
      if (d.containsKey("E")) {
        t.put("ts_ms", d.getLong("E"));
      }
      out.add(t);
    } else if (stream.contains("@markPrice")) {
      out.add(rec("mark_price", d.getString("s"), recv).put("ts_ms", d.getLong("E"))
          .put("mark_price", d.getString("p")).put("index_price", d.getString("i")));
      out.add(rec("funding_rate", d.getString("s"), recv).put("ts_ms", d.getLong("E"))
          .put("funding_rate", d.getString("r")).put("next_funding_time_ms", d.getLong("T")));
      // (the rate r is the one paid at the next funding, T: the record's funding_time_ms too)
    } else if (stream.contains("@kline_")) {
      JsonObject k = d.getJsonObject("k");
      out.add(rec("kline", d.getString("s"), recv).put("ts_ms", d.getLong("E")).put("interval", k.getString("i"))
          .put("open_time_ms", k.getLong("t")).put("close_time_ms", k.getLong("T")).put("open", k.getString("o"))
          .put("high", k.getString("h")).put("low", k.getString("l")).put("close", k.getString("c"))
          .put("volume", k.getString("v")).put("quote_volume", k.getString("q")).put("trade_count", k.getLong("n"))
          .put("closed", k.getBoolean("x")));
    } else if (stream.endsWith("@forceOrder")) {
      JsonObject o = d.getJsonObject("o");
      out.add(rec("liquidation", o.getString("s"), recv).put("ts_ms", o.getLong("T"))
          .put("side", o.getString("S").toLowerCase(Locale.ROOT)).put("quantity", o.getString("q")));
    }
  }

  private static void okx(JsonObject m, long recv, List<JsonObject> out) {
    JsonObject arg = m.getJsonObject("arg");
    JsonArray data = m.getJsonArray("data");
    if (arg == null || data == null || m.containsKey("event")) {
      return;
    }
    for (Object o : data) {
      JsonObject d = (JsonObject) o;
      String inst = d.getString("instId");
      switch (arg.getString("channel")) {
        case "trades" -> out.add(rec("trade", inst, recv).put("ts_ms", Long.parseLong(d.getString("ts")))
            .put("trade_id", d.getString("tradeId")).put("price", d.getString("px")).put("quantity", d.getString("sz"))
            .put("side", d.getString("side")));
        // an empty text is a side without an order: null in the record
        case "tickers" -> out.add(rec("ticker", inst, recv).put("ts_ms", Long.parseLong(d.getString("ts")))
            .put("best_bid", orNull(d, "bidPx")).put("best_bid_qty", orNull(d, "bidSz"))
            .put("best_ask", orNull(d, "askPx")).put("best_ask_qty", orNull(d, "askSz"))
            .put("last_price", orNull(d, "last")).put("high_24h", orNull(d, "high24h"))
            .put("low_24h", orNull(d, "low24h")));
        case "funding-rate" -> out.add(rec("funding_rate", inst, recv).put("funding_rate", orNull(d, "fundingRate"))
            .put("funding_time_ms", Long.parseLong(d.getString("fundingTime")))
            .put("estimated_rate", orNull(d, "nextFundingRate")));
        case "mark-price" -> out.add(rec("mark_price", inst, recv).put("ts_ms", Long.parseLong(d.getString("ts")))
            .put("mark_price", d.getString("markPx")));
        case "open-interest" -> out.add(rec("open_interest", inst, recv).put("ts_ms", Long.parseLong(d.getString("ts")))
            .put("open_interest", d.getString("oi")).put("open_interest_value", orNull(d, "oiUsd")));
        case "liquidation-orders" -> {
          for (Object x : d.getJsonArray("details")) {
            JsonObject l = (JsonObject) x;
            out.add(rec("liquidation", inst, recv).put("ts_ms", Long.parseLong(l.getString("ts")))
                .put("side", l.getString("side")).put("price", l.getString("bkPx")).put("quantity", l.getString("sz")));
          }
        }
        default -> {
        }
      }
    }
  }

  private static void deribit(JsonObject m, long recv, List<JsonObject> out) {
    JsonObject params = m.getJsonObject("params");
    if (params == null) {
      return;
    }
    String channel = params.getString("channel");
    if (channel.startsWith("trades.")) {
      for (Object o : params.getJsonArray("data")) {
        JsonObject d = (JsonObject) o;
        out.add(rec("trade", d.getString("instrument_name"), recv).put("ts_ms", d.getLong("timestamp"))
            .put("trade_id", d.getString("trade_id")).put("price", d.getValue("price").toString())
            .put("quantity", d.getValue("amount").toString()).put("side", d.getString("direction")));
      }
    } else if (channel.startsWith("ticker.")) {
      JsonObject d = params.getJsonObject("data");
      String inst = d.getString("instrument_name");
      long ts = d.getLong("timestamp");
      out.add(rec("ticker", inst, recv).put("ts_ms", ts).put("best_bid", text(d, "best_bid_price"))
          .put("best_bid_qty", text(d, "best_bid_amount")).put("best_ask", text(d, "best_ask_price"))
          .put("best_ask_qty", text(d, "best_ask_amount")).put("last_price", text(d, "last_price")));
      out.add(rec("mark_price", inst, recv).put("ts_ms", ts).put("mark_price", text(d, "mark_price"))
          .put("index_price", text(d, "index_price")));
      out.add(rec("open_interest", inst, recv).put("ts_ms", ts).put("open_interest", text(d, "open_interest"))
          .putNull("open_interest_value")); // Deribit gives none
    }
  }

  /**
   * The records that must be stored of what the normalizer gave: one copy (the first received) of
   * each trade id and each book update id, whose copies must agree; every other record that differs
   * from the others in anything but its receive time is a record of its own and must be kept.
   *
   * @param normalized the normalizer's records
   * @return per data type's wire name, the records' JSON canonical as {@code canonical} makes it
   */
  static Map<String, List<JsonObject>> mustBeStored(List<MarketRecord> normalized,
      java.util.function.UnaryOperator<Object> canonical) {
    Map<String, JsonObject> kept = new java.util.LinkedHashMap<>();
    for (MarketRecord r : normalized) {
      JsonObject json = (JsonObject) canonical.apply(new JsonObject(RecordJson.toJson(r)));
      JsonObject content = json.copy();
      content.remove("recv_ts_us");
      String identity;
      switch (r.dataType()) {
        case TRADE -> identity = r.identity();
        case ORDERBOOK -> {
          identity = r.identity();
          content.remove("ts_ms"); // a snapshot and the diff of its update id are one book, received apart
        }
        default -> identity = r.identity() + " " + content.encode();
      }
      JsonObject first = kept.get(identity);
      if (first == null || first.getLong("recv_ts_us") > json.getLong("recv_ts_us")) {
        if (first != null) {
          assertAlike(first, content, identity);
        }
        kept.put(identity, json);
      } else {
        assertAlike(first, content, identity);
      }
    }
    Map<String, List<JsonObject>> out = new java.util.TreeMap<>();
    kept.values().forEach(j -> out.computeIfAbsent(j.getString("data_type"), t -> new ArrayList<>()).add(j));
    return out;
  }

  private static void assertAlike(JsonObject copy, JsonObject content, String identity) {
    JsonObject c = copy.copy();
    c.remove("recv_ts_us");
    if (content.getString("data_type").equals("orderbook")) {
      c.remove("ts_ms");
    }
    if (!c.equals(content)) {
      throw new AssertionError("two records of identity " + identity + " differ: " + c + " and " + content);
    }
  }

  /**
   * Asserts that each record the exchange sent is among the records read, each as often as sent:
   * the fields taken from the message equal the record's (decimals as numbers, the rest exactly).
   *
   * @param sent {@link #sentByExchange()}
   * @param read the records read, per data type
   * @param when what the read was, for the failure message
   */
  static void assertSentIsRead(List<JsonObject> sent, Map<String, List<JsonObject>> read, String when) {
    Map<String, Map<String, Integer>> projections = new HashMap<>();
    List<String> missing = new ArrayList<>();
    Map<String, Integer> checked = new java.util.TreeMap<>();
    for (JsonObject s : sent) {
      String type = s.getString("data_type");
      java.util.SortedSet<String> fields = new java.util.TreeSet<>(s.fieldNames());
      Map<String, Integer> have = projections.computeIfAbsent(type + fields, k -> {
        Map<String, Integer> m = new HashMap<>();
        read.getOrDefault(type, List.of()).forEach(r -> m.merge(project(r, fields), 1, Integer::sum));
        return m;
      });
      String p = project(s, fields);
      Integer n = have.get(p);
      if (n == null || n == 0) {
        missing.add(p);
      } else {
        have.put(p, n - 1);
      }
      checked.merge(type, 1, Integer::sum);
    }
    if (!missing.isEmpty()) {
      throw new AssertionError(when + ": " + missing.size() + " of the " + sent.size() + " records the exchanges sent"
          + " (" + checked + ") are not read as sent, e.g. " + missing.subList(0, Math.min(5, missing.size())));
    }
  }

  /** @return the record's fields by name, decimals canonical, in one text */
  private static String project(JsonObject r, java.util.SortedSet<String> fields) {
    StringBuilder sb = new StringBuilder();
    for (String f : fields) {
      Object v = r.getValue(f);
      if (v instanceof String text && !f.endsWith("_id") && text.matches("-?[0-9]+(\\.[0-9]+)?")) {
        v = new BigDecimal(text).signum() == 0 ? "0" : new BigDecimal(text).stripTrailingZeros().toPlainString();
      }
      sb.append(f).append('=').append(v).append(' ');
    }
    return sb.toString();
  }

  private static String orNull(JsonObject d, String field) {
    String v = d.getString(field);
    return v == null || v.isEmpty() ? null : v;
  }

  /** A JSON number as the exchange wrote it (Vert.x reads it as a double: only exact where short, as these are). */
  private static String text(JsonObject d, String field) {
    Object v = d.getValue(field);
    return v == null ? null : new BigDecimal(v.toString()).toPlainString();
  }
}
