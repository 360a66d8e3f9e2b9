package io.marketprism.simulator.binance;

import io.marketprism.simulator.model.BookDelta;
import io.marketprism.simulator.model.BookSnapshot;
import io.marketprism.simulator.model.Decimals;
import io.marketprism.simulator.model.InstrumentModel;
import io.marketprism.simulator.model.InstrumentSpec;
import io.marketprism.simulator.model.Kline;
import io.marketprism.simulator.model.LevelChange;
import io.marketprism.simulator.model.Liquidation;
import io.marketprism.simulator.model.Trade;
import io.marketprism.simulator.model.Venue;
import java.util.List;

/**
 * Binance message text, field for field as spot, USDⓈ-M and COIN-M send it (spot events carry no
 * {@code T}/{@code pu}; futures carry both; COIN-M adds {@code ps}). Built with a StringBuilder, no JSON tree.
 */
public final class BinanceCodec {

  private BinanceCodec() {
  }

  private static boolean futures(InstrumentSpec s) {
    return s.venue() != Venue.BINANCE_SPOT;
  }

  private static void pair(StringBuilder sb, InstrumentSpec s) {
    if (s.venue() == Venue.BINANCE_COINM) {
      sb.append(",\"ps\":\"").append(s.symbol(), 0, s.symbol().indexOf('_')).append('"');
    }
  }

  /** {@code <symbol>@depth} diff event. */
  public static String depth(InstrumentSpec s, BookDelta d) {
    StringBuilder sb = new StringBuilder(64 + 40 * (d.bids().size() + d.asks().size()));
    sb.append("{\"e\":\"depthUpdate\",\"E\":").append(d.ts());
    if (futures(s)) {
      sb.append(",\"T\":").append(d.ts());
    }
    sb.append(",\"s\":\"").append(s.symbol()).append('"');
    pair(sb, s);
    sb.append(",\"U\":").append(d.firstId()).append(",\"u\":").append(d.lastId());
    if (futures(s)) {
      sb.append(",\"pu\":").append(d.prevId());
    }
    sb.append(",\"b\":");
    changes(sb, s, d.bids());
    sb.append(",\"a\":");
    changes(sb, s, d.asks());
    return sb.append('}').toString();
  }

  private static void changes(StringBuilder sb, InstrumentSpec s, List<LevelChange> list) {
    sb.append('[');
    for (int i = 0; i < list.size(); i++) {
      LevelChange c = list.get(i);
      if (i > 0) {
        sb.append(',');
      }
      sb.append("[\"");
      s.appendPrice(sb, c.price()).append("\",\"");
      s.appendQty(sb, c.qty()).append("\"]");
    }
    sb.append(']');
  }

  private static void levels(StringBuilder sb, InstrumentSpec s, List<long[]> list) {
    sb.append('[');
    for (int i = 0; i < list.size(); i++) {
      if (i > 0) {
        sb.append(',');
      }
      sb.append("[\"");
      s.appendPrice(sb, list.get(i)[0]).append("\",\"");
      s.appendQty(sb, list.get(i)[1]).append("\"]");
    }
    sb.append(']');
  }

  /** {@code <symbol>@trade} event. */
  public static String trade(InstrumentSpec s, Trade t) {
    StringBuilder sb = new StringBuilder(160);
    sb.append("{\"e\":\"trade\",\"E\":").append(t.ts());
    if (futures(s)) {
      sb.append(",\"T\":").append(t.ts());
    }
    sb.append(",\"s\":\"").append(s.symbol()).append("\",\"t\":").append(t.id()).append(",\"p\":\"");
    s.appendPrice(sb, t.price()).append("\",\"q\":\"");
    s.appendQty(sb, t.qty()).append('"');
    if (futures(s)) {
      sb.append(",\"X\":\"MARKET\",\"m\":").append(!t.takerBuy()).append('}');
    } else {
      sb.append(",\"T\":").append(t.ts()).append(",\"m\":").append(!t.takerBuy()).append(",\"M\":true}");
    }
    return sb.toString();
  }

  /** {@code <symbol>@aggTrade} event for trades {@code first..last} at one price. */
  public static String aggTrade(InstrumentSpec s, long aggId, List<Trade> group) {
    Trade first = group.get(0);
    Trade last = group.get(group.size() - 1);
    long qty = Trade.totalQty(group);
    StringBuilder sb = new StringBuilder(180);
    sb.append("{\"e\":\"aggTrade\",\"E\":").append(last.ts());
    if (futures(s)) {
      sb.append(",\"a\":").append(aggId).append(",\"s\":\"").append(s.symbol()).append('"');
    } else {
      sb.append(",\"s\":\"").append(s.symbol()).append("\",\"a\":").append(aggId);
    }
    sb.append(",\"p\":\"");
    s.appendPrice(sb, first.price()).append("\",\"q\":\"");
    s.appendQty(sb, qty).append("\",\"f\":").append(first.id()).append(",\"l\":").append(last.id())
        .append(",\"T\":").append(last.ts()).append(",\"m\":").append(!first.takerBuy());
    if (!futures(s)) {
      sb.append(",\"M\":true");
    }
    return sb.append('}').toString();
  }

  /** A {@code historicalTrades} row: spot has {@code quoteQty} and {@code isBestMatch}, COIN-M {@code baseQty}. */
  public static void historicalTrade(StringBuilder sb, InstrumentSpec s, Trade t) {
    sb.append("{\"id\":").append(t.id()).append(",\"price\":\"");
    s.appendPrice(sb, t.price()).append("\",\"qty\":\"");
    s.appendQty(sb, t.qty()).append("\",");
    java.math.BigDecimal price = new java.math.BigDecimal(s.price(t.price()));
    java.math.BigDecimal qty = new java.math.BigDecimal(s.qty(t.qty()));
    if (s.venue() == Venue.BINANCE_COINM) {
      // COIN-M quantities are contracts of 100 USD: baseQty is their value in the base asset
      sb.append("\"baseQty\":\"").append(qty.multiply(java.math.BigDecimal.valueOf(100))
          .divide(price, 8, java.math.RoundingMode.HALF_EVEN).toPlainString()).append('"');
    } else {
      sb.append("\"quoteQty\":\"").append(price.multiply(qty).stripTrailingZeros().toPlainString()).append('"');
    }
    sb.append(",\"time\":").append(t.ts()).append(",\"isBuyerMaker\":").append(!t.takerBuy());
    if (!futures(s)) {
      sb.append(",\"isBestMatch\":true");
    }
    sb.append('}');
  }

  /** An {@code aggTrades} row. */
  public static void aggTradeRow(StringBuilder sb, InstrumentSpec s, AggTrade a) {
    Trade first = a.trades().get(0);
    Trade last = a.trades().get(a.trades().size() - 1);
    long qty = Trade.totalQty(a.trades());
    sb.append("{\"a\":").append(a.id()).append(",\"p\":\"");
    s.appendPrice(sb, first.price()).append("\",\"q\":\"");
    s.appendQty(sb, qty).append("\",\"f\":").append(first.id()).append(",\"l\":").append(last.id())
        .append(",\"T\":").append(last.ts()).append(",\"m\":").append(!first.takerBuy());
    if (!futures(s)) {
      sb.append(",\"M\":true");
    }
    sb.append('}');
  }

  /** {@code <symbol>@bookTicker} event. */
  public static String bookTicker(InstrumentSpec s, long updateId, long[] bid, long[] ask, long ts) {
    StringBuilder sb = new StringBuilder(160);
    sb.append('{');
    if (futures(s)) {
      sb.append("\"e\":\"bookTicker\",");
    }
    sb.append("\"u\":").append(updateId).append(",\"s\":\"").append(s.symbol()).append('"');
    pair(sb, s);
    sb.append(",\"b\":\"");
    s.appendPrice(sb, bid[0]).append("\",\"B\":\"");
    s.appendQty(sb, bid[1]).append("\",\"a\":\"");
    s.appendPrice(sb, ask[0]).append("\",\"A\":\"");
    s.appendQty(sb, ask[1]).append('"');
    if (futures(s)) {
      sb.append(",\"T\":").append(ts).append(",\"E\":").append(ts);
    }
    return sb.append('}').toString();
  }

  /** {@code <symbol>@kline_1m} event. */
  public static String kline(InstrumentSpec s, Kline k, long now) {
    StringBuilder sb = new StringBuilder(400);
    sb.append("{\"e\":\"kline\",\"E\":").append(now).append(",\"s\":\"").append(s.symbol())
        .append("\",\"k\":{\"t\":").append(k.openTime()).append(",\"T\":").append(k.closeTime())
        .append(",\"s\":\"").append(s.symbol()).append("\",\"i\":\"1m\",\"f\":").append(k.firstTradeId())
        .append(",\"L\":").append(k.lastTradeId()).append(",\"o\":\"");
    s.appendPrice(sb, k.open()).append("\",\"c\":\"");
    s.appendPrice(sb, k.close()).append("\",\"h\":\"");
    s.appendPrice(sb, k.high()).append("\",\"l\":\"");
    s.appendPrice(sb, k.low()).append("\",\"v\":\"");
    s.appendQty(sb, k.volume()).append("\",\"n\":").append(k.count()).append(",\"x\":").append(k.closed())
        .append(",\"q\":\"");
    quote(sb, s, k.quoteVolume()).append("\",\"V\":\"");
    s.appendQty(sb, k.volume() / 2 / s.lotUnits() * s.lotUnits()).append("\",\"Q\":\"");
    quote(sb, s, k.quoteVolume() / 2).append("\",\"B\":\"0\"}}");
    return sb.toString();
  }

  private static StringBuilder quote(StringBuilder sb, InstrumentSpec s, long units) {
    int scale = s.priceScale() + s.qtyScale();
    int decimals = Math.max(s.priceDecimals(), s.qtyDecimals());
    if (scale > decimals) {
      units /= Decimals.pow10(scale - decimals);
      scale = decimals;
    }
    return Decimals.append(sb, units, scale, decimals, Decimals.FIXED);
  }

  /** {@code <symbol>@markPrice@1s} event (futures). */
  public static String markPrice(InstrumentModel m, long now) {
    InstrumentSpec s = m.spec();
    StringBuilder sb = new StringBuilder(200);
    sb.append("{\"e\":\"markPriceUpdate\",\"E\":").append(now).append(",\"s\":\"").append(s.symbol())
        .append("\",\"p\":\"");
    Decimals.append(sb, m.markPrice(), s.priceScale(), 8, Decimals.FIXED).append("\",\"P\":\"");
    Decimals.append(sb, m.indexPrice(), s.priceScale(), 8, Decimals.FIXED).append("\",\"i\":\"");
    Decimals.append(sb, m.indexPrice(), s.priceScale(), 8, Decimals.FIXED).append("\",\"r\":\"");
    rate(sb, m.fundingRate()).append("\",\"T\":").append(InstrumentModel.nextFundingTime(now)).append('}');
    return sb.toString();
  }

  /** A funding rate with 8 decimals. */
  static StringBuilder rate(StringBuilder sb, double r) {
    return Decimals.append(sb, Math.round(r * 1e8), 8, 8, Decimals.FIXED);
  }

  /** {@code <symbol>@forceOrder} event (futures). */
  public static String forceOrder(InstrumentSpec s, Liquidation l) {
    StringBuilder sb = new StringBuilder(260);
    sb.append("{\"e\":\"forceOrder\",\"E\":").append(l.ts() + 3).append(",\"o\":{\"s\":\"").append(s.symbol())
        .append('"');
    pair(sb, s);
    sb.append(",\"S\":\"").append(l.buy() ? "BUY" : "SELL").append("\",\"o\":\"LIMIT\",\"f\":\"IOC\",\"q\":\"");
    s.appendQty(sb, l.qty()).append("\",\"p\":\"");
    s.appendPrice(sb, l.price()).append("\",\"ap\":\"");
    s.appendPrice(sb, l.price()).append("\",\"X\":\"FILLED\",\"l\":\"");
    s.appendQty(sb, l.qty()).append("\",\"z\":\"");
    s.appendQty(sb, l.qty()).append("\",\"T\":").append(l.ts()).append("}}");
    return sb.toString();
  }

  /** {@code <symbol>@ticker} 24h rolling statistics event. */
  public static String ticker24h(InstrumentModel m, long now) {
    InstrumentSpec s = m.spec();
    long[] t = m.ticker();
    long[] bid = m.bestBid();
    long[] ask = m.bestAsk();
    StringBuilder sb = new StringBuilder(400);
    sb.append("{\"e\":\"24hrTicker\",\"E\":").append(now).append(",\"s\":\"").append(s.symbol())
        .append("\",\"p\":\"");
    s.appendPrice(sb, t[3] - t[0]).append("\",\"P\":\"");
    Decimals.append(sb, t[0] == 0 ? 0 : Math.round((t[3] - t[0]) * 100_000.0 / t[0]), 3, 3, Decimals.FIXED)
        .append("\",\"w\":\"");
    s.appendPrice(sb, t[5] == 0 ? t[3] : t[6] / t[5]).append('"');
    if (!futures(s)) {
      sb.append(",\"x\":\"");
      s.appendPrice(sb, t[0]).append('"');
    }
    sb.append(",\"c\":\"");
    s.appendPrice(sb, t[3]).append("\",\"Q\":\"");
    s.appendQty(sb, t[4]).append('"');
    if (!futures(s) && bid != null && ask != null) {
      sb.append(",\"b\":\"");
      s.appendPrice(sb, bid[0]).append("\",\"B\":\"");
      s.appendQty(sb, bid[1]).append("\",\"a\":\"");
      s.appendPrice(sb, ask[0]).append("\",\"A\":\"");
      s.appendQty(sb, ask[1]).append('"');
    }
    sb.append(",\"o\":\"");
    s.appendPrice(sb, t[0]).append("\",\"h\":\"");
    s.appendPrice(sb, t[1]).append("\",\"l\":\"");
    s.appendPrice(sb, t[2]).append("\",\"v\":\"");
    s.appendQty(sb, t[5]).append("\",\"q\":\"");
    quote(sb, s, t[6]).append("\",\"O\":").append(now - 86_400_000L).append(",\"C\":").append(now)
        .append(",\"F\":").append(t[7]).append(",\"L\":").append(t[8]).append(",\"n\":").append(t[9]).append('}');
    return sb.toString();
  }

  /** REST depth snapshot body ({@code /api/v3/depth}, {@code /fapi/v1/depth}, {@code /dapi/v1/depth}). */
  public static String depthSnapshot(InstrumentSpec s, BookSnapshot snap, long now) {
    StringBuilder sb = new StringBuilder(64 + 40 * (snap.bids().size() + snap.asks().size()));
    sb.append("{\"lastUpdateId\":").append(snap.lastUpdateId());
    if (futures(s)) {
      sb.append(",\"E\":").append(now).append(",\"T\":").append(now);
    }
    if (s.venue() == Venue.BINANCE_COINM) {
      sb.append(",\"symbol\":\"").append(s.symbol()).append("\",\"pair\":\"")
          .append(s.symbol(), 0, s.symbol().indexOf('_')).append('"');
    }
    sb.append(",\"bids\":");
    levels(sb, s, snap.bids());
    sb.append(",\"asks\":");
    levels(sb, s, snap.asks());
    return sb.append('}').toString();
  }
}
