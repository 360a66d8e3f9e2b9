package io.marketprism.simulator.okx;

import io.marketprism.simulator.model.BookDelta;
import io.marketprism.simulator.model.BookSnapshot;
import io.marketprism.simulator.model.Decimals;
import io.marketprism.simulator.model.InstrumentModel;
import io.marketprism.simulator.model.InstrumentSpec;
import io.marketprism.simulator.model.Kline;
import io.marketprism.simulator.model.LevelChange;
import io.marketprism.simulator.model.Liquidation;
import io.marketprism.simulator.model.Trade;
import java.util.ArrayList;
import java.util.List;

/** OKX v5 public message text ({@code arg}/{@code action}/{@code data} pushes), built without a JSON tree. */
public final class OkxCodec {

  private OkxCodec() {
  }

  /** The {@code arg} object of a channel on an instrument. */
  public static String arg(String channel, String instId) {
    return "{\"channel\":\"" + channel + "\",\"instId\":\"" + instId + "\"}";
  }

  /** OKX's instType of a spec. */
  public static String instType(InstrumentSpec s) {
    return switch (s.marketType()) {
      case "perpetual" -> "SWAP";
      case "futures" -> "FUTURES";
      case "options" -> "OPTION";
      default -> "SPOT";
    };
  }

  /** The instrument family ({@code BTC-USDT}) of a derivative. */
  public static String family(InstrumentSpec s) {
    return s.base() + "-" + s.quote();
  }

  private static long orders(InstrumentSpec s, long qty) {
    return qty == 0 ? 0 : 1 + (qty / s.lotUnits()) % 9;
  }

  private static void level(StringBuilder sb, InstrumentSpec s, long px, long qty) {
    sb.append("[\"");
    s.appendPrice(sb, px).append("\",\"");
    s.appendQty(sb, qty).append("\",\"0\",\"").append(orders(s, qty)).append("\"]");
  }

  /** The {@code books} checksum of the instrument's current book. */
  public static int checksum(InstrumentModel m) {
    InstrumentSpec s = m.spec();
    return OkxChecksum.of(strings(s, m.topBids(25)), strings(s, m.topAsks(25)));
  }

  private static List<String[]> strings(InstrumentSpec s, List<long[]> levels) {
    List<String[]> out = new ArrayList<>(levels.size());
    for (long[] l : levels) {
      out.add(new String[] {s.price(l[0]), s.qty(l[1])});
    }
    return out;
  }

  /** A {@code books} update push. */
  public static String bookUpdate(InstrumentSpec s, String channel, BookDelta d, int checksum) {
    StringBuilder sb = new StringBuilder(160 + 48 * (d.bids().size() + d.asks().size()));
    sb.append("{\"arg\":").append(arg(channel, s.symbol())).append(",\"action\":\"update\",\"data\":[{\"asks\":[");
    changes(sb, s, d.asks());
    sb.append("],\"bids\":[");
    changes(sb, s, d.bids());
    sb.append("],\"ts\":\"").append(d.ts()).append("\",\"checksum\":").append(checksum).append(",\"prevSeqId\":")
        .append(d.prevId()).append(",\"seqId\":").append(d.lastId()).append("}]}");
    return sb.toString();
  }

  private static void changes(StringBuilder sb, InstrumentSpec s, List<LevelChange> list) {
    for (int i = 0; i < list.size(); i++) {
      if (i > 0) {
        sb.append(',');
      }
      level(sb, s, list.get(i).price(), list.get(i).qty());
    }
  }

  /** A {@code books} snapshot push ({@code prevSeqId} -1). */
  public static String bookSnapshot(InstrumentSpec s, String channel, BookSnapshot snap, int checksum, long ts) {
    StringBuilder sb = new StringBuilder(200 + 48 * (snap.bids().size() + snap.asks().size()));
    sb.append("{\"arg\":").append(arg(channel, s.symbol())).append(",\"action\":\"snapshot\",\"data\":[{\"asks\":[");
    levels(sb, s, snap.asks());
    sb.append("],\"bids\":[");
    levels(sb, s, snap.bids());
    sb.append("],\"ts\":\"").append(ts).append("\",\"checksum\":").append(checksum)
        .append(",\"prevSeqId\":-1,\"seqId\":").append(snap.lastUpdateId()).append("}]}");
    return sb.toString();
  }

  private static void levels(StringBuilder sb, InstrumentSpec s, List<long[]> list) {
    for (int i = 0; i < list.size(); i++) {
      if (i > 0) {
        sb.append(',');
      }
      level(sb, s, list.get(i)[0], list.get(i)[1]);
    }
  }

  /** REST {@code /api/v5/market/books} body. */
  public static String restBooks(InstrumentSpec s, BookSnapshot snap, long ts) {
    StringBuilder sb = new StringBuilder(100 + 48 * (snap.bids().size() + snap.asks().size()));
    sb.append("{\"code\":\"0\",\"msg\":\"\",\"data\":[{\"asks\":[");
    levels(sb, s, snap.asks());
    sb.append("],\"bids\":[");
    levels(sb, s, snap.bids());
    return sb.append("],\"ts\":\"").append(ts).append("\"}]}").toString();
  }

  /** A {@code bbo-tbt} push. */
  public static String bbo(InstrumentSpec s, long[] bid, long[] ask, long ts, long seqId) {
    StringBuilder sb = new StringBuilder(220);
    sb.append("{\"arg\":").append(arg("bbo-tbt", s.symbol())).append(",\"data\":[{\"asks\":[");
    level(sb, s, ask[0], ask[1]);
    sb.append("],\"bids\":[");
    level(sb, s, bid[0], bid[1]);
    return sb.append("],\"ts\":\"").append(ts).append("\",\"seqId\":").append(seqId).append("}]}").toString();
  }

  /**
   * A {@code trades} push: the matches of one taker order at one price aggregated as OKX does,
   * {@code tradeId} the last match's id, {@code sz} their total, {@code count} how many.
   */
  public static String trade(InstrumentSpec s, List<Trade> run) {
    Trade last = run.get(run.size() - 1);
    StringBuilder sb = new StringBuilder(200);
    sb.append("{\"arg\":").append(arg("trades", s.symbol())).append(",\"data\":[{\"instId\":\"").append(s.symbol())
        .append("\",\"tradeId\":\"").append(last.id()).append("\",\"px\":\"");
    s.appendPrice(sb, last.price()).append("\",\"sz\":\"");
    s.appendQty(sb, Trade.totalQty(run)).append("\",\"side\":\"").append(last.takerBuy() ? "buy" : "sell")
        .append("\",\"ts\":\"").append(last.ts()).append("\",\"count\":\"").append(run.size()).append("\"}]}");
    return sb.toString();
  }

  /**
   * A {@code trades-all} push: one match, under its own id (the one {@code history-trades} gives
   * it), no {@code count}; field order as OKX sends it.
   */
  public static String tradeAll(InstrumentSpec s, Trade t) {
    StringBuilder sb = new StringBuilder(200);
    sb.append("{\"arg\":").append(arg("trades-all", s.symbol())).append(",\"data\":[{\"instId\":\"")
        .append(s.symbol()).append("\",\"tradeId\":\"").append(t.id()).append("\",\"px\":\"");
    s.appendPrice(sb, t.price()).append("\",\"sz\":\"");
    s.appendQty(sb, t.qty()).append("\",\"side\":\"").append(t.takerBuy() ? "buy" : "sell")
        .append("\",\"source\":\"0\",\"ts\":\"").append(t.ts()).append("\"}]}");
    return sb.toString();
  }

  /** A {@code history-trades} row, field order as OKX sends it. */
  public static void tradeData(StringBuilder sb, InstrumentSpec s, Trade t) {
    sb.append("{\"instId\":\"").append(s.symbol()).append("\",\"side\":\"").append(t.takerBuy() ? "buy" : "sell")
        .append("\",\"sz\":\"");
    s.appendQty(sb, t.qty()).append("\",\"px\":\"");
    s.appendPrice(sb, t.price()).append("\",\"tradeId\":\"").append(t.id()).append("\",\"ts\":\"").append(t.ts())
        .append("\",\"source\":\"0\"}");
  }

  /** A {@code tickers} push. */
  public static String ticker(InstrumentModel m, long now) {
    InstrumentSpec s = m.spec();
    long[] t = m.ticker();
    long[] bid = m.bestBid();
    long[] ask = m.bestAsk();
    StringBuilder sb = new StringBuilder(400);
    sb.append("{\"arg\":").append(arg("tickers", s.symbol())).append(",\"data\":[{\"instType\":\"").append(instType(s))
        .append("\",\"instId\":\"").append(s.symbol()).append("\",\"last\":\"");
    s.appendPrice(sb, t[3]).append("\",\"lastSz\":\"");
    s.appendQty(sb, t[4]).append("\",\"askPx\":\"");
    s.appendPrice(sb, ask[0]).append("\",\"askSz\":\"");
    s.appendQty(sb, ask[1]).append("\",\"bidPx\":\"");
    s.appendPrice(sb, bid[0]).append("\",\"bidSz\":\"");
    s.appendQty(sb, bid[1]).append("\",\"open24h\":\"");
    s.appendPrice(sb, t[0]).append("\",\"high24h\":\"");
    s.appendPrice(sb, t[1]).append("\",\"low24h\":\"");
    s.appendPrice(sb, t[2]).append("\",\"sodUtc0\":\"");
    s.appendPrice(sb, t[0]).append("\",\"sodUtc8\":\"");
    s.appendPrice(sb, t[0]).append("\",\"volCcy24h\":\"");
    int qs = s.priceScale() + s.qtyScale();
    Decimals.append(sb, t[6], qs, 0, Decimals.TRIM).append("\",\"vol24h\":\"");
    s.appendQty(sb, t[5]).append("\",\"ts\":\"").append(now).append("\"}]}");
    return sb.toString();
  }

  /** A {@code candle1m} push. */
  public static String candle(InstrumentSpec s, Kline k) {
    StringBuilder sb = new StringBuilder(260);
    sb.append("{\"arg\":").append(arg("candle1m", s.symbol())).append(",\"data\":[[\"").append(k.openTime())
        .append("\",\"");
    s.appendPrice(sb, k.open()).append("\",\"");
    s.appendPrice(sb, k.high()).append("\",\"");
    s.appendPrice(sb, k.low()).append("\",\"");
    s.appendPrice(sb, k.close()).append("\",\"");
    s.appendQty(sb, k.volume()).append("\",\"");
    int qs = s.priceScale() + s.qtyScale();
    Decimals.append(sb, k.quoteVolume(), qs, 0, Decimals.TRIM).append("\",\"");
    Decimals.append(sb, k.quoteVolume(), qs, 0, Decimals.TRIM).append("\",\"").append(k.closed() ? 1 : 0)
        .append("\"]]}");
    return sb.toString();
  }

  /** A {@code funding-rate} push (swaps). */
  public static String funding(InstrumentModel m, long now) {
    InstrumentSpec s = m.spec();
    long next = InstrumentModel.nextFundingTime(now);
    String rate = Decimals.format(Math.round(m.fundingRate() * 1e8), 8, 0, Decimals.TRIM);
    return "{\"arg\":" + arg("funding-rate", s.symbol()) + ",\"data\":[{\"fundingRate\":\"" + rate
        + "\",\"fundingTime\":\"" + next + "\",\"instId\":\"" + s.symbol() + "\",\"instType\":\"" + instType(s)
        + "\",\"method\":\"current_period\",\"maxFundingRate\":\"0.00375\",\"minFundingRate\":\"-0.00375\","
        + "\"nextFundingRate\":\"\",\"nextFundingTime\":\"" + (next + 8 * 3_600_000L) + "\",\"premium\":\"" + rate
        + "\",\"settFundingRate\":\"" + rate + "\",\"settState\":\"settled\",\"ts\":\"" + now + "\"}]}";
  }

  /** A {@code mark-price} push. */
  public static String markPrice(InstrumentModel m, long now) {
    InstrumentSpec s = m.spec();
    return "{\"arg\":" + arg("mark-price", s.symbol()) + ",\"data\":[{\"instType\":\"" + instType(s)
        + "\",\"instId\":\"" + s.symbol() + "\",\"markPx\":\"" + s.price(m.markPrice()) + "\",\"ts\":\"" + now
        + "\"}]}";
  }

  /** An {@code open-interest} push (contracts, base currency, USD). */
  public static String openInterest(InstrumentModel m, long now) {
    InstrumentSpec s = m.spec();
    long oi = m.openInterest();
    double ctVal = "BTC".equals(s.base()) ? 0.01 : "ETH".equals(s.base()) ? 0.1 : 1;
    double ccy = s.qtyValue(oi) * ctVal;
    long ccyUnits = Math.round(ccy * 1e4);
    long usd = Math.round(ccy * s.priceValue(m.markPrice()) * 100);
    return "{\"arg\":" + arg("open-interest", s.symbol()) + ",\"data\":[{\"instType\":\"" + instType(s)
        + "\",\"instId\":\"" + s.symbol() + "\",\"oi\":\"" + s.qty(oi) + "\",\"oiCcy\":\""
        + Decimals.format(ccyUnits, 4, 0, Decimals.TRIM) + "\",\"oiUsd\":\"" + Decimals.format(usd, 2, 0, Decimals.TRIM)
        + "\",\"ts\":\"" + now + "\"}]}";
  }

  /** A {@code liquidation-orders} push (subscribed per instType). */
  public static String liquidation(InstrumentSpec s, Liquidation l) {
    StringBuilder sb = new StringBuilder(300);
    sb.append("{\"arg\":{\"channel\":\"liquidation-orders\",\"instType\":\"").append(instType(s))
        .append("\"},\"data\":[{\"details\":[{\"bkLoss\":\"0\",\"bkPx\":\"");
    s.appendPrice(sb, l.price()).append("\",\"ccy\":\"\",\"posSide\":\"").append(l.buy() ? "short" : "long")
        .append("\",\"side\":\"").append(l.buy() ? "buy" : "sell").append("\",\"sz\":\"");
    s.appendQty(sb, l.qty()).append("\",\"ts\":\"").append(l.ts()).append("\"}],\"instFamily\":\"").append(family(s))
        .append("\",\"instId\":\"").append(s.symbol()).append("\",\"instType\":\"").append(instType(s))
        .append("\",\"uly\":\"").append(family(s)).append("\"}]}");
    return sb.toString();
  }
}
