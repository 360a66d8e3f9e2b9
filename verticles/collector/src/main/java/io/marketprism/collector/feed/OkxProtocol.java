package io.marketprism.collector.feed;

import io.marketprism.collector.backfill.TradeGap;
import io.marketprism.collector.backfill.TradeHistory;
import io.marketprism.model.DataType;
import io.marketprism.model.Exchange;
import io.marketprism.model.MarketType;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntSupplier;

/**
 * OKX v5 WebSocket ({@code candle1m} and {@code trades-all} on the {@code business} endpoint, every
 * other channel on {@code public}): {@code op: subscribe/unsubscribe} with {@code {channel, instId}} args;
 * books from the {@code books} channel (snapshot on subscribe, then updates with CRC32 checksum and
 * {@code seqId}/{@code prevSeqId}), resynced by resubscribing; text {@code ping}/{@code pong}
 * keep-alive (OKX closes a connection silent for 30 s). Channel keys are {@code channel|instId}
 * ({@code liquidation-orders|SWAP} for the per-type liquidation channel).
 *
 * <p>Trades missed by a stream come from {@code GET /api/v5/market/history-trades} ({@code type=1}:
 * trade-id pagination), 100 a page, newest first: {@code after=<tradeId>} returns trades older than
 * that id, so a gap is filled downwards from its first live trade ({@code before} alone would return
 * the newest trades, not the ones just after an id). OKX trade ids are consecutive per instrument:
 * a {@code trades} push aggregates the matches of one taker order at one price, {@code tradeId}
 * being the last one and {@code count} how many ("if tradeId = 123 and count = 3, it means the
 * message aggregates the trades of tradeId = 123, 122, and 121", OKX v5 docs), so a push covers
 * {@code tradeId - count + 1 .. tradeId} and a jump past the next id is a loss on an open socket.
 * {@code history-trades} lists the matches one by one with their own ids: a gap fetches exactly
 * the ids between the pushes around it, never the matches an aggregate already carried.
 *
 * <p>Trades come from {@code trades-all} by default ({@link #TRADES_ALL}, {@code /ws/v5/business}
 * only): one push per match, under the id {@code history-trades} gives it. A restart gap fetched
 * from older marks than were published (a crash loses the last save) then overlaps the published
 * trades only with records of the same identity, which de-duplication drops, where under
 * {@code trades} the matches an aggregate carried below its id come back under their own ids.
 * {@code exchanges.okx.trade_channel: trades} ({@link #TRADES}) keeps the aggregated public channel.
 */
public final class OkxProtocol implements ExchangeProtocol {

  /** Every match in a push of its own, on {@code /ws/v5/business}: the default. */
  public static final String TRADES_ALL = "trades-all";
  /** The matches of one taker order at one price aggregated in one push, on {@code /ws/v5/public}. */
  public static final String TRADES = "trades";

  private static final Set<DataType> SPOT = EnumSet.of(DataType.TRADE, DataType.ORDERBOOK, DataType.TICKER,
      DataType.KLINE);
  private static final Set<DataType> DERIVATIVES = EnumSet.of(DataType.TRADE, DataType.ORDERBOOK, DataType.TICKER,
      DataType.KLINE, DataType.MARK_PRICE, DataType.OPEN_INTEREST, DataType.LIQUIDATION);
  /** The derivatives' types, funding, and the long/short ratios of swaps (polled from the rubik statistics). */
  private static final Set<DataType> PERPETUAL = perpetual();

  private static Set<DataType> perpetual() {
    Set<DataType> s = EnumSet.copyOf(DERIVATIVES);
    s.addAll(List.of(DataType.FUNDING_RATE, DataType.LSR_TOP_POSITION, DataType.LSR_ALL_ACCOUNT));
    return s;
  }

  /** The ticker channel with the last price and 24 h statistics, at most every 100 ms: the default. */
  public static final String TICKERS = "tickers";
  /** Every change of the best bid or offer, with its {@code seqId}, and nothing of the 24 h statistics. */
  public static final String BBO = "bbo-tbt";

  private final String tradeChannel;
  private final String tickerChannel;

  /** Trades from {@code trades-all}, tickers from {@code tickers}. */
  public OkxProtocol() {
    this(TRADES_ALL, TICKERS);
  }

  /**
   * @param tradeChannel {@link #TRADES_ALL} or {@link #TRADES}
   * @param tickerChannel {@link #TICKERS} or {@link #BBO}
   */
  public OkxProtocol(String tradeChannel, String tickerChannel) {
    if (!TRADES_ALL.equals(tradeChannel) && !TRADES.equals(tradeChannel)) {
      throw new IllegalArgumentException("not an OKX trade channel: " + tradeChannel);
    }
    if (!TICKERS.equals(tickerChannel) && !BBO.equals(tickerChannel)) {
      throw new IllegalArgumentException("not an OKX ticker channel: " + tickerChannel);
    }
    this.tradeChannel = tradeChannel;
    this.tickerChannel = tickerChannel;
  }

  /** @return the channel trades are collected from */
  public String tradeChannel() {
    return tradeChannel;
  }

  @Override
  public Exchange exchange() {
    return Exchange.OKX;
  }

  @Override
  public Set<DataType> supported(MarketType marketType) {
    return switch (marketType) {
      case SPOT -> SPOT;
      case PERPETUAL -> PERPETUAL;
      case FUTURES, OPTIONS -> DERIVATIVES;
    };
  }

  @Override
  public Set<MarketType> marketTypes() {
    return EnumSet.allOf(MarketType.class);
  }

  @Override
  public String venue(MarketType marketType, String exchangeSymbol, DataType type) {
    // OKX serves the candle channels and trades-all only on /ws/v5/business
    return type == DataType.KLINE || type == DataType.TRADE && TRADES_ALL.equals(tradeChannel) ? "business"
        : "public";
  }

  @Override
  public List<String> venues() {
    return List.of("public", "business");
  }

  @Override
  public String wsUrl(Endpoint endpoint) {
    return endpoint.ws();
  }

  @Override
  public Map<String, Set<DataType>> channels(String exchangeSymbol, MarketType marketType, Set<DataType> types) {
    Map<String, Set<DataType>> out = new LinkedHashMap<>();
    for (DataType t : types) {
      String channel = switch (t) {
        case TRADE -> tradeChannel;
        case ORDERBOOK -> "books";
        case TICKER -> tickerChannel;
        case KLINE -> "candle1m";
        case FUNDING_RATE -> "funding-rate";
        case MARK_PRICE -> "mark-price";
        case OPEN_INTEREST -> "open-interest";
        case LIQUIDATION -> "liquidation-orders";
        default -> null;
      };
      if (channel == null) {
        continue;
      }
      String target = t == DataType.LIQUIDATION ? instType(marketType) : exchangeSymbol;
      out.computeIfAbsent(channel + "|" + target, k -> EnumSet.noneOf(DataType.class)).add(t);
    }
    return out;
  }

  private static String instType(MarketType marketType) {
    return switch (marketType) {
      case SPOT -> "SPOT";
      case PERPETUAL -> "SWAP";
      case FUTURES -> "FUTURES";
      case OPTIONS -> "OPTION";
    };
  }

  @Override
  public String bookChannel(String exchangeSymbol) {
    return "books|" + exchangeSymbol;
  }

  @Override
  public List<String> subscribe(List<String> channels, IntSupplier ids, int perMessage) {
    return messages("subscribe", channels, perMessage);
  }

  @Override
  public List<String> unsubscribe(List<String> channels, IntSupplier ids, int perMessage) {
    return messages("unsubscribe", channels, perMessage);
  }

  private static List<String> messages(String op, List<String> channels, int perMessage) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < channels.size(); i += perMessage) {
      JsonArray args = new JsonArray();
      for (String key : channels.subList(i, Math.min(channels.size(), i + perMessage))) {
        int bar = key.indexOf('|');
        String channel = key.substring(0, bar);
        String target = key.substring(bar + 1);
        args.add(new JsonObject().put("channel", channel)
            .put("liquidation-orders".equals(channel) ? "instType" : "instId", target));
      }
      out.add(new JsonObject().put("op", op).put("args", args).encode());
    }
    return out;
  }

  @Override
  public List<String> onOpen(IntSupplier ids) {
    return List.of();
  }

  @Override
  public Control control(String frame, IntSupplier ids) {
    return "pong".equals(frame) ? Control.PONG : null;
  }

  @Override
  public String ping() {
    return "ping";
  }

  @Override
  public boolean restSnapshots() {
    return false;
  }


  @Override
  public List<String> polls(Endpoint endpoint, MarketType marketType, String exchangeSymbol, Set<DataType> types) {
    // the long/short ratios of a swap are REST only (rubik statistics), the newest 5-minute point each
    List<String> out = new ArrayList<>();
    String rubik = endpoint.rest() + "/api/v5/rubik/stat/contracts/";
    String query = "?instId=" + exchangeSymbol + "&period=5m&limit=1";
    if (types.contains(DataType.LSR_TOP_POSITION)) {
      out.add(rubik + "long-short-position-ratio-contract-top-trader" + query);
    }
    if (types.contains(DataType.LSR_ALL_ACCOUNT)) {
      out.add(rubik + "long-short-account-ratio-contract" + query);
    }
    return out;
  }

  @Override
  public boolean consecutiveTradeIds() {
    return true;
  }

  @Override
  public TradeHistory tradeHistory(Endpoint endpoint, MarketType marketType, String exchangeSymbol) {
    if (endpoint.rest().isEmpty()) {
      return TradeHistory.unavailable("no REST endpoint is configured for okx");
    }
    String base = endpoint.rest() + "/api/v5/market/history-trades?instId=" + exchangeSymbol + "&type=1";
    return new TradeHistory(false, 100, (below, last) -> base + (below == TradeGap.OPEN ? "" : "&after=" + below)
        + "&limit=100", Map.of(), null);
  }
}
