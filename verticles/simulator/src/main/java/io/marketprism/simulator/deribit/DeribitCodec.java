package io.marketprism.simulator.deribit;

import io.marketprism.simulator.model.BookDelta;
import io.marketprism.simulator.model.BookSnapshot;
import io.marketprism.simulator.model.Decimals;
import io.marketprism.simulator.model.InstrumentModel;
import io.marketprism.simulator.model.InstrumentSpec;
import io.marketprism.simulator.model.LevelChange;
import io.marketprism.simulator.model.Trade;
import java.util.List;

/** Deribit v2 JSON-RPC notification text, prices and amounts as JSON numbers the way Deribit prints them. */
public final class DeribitCodec {

  private DeribitCodec() {
  }

  private static StringBuilder open(String channel, int size) {
    return new StringBuilder(size).append("{\"jsonrpc\":\"2.0\",\"method\":\"subscription\",\"params\":{\"channel\":\"")
        .append(channel).append("\",\"data\":");
  }

  private static String close(StringBuilder sb) {
    return sb.append("}}").toString();
  }

  /** A {@code book.*} change notification. */
  public static String bookChange(InstrumentSpec s, String channel, BookDelta d) {
    StringBuilder sb = open(channel, 200 + 40 * (d.bids().size() + d.asks().size()));
    sb.append("{\"type\":\"change\",\"timestamp\":").append(d.ts()).append(",\"prev_change_id\":").append(d.prevId())
        .append(",\"instrument_name\":\"").append(s.symbol()).append("\",\"change_id\":").append(d.lastId())
        .append(",\"bids\":");
    changes(sb, s, d.bids());
    sb.append(",\"asks\":");
    changes(sb, s, d.asks());
    return close(sb.append('}'));
  }

  private static void changes(StringBuilder sb, InstrumentSpec s, List<LevelChange> list) {
    sb.append('[');
    for (int i = 0; i < list.size(); i++) {
      LevelChange c = list.get(i);
      if (i > 0) {
        sb.append(',');
      }
      sb.append("[\"").append(c.action().word()).append("\",");
      s.appendPrice(sb, c.price()).append(',');
      s.appendQty(sb, c.qty()).append(']');
    }
    sb.append(']');
  }

  /** A {@code book.*} snapshot notification (no {@code prev_change_id}). */
  public static String bookSnapshot(InstrumentSpec s, String channel, BookSnapshot snap, long ts) {
    StringBuilder sb = open(channel, 200 + 40 * (snap.bids().size() + snap.asks().size()));
    sb.append("{\"type\":\"snapshot\",\"timestamp\":").append(ts).append(",\"instrument_name\":\"").append(s.symbol())
        .append("\",\"change_id\":").append(snap.lastUpdateId()).append(",\"bids\":");
    newLevels(sb, s, snap.bids());
    sb.append(",\"asks\":");
    newLevels(sb, s, snap.asks());
    return close(sb.append('}'));
  }

  private static void newLevels(StringBuilder sb, InstrumentSpec s, List<long[]> list) {
    sb.append('[');
    for (int i = 0; i < list.size(); i++) {
      if (i > 0) {
        sb.append(',');
      }
      sb.append("[\"new\",");
      s.appendPrice(sb, list.get(i)[0]).append(',');
      s.appendQty(sb, list.get(i)[1]).append(']');
    }
    sb.append(']');
  }

  /** Levels as {@code [[price, amount], ...]} (get_order_book). */
  public static String plainLevels(InstrumentSpec s, List<long[]> list) {
    StringBuilder sb = new StringBuilder(30 * list.size() + 2).append('[');
    for (int i = 0; i < list.size(); i++) {
      if (i > 0) {
        sb.append(',');
      }
      sb.append('[');
      s.appendPrice(sb, list.get(i)[0]).append(',');
      s.appendQty(sb, list.get(i)[1]).append(']');
    }
    return sb.append(']').toString();
  }

  /** A {@code trades.*} notification for a burst. */
  public static String trades(InstrumentModel m, String channel, List<Trade> trades) {
    StringBuilder sb = open(channel, 120 + 260 * trades.size()).append('[');
    for (int i = 0; i < trades.size(); i++) {
      if (i > 0) {
        sb.append(',');
      }
      trade(sb, m, trades.get(i));
    }
    return close(sb.append(']'));
  }

  /** The {@code trade_seq} of a model trade (consecutive, as Deribit's per instrument). */
  public static long tradeSeq(Trade t) {
    return t.id() - 900_000L;
  }

  /** The model trade id of a {@code trade_seq}. */
  public static long tradeId(long tradeSeq) {
    return tradeSeq + 900_000L;
  }

  /** One trade object, as in notifications and in {@code public/get_last_trades_by_instrument}. */
  public static void trade(StringBuilder sb, InstrumentModel m, Trade t) {
    InstrumentSpec s = m.spec();
    sb.append("{\"trade_seq\":").append(tradeSeq(t)).append(",\"trade_id\":\"").append(t.id())
        .append("\",\"timestamp\":").append(t.ts()).append(",\"tick_direction\":").append(t.takerBuy() ? 0 : 2)
        .append(",\"price\":");
    s.appendPrice(sb, t.price()).append(",\"mark_price\":");
    s.appendPrice(sb, m.markPrice()).append(",\"instrument_name\":\"").append(s.symbol())
        .append("\",\"index_price\":");
    s.appendPrice(sb, m.indexPrice()).append(",\"direction\":\"").append(t.takerBuy() ? "buy" : "sell")
        .append("\",\"amount\":");
    s.appendQty(sb, t.qty());
    if (!"options".equals(s.marketType())) {
      sb.append(",\"contracts\":");
      Decimals.append(sb, t.qty() / s.lotUnits(), 0, 0, Decimals.NUMBER);
    }
    String liquidation = liquidation(s, t);
    if (liquidation != null) {
      sb.append(",\"liquidation\":\"").append(liquidation).append('"');
    }
    sb.append('}');
  }

  /**
   * Deribit has no liquidation channel: it flags a trade whose taker's ({@code "T"}), maker's
   * ({@code "M"}) or both orders ({@code "MT"}) were liquidations. The simulator flags about one
   * derivatives trade in 16, chosen by its id, so that notifications and REST pages agree.
   *
   * @return the flag of a trade, or null for an ordinary one
   */
  static String liquidation(InstrumentSpec s, Trade t) {
    if ("spot".equals(s.marketType())) {
      return null;
    }
    long h = (t.id() * 0x9E3779B97F4A7C15L) >>> 58; // 0..63, spread over consecutive ids
    return h < 2 ? "T" : h == 2 ? "M" : h == 3 ? "MT" : null;
  }

  /** The ticker object (notification data and {@code public/ticker} result). */
  public static String tickerData(InstrumentModel m, long now) {
    InstrumentSpec s = m.spec();
    long[] t = m.ticker();
    long[] bid = m.bestBid();
    long[] ask = m.bestAsk();
    boolean option = "options".equals(s.marketType());
    StringBuilder sb = new StringBuilder(700);
    sb.append("{\"timestamp\":").append(now).append(",\"stats\":{\"volume\":");
    s.appendQty(sb, t[5]).append(",\"price_change\":");
    num(sb, t[0] == 0 ? 0 : (t[3] - t[0]) * 100.0 / t[0], 4).append(",\"low\":");
    s.appendPrice(sb, t[2]).append(",\"high\":");
    s.appendPrice(sb, t[1]).append("},\"state\":\"open\",\"settlement_price\":");
    s.appendPrice(sb, t[0]).append(",\"open_interest\":");
    s.appendQty(sb, m.openInterest()).append(",\"min_price\":");
    s.appendPrice(sb, Math.max(s.tickUnits(), m.markPrice() * 97 / 100 / s.tickUnits() * s.tickUnits()))
        .append(",\"max_price\":");
    s.appendPrice(sb, m.markPrice() * 103 / 100 / s.tickUnits() * s.tickUnits()).append(",\"mark_price\":");
    s.appendPrice(sb, m.markPrice()).append(",\"last_price\":");
    s.appendPrice(sb, t[3]).append(",\"instrument_name\":\"").append(s.symbol()).append("\",\"index_price\":");
    s.appendPrice(sb, m.indexPrice());
    if (option) {
      sb.append(",\"underlying_price\":");
      num(sb, "BTC".equals(s.base()) ? 60_000 : 3_000, 2).append(",\"underlying_index\":\"index_price\"")
          .append(",\"mark_iv\":");
      num(sb, m.volatilityIndex(), 2).append(",\"bid_iv\":");
      num(sb, m.volatilityIndex() - 1, 2).append(",\"ask_iv\":");
      num(sb, m.volatilityIndex() + 1, 2).append(",\"interest_rate\":0.0,\"greeks\":{\"vega\":10.5,\"theta\":-4.2,"
          + "\"rho\":2.1,\"gamma\":0.00001,\"delta\":0.25}");
    } else {
      sb.append(",\"funding_8h\":");
      num(sb, m.fundingRate(), 8).append(",\"current_funding\":");
      num(sb, m.fundingRate() / 8, 8).append(",\"interest_value\":");
      num(sb, m.fundingRate(), 8);
    }
    sb.append(",\"estimated_delivery_price\":");
    s.appendPrice(sb, m.indexPrice()).append(",\"best_bid_price\":");
    s.appendPrice(sb, bid == null ? 0 : bid[0]).append(",\"best_bid_amount\":");
    s.appendQty(sb, bid == null ? 0 : bid[1]).append(",\"best_ask_price\":");
    s.appendPrice(sb, ask == null ? 0 : ask[0]).append(",\"best_ask_amount\":");
    s.appendQty(sb, ask == null ? 0 : ask[1]);
    return sb.append('}').toString();
  }

  /** A {@code ticker.*} notification. */
  public static String ticker(InstrumentModel m, String channel, long now) {
    return close(open(channel, 800).append(tickerData(m, now)));
  }

  /** A {@code deribit_volatility_index.*} notification. */
  public static String volatility(String index, double value, long now) {
    StringBuilder sb = open("deribit_volatility_index." + index, 200).append("{\"volatility\":");
    num(sb, value, 2).append(",\"timestamp\":").append(now).append(",\"index_name\":\"").append(index).append("\"}");
    return close(sb);
  }

  /** A double as a JSON number with at most {@code digits} decimals (and at least one). */
  static StringBuilder num(StringBuilder sb, double v, int digits) {
    return Decimals.append(sb, Math.round(v * Decimals.pow10(digits)), digits, 0, Decimals.NUMBER);
  }
}
