package io.marketprism.collector.okx;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.marketprism.collector.book.BookUpdate;
import io.marketprism.collector.book.LevelList;
import io.marketprism.collector.normalize.InstrumentCache;
import io.marketprism.collector.normalize.JsonFields;
import io.marketprism.collector.normalize.JsonScanner;
import io.marketprism.collector.normalize.JsonScanner.Fallback;
import io.marketprism.collector.normalize.MessageOutput;
import io.marketprism.collector.normalize.MessageParser;
import io.marketprism.collector.normalize.ParseException;
import io.marketprism.collector.normalize.RecordSink;
import io.marketprism.collector.normalize.SequencedTrade;
import io.marketprism.collector.normalize.Urls;
import io.marketprism.model.DataType;
import io.marketprism.model.Decimals;
import io.marketprism.model.Exchange;
import io.marketprism.model.FundingRateRecord;
import io.marketprism.model.Instrument;
import io.marketprism.model.KlineRecord;
import io.marketprism.model.LiquidationRecord;
import io.marketprism.model.LongShortRatioRecord;
import io.marketprism.model.MarkPriceRecord;
import io.marketprism.model.MarketType;
import io.marketprism.model.OpenInterestRecord;
import io.marketprism.model.Symbols;
import io.marketprism.model.TickerRecord;
import io.marketprism.model.TradeRecord;
import java.io.IOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * OKX v5 public channels: {@code trades} (aggregated: {@code count} matches up to {@code tradeId})
 * and {@code trades-all} (one match, no {@code count}), normalized to the same trade record;
 * {@code books}/{@code books-l2-tbt}/{@code books50-l2-tbt} (snapshot + updates with checksum and,
 * in newer messages, {@code seqId}/{@code prevSeqId}),
 * {@code books5}, {@code bbo-tbt}, {@code tickers}, {@code candle*}, {@code funding-rate},
 * {@code mark-price}, {@code open-interest}, {@code liquidation-orders}; REST rubik long/short
 * ratios and past trades ({@code /api/v5/market/history-trades}, normalized like the
 * trade channels). Market types come from the instrument names; trades carry their
 * numeric trade id as sequence number.
 *
 * <p>{@code trades}, {@code trades-all} and the incremental {@code books} channels are read by a
 * {@link JsonScanner} fast path; whatever it does not fully understand goes to the general reader, which gives the
 * same records or the precise rejection. Not thread-safe: use one per connection.
 */
public final class OkxParser implements MessageParser {

  /** Channels OKX sends that carry nothing MarketPrism normalizes; recognized and ignored. */
  private static final Set<String> IGNORED_CHANNELS = Set.of("index-tickers", "price-limit", "opt-summary",
      "estimated-price", "status", "instruments");

  private static final JsonFactory FACTORY = new JsonFactory();

  private final InstrumentCache instruments;
  private final JsonFields top = new JsonFields();
  private final JsonScanner scan = new JsonScanner();
  private final MessageOutput pending = new MessageOutput();
  private final MessageOutput.FastReader fastReader = this::fast;
  private final JsonScanner.Fields arg = new JsonScanner.Fields("channel", "instId");
  private final JsonScanner.Fields item = new JsonScanner.Fields(ITEM_FIELDS);
  /** The last push of each candle stream ({@code instId|interval}), to drop exact repeats. */
  private final Map<String, String[]> lastCandle = new HashMap<>();
  /** The last kline {@code ts_ms} given per instrument, to keep them strictly increasing. */
  private final Map<String, Long> lastCandleTs = new HashMap<>();

  /** The {@code data} entry fields the fast path reads; a slot is the index here. */
  private static final String[] ITEM_FIELDS = {"instId", "tradeId", "px", "sz", "side", "ts", "checksum", "seqId",
      "prevSeqId", "bids", "asks", "count"};
  private static final int INST_ID = 0;
  private static final int TRADE_ID = 1;
  private static final int PX = 2;
  private static final int SZ = 3;
  private static final int SIDE = 4;
  private static final int TS = 5;
  private static final int CHECKSUM = 6;
  private static final int SEQ_ID = 7;
  private static final int PREV_SEQ_ID = 8;
  private static final int BIDS = 9;
  private static final int ASKS = 10;
  private static final int COUNT = 11;

  /**
   * @param symbols symbol normalizer
   */
  public OkxParser(Symbols symbols) {
    this.instruments = new InstrumentCache(Exchange.OKX, symbols);
  }

  @Override
  public void parse(String message, long recvTsUs, RecordSink sink) throws ParseException {
    if (!pending.tryFast(fastReader, message, recvTsUs, sink)) {
      general(message, recvTsUs, sink);
    }
  }

  /** Reads a {@code trades}, {@code trades-all} or {@code books} message in one pass; false when it is none. */
  private boolean fast(String message, long recv) throws Fallback {
    JsonScanner sc = scan;
    sc.reset(message);
    sc.beginObject();
    boolean argSeen = false;
    boolean dataSeen = false;
    int actionStart = -1;
    int actionEnd = -1;
    while (sc.nextField()) {
      if (sc.nameIs("arg") && !argSeen) {
        sc.fields(arg);
        argSeen = true;
      } else if (sc.nameIs("action") && actionStart < 0) {
        sc.string();
        actionStart = sc.valueStart();
        actionEnd = sc.valueEnd();
      } else if (sc.nameIs("data") && argSeen && !dataSeen) {
        dataSeen = true;
        if (sc.is(arg, 0, "trades") || sc.is(arg, 0, "trades-all")) {
          sc.beginArray();
          while (sc.nextElement()) {
            sc.fields(item);
            fastTrade(sc, recv);
          }
        } else if (sc.is(arg, 0, "books") || sc.is(arg, 0, "books-l2-tbt") || sc.is(arg, 0, "books50-l2-tbt")) {
          // OKX sends the action before the data; anything else is for the general reader
          if (actionStart < 0) {
            return false;
          }
          boolean snapshot = sc.textIs(actionStart, actionEnd, "snapshot");
          if (!snapshot && !sc.textIs(actionStart, actionEnd, "update")) {
            return false;
          }
          String instId = sc.reqName(arg, 1);
          sc.beginArray();
          while (sc.nextElement()) {
            sc.fields(item);
            fastBook(sc, snapshot, instId, recv);
          }
        } else {
          return false;
        }
      } else if (sc.nameIs("event") || sc.nameIs("arg") || sc.nameIs("data") || sc.nameIs("action")) {
        return false;
      } else {
        sc.skipValue();
      }
    }
    sc.end();
    return dataSeen;
  }

  private void fastTrade(JsonScanner sc, long recv) throws Fallback {
    JsonScanner.Fields d = item;
    String instId = sc.reqName(d, INST_ID);
    Instrument ins = instruments.fast(instId, null);
    String side = sc.side(d, SIDE);
    String id = sc.reqText(d, TRADE_ID);
    long seq = sc.sequence(d, TRADE_ID);
    pending.add(new TradeRecord(Exchange.OKX, ins.marketType(), ins.symbol(), instId, sc.reqLong(d, TS), recv,
        id, sc.reqDecimal(d, PX), sc.reqDecimal(d, SZ), side), firstOf(seq, sc.optLong(d, COUNT, 1)), seq);
  }

  private void fastBook(JsonScanner sc, boolean snapshot, String instId, long recv) throws Fallback {
    JsonScanner.Fields d = item;
    LevelList bids = d.levels(BIDS);
    LevelList asks = d.levels(ASKS);
    if (bids == null || asks == null) {
      throw JsonScanner.fallback();
    }
    long checksum = sc.optLong(d, CHECKSUM, Long.MIN_VALUE);
    pending.add(new BookUpdate(snapshot, instId, instruments.fast(instId, null), sc.reqLong(d, TS), recv,
        BookUpdate.NONE, sc.optLong(d, SEQ_ID, BookUpdate.NONE), sc.optLong(d, PREV_SEQ_ID, BookUpdate.NONE), (int) checksum,
        checksum != Long.MIN_VALUE, bids, asks));
  }


  /** The general reader alone; tests compare the fast path with it. */
  void general(String message, long recvTsUs, RecordSink sink) throws ParseException {
    if ("pong".equals(message)) {
      return;
    }
    top.readDocument(message);
    String event = top.text("event");
    if (event != null) {
      if ("error".equals(event)) {
        throw new ParseException("exchange error " + top.text("code") + ": " + top.text("msg"));
      }
      return; // subscribe / unsubscribe / login acknowledgements
    }
    JsonFields arg = top.object("arg");
    List<JsonFields> data = top.objects("data");
    if (arg == null) {
      throw new ParseException("OKX message without 'arg'");
    }
    String channel = arg.reqText("channel");
    if (IGNORED_CHANNELS.contains(channel) || channel.startsWith("mark-price-candle")
        || channel.startsWith("index-candle")) {
      return;
    }
    if (channel.startsWith("candle")) {
      candles(message, channel.substring("candle".length()), arg.reqText("instId"), recvTsUs, sink);
      return;
    }
    if (data == null) {
      throw new ParseException("OKX " + channel + " message without a 'data' array");
    }
    for (JsonFields d : data) {
      switch (channel) {
        case "trades", "trades-all" -> trade(d, recvTsUs, sink);
        case "books", "books-l2-tbt", "books50-l2-tbt" -> book(arg, d, top.text("action"), recvTsUs, sink);
        case "books5" -> book(arg, d, "snapshot", recvTsUs, sink);
        case "bbo-tbt" -> bbo(arg, d, recvTsUs, sink);
        case "tickers" -> ticker(d, recvTsUs, sink);
        case "funding-rate" -> funding(d, recvTsUs, sink);
        case "mark-price" -> markPrice(d, recvTsUs, sink);
        case "open-interest" -> openInterest(d, recvTsUs, sink);
        case "liquidation-orders" -> liquidationOrders(d, recvTsUs, sink);
        case "liquidations" -> liquidation(arg.reqText("instId"), d, recvTsUs, sink);
        default -> throw new ParseException("unknown OKX channel '" + channel + "'");
      }
    }
  }

  @Override
  public void parseRest(String url, String body, long recvTsUs, RecordSink sink) throws ParseException {
    String path = Urls.path(url);
    top.readDocument(body);
    String code = top.text("code");
    if (code != null && !"0".equals(code)) {
      throw new ParseException("exchange error " + code + ": " + top.text("msg"));
    }
    switch (path) {
      case "/api/v5/market/history-trades", "/api/v5/market/trades" -> {
        List<JsonFields> rows = top.objects("data");
        if (rows == null) {
          throw new ParseException("OKX trades response without a 'data' array");
        }
        // newest first, as OKX lists them; order does not matter downstream
        for (JsonFields d : rows) {
          trade(d, recvTsUs, sink);
        }
      }
      case "/api/v5/public/instruments" -> {
        // instrument lists carry no market data; the names themselves tell the market types
      }
      case "/api/v5/rubik/stat/contracts/long-short-account-ratio" -> {
        String ccy = requireQuery(url, "ccy");
        ratios(DataType.LSR_ALL_ACCOUNT, ccy, new Instrument(ccy + "-USD", MarketType.PERPETUAL), url, recvTsUs,
            sink);
      }
      case "/api/v5/rubik/stat/contracts/long-short-account-ratio-contract" -> {
        String instId = requireQuery(url, "instId");
        ratios(DataType.LSR_ALL_ACCOUNT, instId, instruments.get(instId, null), url, recvTsUs, sink);
      }
      case "/api/v5/rubik/stat/contracts/long-short-position-ratio-contract-top-trader" -> {
        String instId = requireQuery(url, "instId");
        ratios(DataType.LSR_TOP_POSITION, instId, instruments.get(instId, null), url, recvTsUs, sink);
      }
      default -> throw new ParseException("unknown OKX REST endpoint " + path);
    }
  }

  private void trade(JsonFields d, long recv, RecordSink sink) throws ParseException {
    String instId = d.reqText("instId");
    Instrument ins = instruments.get(instId, null);
    String id = d.reqText("tradeId");
    long seq = SequencedTrade.numeric(id);
    sink.trade(new TradeRecord(Exchange.OKX, ins.marketType(), ins.symbol(), instId, d.reqLong("ts"), recv,
        id, d.decimal("px"), d.decimal("sz"), side(d.reqText("side"))), firstOf(seq, d.longValue("count", 1)), seq);
  }

  private void book(JsonFields arg, JsonFields d, String action, long recv, RecordSink sink) throws ParseException {
    if (!"snapshot".equals(action) && !"update".equals(action)) {
      throw new ParseException("OKX book message with action '" + action + "'");
    }
    String instId = arg.reqText("instId");
    long checksum = d.longValue("checksum", Long.MIN_VALUE);
    sink.book(new BookUpdate("snapshot".equals(action), instId, instruments.get(instId, null), d.reqLong("ts"), recv,
        BookUpdate.NONE, d.longValue("seqId", BookUpdate.NONE), d.longValue("prevSeqId", BookUpdate.NONE),
        (int) checksum, checksum != Long.MIN_VALUE, d.reqLevels("bids"), d.reqLevels("asks")));
  }

  private void bbo(JsonFields arg, JsonFields d, long recv, RecordSink sink) throws ParseException {
    String instId = arg.reqText("instId");
    Instrument ins = instruments.get(instId, null);
    LevelList bids = d.reqLevels("bids");
    LevelList asks = d.reqLevels("asks");
    sink.record(new TickerRecord(Exchange.OKX, ins.marketType(), ins.symbol(), instId, d.reqLong("ts"), recv,
        top(bids, true), top(bids, false), top(asks, true), top(asks, false), null, null, null, null, null,
        d.optLong("seqId")));
  }

  private void ticker(JsonFields d, long recv, RecordSink sink) throws ParseException {
    String instId = d.reqText("instId");
    Instrument ins = instruments.get(instId, null);
    // volCcy24h is in quote currency only for spot; for contracts it is in base currency
    String quoteVolume = ins.marketType() == MarketType.SPOT ? d.optDecimal("volCcy24h") : null;
    sink.record(new TickerRecord(Exchange.OKX, ins.marketType(), ins.symbol(), instId, d.reqLong("ts"), recv,
        d.optDecimal("bidPx"), d.optDecimal("bidSz"), d.optDecimal("askPx"), d.optDecimal("askSz"),
        d.optDecimal("last"), d.optDecimal("vol24h"), quoteVolume, d.optDecimal("high24h"),
        d.optDecimal("low24h")));
  }

  private void funding(JsonFields d, long recv, RecordSink sink) throws ParseException {
    String instId = d.reqText("instId");
    Instrument ins = instruments.get(instId, null);
    sink.record(new FundingRateRecord(Exchange.OKX, ins.marketType(), ins.symbol(), instId,
        d.longValue("ts", recv / 1000), recv, d.optDecimal("fundingRate"), d.optLong("fundingTime"),
        d.optLong("nextFundingTime"), d.optDecimal("nextFundingRate")));
  }

  private void markPrice(JsonFields d, long recv, RecordSink sink) throws ParseException {
    String instId = d.reqText("instId");
    Instrument ins = instruments.get(instId, null);
    sink.record(new MarkPriceRecord(Exchange.OKX, ins.marketType(), ins.symbol(), instId, d.reqLong("ts"), recv,
        d.decimal("markPx"), null));
  }

  private void openInterest(JsonFields d, long recv, RecordSink sink) throws ParseException {
    String instId = d.reqText("instId");
    Instrument ins = instruments.get(instId, null);
    sink.record(new OpenInterestRecord(Exchange.OKX, ins.marketType(), ins.symbol(), instId, d.reqLong("ts"),
        recv, d.decimal("oi"), d.optDecimal("oiUsd")));
  }

  private void liquidationOrders(JsonFields d, long recv, RecordSink sink) throws ParseException {
    String instId = d.reqText("instId");
    List<JsonFields> details = d.objects("details");
    if (details == null) {
      throw new ParseException("liquidation-orders entry without 'details'");
    }
    for (JsonFields detail : details) {
      liquidation(instId, detail, recv, sink);
    }
  }

  private void liquidation(String instId, JsonFields d, long recv, RecordSink sink) throws ParseException {
    Instrument ins = instruments.get(instId, null);
    sink.record(new LiquidationRecord(Exchange.OKX, ins.marketType(), ins.symbol(), instId, d.reqLong("ts"), recv,
        side(d.reqText("side")), d.decimal("bkPx"), d.decimal("sz"), null));
  }

  private void ratios(DataType type, String exchangeSymbol, Instrument ins, String url, long recv, RecordSink sink)
      throws ParseException {
    LevelList rows = top.levels("data");
    if (rows == null) {
      throw new ParseException("rubik response without a 'data' array of [ts, ratio] rows");
    }
    String period = Urls.query(url, "period");
    for (int i = 0; i < rows.size(); i++) {
      long ts;
      try {
        ts = Long.parseLong(rows.price(i));
      } catch (NumberFormatException e) {
        throw new ParseException("rubik row with a bad timestamp: " + rows.price(i));
      }
      sink.record(new LongShortRatioRecord(type, Exchange.OKX, ins.marketType(), ins.symbol(), exchangeSymbol, ts,
          recv, decimal(rows.quantity(i)), null, null, period == null ? "5m" : period));
    }
  }

  /**
   * Candles are arrays of 9 strings, which the level-oriented reader does not keep: read them here.
   *
   * <p>Every in-minute update is kept as a record of its own. A kline's identity is its
   * {@code ts_ms} (CONTRACT §3), and OKX candle pushes carry no event time (their {@code ts} is the
   * candle's open time, shared by all its updates): {@code ts_ms} is therefore the receive time,
   * made strictly increasing per instrument so that two updates received within one millisecond
   * (a closing candle and the next one) keep distinct identities. A push that repeats the previous
   * one of its candle exactly (OKX resends the current candle on every subscribe, a frame may come
   * twice) carries nothing new and is dropped here; it is not a rejection.
   */
  private void candles(String message, String interval, String instId, long recv, RecordSink sink)
      throws ParseException {
    Instrument ins = instruments.get(instId, null);
    String stream = instId + '|' + interval;
    try (JsonParser p = FACTORY.createParser(message)) {
      p.nextToken();
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken t = p.nextToken();
        if (!"data".equals(name) || t != JsonToken.START_ARRAY) {
          p.skipChildren();
          continue;
        }
        while (p.nextToken() == JsonToken.START_ARRAY) {
          String[] c = new String[9];
          int n = 0;
          while (p.nextToken() != JsonToken.END_ARRAY) {
            if (n < c.length) {
              c[n] = p.getText();
            }
            n++;
          }
          if (n < 6) {
            throw new ParseException("OKX candle with " + n + " fields");
          }
          long open = Long.parseLong(c[0]);
          String quoteVolume = c[7] != null ? c[7] : ins.marketType() == MarketType.SPOT ? c[6] : null;
          if (Arrays.equals(c, lastCandle.get(stream))) {
            continue;
          }
          long ts = Math.max(recv / 1000, lastCandleTs.getOrDefault(instId, Long.MIN_VALUE) + 1);
          sink.record(new KlineRecord(Exchange.OKX, ins.marketType(), ins.symbol(), instId, ts, recv, interval,
              open, closeTime(interval, open), decimal(c[1]), decimal(c[2]), decimal(c[3]), decimal(c[4]),
              decimal(c[5]), quoteVolume == null ? null : decimal(quoteVolume), null, "1".equals(c[8])));
          // remembered once the push proved readable, so a malformed one is rejected every time
          lastCandle.put(stream, c);
          lastCandleTs.put(instId, ts);
        }
      }
    } catch (IOException | NumberFormatException e) {
      throw new ParseException("malformed OKX candle: " + e.getMessage(), e);
    }
  }

  /** OKX's non-UTC candles of a day and longer start at 00:00 Hong Kong time (UTC+8). */
  private static final ZoneOffset OKX_CANDLE_ZONE = ZoneOffset.ofHours(8);

  /**
   * The close time of an OKX candle: its open time plus its length, minus 1 ms, as Binance gives
   * {@code T} in its klines. {@code interval} is the channel's suffix ({@code 1s}, {@code 1m},
   * {@code 1H}, {@code 1D}, {@code 1W}, {@code 1M}, {@code 3M}, optionally ending in {@code utc});
   * months are calendar months in the candle's zone (UTC+8, or UTC for the {@code utc} ones).
   * {@code null} for an interval not of that shape.
   */
  static Long closeTime(String interval, long openTimeMs) {
    String bar = interval.endsWith("utc") ? interval.substring(0, interval.length() - 3) : interval;
    if (bar.length() < 2) {
      return null;
    }
    long n;
    try {
      n = Long.parseLong(bar.substring(0, bar.length() - 1));
    } catch (NumberFormatException e) {
      return null;
    }
    if (n <= 0) {
      return null;
    }
    long unitMs;
    switch (bar.charAt(bar.length() - 1)) {
      case 's' -> unitMs = 1_000L;
      case 'm' -> unitMs = 60_000L;
      case 'H' -> unitMs = 3_600_000L;
      case 'D' -> unitMs = 86_400_000L;
      case 'W' -> unitMs = 7 * 86_400_000L;
      case 'M' -> {
        ZoneOffset zone = bar.length() == interval.length() ? OKX_CANDLE_ZONE : ZoneOffset.UTC;
        return Instant.ofEpochMilli(openTimeMs).atOffset(zone).plusMonths(n).toInstant().toEpochMilli() - 1;
      }
      default -> {
        return null;
      }
    }
    return openTimeMs + n * unitMs - 1;
  }

  /**
   * The {@code trades} channel aggregates the matches of one taker order at one price: {@code count}
   * of them, {@code tradeId} being the last; REST {@code history-trades} lists the matches one by
   * one. The first id covered bounds a gap below a live trade, so its other matches are not fetched
   * as extra trades.
   */
  private static long firstOf(long seq, long count) {
    return seq == SequencedTrade.NONE || count <= 1 ? seq : Math.max(0, seq - count + 1);
  }

  private static String requireQuery(String url, String name) throws ParseException {
    String v = Urls.query(url, name);
    if (v == null || v.isEmpty()) {
      throw new ParseException("missing query parameter '" + name + "' in " + url);
    }
    return v;
  }

  private static String top(LevelList side, boolean price) throws ParseException {
    if (side.size() == 0) {
      return null;
    }
    return decimal(price ? side.price(0) : side.quantity(0));
  }

  private static String side(String s) throws ParseException {
    if ("buy".equals(s) || "sell".equals(s)) {
      return s;
    }
    throw new ParseException("unknown side '" + s + "'");
  }

  private static String decimal(String s) throws ParseException {
    try {
      return Decimals.canonical(s);
    } catch (NumberFormatException e) {
      throw new ParseException("not a decimal: " + s);
    }
  }
}
