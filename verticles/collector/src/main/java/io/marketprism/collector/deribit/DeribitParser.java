package io.marketprism.collector.deribit;

import io.marketprism.collector.book.BookUpdate;
import io.marketprism.collector.normalize.InstrumentCache;
import io.marketprism.collector.book.LevelList;
import io.marketprism.collector.normalize.JsonFields;
import io.marketprism.collector.normalize.JsonScanner;
import io.marketprism.collector.normalize.JsonScanner.Fallback;
import io.marketprism.collector.normalize.MessageOutput;
import io.marketprism.collector.normalize.MessageParser;
import io.marketprism.collector.normalize.ParseException;
import io.marketprism.collector.normalize.RecordSink;
import io.marketprism.collector.normalize.SequencedTrade;
import io.marketprism.collector.normalize.Urls;
import io.marketprism.model.Exchange;
import io.marketprism.model.FundingRateRecord;
import io.marketprism.model.Instrument;
import io.marketprism.model.LiquidationRecord;
import io.marketprism.model.MarkPriceRecord;
import io.marketprism.model.MarketType;
import io.marketprism.model.OpenInterestRecord;
import io.marketprism.model.Symbols;
import io.marketprism.model.TickerRecord;
import io.marketprism.model.TradeRecord;
import io.marketprism.model.VolatilityIndexRecord;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Deribit v2 JSON-RPC subscriptions: {@code trades.*}, {@code book.*} (raw or interval, with
 * {@code change_id}/{@code prev_change_id}; grouped books as snapshots), {@code ticker.*} (ticker,
 * mark price, open interest and, for perpetuals, funding) and {@code deribit_volatility_index.*}.
 * Deribit numbers are JSON numbers; their text is kept exactly (trailing zeros dropped). Past
 * trades come from {@code public/get_last_trades_by_instrument} (HTTP transport), normalized like
 * the stream's; trades carry {@code trade_seq} (consecutive per instrument) as sequence number.
 * Liquidations come from the trades' {@code liquidation} flag; the fills of one sweep (one
 * millisecond, instrument and side) make one record ({@link SweepLiquidations}).
 *
 * <p>{@code trades.*} and {@code book.*} notifications are read by a {@link JsonScanner} fast
 * path; whatever it does not fully understand goes to the general reader, which gives the same
 * records or the precise rejection. Not thread-safe: use one per connection.
 */
public final class DeribitParser implements MessageParser {

  private final InstrumentCache instruments;
  private final JsonFields top = new JsonFields();
  private final JsonScanner scan = new JsonScanner();
  private final MessageOutput pending = new MessageOutput();
  private final SweepLiquidations sweeps = new SweepLiquidations();
  private final MessageOutput.FastReader fastReader = this::fast;
  private final JsonScanner.Fields item = new JsonScanner.Fields(ITEM_FIELDS);

  /** The {@code data} fields the fast path reads; a slot is the index here. */
  private static final String[] ITEM_FIELDS = {"instrument_name", "timestamp", "direction", "price", "amount",
      "trade_id", "liquidation", "prev_change_id", "change_id", "type", "bids", "asks", "trade_seq"};
  private static final int NAME = 0;
  private static final int TIMESTAMP = 1;
  private static final int DIRECTION = 2;
  private static final int PRICE = 3;
  private static final int AMOUNT = 4;
  private static final int TRADE_ID = 5;
  private static final int LIQUIDATION = 6;
  private static final int PREV_CHANGE_ID = 7;
  private static final int CHANGE_ID = 8;
  private static final int TYPE = 9;
  private static final int BIDS = 10;
  private static final int ASKS = 11;
  private static final int TRADE_SEQ = 12;

  /**
   * @param symbols symbol normalizer
   */
  public DeribitParser(Symbols symbols) {
    this.instruments = new InstrumentCache(Exchange.DERIBIT, symbols);
  }

  @Override
  public void parse(String message, long recvTsUs, RecordSink sink) throws ParseException {
    RecordSink out = sweeps.around(sink);
    try {
      if (!pending.tryFast(fastReader, message, recvTsUs, out)) {
        general(message, recvTsUs, out);
      }
    } finally {
      sweeps.flush();
    }
  }

  /** How Deribit opens a notification, up to the value of {@code params}. */
  private static final byte[] SUBSCRIPTION =
      "{\"jsonrpc\":\"2.0\",\"method\":\"subscription\",\"params\":".getBytes(StandardCharsets.US_ASCII);

  /** Reads a {@code trades.*} or {@code book.*} notification in one pass; false for anything else. */
  private boolean fast(String message, long recv) throws Fallback {
    JsonScanner sc = scan;
    sc.reset(message);
    boolean subscription = false;
    boolean paramsSeen = false;
    if (sc.skipPrefix(SUBSCRIPTION, 1)) {
      // what the loop below reads of every notification's usual opening, in one comparison
      subscription = true;
      paramsSeen = true;
      if (!fastParams(sc, recv)) {
        return false;
      }
    } else {
      sc.beginObject();
    }
    while (sc.nextField()) {
      if (sc.nameIs("method") && !subscription) {
        sc.string();
        if (!sc.textIs(sc.valueStart(), sc.valueEnd(), "subscription")) {
          return false;
        }
        subscription = true;
      } else if (sc.nameIs("params") && !paramsSeen) {
        paramsSeen = true;
        if (!fastParams(sc, recv)) {
          return false;
        }
      } else if (sc.nameIs("error") || sc.nameIs("result") || sc.nameIs("method") || sc.nameIs("params")) {
        return false;
      } else {
        sc.skipValue();
      }
    }
    sc.end();
    return subscription && paramsSeen;
  }

  private boolean fastParams(JsonScanner sc, long recv) throws Fallback {
    sc.beginObject();
    int channelStart = -1;
    int channelEnd = -1;
    boolean dataSeen = false;
    while (sc.nextField()) {
      if (sc.nameIs("channel") && channelStart < 0) {
        sc.string();
        channelStart = sc.valueStart();
        channelEnd = sc.valueEnd();
      } else if (sc.nameIs("data") && channelStart >= 0 && !dataSeen) {
        dataSeen = true;
        // the general reader takes the kind of channel from the text before the first dot;
        // only book channels read further (their number of segments)
        if (startsWith(sc, channelStart, channelEnd, "trades.")) {
          sc.beginArray();
          while (sc.nextElement()) {
            sc.fields(item);
            fastTrade(sc, recv);
          }
        } else if (startsWith(sc, channelStart, channelEnd, "book.")) {
          int dots = 0;
          for (int i = channelStart; i < channelEnd; i++) {
            if (sc.charAt(i) == '.') {
              if (i == channelEnd - 1 || sc.charAt(i - 1) == '.') {
                return false; // empty segments: leave the split rules to the general reader
              }
              dots++;
            }
          }
          sc.fields(item);
          fastBook(sc, dots == 4, recv);
        } else {
          return false;
        }
      } else if (sc.nameIs("channel") || sc.nameIs("data")) {
        return false;
      } else {
        sc.skipValue();
      }
    }
    return dataSeen;
  }

  private static boolean startsWith(JsonScanner sc, int s, int e, String prefix) {
    return e - s >= prefix.length() && sc.textIs(s, s + prefix.length(), prefix);
  }

  private void fastTrade(JsonScanner sc, long recv) throws Fallback {
    JsonScanner.Fields t = item;
    String name = sc.reqName(t, NAME);
    Instrument ins = instruments.fast(name, null);
    long ts = sc.reqLong(t, TIMESTAMP);
    String side = sc.side(t, DIRECTION);
    String price = sc.reqDecimal(t, PRICE);
    String amount = sc.reqDecimal(t, AMOUNT);
    pending.add(new TradeRecord(Exchange.DERIBIT, ins.marketType(), ins.symbol(), name, ts, recv,
        sc.reqText(t, TRADE_ID), price, amount, side), sc.optLong(t, TRADE_SEQ, SequencedTrade.NONE));
    if (!t.absent(LIQUIDATION)) {
      if (t.kind(LIQUIDATION) != JsonScanner.STRING) {
        throw JsonScanner.fallback();
      }
      String liquidated = sc.text(t.start(LIQUIDATION), t.end(LIQUIDATION));
      // "T": the taker's order was a liquidation, "M": the maker's, "MT": both
      String liquidatedSide = liquidated.contains("T") ? side : "buy".equals(side) ? "sell" : "buy";
      pending.add(new LiquidationRecord(Exchange.DERIBIT, ins.marketType(), ins.symbol(), name, ts, recv,
          liquidatedSide, price, amount, null));
    }
  }

  private void fastBook(JsonScanner sc, boolean grouped, long recv) throws Fallback {
    JsonScanner.Fields d = item;
    String name = sc.reqName(d, NAME);
    LevelList bids = d.levels(BIDS);
    LevelList asks = d.levels(ASKS);
    if (bids == null || asks == null) {
      throw JsonScanner.fallback();
    }
    long prev = sc.optLong(d, PREV_CHANGE_ID, BookUpdate.NONE);
    if (!d.absent(TYPE) && d.kind(TYPE) != JsonScanner.STRING) {
      throw JsonScanner.fallback();
    }
    boolean snapshot = grouped || prev == BookUpdate.NONE || sc.is(d, TYPE, "snapshot");
    pending.add(new BookUpdate(snapshot, name, instruments.fast(name, null), sc.reqLong(d, TIMESTAMP), recv,
        BookUpdate.NONE, sc.reqLong(d, CHANGE_ID), prev, 0, false, bids, asks));
  }


  /** The general reader alone; tests compare the fast path with it. */
  void general(String message, long recvTsUs, RecordSink sink) throws ParseException {
    top.readDocument(message);
    JsonFields error = top.object("error");
    if (error != null) {
      throw new ParseException("exchange error " + error.text("code") + ": " + error.text("message"));
    }
    if (top.has("result") && top.has("id")) {
      return; // subscribe acknowledgement or other RPC answer
    }
    String method = top.text("method");
    JsonFields params = top.object("params");
    if ("heartbeat".equals(method)) {
      return;
    }
    if (!"subscription".equals(method) || params == null) {
      throw new ParseException("unknown Deribit message" + (method == null ? "" : " with method " + method));
    }
    String channel = params.reqText("channel");
    int dot = channel.indexOf('.');
    String kind = dot < 0 ? channel : channel.substring(0, dot);
    switch (kind) {
      case "trades" -> trades(params, recvTsUs, sink);
      case "book" -> book(channel, params, recvTsUs, sink);
      case "ticker" -> ticker(params, recvTsUs, sink);
      case "deribit_volatility_index" -> volatility(params, recvTsUs, sink);
      default -> throw new ParseException("unknown Deribit channel '" + channel + "'");
    }
  }

  @Override
  public void parseRest(String url, String body, long recvTsUs, RecordSink sink) throws ParseException {
    try {
      rest(url, body, recvTsUs, sweeps.around(sink));
    } finally {
      sweeps.flush();
    }
  }

  private void rest(String url, String body, long recvTsUs, RecordSink sink) throws ParseException {
    String path = Urls.path(url);
    top.readDocument(body);
    JsonFields error = top.object("error");
    if (error != null) {
      throw new ParseException("exchange error " + error.text("code") + ": " + error.text("message"));
    }
    switch (path) {
      case "/api/v2/public/get_instruments" -> {
        // instrument lists carry no market data; the names themselves tell the market types
      }
      case "/api/v2/public/get_last_trades_by_instrument" -> {
        JsonFields result = top.object("result");
        List<JsonFields> list = result == null ? null : result.objects("trades");
        if (list == null) {
          throw new ParseException("get_last_trades_by_instrument answer without 'result.trades'");
        }
        trades(list, recvTsUs, sink);
      }
      default -> throw new ParseException("unknown Deribit REST endpoint " + path);
    }
  }

  private void trades(JsonFields params, long recv, RecordSink sink) throws ParseException {
    List<JsonFields> list = params.objects("data");
    if (list == null) {
      throw new ParseException("trades notification without a 'data' array");
    }
    trades(list, recv, sink);
  }

  private void trades(List<JsonFields> list, long recv, RecordSink sink) throws ParseException {
    for (JsonFields t : list) {
      String name = t.reqText("instrument_name");
      Instrument ins = instruments.get(name, null);
      long ts = t.reqLong("timestamp");
      String side = side(t.reqText("direction"));
      String price = t.decimal("price");
      String amount = t.decimal("amount");
      sink.trade(new TradeRecord(Exchange.DERIBIT, ins.marketType(), ins.symbol(), name, ts, recv,
          t.reqText("trade_id"), price, amount, side), t.longValue("trade_seq", SequencedTrade.NONE));
      String liquidated = t.text("liquidation");
      if (liquidated != null) {
        // "T": the taker's order was a liquidation, "M": the maker's, "MT": both
        String liquidatedSide = liquidated.contains("T") ? side : "buy".equals(side) ? "sell" : "buy";
        sink.record(new LiquidationRecord(Exchange.DERIBIT, ins.marketType(), ins.symbol(), name, ts, recv,
            liquidatedSide, price, amount, null));
      }
    }
  }

  private void book(String channel, JsonFields params, long recv, RecordSink sink) throws ParseException {
    JsonFields d = params.object("data");
    if (d == null) {
      throw new ParseException("book notification without 'data'");
    }
    String name = d.reqText("instrument_name");
    // book.<instrument>.<group>.<depth>.<interval> sends whole top-N books, no change chain
    boolean grouped = channel.split("\\.").length == 5;
    long prev = d.longValue("prev_change_id", BookUpdate.NONE);
    boolean snapshot = grouped || prev == BookUpdate.NONE || "snapshot".equals(d.text("type"));
    sink.book(new BookUpdate(snapshot, name, instruments.get(name, null), d.reqLong("timestamp"), recv, BookUpdate.NONE,
        d.reqLong("change_id"), prev, 0, false, d.reqLevels("bids"), d.reqLevels("asks")));
  }

  private void ticker(JsonFields params, long recv, RecordSink sink) throws ParseException {
    JsonFields d = params.object("data");
    if (d == null) {
      throw new ParseException("ticker notification without 'data'");
    }
    String name = d.reqText("instrument_name");
    Instrument ins = instruments.get(name, null);
    long ts = d.reqLong("timestamp");
    JsonFields stats = d.object("stats");
    sink.record(new TickerRecord(Exchange.DERIBIT, ins.marketType(), ins.symbol(), name, ts, recv,
        d.optDecimal("best_bid_price"), d.optDecimal("best_bid_amount"), d.optDecimal("best_ask_price"),
        d.optDecimal("best_ask_amount"), d.optDecimal("last_price"),
        stats == null ? null : stats.optDecimal("volume"), stats == null ? null : stats.optDecimal("volume_usd"),
        stats == null ? null : stats.optDecimal("high"), stats == null ? null : stats.optDecimal("low")));
    if (d.has("mark_price")) {
      sink.record(new MarkPriceRecord(Exchange.DERIBIT, ins.marketType(), ins.symbol(), name, ts, recv,
          d.decimal("mark_price"), d.optDecimal("index_price")));
    }
    String oi = d.optDecimal("open_interest");
    if (oi != null) {
      sink.record(new OpenInterestRecord(Exchange.DERIBIT, ins.marketType(), ins.symbol(), name, ts, recv, oi,
          null));
    }
    String funding8h = d.optDecimal("funding_8h");
    if (ins.marketType() == MarketType.PERPETUAL && funding8h != null) {
      // Deribit funds continuously: no settlement times; current_funding is the instantaneous rate
      sink.record(new FundingRateRecord(Exchange.DERIBIT, ins.marketType(), ins.symbol(), name, ts, recv, funding8h,
          null, null, d.optDecimal("current_funding")));
    }
  }

  private void volatility(JsonFields params, long recv, RecordSink sink) throws ParseException {
    JsonFields d = params.object("data");
    if (d == null) {
      throw new ParseException("volatility index notification without 'data'");
    }
    String index = d.reqText("index_name");
    sink.record(new VolatilityIndexRecord(Exchange.DERIBIT, MarketType.OPTIONS, Symbols.deribitIndex(index), index,
        d.reqLong("timestamp"), recv, d.decimal("volatility"), null));
  }

  private static String side(String direction) throws ParseException {
    if ("buy".equals(direction) || "sell".equals(direction)) {
      return direction;
    }
    throw new ParseException("unknown direction '" + direction + "'");
  }
}
