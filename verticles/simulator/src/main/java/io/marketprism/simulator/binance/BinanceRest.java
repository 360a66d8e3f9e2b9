package io.marketprism.simulator.binance;

import io.marketprism.simulator.ExchangeServer;
import io.marketprism.simulator.ServerContext;
import io.marketprism.simulator.model.Decimals;
import io.marketprism.simulator.model.InstrumentModel;
import io.marketprism.simulator.model.InstrumentSpec;
import io.marketprism.simulator.model.Trade;
import io.marketprism.simulator.model.Venue;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Binance REST market data, on every Binance port (the paths tell the market apart):
 * {@code /api/v3/depth}, {@code /fapi/v1/depth}, {@code /dapi/v1/depth}, {@code exchangeInfo} of the
 * three, {@code /fapi|dapi/v1/openInterest}, {@code /fapi|dapi/v1/premiumIndex},
 * {@code /futures/data/topLongShortPositionRatio}, {@code /futures/data/globalLongShortAccountRatio},
 * {@code /api/v3/ping}, {@code /api/v3/time}, and past trades from the model's trade history:
 * {@code /api/v3|fapi/v1|dapi/v1 historicalTrades} (the futures ones want an {@code X-MBX-APIKEY}
 * header, as Binance's do) and {@code aggTrades} (from the aggregates the stream sent), both with
 * {@code fromId} and {@code limit}, and the recent {@code trades} of the three markets (public, the
 * newest {@code limit} trades, oldest first). Errors use Binance's {@code {"code":-1121,"msg":..}}
 * bodies.
 */
public final class BinanceRest {

  private static final Set<Integer> FUTURES_LIMITS = Set.of(5, 10, 20, 50, 100, 500, 1000);

  private final ServerContext ctx;
  private final List<InstrumentModel> instruments;

  /**
   * @param ctx         shared simulator state (replayed REST answers come from there)
   * @param instruments the Binance instruments of all three venues
   */
  public BinanceRest(ServerContext ctx, List<InstrumentModel> instruments) {
    this.ctx = ctx;
    this.instruments = instruments;
  }

  /** Installs the routes on a Binance server's router. */
  public void install(Router router, BinanceServer server) {
    router.get("/api/v3/ping").handler(rc -> json(rc, 200, "{}"));
    router.get("/api/v3/time").handler(rc -> json(rc, 200, "{\"serverTime\":" + System.currentTimeMillis() + "}"));
    router.get("/fapi/v1/time").handler(rc -> json(rc, 200, "{\"serverTime\":" + System.currentTimeMillis() + "}"));
    router.get("/api/v3/depth").handler(rc -> depth(rc, server, Venue.BINANCE_SPOT));
    router.get("/fapi/v1/depth").handler(rc -> depth(rc, server, Venue.BINANCE_USDM));
    router.get("/dapi/v1/depth").handler(rc -> depth(rc, server, Venue.BINANCE_COINM));
    router.get("/api/v3/exchangeInfo").handler(rc -> exchangeInfo(rc, server, Venue.BINANCE_SPOT));
    router.get("/fapi/v1/exchangeInfo").handler(rc -> exchangeInfo(rc, server, Venue.BINANCE_USDM));
    router.get("/dapi/v1/exchangeInfo").handler(rc -> exchangeInfo(rc, server, Venue.BINANCE_COINM));
    router.get("/fapi/v1/openInterest").handler(rc -> openInterest(rc, server, Venue.BINANCE_USDM));
    router.get("/dapi/v1/openInterest").handler(rc -> openInterest(rc, server, Venue.BINANCE_COINM));
    router.get("/fapi/v1/premiumIndex").handler(rc -> premiumIndex(rc, server, Venue.BINANCE_USDM));
    router.get("/dapi/v1/premiumIndex").handler(rc -> premiumIndex(rc, server, Venue.BINANCE_COINM));
    router.get("/futures/data/topLongShortPositionRatio").handler(rc -> longShort(rc, server, 1));
    router.get("/futures/data/globalLongShortAccountRatio").handler(rc -> longShort(rc, server, 2));
    router.get("/futures/data/topLongShortAccountRatio").handler(rc -> longShort(rc, server, 3));
    router.get("/api/v3/historicalTrades").handler(rc -> historicalTrades(rc, server, Venue.BINANCE_SPOT));
    router.get("/fapi/v1/historicalTrades").handler(rc -> historicalTrades(rc, server, Venue.BINANCE_USDM));
    router.get("/dapi/v1/historicalTrades").handler(rc -> historicalTrades(rc, server, Venue.BINANCE_COINM));
    router.get("/api/v3/trades").handler(rc -> recentTrades(rc, server, Venue.BINANCE_SPOT));
    router.get("/fapi/v1/trades").handler(rc -> recentTrades(rc, server, Venue.BINANCE_USDM));
    router.get("/dapi/v1/trades").handler(rc -> recentTrades(rc, server, Venue.BINANCE_COINM));
    router.get("/api/v3/aggTrades").handler(rc -> aggTrades(rc, server, Venue.BINANCE_SPOT));
    router.get("/fapi/v1/aggTrades").handler(rc -> aggTrades(rc, server, Venue.BINANCE_USDM));
    router.get("/dapi/v1/aggTrades").handler(rc -> aggTrades(rc, server, Venue.BINANCE_COINM));
  }

  /** {@code limit} as Binance reads it: absent gives the default, beyond the maximum is capped. */
  private static int limit(RoutingContext rc, int absent, int max) {
    String l = rc.request().getParam("limit");
    if (l == null) {
      return absent;
    }
    try {
      int v = Integer.parseInt(l);
      return v < 1 ? -1 : Math.min(v, max);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** {@code fromId}: -1 when absent (the newest), -2 when malformed. */
  private static long fromId(RoutingContext rc) {
    String f = rc.request().getParam("fromId");
    if (f == null) {
      return -1;
    }
    try {
      long v = Long.parseLong(f);
      return v < 0 ? -2 : v;
    } catch (NumberFormatException e) {
      return -2;
    }
  }

  private static boolean badPaging(RoutingContext rc, int limit, long fromId) {
    if (limit < 0) {
      json(rc, 400, "{\"code\":-1100,\"msg\":\"Illegal characters found in parameter 'limit'; legal range is '1-1000'.\"}");
      return true;
    }
    if (fromId == -2) {
      json(rc, 400, "{\"code\":-1100,\"msg\":\"Illegal characters found in parameter 'fromId'; legal range is "
          + "'0-9223372036854775807'.\"}");
      return true;
    }
    return false;
  }

  private void historicalTrades(RoutingContext rc, ExchangeServer server, Venue venue) {
    if (venue != Venue.BINANCE_SPOT) {
      // USDⓈ-M and COIN-M Old Trades Lookup are MARKET_DATA endpoints: an API key, no signature
      String key = rc.request().getHeader("X-MBX-APIKEY");
      if (key == null || key.isBlank()) {
        json(rc, 401, "{\"code\":-2014,\"msg\":\"API-key format invalid.\"}");
        return;
      }
    }
    int limit = venue == Venue.BINANCE_SPOT ? limit(rc, 500, 1000) : limit(rc, 100, 500);
    long fromId = fromId(rc);
    InstrumentModel m = pastTradesOf(rc, server, venue, limit, fromId);
    if (m == null) {
      return;
    }
    trades(rc, server, m, fromId >= 0 ? m.tradesFrom(fromId, limit) : newest(m, limit));
  }

  /** {@code trades}: the most recent trades (Recent Trades List), public on every market. */
  private void recentTrades(RoutingContext rc, ExchangeServer server, Venue venue) {
    int limit = limit(rc, 500, 1000);
    InstrumentModel m = pastTradesOf(rc, server, venue, limit, -1);
    if (m != null) {
      trades(rc, server, m, newest(m, limit));
    }
  }

  /** The newest {@code limit} trades, oldest first. */
  private static List<Trade> newest(InstrumentModel m, int limit) {
    List<Trade> trades = new java.util.ArrayList<>(m.tradesBelow(Long.MAX_VALUE, Long.MIN_VALUE, limit));
    java.util.Collections.reverse(trades);
    return trades;
  }

  private static void trades(RoutingContext rc, ExchangeServer server, InstrumentModel m, List<Trade> trades) {
    server.respond(rc, 200, array(trades, (sb, t) -> BinanceCodec.historicalTrade(sb, m.spec(), t)), true);
  }

  private static <T> String array(List<T> rows, java.util.function.BiConsumer<StringBuilder, T> row) {
    StringBuilder sb = new StringBuilder(16 + 140 * rows.size()).append('[');
    for (T r : rows) {
      if (sb.length() > 1) {
        sb.append(',');
      }
      row.accept(sb, r);
    }
    return sb.append(']').toString();
  }

  /** The checks of both past-trade routes; {@code null} when they already answered. */
  private InstrumentModel pastTradesOf(RoutingContext rc, ExchangeServer server, Venue venue, int limit, long fromId) {
    if (rejected(rc, server) || badPaging(rc, limit, fromId)) {
      return null;
    }
    return find(rc, venue);
  }

  private void aggTrades(RoutingContext rc, BinanceServer server, Venue venue) {
    int limit = limit(rc, 500, 1000);
    long fromId = fromId(rc);
    InstrumentModel m = pastTradesOf(rc, server, venue, limit, fromId);
    if (m == null) {
      return;
    }
    List<AggTrade> aggs = server.aggTrades(m, fromId, limit);
    server.respond(rc, 200, array(aggs, (sb, a) -> BinanceCodec.aggTradeRow(sb, m.spec(), a)), true);
  }

  private static boolean rejected(RoutingContext rc, ExchangeServer server) {
    return server.rejectedRequest(rc, status -> status == 418
        ? "{\"code\":-1003,\"msg\":\"Way too many requests; IP banned until " + (System.currentTimeMillis() + 120_000)
            + ". Please use the websocket for live updates to avoid bans.\"}"
        : "{\"code\":-1003,\"msg\":\"Too many requests; current limit is 2400 request weight per 1 MINUTE. "
            + "Please use the websocket for live updates to avoid polling the API.\"}");
  }

  private static void json(RoutingContext rc, int status, String body) {
    rc.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body);
  }

  private InstrumentModel find(RoutingContext rc, Venue venue) {
    String symbol = rc.request().getParam("symbol");
    if (symbol == null || symbol.isBlank()) {
      json(rc, 400, "{\"code\":-1102,\"msg\":\"Mandatory parameter 'symbol' was not sent, was empty/null, or malformed.\"}");
      return null;
    }
    for (InstrumentModel m : instruments) {
      if (m.spec().venue() == venue && m.spec().symbol().equalsIgnoreCase(symbol)) {
        return m;
      }
    }
    json(rc, 400, "{\"code\":-1121,\"msg\":\"Invalid symbol.\"}");
    return null;
  }

  private void depth(RoutingContext rc, ExchangeServer server, Venue venue) {
    if (rejected(rc, server)) {
      return;
    }
    String symbol = rc.request().getParam("symbol");
    if (ctx.replay() != null && symbol != null) {
      String captured = ctx.replay().response("depth", symbol);
      if (captured != null) {
        server.respond(rc, 200, captured, true);
        return;
      }
    }
    int limit = 100;
    String l = rc.request().getParam("limit");
    if (l != null) {
      try {
        limit = Integer.parseInt(l);
      } catch (NumberFormatException e) {
        limit = -1;
      }
      boolean ok = venue == Venue.BINANCE_SPOT ? limit >= 1 && limit <= 5000 : FUTURES_LIMITS.contains(limit);
      if (!ok) {
        json(rc, 400, "{\"code\":-1100,\"msg\":\"Illegal characters found in parameter 'limit'; legal range is '"
            + (venue == Venue.BINANCE_SPOT ? "1-5000" : "5, 10, 20, 50, 100, 500, 1000") + "'.\"}");
        return;
      }
    }
    InstrumentModel m = find(rc, venue);
    if (m == null) {
      return;
    }
    server.respond(rc, 200, BinanceCodec.depthSnapshot(m.spec(), m.snapshot(limit), System.currentTimeMillis()), true);
  }

  private void exchangeInfo(RoutingContext rc, ExchangeServer server, Venue venue) {
    if (rejected(rc, server)) {
      return;
    }
    if (ctx.replay() != null) {
      String captured = ctx.replay().response("exchangeInfo", "");
      if (captured != null) {
        server.respond(rc, 200, captured, false);
        return;
      }
    }
    long now = System.currentTimeMillis();
    JsonArray symbols = new JsonArray();
    for (InstrumentModel m : instruments) {
      InstrumentSpec s = m.spec();
      if (s.venue() != venue) {
        continue;
      }
      String tick = Decimals.format(s.tickUnits(), s.priceScale(), s.priceDecimals(), Decimals.FIXED);
      String step = Decimals.format(s.lotUnits(), s.qtyScale(), s.qtyDecimals(), Decimals.FIXED);
      JsonArray filters = new JsonArray()
          .add(new JsonObject().put("filterType", "PRICE_FILTER").put("minPrice", tick).put("maxPrice", "1000000")
              .put("tickSize", tick))
          .add(new JsonObject().put("filterType", "LOT_SIZE").put("minQty", step).put("maxQty", "9000")
              .put("stepSize", step));
      JsonObject o = new JsonObject().put("symbol", s.symbol());
      if (venue == Venue.BINANCE_SPOT) {
        o.put("status", "TRADING").put("baseAsset", s.base()).put("baseAssetPrecision", 8).put("quoteAsset", s.quote())
            .put("quotePrecision", 8).put("quoteAssetPrecision", 8)
            .put("orderTypes", new JsonArray().add("LIMIT").add("MARKET")).put("isSpotTradingAllowed", true)
            .put("filters", filters);
      } else {
        boolean perp = "perpetual".equals(s.marketType());
        String pair = s.symbol().contains("_") ? s.symbol().substring(0, s.symbol().indexOf('_')) : s.symbol();
        o.put("pair", pair).put("contractType", perp ? "PERPETUAL" : "CURRENT_QUARTER")
            .put("deliveryDate", perp ? 4133404800000L : now + 90L * 86_400_000L).put("onboardDate", 1569398400000L)
            .put(venue == Venue.BINANCE_COINM ? "contractStatus" : "status", "TRADING")
            .put("baseAsset", s.base()).put("quoteAsset", s.quote())
            .put("marginAsset", venue == Venue.BINANCE_COINM ? s.base() : s.quote())
            .put("pricePrecision", s.priceDecimals()).put("quantityPrecision", s.qtyDecimals())
            .put("baseAssetPrecision", 8).put("quotePrecision", 8);
        if (venue == Venue.BINANCE_COINM) {
          o.put("contractSize", 100);
        }
        o.put("filters", filters);
      }
      symbols.add(o);
    }
    JsonObject body = new JsonObject().put("timezone", "UTC").put("serverTime", now);
    if (venue == Venue.BINANCE_USDM) {
      body.put("futuresType", "U_MARGINED");
    }
    body.put("rateLimits", new JsonArray().add(new JsonObject().put("rateLimitType", "REQUEST_WEIGHT")
            .put("interval", "MINUTE").put("intervalNum", 1).put("limit", venue == Venue.BINANCE_SPOT ? 6000 : 2400)))
        .put("exchangeFilters", new JsonArray()).put("symbols", symbols);
    server.respond(rc, 200, body.encode(), false);
  }

  private void openInterest(RoutingContext rc, ExchangeServer server, Venue venue) {
    if (rejected(rc, server)) {
      return;
    }
    InstrumentModel m = find(rc, venue);
    if (m == null) {
      return;
    }
    InstrumentSpec s = m.spec();
    String oi = s.qty(m.openInterest());
    long now = System.currentTimeMillis();
    String body = venue == Venue.BINANCE_COINM
        ? "{\"symbol\":\"" + s.symbol() + "\",\"pair\":\"" + s.symbol().substring(0, s.symbol().indexOf('_'))
            + "\",\"openInterest\":\"" + oi + "\",\"contractType\":\"PERPETUAL\",\"time\":" + now + "}"
        : "{\"openInterest\":\"" + oi + "\",\"symbol\":\"" + s.symbol() + "\",\"time\":" + now + "}";
    server.respond(rc, 200, body, false);
  }

  private void premiumIndex(RoutingContext rc, ExchangeServer server, Venue venue) {
    if (rejected(rc, server)) {
      return;
    }
    InstrumentModel m = find(rc, venue);
    if (m == null) {
      return;
    }
    InstrumentSpec s = m.spec();
    long now = System.currentTimeMillis();
    StringBuilder sb = new StringBuilder("{\"symbol\":\"").append(s.symbol()).append("\",\"markPrice\":\"");
    Decimals.append(sb, m.markPrice(), s.priceScale(), 8, Decimals.FIXED).append("\",\"indexPrice\":\"");
    Decimals.append(sb, m.indexPrice(), s.priceScale(), 8, Decimals.FIXED).append("\",\"estimatedSettlePrice\":\"");
    Decimals.append(sb, m.indexPrice(), s.priceScale(), 8, Decimals.FIXED).append("\",\"lastFundingRate\":\"");
    BinanceCodec.rate(sb, m.fundingRate()).append("\",\"interestRate\":\"0.00010000\",\"nextFundingTime\":")
        .append(InstrumentModel.nextFundingTime(now)).append(",\"time\":").append(now).append('}');
    server.respond(rc, 200, sb.toString(), false);
  }

  /** Long/short ratio history: one row per period, deterministic per symbol and period start. */
  private void longShort(RoutingContext rc, ExchangeServer server, int kind) {
    if (rejected(rc, server)) {
      return;
    }
    InstrumentModel m = find(rc, Venue.BINANCE_USDM);
    if (m == null) {
      return;
    }
    String period = rc.request().getParam("period", "5m");
    long periodMs = switch (period) {
      case "5m" -> 300_000L;
      case "15m" -> 900_000L;
      case "30m" -> 1_800_000L;
      case "1h" -> 3_600_000L;
      case "2h" -> 7_200_000L;
      case "4h" -> 14_400_000L;
      case "6h" -> 21_600_000L;
      case "12h" -> 43_200_000L;
      case "1d" -> 86_400_000L;
      default -> -1L;
    };
    if (periodMs < 0) {
      json(rc, 400, "{\"code\":-1102,\"msg\":\"Mandatory parameter 'period' was not sent, was empty/null, or malformed.\"}");
      return;
    }
    int limit = Math.max(1, Math.min(500, Integer.parseInt(rc.request().getParam("limit", "30"))));
    long step = ctx.options().statsStepMs(periodMs);
    long last = System.currentTimeMillis() / step * step;
    StringBuilder sb = new StringBuilder("[");
    for (int i = limit - 1; i >= 0; i--) {
      long ts = last - i * step;
      SplittableRandom r = new SplittableRandom(ctx.options().getSeed() ^ ts ^ m.spec().symbol().hashCode() * 31L ^ kind);
      long longPart = 4_000 + r.nextLong(2_500);
      long shortPart = 10_000 - longPart;
      if (sb.length() > 1) {
        sb.append(',');
      }
      sb.append("{\"symbol\":\"").append(m.spec().symbol()).append("\",\"longShortRatio\":\"");
      Decimals.append(sb, longPart * 10_000 / shortPart, 4, 4, Decimals.FIXED).append("\",\"longAccount\":\"");
      Decimals.append(sb, longPart, 4, 4, Decimals.FIXED).append("\",\"shortAccount\":\"");
      Decimals.append(sb, shortPart, 4, 4, Decimals.FIXED).append("\",\"timestamp\":").append(ts).append('}');
    }
    server.respond(rc, 200, sb.append(']').toString(), false);
  }
}
