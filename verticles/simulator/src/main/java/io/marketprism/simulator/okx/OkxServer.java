package io.marketprism.simulator.okx;

import io.marketprism.simulator.ExchangeServer;
import io.marketprism.simulator.FeedSession;
import io.marketprism.simulator.ServerContext;
import io.marketprism.simulator.model.BookDelta;
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
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * OKX v5 public market data: WebSocket {@code /ws/v5/public} (and {@code /ws/v5/business}) with
 * {@code op: subscribe/unsubscribe}, text {@code ping}→{@code pong}, {@code event: error} codes;
 * channels {@code books} and {@code books-l2-tbt} (400-level snapshot, then updates with
 * {@code checksum}, {@code seqId}, {@code prevSeqId}), {@code bbo-tbt}, {@code tickers}, {@code trades}
 * (as OKX aggregates them: the matches of one taker order at one price in one push, {@code tradeId}
 * the last match's, {@code count} how many; ids consecutive per instrument), {@code trades-all}
 * (every match in a push of its own, under its {@code history-trades} id; only on
 * {@code /ws/v5/business}, as on OKX), {@code candle1m},
 * {@code funding-rate}, {@code mark-price}, {@code open-interest}, {@code liquidation-orders} (by
 * {@code instType}). REST: {@code /api/v5/public/instruments}, {@code /api/v5/market/books},
 * {@code /api/v5/market/history-trades} (every match on its own, with its own id),
 * {@code /api/v5/rubik/stat/contracts/long-short-account-ratio}.
 */
public final class OkxServer extends ExchangeServer {

  private static final Set<String> CHANNELS = Set.of("books", "books-l2-tbt", "bbo-tbt", "tickers", "trades",
      "trades-all", "candle1m", "funding-rate", "mark-price", "open-interest", "liquidation-orders");
  private static final int BOOK_LEVELS = 400;

  private final MarketModel model;
  private final Map<InstrumentModel, long[]> lastTop = new IdentityHashMap<>();

  /**
   * @param ctx   shared simulator state
   * @param model the OKX market
   */
  public OkxServer(ServerContext ctx, MarketModel model) {
    super(ctx, Venue.OKX);
    this.model = model;
  }

  @Override
  protected boolean isWebSocketPath(String path) {
    return path.startsWith("/ws/v5/");
  }

  @Override
  protected void opened(FeedSession session, String path, String query) {
  }

  private static String connId(FeedSession s) {
    return String.format("%08x", (int) (s.id() * 2654435761L));
  }

  @Override
  protected void onText(FeedSession session, String text) {
    if ("ping".equals(text)) {
      session.sendControl("pong");
      return;
    }
    JsonObject req;
    try {
      req = new JsonObject(text);
    } catch (RuntimeException e) {
      error(session, null, "60012", "Invalid request: " + text);
      return;
    }
    String id = req.getValue("id") instanceof String s ? s : null;
    Object op = req.getValue("op");
    if (!"subscribe".equals(op) && !"unsubscribe".equals(op)) {
      error(session, id, "60012", "Invalid request: " + text);
      return;
    }
    if (!(req.getValue("args") instanceof JsonArray args) || args.isEmpty()) {
      error(session, id, "60012", "Invalid request: " + text);
      return;
    }
    for (Object o : args) {
      if (!(o instanceof JsonObject arg) || !(arg.getValue("channel") instanceof String channel)) {
        error(session, id, "60012", "Invalid request: " + text);
        return;
      }
      String scope = target(session, arg, channel);
      if (scope == null) {
        error(session, id, "60018", "Wrong URL or channel:" + channel + ",instId:" + arg.getString("instId", "")
            + " doesn't exist. Please use the correct URL, channel and parameters referring to API document.");
        continue;
      }
      String topic = channel + ":" + scope;
      String prefix = id == null ? "{" : "{\"id\":\"" + id + "\",";
      if ("subscribe".equals(op)) {
        subscribe(session, topic);
        session.sendControl(prefix + "\"event\":\"subscribe\",\"arg\":" + arg.encode() + ",\"connId\":\""
            + connId(session) + "\"}");
        if (channel.startsWith("books") && !replaying()) {
          InstrumentModel m = model.instrument(scope);
          InstrumentSpec s = m.spec();
          session.sendData(OkxCodec.bookSnapshot(s, channel, m.snapshot(BOOK_LEVELS), OkxCodec.checksum(m),
              System.currentTimeMillis()));
        }
      } else {
        hub.unsubscribe(session, topic);
        session.sendControl(prefix + "\"event\":\"unsubscribe\",\"arg\":" + arg.encode() + ",\"connId\":\""
            + connId(session) + "\"}");
      }
    }
  }

  /** The instrument or instType a subscription targets, or null when it does not exist (here). */
  private String target(FeedSession session, JsonObject arg, String channel) {
    if (!CHANNELS.contains(channel)) {
      return null;
    }
    if ("trades-all".equals(channel) && !session.socket().path().startsWith("/ws/v5/business")) {
      return null; // OKX serves it on /ws/v5/business only
    }
    if ("liquidation-orders".equals(channel)) {
      String type = arg.getString("instType", "");
      return Set.of("SWAP", "FUTURES", "OPTION", "MARGIN").contains(type) ? type : null;
    }
    Object instId = arg.getValue("instId");
    if (!(instId instanceof String name)) {
      return null;
    }
    if (replaying()) {
      return name;
    }
    InstrumentModel m = model.instrument(name);
    if (m == null) {
      return null;
    }
    boolean spot = "spot".equals(m.spec().marketType());
    if (spot && Set.of("funding-rate", "open-interest").contains(channel)) {
      return null;
    }
    return m.spec().symbol();
  }

  private void error(FeedSession session, String id, String code, String msg) {
    session.sendControl((id == null ? "{" : "{\"id\":\"" + id + "\",") + "\"event\":\"error\",\"code\":\"" + code
        + "\",\"msg\":" + Json.encode(msg) + ",\"connId\":\""
        + connId(session) + "\"}");
  }

  @Override
  protected void routes(Router router) {
    router.get("/api/v5/public/instruments").handler(this::instruments);
    router.get("/api/v5/market/books").handler(this::books);
    router.get("/api/v5/market/history-trades").handler(this::historyTrades);
    router.get("/api/v5/rubik/stat/contracts/long-short-account-ratio").handler(this::longShort);
    router.get("/api/v5/rubik/stat/contracts/long-short-account-ratio-contract").handler(rc -> contractRatio(rc, 1));
    router.get("/api/v5/rubik/stat/contracts/long-short-position-ratio-contract-top-trader")
        .handler(rc -> contractRatio(rc, 2));
  }

  private boolean rejected(RoutingContext rc) {
    return rejectedRequest(rc, status -> "{\"msg\":\"Too Many Requests\",\"code\":\"50011\"}");
  }

  private static void fail(RoutingContext rc, String code, String msg) {
    rc.response().setStatusCode(400).putHeader("Content-Type", "application/json")
        .end(new JsonObject().put("code", code).put("data", new JsonArray()).put("msg", msg).encode());
  }

  private void instruments(RoutingContext rc) {
    if (rejected(rc)) {
      return;
    }
    String type = rc.request().getParam("instType");
    if (type == null) {
      fail(rc, "50014", "Parameter instType can not be empty");
      return;
    }
    if (ctx.replay() != null) {
      String captured = ctx.replay().response("instruments", type);
      if (captured != null) {
        respond(rc, 200, captured, false);
        return;
      }
    }
    String only = rc.request().getParam("instId");
    JsonArray data = new JsonArray();
    for (InstrumentModel m : model.instruments()) {
      InstrumentSpec s = m.spec();
      if (!OkxCodec.instType(s).equals(type) || only != null && !only.equals(s.symbol())) {
        continue;
      }
      boolean spot = "spot".equals(s.marketType());
      String ctVal = spot ? "" : "BTC".equals(s.base()) ? "0.01" : "ETH".equals(s.base()) ? "0.1" : "1";
      data.add(new JsonObject().put("alias", "").put("baseCcy", spot ? s.base() : "").put("category", "1")
          .put("ctMult", spot ? "" : "1").put("ctType", spot ? "" : "linear").put("ctVal", ctVal)
          .put("ctValCcy", spot ? "" : s.base()).put("expTime", "")
          .put("instFamily", spot ? "" : OkxCodec.family(s)).put("instId", s.symbol()).put("instType", type)
          .put("lever", spot ? "10" : "100").put("listTime", "1606468572000")
          .put("lotSz", s.qty(s.lotUnits())).put("minSz", s.qty(s.lotUnits())).put("optType", "")
          .put("quoteCcy", spot ? s.quote() : "").put("settleCcy", spot ? "" : s.quote()).put("state", "live")
          .put("stk", "").put("tickSz", s.price(s.tickUnits())).put("uly", spot ? "" : OkxCodec.family(s)));
    }
    respond(rc, 200, new JsonObject().put("code", "0").put("data", data).put("msg", "").encode(), false);
  }

  private void books(RoutingContext rc) {
    if (rejected(rc)) {
      return;
    }
    String instId = rc.request().getParam("instId");
    InstrumentModel m = instId == null ? null : model.instrument(instId);
    if (m == null) {
      fail(rc, "51001", "Instrument ID does not exist");
      return;
    }
    int sz;
    try {
      sz = Math.max(1, Math.min(400, Integer.parseInt(rc.request().getParam("sz", "1"))));
    } catch (NumberFormatException e) {
      fail(rc, "51000", "Parameter sz error");
      return;
    }
    respond(rc, 200, OkxCodec.restBooks(m.spec(), m.snapshot(sz), System.currentTimeMillis()), true);
  }

  /**
   * {@code history-trades}: newest first, 100 at most; {@code type=1} pages by trade id
   * ({@code after}: older than it, {@code before}: newer than it), {@code type=2} by time (after only).
   */
  private void historyTrades(RoutingContext rc) {
    if (rejected(rc)) {
      return;
    }
    String instId = rc.request().getParam("instId");
    if (instId == null || instId.isBlank()) {
      fail(rc, "50014", "Parameter instId can not be empty");
      return;
    }
    InstrumentModel m = model.instrument(instId);
    if (m == null || !m.spec().symbol().equals(instId)) {
      fail(rc, "51001", "Instrument ID does not exist");
      return;
    }
    String type = rc.request().getParam("type", "1");
    int limit;
    long after;
    long before;
    try {
      limit = Math.max(1, Math.min(100, Integer.parseInt(rc.request().getParam("limit", "100"))));
      after = Long.parseLong(rc.request().getParam("after", Long.toString(Long.MAX_VALUE)));
      before = Long.parseLong(rc.request().getParam("before", Long.toString(Long.MIN_VALUE)));
    } catch (NumberFormatException e) {
      fail(rc, "51000", "Parameter after, before or limit error");
      return;
    }
    List<Trade> trades;
    if ("1".equals(type)) {
      trades = m.tradesBelow(after, before, limit);
    } else if ("2".equals(type)) {
      trades = new java.util.ArrayList<>();
      for (Trade t : m.tradesBelow(Long.MAX_VALUE, Long.MIN_VALUE, Integer.MAX_VALUE)) {
        if (trades.size() >= limit) {
          break;
        }
        if (t.ts() < after) {
          trades.add(t);
        }
      }
    } else {
      fail(rc, "51000", "Parameter type error");
      return;
    }
    StringBuilder sb = new StringBuilder(40 + 150 * trades.size()).append("{\"code\":\"0\",\"msg\":\"\",\"data\":[");
    for (int i = 0; i < trades.size(); i++) {
      if (i > 0) {
        sb.append(',');
      }
      OkxCodec.tradeData(sb, m.spec(), trades.get(i));
    }
    respond(rc, 200, sb.append("]}").toString(), true);
  }

  private void longShort(RoutingContext rc) {
    if (rejected(rc)) {
      return;
    }
    String ccy = rc.request().getParam("ccy");
    if (ccy == null || ccy.isBlank()) {
      fail(rc, "50014", "Parameter ccy can not be empty");
      return;
    }
    long periodMs = rubikPeriodMs(rc);
    if (periodMs < 0) {
      fail(rc, "51000", "Parameter period error");
      return;
    }
    long step = ctx.options().statsStepMs(periodMs);
    long last = System.currentTimeMillis() / step * step;
    JsonArray data = new JsonArray();
    for (int i = 0; i < 30; i++) {
      long ts = last - i * step;
      SplittableRandom r = new SplittableRandom(ctx.options().getSeed() ^ ts ^ ccy.hashCode());
      double ratio = Math.round((0.6 + r.nextDouble() * 1.4) * 100) / 100.0;
      data.add(new JsonArray().add(Long.toString(ts)).add(Double.toString(ratio)));
    }
    respond(rc, 200, new JsonObject().put("code", "0").put("data", data).put("msg", "").encode(), false);
  }

  /** @return the rubik statistics' {@code period} in ms (5m by default), or -1 for one OKX does not take */
  private static long rubikPeriodMs(RoutingContext rc) {
    return switch (rc.request().getParam("period", "5m")) {
      case "5m" -> 300_000L;
      case "1H" -> 3_600_000L;
      case "1D" -> 86_400_000L;
      default -> -1L;
    };
  }

  /** A swap's long/short ratio ({@code kind} 1: all accounts, 2: top traders' positions), newest first: [ts, ratio] rows. */
  private void contractRatio(RoutingContext rc, int kind) {
    if (rejected(rc)) {
      return;
    }
    String instId = rc.request().getParam("instId");
    InstrumentModel m = instId == null ? null : model.instrument(instId);
    if (m == null || !instId.endsWith("-SWAP")) {
      fail(rc, "51001", "Instrument ID does not exist");
      return;
    }
    long periodMs = rubikPeriodMs(rc);
    int limit;
    try {
      limit = Math.max(1, Math.min(100, Integer.parseInt(rc.request().getParam("limit", "100"))));
    } catch (NumberFormatException e) {
      limit = -1;
    }
    if (periodMs < 0 || limit < 0) {
      fail(rc, "51000", "Parameter " + (periodMs < 0 ? "period" : "limit") + " error");
      return;
    }
    long step = ctx.options().statsStepMs(periodMs);
    long last = System.currentTimeMillis() / step * step;
    JsonArray data = new JsonArray();
    for (int i = 0; i < limit; i++) {
      long ts = last - i * step;
      SplittableRandom r = new SplittableRandom(ctx.options().getSeed() ^ ts ^ instId.hashCode() * 31L ^ kind);
      double ratio = Math.round((0.6 + r.nextDouble() * 1.4) * 100) / 100.0;
      data.add(new JsonArray().add(Long.toString(ts)).add(Double.toString(ratio)));
    }
    respond(rc, 200, new JsonObject().put("code", "0").put("data", data).put("msg", "").encode(), false);
  }

  private boolean mine(InstrumentModel m) {
    return m.spec().venue() == Venue.OKX;
  }

  @Override
  public void onBook(InstrumentModel m, BookDelta delta) {
    if (!mine(m)) {
      return;
    }
    InstrumentSpec s = m.spec();
    String books = "books:" + s.symbol();
    String tbt = "books-l2-tbt:" + s.symbol();
    boolean a = hub.hasSubscribers(books);
    boolean b = hub.hasSubscribers(tbt);
    if (a || b) {
      int checksum = OkxCodec.checksum(m);
      if (a) {
        publish(books, OkxCodec.bookUpdate(s, "books", delta, checksum));
      }
      if (b) {
        publish(tbt, OkxCodec.bookUpdate(s, "books-l2-tbt", delta, checksum));
      }
    }
    long[] bid = m.bestBid();
    long[] ask = m.bestAsk();
    long[] top = lastTop.computeIfAbsent(m, k -> new long[4]);
    if (bid != null && ask != null && (top[0] != bid[0] || top[1] != bid[1] || top[2] != ask[0] || top[3] != ask[1])) {
      top[0] = bid[0];
      top[1] = bid[1];
      top[2] = ask[0];
      top[3] = ask[1];
      String bbo = "bbo-tbt:" + s.symbol();
      if (hub.hasSubscribers(bbo)) {
        publish(bbo, OkxCodec.bbo(s, bid, ask, delta.ts(), delta.lastId()));
      }
    }
  }

  @Override
  public void onTrades(InstrumentModel m, List<Trade> trades) {
    if (!mine(m)) {
      return;
    }
    String topic = "trades:" + m.spec().symbol();
    if (hub.hasSubscribers(topic)) {
      for (List<Trade> run : Trade.atOnePrice(trades)) {
        publish(topic, OkxCodec.trade(m.spec(), run));
      }
    }
    String all = "trades-all:" + m.spec().symbol();
    if (hub.hasSubscribers(all)) {
      for (Trade t : trades) {
        publish(all, OkxCodec.tradeAll(m.spec(), t));
      }
    }
  }

  @Override
  public void onStats(InstrumentModel m, Kline kline) {
    if (!mine(m)) {
      return;
    }
    String sym = m.spec().symbol();
    long now = System.currentTimeMillis();
    if (hub.hasSubscribers("candle1m:" + sym)) {
      publish("candle1m:" + sym, OkxCodec.candle(m.spec(), kline));
    }
    if (kline.closed()) {
      return;
    }
    if (hub.hasSubscribers("tickers:" + sym)) {
      publish("tickers:" + sym, OkxCodec.ticker(m, now));
    }
    if (hub.hasSubscribers("mark-price:" + sym)) {
      publish("mark-price:" + sym, OkxCodec.markPrice(m, now));
    }
    if (!"spot".equals(m.spec().marketType())) {
      if (hub.hasSubscribers("funding-rate:" + sym)) {
        publish("funding-rate:" + sym, OkxCodec.funding(m, now));
      }
      if (hub.hasSubscribers("open-interest:" + sym)) {
        publish("open-interest:" + sym, OkxCodec.openInterest(m, now));
      }
    }
  }

  @Override
  public void onLiquidation(InstrumentModel m, Liquidation l) {
    if (!mine(m)) {
      return;
    }
    String topic = "liquidation-orders:" + OkxCodec.instType(m.spec());
    if (hub.hasSubscribers(topic)) {
      publish(topic, OkxCodec.liquidation(m.spec(), l));
    }
  }
}
