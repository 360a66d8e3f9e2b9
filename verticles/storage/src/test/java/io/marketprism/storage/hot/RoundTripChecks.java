package io.marketprism.storage.hot;

import io.marketprism.model.DataType;
import io.marketprism.model.Decimals;
import io.marketprism.model.Exchange;
import io.marketprism.model.FundingRateRecord;
import io.marketprism.model.KlineRecord;
import io.marketprism.model.LiquidationRecord;
import io.marketprism.model.LongShortRatioRecord;
import io.marketprism.model.MarkPriceRecord;
import io.marketprism.model.MarketRecord;
import io.marketprism.model.MarketType;
import io.marketprism.model.OpenInterestRecord;
import io.marketprism.model.OrderBookRecord;
import io.marketprism.model.PriceLevel;
import io.marketprism.model.RecordJson;
import io.marketprism.model.RecordLimits;
import io.marketprism.model.TickerRecord;
import io.marketprism.model.TradeRecord;
import io.marketprism.model.VolatilityIndexRecord;
import io.marketprism.platform.bus.BusMessage;
import io.marketprism.storage.cache.LatestCache;
import io.marketprism.storage.query.Cursor;
import io.marketprism.storage.query.Page;
import io.marketprism.storage.query.RecordQuery;
import io.marketprism.storage.query.TierPlan;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Records of every data type stored and read back through {@code records(...)}, for any hot
 * store: each must read back as its record with every decimal fitted to Decimal(38,18)
 * ({@link StoredValues#fitDecimal}), which is what the JSONEachRow path stored, also a record a page
 * (a trade id of any text is a cursor's key). And bad messages
 * in a batch are rejected alone.
 */
final class RoundTripChecks {

  /** 2024-01-01T00:00:00Z. */
  static final long DAY0 = 1_704_067_200_000L;
  private static final Exchange BN = Exchange.BINANCE;

  private RoundTripChecks() {
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  /** Decimals that test the edges: 18 fractional digits, rounding ties either way, the largest value, negatives. */
  static final String[] DECIMALS = {"0", "1", "-0.0", "0.000000000000000001", "-0.000000000000000001",
      "61737.63", "0.123456789012345678", "-0.00012345", "99999999999999999999.999999999999999999",
      "-99999999999999999999.999999999999999999", "1.0000000000000000005", "1.0000000000000000015",
      "-2.5000000000000000025", "0.00000000000000000049999", "3.14159265358979323846264338327950288",
      "12345678901234567890", "100.000", "0.1"};

  private static String dec(int i) {
    return DECIMALS[Math.floorMod(i, DECIMALS.length)];
  }

  /**
   * A trade's quantity: {@code quantity}, unless its product with the price is more than a bar's
   * quote volume holds (such trades are refused, see {@link KlineChecks}): then the smallest one.
   */
  private static String tradeQuantity(String price, String quantity) {
    return new BigDecimal(price).multiply(new BigDecimal(quantity)).abs().compareTo(RecordLimits.MAX_QUOTE_VOLUME) < 0
        ? quantity : "0.000000000000000001";
  }

  /** Every data type, with nulls, booleans both ways, empty and 400-level books and the decimals above. */
  static List<MarketRecord> records() {
    List<MarketRecord> out = new ArrayList<>();
    for (int i = 0; i < DECIMALS.length; i++) {
      long ts = DAY0 + i * 1000L;
      long recv = ts * 1000 + i;
      String exSym = i % 3 == 0 ? null : "BTCUSDT";
      out.add(new TradeRecord(BN, MarketType.SPOT, "BTC-USDT", exSym, ts, recv, "t" + i + (i == 4 ? "-\"q\"\\é€😀" : ""),
          dec(i), tradeQuantity(dec(i), dec(i + 7)), i % 2 == 0 ? "buy" : "sell"));
      out.add(new TickerRecord(BN, MarketType.SPOT, "BTC-USDT", exSym, ts, recv, i % 2 == 0 ? null : dec(i), dec(i + 1),
          i % 3 == 0 ? null : dec(i + 2), dec(i + 3), dec(i + 4), i % 4 == 0 ? null : dec(i + 5), dec(i + 6), dec(i + 7),
          i % 5 == 0 ? null : dec(i + 8), i % 3 == 1 ? null : (long) i));
      out.add(new KlineRecord(BN, MarketType.PERPETUAL, "ETH-USDT", exSym, ts, recv, "1m", ts - 60_000,
          i % 2 == 0 ? null : ts - 1, dec(i), dec(i + 1), i % 3 == 0 ? null : dec(i + 2), dec(i + 3), dec(i + 4),
          i % 4 == 0 ? null : dec(i + 5), i % 5 == 0 ? null : (long) i * 1_000_000_007L, i % 2 == 0));
      out.add(new FundingRateRecord(Exchange.OKX, MarketType.PERPETUAL, "BTC-USDT", "BTC-USDT-SWAP", ts, recv,
          i % 2 == 0 ? "-0.00012345" : dec(i), i % 3 == 0 ? null : ts + 3_600_000, i % 4 == 0 ? null : ts + 7_200_000,
          i % 5 == 0 ? null : dec(i + 2)));
      out.add(new MarkPriceRecord(Exchange.DERIBIT, MarketType.OPTIONS, "BTC-USD-250328-100000-C",
          "BTC-28MAR25-100000-C", ts, recv, dec(i), i % 2 == 0 ? null : dec(i + 1)));
      out.add(new OpenInterestRecord(BN, MarketType.FUTURES, "BTC-USDT-250328", exSym, ts, recv,
          i % 3 == 0 ? null : dec(i), dec(i + 1)));
      out.add(new LiquidationRecord(BN, MarketType.PERPETUAL, "BTC-USDT", exSym, ts, recv,
          i % 2 == 0 ? null : "sell", dec(i), i % 3 == 0 ? null : dec(i + 1), i % 4 == 0 ? null : "o-" + i));
      out.add(new VolatilityIndexRecord(Exchange.DERIBIT, MarketType.OPTIONS, "BTC-USD", null, ts, recv,
          i % 2 == 0 ? null : dec(i), i % 3 == 0 ? null : "60"));
      for (DataType t : List.of(DataType.LSR_TOP_POSITION, DataType.LSR_ALL_ACCOUNT)) {
        out.add(new LongShortRatioRecord(t, BN, MarketType.PERPETUAL, "BTC-USDT", exSym, ts, recv, dec(i),
            i % 2 == 0 ? null : dec(i + 1), dec(i + 2), i % 3 == 0 ? null : "5m"));
      }
      int levels = i == 0 ? 0 : i == 1 ? 400 : i % 7;
      List<PriceLevel> bids = new ArrayList<>();
      List<PriceLevel> asks = new ArrayList<>();
      for (int l = 0; l < levels; l++) {
        bids.add(new PriceLevel((60000 - l) + "." + (l % 10), dec(l)));
        asks.add(new PriceLevel(dec(l + i), "0." + (l + 1)));
      }
      out.add(new OrderBookRecord(Exchange.OKX, MarketType.PERPETUAL, "BTC-USDT", exSym, ts, recv, bids,
          i == 2 ? List.of() : asks, 400, 9_000_000_000_000_000_000L + i,
          i % 3 == 0 ? null : Boolean.valueOf(i % 3 == 1)));
    }
    return out;
  }

  /** The JSON a stored record reads back as: every decimal fitted to Decimal(38,18), in canonical form. */
  static String fitted(MarketRecord r) {
    JsonObject o = new JsonObject(RecordJson.toJson(r));
    for (Column c : TableSchema.of(r.dataType()).columns()) {
      Object v = o.getValue(c.name());
      if (v == null) {
        continue;
      }
      if (c.kind() == Column.Kind.DECIMAL || c.kind() == Column.Kind.NULLABLE_DECIMAL) {
        o.put(c.name(), fit((String) v));
      } else if (c.kind() == Column.Kind.LEVELS) {
        JsonArray side = new JsonArray();
        for (Object level : (JsonArray) v) {
          JsonArray pair = (JsonArray) level;
          side.add(new JsonArray().add(fit(pair.getString(0))).add(fit(pair.getString(1))));
        }
        o.put(c.name(), side);
      }
    }
    return RecordJson.toJson(RecordJson.parse(o.encode()));
  }

  private static String fit(String decimal) {
    return Decimals.plain(new BigDecimal(RecordLimits.fitDecimal(decimal)));
  }

  /**
   * Stores {@link #records()} and reads every type back.
   *
   * @param store an empty store
   */
  static void everyTypeReadsBackFitted(HotStore store) throws Exception {
    everyTypeReadsBackFitted(store, 1);
  }

  /**
   * Stores {@link #records()} {@code writes} times, each in a batch of its own as redeliveries come,
   * and reads every type back: each record once, in every page.
   *
   * @param store an empty store
   * @param writes how many times every record is written
   */
  static void everyTypeReadsBackFitted(HotStore store, int writes) throws Exception {
    List<MarketRecord> records = records();
    for (int i = 0; i < writes; i++) {
      await(store.write(records));
    }
    Map<DataType, List<String>> expected = new EnumMap<>(DataType.class);
    for (MarketRecord r : records) {
      expected.computeIfAbsent(r.dataType(), k -> new ArrayList<>()).add(fitted(r));
    }
    assertThat(expected).hasSize(DataType.values().length);
    for (DataType t : DataType.values()) {
      Page page = await(store.records(new RecordQuery(t, null, null, null, DAY0, DAY0 + 86_400_000L, 10_000, null),
          TierPlan.HOT));
      assertThat(page.records()).as(t.wire()).containsExactlyElementsOf(expected.get(t));
      // one record a page, each next page asked with the cursor as a client sends it back (its text)
      List<String> paged = new ArrayList<>();
      Cursor cursor = null;
      do {
        RecordQuery q = new RecordQuery(t, null, null, null, DAY0, DAY0 + 86_400_000L, 1, cursor);
        Page one = await(store.records(q, TierPlan.HOT));
        paged.addAll(one.records());
        cursor = one.next() == null ? null : Cursor.decode(one.next().encode(), q);
      } while (cursor != null);
      assertThat(paged).as(t.wire() + ", a record a page").containsExactlyElementsOf(expected.get(t));
    }
  }

  /**
   * A batch of good records and bad messages: each bad one is rejected with its reason, the good ones are stored.
   *
   * @param store an empty store
   */
  static void badMessagesAreRejectedAlone(HotStore store) throws Exception {
    List<MarketRecord> good = new ArrayList<>();
    for (MarketRecord r : records()) {
      if (r.dataType() == DataType.TRADE || r.dataType() == DataType.ORDERBOOK) {
        good.add(r);
      }
    }
    String trade = RecordJson.toJson(good.get(0));
    String subject = good.get(0).subject();
    List<BusMessage> batch = new ArrayList<>();
    List<String> bad = List.of(
        trade.substring(0, trade.length() / 2),                            // malformed JSON
        trade.replace("\"price\":\"0\"", "\"price\":\"6.1.2\""),           // bad decimal
        trade.replace("\"price\":\"0\"", "\"price\":\"1e21\""),            // too large
        trade.replace("\"trade_id\":\"t0\",", ""),                         // missing field
        trade.replace("\"exchange\":\"binance\"", "\"exchange\":\"bitmex\""), // unknown exchange
        trade.replace("\"ts_ms\":", "\"ts_ms\":\"x\",\"was\":"),           // a time that is no integer
        "[1,2,3]",                                                         // not an object
        trade.replaceFirst("\"ts_ms\":\\d+", "\"ts_ms\":-1"),              // a time before 1970 (UInt64)
        trade.replaceFirst("\"ts_ms\":\\d+", "\"ts_ms\":4294967296000"),   // after DateTime's 2106
        trade.replace("\"trade_id\":\"t0\"", "\"trade_id\":\"\""),         // an empty identity
        trade.replace("\"BTC-USDT\"", "\"BTC-" + "X".repeat(61) + "\""),   // a symbol of 65 bytes
        trade + trade,                                                     // two records run together
        trade + " x",                                                      // content after the record
        trade.replace("\"data_type\":\"trade\"", "\"data_type\":\"ticker\""), // not what its subject says
        trade.replace("\"side\":\"buy\"", "\"side\":\"BUY\""),               // a side that is not buy/sell
        trade.replace("\"side\":\"buy\"", "\"side\":\"\""));                  // no side
    for (int i = 0; i < Math.max(good.size(), bad.size()); i++) {
      if (i < good.size()) {
        MarketRecord r = good.get(i);
        batch.add(new BusMessage(r.subject(), RecordJson.toBytes(r), false));
      }
      if (i < bad.size()) {
        assertThat(bad.get(i)).isNotEqualTo(trade);
        batch.add(new BusMessage(subject, bad.get(i).getBytes(StandardCharsets.UTF_8), false));
      }
    }
    // a data type no store knows, on a subject of its own
    batch.add(new BusMessage("bogus.binance.spot.BTC-USDT", trade.replace("\"data_type\":\"trade\"",
        "\"data_type\":\"bogus\"").getBytes(StandardCharsets.UTF_8), false));
    // book fields a store cannot hold: an unsigned id below 0, a depth beyond an Int32
    MarketRecord book = good.stream().filter(r -> r.dataType() == DataType.ORDERBOOK).findFirst().orElseThrow();
    String bookJson = RecordJson.toJson(book);
    for (String b : List.of(bookJson.replaceFirst("\"last_update_id\":\\d+", "\"last_update_id\":-1"),
        bookJson.replaceFirst("\"depth\":\\d+", "\"depth\":4294967316"))) {
      assertThat(b).isNotEqualTo(bookJson);
      batch.add(new BusMessage(book.subject(), b.getBytes(StandardCharsets.UTF_8), false));
    }
    // a liquidation's side, where known, is buy or sell too
    MarketRecord liquidation = records().stream()
        .filter(r -> r instanceof LiquidationRecord l && "sell".equals(l.side())).findFirst().orElseThrow();
    batch.add(new BusMessage(liquidation.subject(), RecordJson.toJson(liquidation)
        .replace("\"side\":\"sell\"", "\"side\":\"short\"").getBytes(StandardCharsets.UTF_8), false));
    Batch prepared = store.prepare(batch);
    assertThat(prepared.rejected()).as("rejected: " + prepared.rejected()).hasSize(bad.size() + 4);
    assertThat(prepared.rejected()).allSatisfy(r -> assertThat(r.reason()).isNotBlank());
    assertThat(prepared.size()).isEqualTo(good.size());
    assertThat(prepared.latest()).extracting(LatestCache.Latest::subject).containsExactlyInAnyOrder(
        "trade.binance.spot.BTC-USDT", "orderbook.okx.perpetual.BTC-USDT");
    await(store.write(prepared));
    for (DataType t : List.of(DataType.TRADE, DataType.ORDERBOOK)) {
      Page page = await(store.records(new RecordQuery(t, null, null, null, DAY0, DAY0 + 86_400_000L, 10_000, null),
          TierPlan.HOT));
      assertThat(page.records()).as(t.wire()).containsExactlyElementsOf(
          good.stream().filter(r -> r.dataType() == t).map(RoundTripChecks::fitted).toList());
    }
  }
}
