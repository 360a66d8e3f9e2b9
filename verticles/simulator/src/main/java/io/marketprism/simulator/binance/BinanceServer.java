package io.marketprism.simulator.binance;

import io.marketprism.simulator.ExchangeServer;
import io.marketprism.simulator.FeedSession;
import io.marketprism.simulator.ServerContext;
import io.marketprism.simulator.model.BookDelta;
import io.marketprism.simulator.model.InstrumentModel;
import io.marketprism.simulator.model.InstrumentSpec;
import io.marketprism.simulator.model.Kline;
import io.marketprism.simulator.model.Liquidation;
import io.marketprism.simulator.model.Trade;
import io.marketprism.simulator.model.Venue;
import io.marketprism.simulator.replay.ReplayMessage;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A Binance market-data endpoint (spot, USDⓈ-M or COIN-M: one port each, as the real hosts differ):
 * raw streams on {@code /ws/<stream>}, combined streams on {@code /stream?streams=a/b} with
 * {@code {"stream":..,"data":..}} envelopes, live {@code SUBSCRIBE}/{@code UNSUBSCRIBE}/
 * {@code LIST_SUBSCRIPTIONS}/{@code SET_PROPERTY combined}, server pings that must be ponged, and
 * every Binance REST route (see {@link BinanceRest}).
 *
 * <p>Streams: {@code <sym>@trade}, {@code @aggTrade}, {@code @depth}, {@code @depth@100ms},
 * {@code @bookTicker}, {@code @kline_1m}, {@code @ticker}, and on futures {@code @markPrice},
 * {@code @markPrice@1s}, {@code @forceOrder}, {@code !forceOrder@arr}. Diff events carry one model
 * update each (continuous {@code U}/{@code u}, {@code pu} on futures) whatever the speed suffix.
 */
public final class BinanceServer extends ExchangeServer {

  private static final Pattern SPEED = Pattern.compile("@\\d+m?s$");
  /** How far the first aggregate id lies below the first trade id. */
  private static final long AGG_IDS_BELOW_TRADE_IDS = 1_000_000_000L;

  private final BinanceRest rest;
  private final Map<FeedSession, Map<String, String>> names = new IdentityHashMap<>();
  private final Map<InstrumentModel, long[]> lastTop = new IdentityHashMap<>();
  private final Map<InstrumentModel, long[]> aggIds = new IdentityHashMap<>();
  private final Map<InstrumentModel, java.util.ArrayDeque<AggTrade>> aggHistory = new IdentityHashMap<>();

  /**
   * @param ctx   shared simulator state
   * @param venue {@link Venue#BINANCE_SPOT}, {@link Venue#BINANCE_USDM} or {@link Venue#BINANCE_COINM}
   * @param rest  the REST routes (shared by the three Binance ports)
   */
  public BinanceServer(ServerContext ctx, Venue venue, BinanceRest rest) {
    super(ctx, venue);
    this.rest = rest;
  }

  /** A stream name without its update-speed suffix: {@code btcusdt@depth@100ms} → {@code btcusdt@depth}. */
  static String canonical(String stream) {
    int at = stream.indexOf('@');
    String sym = at < 0 ? stream : stream.substring(0, at).toLowerCase(Locale.ROOT);
    String rest = at < 0 ? "" : stream.substring(at);
    return sym + SPEED.matcher(rest).replaceFirst("");
  }

  @Override
  protected boolean isWebSocketPath(String path) {
    return path.equals("/ws") || path.startsWith("/ws/") || path.equals("/stream") || path.startsWith("/stream/");
  }

  @Override
  protected void opened(FeedSession session, String path, String query) {
    names.put(session, new HashMap<>());
    if (path.startsWith("/stream")) {
      session.combined(true);
      if (query != null) {
        for (String kv : query.split("&")) {
          if (kv.startsWith("streams=")) {
            for (String s : URLDecoder.decode(kv.substring(8), StandardCharsets.UTF_8).split("/")) {
              add(session, s);
            }
          }
        }
      }
    } else if (path.length() > 4) {
      for (String s : path.substring(4).split("/")) {
        add(session, s);
      }
    }
    long interval = ctx.options().getPingIntervalMs();
    long[] lastPing = {0};
    int[] unanswered = {0};
    long[] lastRun = {System.currentTimeMillis()};
    ctx.vertx().setPeriodic(interval, interval, t -> {
      if (session.closed()) {
        ctx.vertx().cancelTimer(t);
        return;
      }
      long now = System.currentTimeMillis();
      boolean late = now - lastRun[0] > interval * 3 / 2;
      lastRun[0] = now;
      if (late || now - lastPing[0] < interval / 2) {
        return; // this process was paused (or this is a catch-up run): the client had no time to answer
      }
      unanswered[0] = session.lastPong() >= lastPing[0] && lastPing[0] > 0 ? 0 : unanswered[0];
      // Binance drops a connection that left its pings unanswered for 3 intervals (a minute live)
      if (unanswered[0] >= 3) {
        session.markClosed();
        session.socket().close((short) 1008, "pong timeout");
        ctx.vertx().cancelTimer(t);
        return;
      }
      if (!session.stalled()) {
        lastPing[0] = now;
        unanswered[0]++;
        session.socket().writePing(Buffer.buffer(Long.toString(now)));
      }
    });
  }

  private boolean add(FeedSession session, String stream) {
    if (stream.isBlank()) {
      return false;
    }
    String key = canonical(stream);
    names.get(session).put(key, stream);
    return subscribe(session, key);
  }

  @Override
  protected void closed(FeedSession session) {
    names.remove(session);
  }

  @Override
  protected void onText(FeedSession session, String text) {
    JsonObject req;
    try {
      req = new JsonObject(text);
    } catch (RuntimeException e) {
      session.sendControl("{\"error\":{\"code\":3,\"msg\":\"Invalid JSON: expected value at line 1 column 1\"},\"id\":null}");
      return;
    }
    Object id = req.getValue("id");
    String idText = id == null ? "null" : id instanceof String s ? '"' + s + '"' : id.toString();
    Object method = req.getValue("method");
    Object params = req.getValue("params");
    if (!(method instanceof String m)) {
      session.sendControl(error(2, "Invalid request: method must be a string", idText));
      return;
    }
    switch (m) {
      case "SUBSCRIBE", "UNSUBSCRIBE" -> {
        if (!(params instanceof JsonArray list)) {
          session.sendControl(error(2, "Invalid request: params must be an array of stream names", idText));
          return;
        }
        for (Object o : list) {
          if (!(o instanceof String s)) {
            session.sendControl(error(2, "Invalid request: stream names must be strings", idText));
            return;
          }
          if (m.equals("SUBSCRIBE")) {
            add(session, s);
          } else {
            String key = canonical(s);
            names.get(session).remove(key);
            hub.unsubscribe(session, key);
          }
        }
        session.sendControl("{\"result\":null,\"id\":" + idText + "}");
      }
      case "LIST_SUBSCRIPTIONS" -> {
        JsonArray out = new JsonArray();
        names.get(session).values().forEach(out::add);
        session.sendControl("{\"result\":" + out.encode() + ",\"id\":" + idText + "}");
      }
      case "SET_PROPERTY" -> {
        if (params instanceof JsonArray p && p.size() == 2 && "combined".equals(p.getValue(0))
            && p.getValue(1) instanceof Boolean b) {
          session.combined(b);
          session.sendControl("{\"result\":null,\"id\":" + idText + "}");
        } else {
          session.sendControl(error(0, "Unknown property", idText));
        }
      }
      case "GET_PROPERTY" -> session.sendControl("{\"result\":" + session.combined() + ",\"id\":" + idText + "}");
      default -> session.sendControl(error(2, "Invalid request: unknown variable", idText));
    }
  }

  private static String error(int code, String msg, String id) {
    return "{\"error\":{\"code\":" + code + ",\"msg\":\"" + msg + "\"},\"id\":" + id + "}";
  }

  @Override
  protected void routes(Router router) {
    rest.install(router, this);
  }

  /** Sends a stream event, raw or wrapped per session. */
  private void stream(String key, String data) {
    countMessage();
    String lastName = null;
    String envelope = null;
    for (FeedSession s : hub.subscribers(key)) {
      if (!s.combined()) {
        s.sendData(data);
        continue;
      }
      String name = names.get(s).getOrDefault(key, key);
      if (!name.equals(lastName)) {
        lastName = name;
        envelope = "{\"stream\":\"" + name + "\",\"data\":" + data + "}";
      }
      s.sendData(envelope);
    }
  }

  private boolean mine(InstrumentModel m) {
    return m.spec().venue() == venue;
  }

  private static String lower(InstrumentSpec s) {
    return s.symbol().toLowerCase(Locale.ROOT);
  }

  @Override
  public void onBook(InstrumentModel m, BookDelta delta) {
    if (!mine(m)) {
      return;
    }
    InstrumentSpec s = m.spec();
    String sym = lower(s);
    String key = sym + "@depth";
    if (hub.hasSubscribers(key)) {
      stream(key, BinanceCodec.depth(s, delta));
    }
    long[] bid = m.bestBid();
    long[] ask = m.bestAsk();
    long[] top = lastTop.computeIfAbsent(m, k -> new long[4]);
    if (bid != null && ask != null && (top[0] != bid[0] || top[1] != bid[1] || top[2] != ask[0] || top[3] != ask[1])) {
      top[0] = bid[0];
      top[1] = bid[1];
      top[2] = ask[0];
      top[3] = ask[1];
      String bt = sym + "@bookTicker";
      if (hub.hasSubscribers(bt)) {
        stream(bt, BinanceCodec.bookTicker(s, delta.lastId(), bid, ask, delta.ts()));
      }
    }
  }

  @Override
  public void onTrades(InstrumentModel m, List<Trade> trades) {
    if (!mine(m)) {
      return;
    }
    InstrumentSpec s = m.spec();
    String sym = lower(s);
    String tk = sym + "@trade";
    if (hub.hasSubscribers(tk)) {
      for (Trade t : trades) {
        stream(tk, BinanceCodec.trade(s, t));
      }
    }
    long[] agg = aggIds.computeIfAbsent(m, k -> new long[] {firstAggId(m) - 1});
    String ak = sym + "@aggTrade";
    for (List<Trade> group : Trade.atOnePrice(trades)) {
      aggregated(m, ak, ++agg[0], group);
    }
  }

  /**
   * The first aggregate id of an instrument: below its trade ids (aggregate ids are not trade ids)
   * by a constant, so that, as there are never more aggregates than trades, a restarted simulator
   * continues above the aggregate ids of its previous run as it does above its trade ids.
   */
  static long firstAggId(InstrumentModel m) {
    return Math.max(1, m.idBase() + 1 - AGG_IDS_BELOW_TRADE_IDS);
  }

  private void aggregated(InstrumentModel m, String key, long aggId, List<Trade> group) {
    AggTrade a = new AggTrade(aggId, group);
    synchronized (aggHistory) {
      java.util.ArrayDeque<AggTrade> h = aggHistory.computeIfAbsent(m, k -> new java.util.ArrayDeque<>());
      h.addLast(a);
      if (h.size() > Math.max(1, ctx.options().getTradeHistory())) {
        h.removeFirst();
      }
    }
    if (hub.hasSubscribers(key)) {
      stream(key, BinanceCodec.aggTrade(m.spec(), aggId, group));
    }
  }

  /**
   * The aggregate trades of an instrument of this venue, as {@code aggTrades} serves them.
   *
   * @param m the instrument
   * @param fromId the first aggregate id wanted, or -1 for the newest {@code limit}
   * @param limit aggregates at most
   * @return oldest first
   */
  List<AggTrade> aggTrades(InstrumentModel m, long fromId, int limit) {
    synchronized (aggHistory) {
      java.util.ArrayDeque<AggTrade> h = aggHistory.get(m);
      List<AggTrade> out = new ArrayList<>();
      if (h == null) {
        return out;
      }
      if (fromId < 0) {
        for (java.util.Iterator<AggTrade> it = h.descendingIterator(); it.hasNext() && out.size() < limit; ) {
          out.add(0, it.next());
        }
        return out;
      }
      for (AggTrade a : h) {
        if (out.size() >= limit) {
          break;
        }
        if (a.id() >= fromId) {
          out.add(a);
        }
      }
      return out;
    }
  }

  @Override
  public void onStats(InstrumentModel m, Kline kline) {
    if (!mine(m)) {
      return;
    }
    InstrumentSpec s = m.spec();
    String sym = lower(s);
    long now = System.currentTimeMillis();
    if (hub.hasSubscribers(sym + "@kline_1m")) {
      // the final event of a candle comes before the first of the next, which the model sends in the
      // same tick: Binance's event times of one stream differ, and E is a kline's identity
      stream(sym + "@kline_1m", BinanceCodec.kline(s, kline, kline.closed() ? now - 1 : now));
    }
    if (kline.closed()) {
      return;
    }
    if (hub.hasSubscribers(sym + "@ticker")) {
      stream(sym + "@ticker", BinanceCodec.ticker24h(m, now));
    }
    if (venue != Venue.BINANCE_SPOT && hub.hasSubscribers(sym + "@markPrice")) {
      stream(sym + "@markPrice", BinanceCodec.markPrice(m, now));
    }
  }

  @Override
  public void onLiquidation(InstrumentModel m, Liquidation l) {
    if (!mine(m) || venue == Venue.BINANCE_SPOT) {
      return;
    }
    String text = BinanceCodec.forceOrder(m.spec(), l);
    if (hub.hasSubscribers(lower(m.spec()) + "@forceOrder")) {
      stream(lower(m.spec()) + "@forceOrder", text);
    }
    if (hub.hasSubscribers("!forceOrder@arr")) {
      stream("!forceOrder@arr", text);
    }
  }

  @Override
  public void replay(ReplayMessage message) {
    String key = canonical(message.topic());
    if (hub.hasSubscribers(key)) {
      stream(key, message.text());
    }
  }
}
