package io.marketprism.collector.binance;

import io.marketprism.collector.book.BookUpdate;
import io.marketprism.collector.book.LevelList;
import io.marketprism.collector.normalize.InstrumentCache;
import io.marketprism.collector.normalize.JsonFields;
import io.marketprism.collector.normalize.JsonScanner;
import io.marketprism.collector.normalize.JsonScanner.Fallback;
import io.marketprism.collector.normalize.MessageParser;
import io.marketprism.collector.normalize.ParseException;
import io.marketprism.collector.normalize.RecordSink;
import io.marketprism.collector.normalize.SequencedTrade;
import io.marketprism.collector.normalize.Urls;
import io.marketprism.model.DataType;
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
import java.util.List;
import java.util.Locale;

/**
 * Binance spot, USDⓈ-M and COIN-M market data: raw or combined-stream ({@code {"stream","data"}})
 * frames of {@code trade}, {@code aggTrade}, {@code depth} diffs, {@code bookTicker},
 * {@code kline_*}, {@code markPrice[@1s]}, {@code forceOrder} and {@code ticker}; REST depth
 * snapshots, {@code openInterest}, {@code premiumIndex}, long/short ratios,
 * {@code exchangeInfo}, and past trades ({@code historicalTrades}, the recent {@code trades} and
 * {@code aggTrades} of the three markets, normalized exactly like the stream's {@code trade} and
 * {@code aggTrade} events).
 * Trades carry their id as sequence number (trade ids and aggregate ids are consecutive per symbol).
 *
 * <p>Plain symbols ({@code BTCUSDT}) are typed by the market type given at construction, since
 * spot and USDⓈ-M names look alike; {@code _PERP} and dated names are typed by their names.
 * Spot {@code bookTicker} frames carry no time, so their {@code ts_ms} is the receive time.
 * Futures trades that are not market trades ({@code X} = {@code INSURANCE_FUND}, {@code ADL}, …)
 * are skipped as they are not public prints.
 *
 * <p>{@code trade}, {@code aggTrade}, {@code depthUpdate} and {@code bookTicker} frames are read by
 * a {@link JsonScanner} fast path; whatever it does not fully understand goes to the general
 * reader, which gives the same records or the precise rejection. Not thread-safe: use one per
 * connection.
 */
public final class BinanceParser implements MessageParser {

  private final MarketType plainType;
  private final Symbols symbols;
  private final InstrumentCache instruments;
  private final JsonFields top = new JsonFields();
  private final JsonScanner scan = new JsonScanner();
  private final JsonScanner.Fields ev = new JsonScanner.Fields(EVENT_FIELDS);

  /** The event fields the fast path reads; a slot is the index here. */
  private static final String[] EVENT_FIELDS = {"e", "E", "s", "t", "p", "q", "T", "m", "X", "a", "f", "U", "u",
      "pu", "b", "B", "A", "result", "code"};
  private static final int E_TYPE = 0;
  private static final int E_TIME = 1;
  private static final int SYMBOL = 2;
  private static final int TRADE_ID = 3;
  private static final int PRICE = 4;
  private static final int QTY = 5;
  private static final int TRADE_TIME = 6;
  private static final int MAKER = 7;
  private static final int KIND = 8;
  private static final int A = 9;
  private static final int FIRST_TRADE = 10;
  private static final int FIRST_UPDATE = 11;
  private static final int LAST_UPDATE = 12;
  private static final int PREV_UPDATE = 13;
  private static final int B = 14;
  private static final int BID_QTY = 15;
  private static final int ASK_QTY = 16;
  private static final int RESULT = 17;
  private static final int CODE = 18;

  /**
   * @param plainType market type of plain names: {@code SPOT} or {@code PERPETUAL}
   * @param symbols symbol normalizer (shared; may learn splits from {@code exchangeInfo})
   */
  public BinanceParser(MarketType plainType, Symbols symbols) {
    this.plainType = plainType == null ? MarketType.SPOT : plainType;
    this.symbols = symbols;
    this.instruments = new InstrumentCache(Exchange.BINANCE, symbols);
  }

  @Override
  public void parse(String message, long recvTsUs, RecordSink sink) throws ParseException {
    Object out;
    try {
      out = fast(message, recvTsUs);
    } catch (Fallback f) {
      out = null;
    }
    if (out == SKIP) {
      return;
    }
    if (out instanceof BookUpdate u) {
      sink.book(u);
      return;
    }
    if (out instanceof SequencedTrade t) {
      sink.trade(t);
      return;
    }
    if (out != null) {
      sink.record((io.marketprism.model.MarketRecord) out);
      return;
    }
    general(message, recvTsUs, sink);
  }

  /** The fast path's answer for a frame that rightly produces nothing (a non-market trade). */
  private static final Object SKIP = new Object();

  /**
   * Reads a hot frame in one pass.
   *
   * @return a record, a book update, {@link #SKIP}, or {@code null} for "not a hot frame"
   */
  private Object fast(String message, long recv) throws Fallback {
    JsonScanner sc = scan;
    sc.reset(message);
    sc.beginObject();
    if (!sc.nextField()) {
      return null;
    }
    if (sc.nameIs("stream") || sc.nameIs("data")) {
      boolean data = false;
      do {
        if (sc.nameIs("stream")) {
          sc.string();
        } else if (sc.nameIs("data") && !data) {
          sc.fields(ev);
          data = true;
        } else {
          return null;
        }
      } while (sc.nextField());
      if (!data) {
        return null;
      }
    } else {
      sc.seek(0, 0);
      sc.fields(ev);
    }
    sc.end();
    JsonScanner.Fields d = ev;
    if (d.kind(RESULT) != 0 || d.kind(CODE) != 0) {
      return null;
    }
    if (d.absent(E_TYPE)) {
      if (d.kind(E_TYPE) == 0 && d.kind(LAST_UPDATE) != 0 && d.kind(B) != 0 && d.kind(A) != 0
          && d.kind(BID_QTY) != 0) {
        return fastBookTicker(sc, d, recv);
      }
      return null;
    }
    if (sc.is(d, E_TYPE, "trade")) {
      return fastTrade(sc, d, TRADE_ID, recv);
    }
    if (sc.is(d, E_TYPE, "aggTrade")) {
      return fastTrade(sc, d, d.kind(A) != 0 ? A : FIRST_TRADE, recv);
    }
    if (sc.is(d, E_TYPE, "depthUpdate")) {
      return fastDepth(sc, d, recv);
    }
    if (sc.is(d, E_TYPE, "bookTicker")) {
      return fastBookTicker(sc, d, recv);
    }
    return null;
  }

  private Object fastTrade(JsonScanner sc, JsonScanner.Fields d, int idSlot, long recv) throws Fallback {
    String id = sc.reqText(d, idSlot);
    byte kind = d.kind(KIND);
    if (kind == JsonScanner.STRING) {
      if (!sc.is(d, KIND, "MARKET")) {
        return SKIP;
      }
    } else if (kind == JsonScanner.NUMBER || kind == JsonScanner.BOOLEAN) {
      return SKIP;
    } else if (kind != 0 && kind != JsonScanner.NULL) {
      return null;
    }
    String exSym = sc.reqName(d, SYMBOL);
    Instrument ins = instruments.fast(exSym, plainType);
    long ts = d.absent(TRADE_TIME) ? sc.reqLong(d, E_TIME) : sc.reqLong(d, TRADE_TIME);
    boolean buyerMaker;
    if (d.absent(MAKER)) {
      buyerMaker = false;
    } else if (d.kind(MAKER) == JsonScanner.BOOLEAN) {
      buyerMaker = d.flag(MAKER);
    } else {
      return null;
    }
    return new SequencedTrade(new TradeRecord(Exchange.BINANCE, ins.marketType(), ins.symbol(), exSym, ts, recv, id,
        sc.reqDecimal(d, PRICE), sc.reqDecimal(d, QTY), buyerMaker ? "sell" : "buy"),
        idSlot == FIRST_TRADE ? SequencedTrade.NONE : sc.sequence(d, idSlot));
  }

  private Object fastDepth(JsonScanner sc, JsonScanner.Fields d, long recv) throws Fallback {
    String exSym = sc.reqName(d, SYMBOL);
    Instrument ins = instruments.fast(exSym, plainType);
    LevelList bids = d.levels(B);
    LevelList asks = d.levels(A);
    if (bids == null || asks == null) {
      return null;
    }
    return new BookUpdate(false, exSym, ins, sc.reqLong(d, E_TIME), recv, sc.reqLong(d, FIRST_UPDATE),
        sc.reqLong(d, LAST_UPDATE), sc.optLong(d, PREV_UPDATE, BookUpdate.NONE), 0, false, bids, asks);
  }

  private Object fastBookTicker(JsonScanner sc, JsonScanner.Fields d, long recv) throws Fallback {
    String exSym = sc.reqName(d, SYMBOL);
    Instrument ins = instruments.fast(exSym, plainType);
    long ts = !d.absent(E_TIME) ? sc.reqLong(d, E_TIME)
        : !d.absent(TRADE_TIME) ? sc.reqLong(d, TRADE_TIME) : recv / 1000;
    return new TickerRecord(Exchange.BINANCE, ins.marketType(), ins.symbol(), exSym, ts, recv,
        sc.reqDecimal(d, B), sc.reqDecimal(d, BID_QTY), sc.reqDecimal(d, A), sc.reqDecimal(d, ASK_QTY),
        null, null, null, null, null, d.absent(LAST_UPDATE) ? null : sc.reqLong(d, LAST_UPDATE));
  }


  /** The general reader alone; tests compare the fast path with it. */
  void general(String message, long recvTsUs, RecordSink sink) throws ParseException {
    top.readDocument(message);
    JsonFields data = top.object("data");
    String stream = top.text("stream");
    if (data == null) {
      if (top.has("result") && top.has("id")) {
        return; // subscribe / unsubscribe acknowledgement
      }
      if (top.has("code") && top.has("msg")) {
        throw new ParseException("exchange error " + top.text("code") + ": " + top.text("msg"));
      }
      data = top;
    }
    String e = data.text("e");
    if (e == null) {
      withoutEventType(stream, data, recvTsUs, sink);
      return;
    }
    switch (e) {
      case "trade" -> trade(data, data.reqText("t"), true, recvTsUs, sink);
      // early aggTrade frames lack the aggregate id "a": fall back to the first trade id "f" (no sequence then)
      case "aggTrade" -> trade(data, data.has("a") ? data.reqText("a") : data.reqText("f"), data.has("a"), recvTsUs,
          sink);
      case "depthUpdate" -> depth(data, recvTsUs, sink);
      case "bookTicker" -> bookTicker(data, recvTsUs, sink);
      case "kline" -> kline(data, recvTsUs, sink);
      case "markPriceUpdate" -> markPrice(data, recvTsUs, sink);
      case "forceOrder" -> forceOrder(data, recvTsUs, sink);
      case "24hrTicker" -> ticker24h(data, recvTsUs, sink);
      default -> throw new ParseException("unknown Binance event type '" + e + "'");
    }
  }

  private void withoutEventType(String stream, JsonFields data, long recvTsUs, RecordSink sink)
      throws ParseException {
    if (data.has("u") && data.has("b") && data.has("a") && data.has("B")) {
      bookTicker(data, recvTsUs, sink); // spot bookTicker frames have no "e"
    } else if (stream != null && stream.endsWith("@depthSnapshot")) {
      // tardis.dev's recorded REST snapshot, wrapped as a stream message
      snapshot(data, streamSymbol(stream), plainType, recvTsUs, sink);
    } else if (stream != null && stream.endsWith("@openInterest")) {
      openInterest(data, plainType, recvTsUs, sink);
    } else {
      throw new ParseException("unknown Binance message" + (stream == null ? "" : " on stream " + stream));
    }
  }

  @Override
  public void parseRest(String url, String body, long recvTsUs, RecordSink sink) throws ParseException {
    String path = Urls.path(url);
    MarketType type = path.startsWith("/api/") ? MarketType.SPOT : plainType;
    top.readDocument(body);
    if (top.has("code") && top.has("msg")) {
      throw new ParseException("exchange error " + top.text("code") + ": " + top.text("msg"));
    }
    switch (path) {
      case "/api/v3/depth", "/fapi/v1/depth", "/dapi/v1/depth" -> {
        String symbol = Urls.query(url, "symbol");
        if (symbol == null) {
          throw new ParseException("depth snapshot without a symbol in " + url);
        }
        snapshot(top, symbol, type, recvTsUs, sink);
      }
      case "/fapi/v1/openInterest", "/dapi/v1/openInterest" -> openInterest(top, type, recvTsUs, sink);
      case "/fapi/v1/premiumIndex", "/dapi/v1/premiumIndex" -> premiumIndex(top, type, recvTsUs, sink);
      case "/futures/data/topLongShortPositionRatio" ->
          longShort(DataType.LSR_TOP_POSITION, url, type, recvTsUs, sink);
      case "/futures/data/globalLongShortAccountRatio" ->
          longShort(DataType.LSR_ALL_ACCOUNT, url, type, recvTsUs, sink);
      case "/api/v3/exchangeInfo", "/fapi/v1/exchangeInfo", "/dapi/v1/exchangeInfo" -> exchangeInfo();
      case "/api/v3/historicalTrades", "/fapi/v1/historicalTrades", "/dapi/v1/historicalTrades", "/api/v3/trades",
          "/fapi/v1/trades", "/dapi/v1/trades" -> pastTrades(url, type, false, recvTsUs, sink);
      case "/api/v3/aggTrades", "/fapi/v1/aggTrades", "/dapi/v1/aggTrades" -> pastTrades(url, type, true, recvTsUs, sink);
      default -> throw new ParseException("unknown Binance REST endpoint " + path);
    }
  }

  /**
   * {@code historicalTrades} or {@code trades} rows ({@code id}, {@code price}, {@code qty}, {@code time},
   * {@code isBuyerMaker}) or {@code aggTrades} rows ({@code a}, {@code p}, {@code q}, {@code T},
   * {@code m}), oldest first, of the symbol in the URL. Both list market trades only.
   */
  private void pastTrades(String url, MarketType type, boolean aggregate, long recv, RecordSink sink)
      throws ParseException {
    String symbol = Urls.query(url, "symbol");
    if (symbol == null || symbol.isEmpty()) {
      throw new ParseException("past trades without a symbol in " + url);
    }
    List<JsonFields> rows = top.objects(JsonFields.ROOT_ARRAY);
    if (rows == null) {
      throw new ParseException("past trades response is not an array");
    }
    String exSym = symbol.toUpperCase(Locale.ROOT);
    Instrument ins = instruments.get(exSym, type);
    for (JsonFields r : rows) {
      String id = r.reqText(aggregate ? "a" : "id");
      boolean buyerMaker = r.bool(aggregate ? "m" : "isBuyerMaker", false);
      TradeRecord t = new TradeRecord(Exchange.BINANCE, ins.marketType(), ins.symbol(), exSym,
          r.reqLong(aggregate ? "T" : "time"), recv, id, r.decimal(aggregate ? "p" : "price"),
          r.decimal(aggregate ? "q" : "qty"), buyerMaker ? "sell" : "buy");
      sink.trade(t, SequencedTrade.numeric(id));
    }
  }

  private void trade(JsonFields d, String id, boolean sequential, long recv, RecordSink sink) throws ParseException {
    String kind = d.text("X");
    if (kind != null && !"MARKET".equals(kind)) {
      return;
    }
    String exSym = d.reqText("s");
    Instrument ins = instruments.get(exSym, plainType);
    long ts = d.longValue("T", Long.MIN_VALUE);
    if (ts == Long.MIN_VALUE) {
      ts = d.reqLong("E");
    }
    // m: the buyer is the maker, so the taker sold
    String side = d.bool("m", false) ? "sell" : "buy";
    sink.trade(new TradeRecord(Exchange.BINANCE, ins.marketType(), ins.symbol(), exSym, ts, recv, id,
        d.decimal("p"), d.decimal("q"), side), sequential ? SequencedTrade.numeric(id) : SequencedTrade.NONE);
  }

  private void depth(JsonFields d, long recv, RecordSink sink) throws ParseException {
    String exSym = d.reqText("s");
    Instrument ins = instruments.get(exSym, plainType);
    sink.book(new BookUpdate(false, exSym, ins, d.reqLong("E"), recv, d.reqLong("U"), d.reqLong("u"),
        d.longValue("pu", BookUpdate.NONE), 0, false, d.reqLevels("b"), d.reqLevels("a")));
  }

  private void snapshot(JsonFields d, String symbol, MarketType type, long recv, RecordSink sink)
      throws ParseException {
    String exSym = symbol.toUpperCase(Locale.ROOT);
    Instrument ins = instruments.get(exSym, type);
    long ts = d.longValue("T", Long.MIN_VALUE);
    if (ts == Long.MIN_VALUE) {
      ts = d.longValue("E", recv / 1000);
    }
    long last = d.reqLong("lastUpdateId");
    sink.book(new BookUpdate(true, exSym, ins, ts, recv, last, last, BookUpdate.NONE, 0, false,
        d.reqLevels("bids"), d.reqLevels("asks")));
  }

  private void bookTicker(JsonFields d, long recv, RecordSink sink) throws ParseException {
    String exSym = d.reqText("s");
    Instrument ins = instruments.get(exSym, plainType);
    // E is the event time; spot frames have neither E nor T
    long ts = d.longValue("E", Long.MIN_VALUE);
    if (ts == Long.MIN_VALUE) {
      ts = d.longValue("T", recv / 1000);
    }
    sink.record(new TickerRecord(Exchange.BINANCE, ins.marketType(), ins.symbol(), exSym, ts, recv,
        d.decimal("b"), d.decimal("B"), d.decimal("a"), d.decimal("A"), null, null, null, null, null, d.optLong("u")));
  }

  private void ticker24h(JsonFields d, long recv, RecordSink sink) throws ParseException {
    String exSym = d.reqText("s");
    Instrument ins = instruments.get(exSym, plainType);
    sink.record(new TickerRecord(Exchange.BINANCE, ins.marketType(), ins.symbol(), exSym, d.reqLong("E"), recv,
        d.optDecimal("b"), d.optDecimal("B"), d.optDecimal("a"), d.optDecimal("A"), d.decimal("c"),
        d.optDecimal("v"), d.optDecimal("q"), d.optDecimal("h"), d.optDecimal("l")));
  }

  private void kline(JsonFields d, long recv, RecordSink sink) throws ParseException {
    JsonFields k = d.object("k");
    if (k == null) {
      throw new ParseException("kline event without 'k'");
    }
    String exSym = d.reqText("s");
    Instrument ins = instruments.get(exSym, plainType);
    sink.record(new KlineRecord(Exchange.BINANCE, ins.marketType(), ins.symbol(), exSym, d.reqLong("E"), recv,
        k.reqText("i"), k.reqLong("t"), k.optLong("T"), k.decimal("o"), k.decimal("h"), k.decimal("l"),
        k.decimal("c"), k.decimal("v"), k.optDecimal("q"), k.optLong("n"), k.bool("x", false)));
  }

  private void markPrice(JsonFields d, long recv, RecordSink sink) throws ParseException {
    String exSym = d.reqText("s");
    Instrument ins = instruments.get(exSym, plainType);
    long ts = d.reqLong("E");
    sink.record(new MarkPriceRecord(Exchange.BINANCE, ins.marketType(), ins.symbol(), exSym, ts, recv,
        d.decimal("p"), d.optDecimal("i")));
    String rate = d.optDecimal("r");
    // delivery contracts report r = 0 and T = 0: they have no funding
    if (ins.marketType() == MarketType.PERPETUAL && rate != null) {
      Long next = d.optLong("T");
      sink.record(new FundingRateRecord(Exchange.BINANCE, ins.marketType(), ins.symbol(), exSym, ts, recv, rate,
          next, next, null));
    }
  }

  private void premiumIndex(JsonFields d, MarketType type, long recv, RecordSink sink) throws ParseException {
    String exSym = d.reqText("symbol");
    Instrument ins = instruments.get(exSym, type);
    long ts = d.longValue("time", recv / 1000);
    sink.record(new MarkPriceRecord(Exchange.BINANCE, ins.marketType(), ins.symbol(), exSym, ts, recv,
        d.decimal("markPrice"), d.optDecimal("indexPrice")));
    String rate = d.optDecimal("lastFundingRate");
    Long next = d.optLong("nextFundingTime");
    if (ins.marketType() == MarketType.PERPETUAL && rate != null && next != null && next != 0) {
      sink.record(new FundingRateRecord(Exchange.BINANCE, ins.marketType(), ins.symbol(), exSym, ts, recv, rate,
          next, next, null));
    }
  }

  private void forceOrder(JsonFields d, long recv, RecordSink sink) throws ParseException {
    JsonFields o = d.object("o");
    if (o == null) {
      throw new ParseException("forceOrder event without 'o'");
    }
    String exSym = o.reqText("s");
    Instrument ins = instruments.get(exSym, plainType);
    long ts = o.longValue("T", Long.MIN_VALUE);
    if (ts == Long.MIN_VALUE) {
      ts = d.reqLong("E");
    }
    sink.record(new LiquidationRecord(Exchange.BINANCE, ins.marketType(), ins.symbol(), exSym, ts, recv,
        side(o.reqText("S")), o.decimal("p"), o.decimal("q"), null));
  }

  private void openInterest(JsonFields d, MarketType type, long recv, RecordSink sink) throws ParseException {
    String exSym = d.reqText("symbol");
    Instrument ins = instruments.get(exSym, type);
    sink.record(new OpenInterestRecord(Exchange.BINANCE, ins.marketType(), ins.symbol(), exSym,
        d.longValue("time", recv / 1000), recv, d.decimal("openInterest"), null));
  }

  private void longShort(DataType type, String url, MarketType mt, long recv, RecordSink sink)
      throws ParseException {
    List<JsonFields> rows = top.objects(JsonFields.ROOT_ARRAY);
    if (rows == null) {
      throw new ParseException("long/short ratio response is not an array");
    }
    String period = Urls.query(url, "period");
    for (JsonFields r : rows) {
      String exSym = r.reqText("symbol");
      Instrument ins = instruments.get(exSym, mt);
      sink.record(new LongShortRatioRecord(type, Exchange.BINANCE, ins.marketType(), ins.symbol(), exSym,
          r.reqLong("timestamp"), recv, r.decimal("longShortRatio"), r.optDecimal("longAccount"),
          r.optDecimal("shortAccount"), period));
    }
  }

  private void exchangeInfo() throws ParseException {
    List<JsonFields> list = top.objects("symbols");
    if (list == null) {
      throw new ParseException("exchangeInfo without 'symbols'");
    }
    for (JsonFields s : list) {
      String name = s.text("symbol");
      String base = s.text("baseAsset");
      String quote = s.text("quoteAsset");
      if (name != null && base != null && quote != null) {
        symbols.addBinanceSymbol(name, base, quote);
      }
    }
    instruments.clear();
  }

  private static String streamSymbol(String stream) {
    int at = stream.indexOf('@');
    return at < 0 ? stream : stream.substring(0, at);
  }

  private static String side(String s) throws ParseException {
    if ("BUY".equalsIgnoreCase(s)) {
      return "buy";
    }
    if ("SELL".equalsIgnoreCase(s)) {
      return "sell";
    }
    throw new ParseException("unknown side '" + s + "'");
  }
}
