package io.marketprism.simulator.deribit;

import io.marketprism.simulator.ExchangeServer;
import io.marketprism.simulator.FeedSession;
import io.marketprism.simulator.ServerContext;
import io.marketprism.simulator.model.BookDelta;
import io.marketprism.simulator.model.BookSnapshot;
import io.marketprism.simulator.model.InstrumentModel;
import io.marketprism.simulator.model.InstrumentSpec;
import io.marketprism.simulator.model.Kline;
import io.marketprism.simulator.model.Liquidation;
import io.marketprism.simulator.model.MarketModel;
import io.marketprism.simulator.model.Trade;
import io.marketprism.simulator.model.Venue;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.util.List;
import java.util.Locale;

/**
 * Deribit v2 JSON-RPC over WebSocket ({@code /ws/api/v2}) and its HTTP GET form
 * ({@code /api/v2/public/<method>?...}): {@code public/subscribe}, {@code public/unsubscribe},
 * {@code public/set_heartbeat} (then {@code heartbeat test_request}s; a client that does not call
 * {@code public/test} before the next one is disconnected; intervals below Deribit's 10 s minimum are
 * accepted), {@code public/test}, {@code public/get_instruments}, {@code public/get_order_book},
 * {@code public/ticker}. Channels: {@code trades.{instr}.raw|100ms|agg2}, {@code book.{instr}.raw|100ms}
 * (snapshot, then changes chained by {@code change_id}/{@code prev_change_id}),
 * {@code ticker.{instr}.raw|100ms}, {@code deribit_volatility_index.btc_usd|eth_usd}.
 */
public final class DeribitServer extends ExchangeServer {

  private static final DateTimeFormatter EXPIRY = new DateTimeFormatterBuilder().parseCaseInsensitive()
      .appendPattern("dMMMyy").toFormatter(Locale.ENGLISH);

  private final MarketModel model;
  private long lastVolatility;

  /**
   * @param ctx   shared simulator state
   * @param model the Deribit market
   */
  public DeribitServer(ServerContext ctx, MarketModel model) {
    super(ctx, Venue.DERIBIT);
    this.model = model;
  }

  @Override
  protected boolean isWebSocketPath(String path) {
    return path.equals("/ws/api/v2") || path.equals("/ws/api/v2/");
  }

  @Override
  protected void opened(FeedSession session, String path, String query) {
  }

  @Override
  protected void closed(FeedSession session) {
    if (session.heartbeatTimer() >= 0) {
      ctx.vertx().cancelTimer(session.heartbeatTimer());
    }
  }

  private static String envelope(Object id, long usIn, String resultOrError) {
    long usOut = System.currentTimeMillis() * 1000;
    return "{\"jsonrpc\":\"2.0\",\"id\":" + Json.encode(id) + "," + resultOrError + ",\"usIn\":" + usIn
        + ",\"usOut\":" + usOut + ",\"usDiff\":" + Math.max(0, usOut - usIn) + ",\"testnet\":false}";
  }

  private static String error(int code, String message) {
    return "\"error\":{\"message\":" + Json.encode(message) + ",\"code\":" + code + "}";
  }

  @Override
  protected void onText(FeedSession session, String text) {
    long usIn = System.currentTimeMillis() * 1000;
    JsonObject req;
    try {
      req = new JsonObject(text);
    } catch (RuntimeException e) {
      session.sendControl(envelope(null, usIn, error(11050, "bad_request")));
      return;
    }
    Object id = req.getValue("id");
    String method = req.getValue("method") instanceof String m ? m : "";
    JsonObject params = req.getValue("params") instanceof JsonObject p ? p : new JsonObject();
    switch (method) {
      case "public/subscribe" -> {
        JsonArray accepted = new JsonArray();
        for (Object o : params.getJsonArray("channels", new JsonArray())) {
          if (o instanceof String ch && valid(ch)) {
            accepted.add(ch);
          }
        }
        session.sendControl(envelope(id, usIn, "\"result\":" + accepted.encode()));
        for (Object o : accepted) {
          String ch = (String) o;
          subscribe(session, ch);
          if (ch.startsWith("book.") && !replaying()) {
            InstrumentModel m = model.instrument(ch.split("\\.")[1]);
            session.sendData(DeribitCodec.bookSnapshot(m.spec(), ch, m.snapshot(Integer.MAX_VALUE),
                System.currentTimeMillis()));
          }
        }
      }
      case "public/unsubscribe" -> {
        JsonArray removed = new JsonArray();
        for (Object o : params.getJsonArray("channels", new JsonArray())) {
          if (o instanceof String ch && hub.unsubscribe(session, ch)) {
            removed.add(ch);
          }
        }
        session.sendControl(envelope(id, usIn, "\"result\":" + removed.encode()));
      }
      case "public/unsubscribe_all" -> {
        for (String t : session.topics().toArray(new String[0])) {
          hub.unsubscribe(session, t);
        }
        session.sendControl(envelope(id, usIn, "\"result\":\"ok\""));
      }
      case "public/set_heartbeat" -> setHeartbeat(session, id, usIn, params);
      case "public/disable_heartbeat" -> {
        closed(session);
        session.heartbeatTimer(-1);
        session.sendControl(envelope(id, usIn, "\"result\":\"ok\""));
      }
      case "public/test" -> {
        session.pong(System.currentTimeMillis());
        session.sendControl(envelope(id, usIn, "\"result\":{\"version\":\"1.2.26\"}"));
      }
      default -> {
        String result = call(method, params);
        session.sendControl(envelope(id, usIn, result));
      }
    }
  }

  private void setHeartbeat(FeedSession session, Object id, long usIn, JsonObject params) {
    Object iv = params.getValue("interval");
    if (!(iv instanceof Number n) || n.doubleValue() < 1) {
      session.sendControl(envelope(id, usIn, "\"error\":{\"message\":\"Invalid params\",\"data\":{\"reason\":"
          + "\"must be a number of seconds\",\"param\":\"interval\"},\"code\":-32602}"));
      return;
    }
    closed(session);
    long intervalMs = Math.round(n.doubleValue() * 1000);
    session.pong(System.currentTimeMillis());
    long[] lastRequest = {0};
    long[] lastRun = {System.currentTimeMillis()};
    session.heartbeatTimer(ctx.vertx().setPeriodic(intervalMs, t -> {
      if (session.closed()) {
        ctx.vertx().cancelTimer(t);
        return;
      }
      long now = System.currentTimeMillis();
      boolean late = now - lastRun[0] > intervalMs * 3 / 2;
      lastRun[0] = now;
      if (late || now - lastRequest[0] < intervalMs / 2) {
        // this process was paused (or this is a catch-up run): the client had no time to answer
        return;
      }
      if (lastRequest[0] > 0 && session.lastPong() < lastRequest[0]) {
        // the previous test_request went unanswered
        session.markClosed();
        session.socket().close((short) 1000, "heartbeat timeout");
        ctx.vertx().cancelTimer(t);
        return;
      }
      lastRequest[0] = now;
      session.sendControl("{\"jsonrpc\":\"2.0\",\"method\":\"heartbeat\",\"params\":{\"type\":\"test_request\"}}");
    }));
    session.sendControl(envelope(id, usIn, "\"result\":\"ok\""));
  }

  private boolean valid(String channel) {
    String[] p = channel.split("\\.");
    if (p.length == 2 && "deribit_volatility_index".equals(p[0])) {
      return "btc_usd".equals(p[1]) || "eth_usd".equals(p[1]);
    }
    if (replaying()) {
      return p.length >= 2;
    }
    if (p.length != 3 || model.instrument(p[1]) == null || !p[1].equals(model.instrument(p[1]).spec().symbol())) {
      return false;
    }
    return switch (p[0]) {
      case "book", "ticker" -> "raw".equals(p[2]) || "100ms".equals(p[2]);
      case "trades" -> "raw".equals(p[2]) || "100ms".equals(p[2]) || "agg2".equals(p[2]);
      default -> false;
    };
  }

  /** Runs a read-only public method; returns the {@code "result":..} or {@code "error":..} member. */
  private String call(String method, JsonObject params) {
    switch (method) {
      case "public/get_instruments": {
        String currency = params.getString("currency");
        if (currency == null) {
          return error(-32602, "Invalid params");
        }
        String kind = params.getString("kind");
        if (ctx.replay() != null) {
          String captured = ctx.replay().response("get_instruments", currency);
          if (captured != null) {
            Object result = new JsonObject(captured).getValue("result");
            return "\"result\":" + Json.encode(result);
          }
        }
        JsonArray out = new JsonArray();
        for (InstrumentModel m : model.instruments()) {
          InstrumentSpec s = m.spec();
          String k = "options".equals(s.marketType()) ? "option" : "future";
          if (!s.base().equalsIgnoreCase(currency) && !"any".equalsIgnoreCase(currency)
              || kind != null && !kind.equals(k)) {
            continue;
          }
          out.add(instrument(s, k));
        }
        return "\"result\":" + out.encode();
      }
      case "public/get_order_book": {
        InstrumentModel m = model.instrument(params.getString("instrument_name", ""));
        if (m == null) {
          return error(10029, "instrument_not_found");
        }
        int depth = Math.max(1, Math.min(10_000, params.getInteger("depth", 20)));
        return "\"result\":" + orderBook(m, depth);
      }
      case "public/ticker": {
        InstrumentModel m = model.instrument(params.getString("instrument_name", ""));
        if (m == null) {
          return error(10029, "instrument_not_found");
        }
        return "\"result\":" + DeribitCodec.tickerData(m, System.currentTimeMillis());
      }
      case "public/get_last_trades_by_instrument":
        return lastTrades(params);
      case "public/get_time":
        return "\"result\":" + System.currentTimeMillis();
      default:
        return error(-32601, "Method not found");
    }
  }

  /**
   * {@code public/get_last_trades_by_instrument} by {@code trade_seq} or by time: {@code count}
   * (default 10, at most 1000) trades in the range, {@code sorting} {@code asc} from its start or
   * {@code desc}/{@code default} from its end; {@code has_more} when the range holds more.
   */
  private String lastTrades(JsonObject params) {
    InstrumentModel m = model.instrument(params.getString("instrument_name", ""));
    if (m == null) {
      return error(10029, "instrument_not_found");
    }
    Object c = params.getValue("count", 10L);
    if (!(c instanceof Number count) || count.intValue() < 1 || count.intValue() > 1000) {
      return error(-32602, "Invalid params");
    }
    long startSeq = params.getValue("start_seq") instanceof Number n ? n.longValue() : Long.MIN_VALUE;
    long endSeq = params.getValue("end_seq") instanceof Number n ? n.longValue() : Long.MAX_VALUE;
    long startTs = params.getValue("start_timestamp") instanceof Number n ? n.longValue() : Long.MIN_VALUE;
    long endTs = params.getValue("end_timestamp") instanceof Number n ? n.longValue() : Long.MAX_VALUE;
    boolean asc = "asc".equals(params.getString("sorting", "default"));
    List<Trade> inRange = new java.util.ArrayList<>();
    long from = startSeq == Long.MIN_VALUE ? Long.MIN_VALUE : DeribitCodec.tradeId(startSeq);
    for (Trade t : m.tradesFrom(from, Integer.MAX_VALUE)) {
      long seq = DeribitCodec.tradeSeq(t);
      if (seq > endSeq || t.ts() > endTs) {
        break;
      }
      if (t.ts() >= startTs) {
        inRange.add(t);
      }
    }
    int n = Math.min(count.intValue(), inRange.size());
    List<Trade> page = asc ? inRange.subList(0, n) : new java.util.ArrayList<>(inRange.subList(inRange.size() - n,
        inRange.size()));
    if (!asc) {
      java.util.Collections.reverse(page);
    }
    StringBuilder sb = new StringBuilder(64 + 300 * n).append("\"result\":{\"trades\":[");
    for (int i = 0; i < page.size(); i++) {
      if (i > 0) {
        sb.append(',');
      }
      DeribitCodec.trade(sb, m, page.get(i));
    }
    return sb.append("],\"has_more\":").append(inRange.size() > n).append('}').toString();
  }

  private static JsonObject instrument(InstrumentSpec s, String kind) {
    JsonObject o = new JsonObject().put("tick_size", s.priceValue(s.tickUnits()))
        .put("taker_commission", 0.0005).put("settlement_period", "perpetual".equals(s.marketType()) ? "perpetual"
            : "month")
        .put("quote_currency", "options".equals(s.marketType()) ? s.base() : "USD")
        .put("min_trade_amount", s.qtyValue(s.lotUnits())).put("maker_commission", 0.0).put("kind", kind)
        .put("is_active", true).put("instrument_name", s.symbol())
        .put("expiration_timestamp", expiry(s)).put("creation_timestamp", 1534242287000L)
        .put("contract_size", "options".equals(s.marketType()) ? 1.0 : s.qtyValue(s.lotUnits()))
        .put("base_currency", s.base()).put("counter_currency", "USD").put("settlement_currency", s.base());
    if ("options".equals(s.marketType())) {
      String[] p = s.symbol().split("-");
      o.put("strike", Double.parseDouble(p[2])).put("option_type", p[3].equals("C") ? "call" : "put");
    } else {
      o.put("max_leverage", 50);
    }
    return o;
  }

  private static long expiry(InstrumentSpec s) {
    String[] p = s.symbol().split("-");
    if (p.length < 2 || "PERPETUAL".equals(p[1])) {
      return 32503708800000L;
    }
    LocalDate d = LocalDate.parse(p[1], EXPIRY);
    return d.atTime(8, 0).toInstant(ZoneOffset.UTC).toEpochMilli();
  }

  private String orderBook(InstrumentModel m, int depth) {
    InstrumentSpec s = m.spec();
    BookSnapshot snap = m.snapshot(depth);
    String ticker = DeribitCodec.tickerData(m, System.currentTimeMillis());
    return ticker.substring(0, ticker.length() - 1) + ",\"change_id\":" + snap.lastUpdateId() + ",\"bids\":"
        + DeribitCodec.plainLevels(s, snap.bids()) + ",\"asks\":" + DeribitCodec.plainLevels(s, snap.asks()) + "}";
  }

  @Override
  protected void routes(Router router) {
    router.get("/api/v2/public/:method").handler(this::http);
  }

  private void http(RoutingContext rc) {
    long usIn = System.currentTimeMillis() * 1000;
    if (rejectedRequest(rc, status -> envelope(null, usIn, error(10028, "too_many_requests")))) {
      return;
    }
    JsonObject params = new JsonObject();
    rc.queryParams().forEach((k, v) -> params.put(k, v.matches("-?\\d+") ? (Object) Long.parseLong(v) : v));
    if (params.getValue("depth") instanceof Long l) {
      params.put("depth", l.intValue());
    }
    String method = "public/" + rc.pathParam("method");
    String result = "public/test".equals(method) ? "\"result\":{\"version\":\"1.2.26\"}" : call(method, params);
    // slow-snapshot holds book snapshots and trade history pages (the REST that a resync or a backfill waits for)
    boolean snapshot = "public/get_order_book".equals(method) || "public/get_last_trades_by_instrument".equals(method);
    respond(rc, result.startsWith("\"error\"") ? 400 : 200, envelope(null, usIn, result), snapshot);
  }

  private boolean mine(InstrumentModel m) {
    return m.spec().venue() == Venue.DERIBIT;
  }

  @Override
  public void onBook(InstrumentModel m, BookDelta delta) {
    if (!mine(m)) {
      return;
    }
    InstrumentSpec s = m.spec();
    for (String suffix : new String[] {".raw", ".100ms"}) {
      String ch = "book." + s.symbol() + suffix;
      if (hub.hasSubscribers(ch)) {
        publish(ch, DeribitCodec.bookChange(s, ch, delta));
      }
    }
  }

  @Override
  public void onTrades(InstrumentModel m, List<Trade> trades) {
    if (!mine(m)) {
      return;
    }
    for (String suffix : new String[] {".raw", ".100ms", ".agg2"}) {
      String ch = "trades." + m.spec().symbol() + suffix;
      if (hub.hasSubscribers(ch)) {
        publish(ch, DeribitCodec.trades(m, ch, trades));
      }
    }
  }

  @Override
  public void onStats(InstrumentModel m, Kline kline) {
    if (!mine(m) || kline.closed()) {
      return;
    }
    long now = System.currentTimeMillis();
    for (String suffix : new String[] {".raw", ".100ms"}) {
      String ch = "ticker." + m.spec().symbol() + suffix;
      if (hub.hasSubscribers(ch)) {
        publish(ch, DeribitCodec.ticker(m, ch, now));
      }
    }
    if (now - lastVolatility >= 1000) {
      lastVolatility = now;
      for (String index : new String[] {"btc_usd", "eth_usd"}) {
        String ch = "deribit_volatility_index." + index;
        if (hub.hasSubscribers(ch)) {
          publish(ch, DeribitCodec.volatility(index, m.volatilityIndex() + ("eth_usd".equals(index) ? 8 : 0), now));
        }
      }
    }
  }

  @Override
  public void onLiquidation(InstrumentModel m, Liquidation liquidation) {
    // Deribit publishes liquidations only inside trades, as a flag (DeribitCodec.liquidation)
  }
}
