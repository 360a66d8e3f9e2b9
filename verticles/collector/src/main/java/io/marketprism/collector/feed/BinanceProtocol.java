package io.marketprism.collector.feed;

import io.marketprism.collector.backfill.TradeHistory;
import io.marketprism.collector.normalize.Urls;
import io.marketprism.model.DataType;
import io.marketprism.model.Exchange;
import io.marketprism.model.MarketType;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.IntSupplier;

/**
 * Binance spot ({@code /api/v3}), USDⓈ-M ({@code /fapi}) and COIN-M ({@code /dapi}): raw streams on
 * {@code <ws>/ws} with live {@code SUBSCRIBE}/{@code UNSUBSCRIBE}; books from {@code @depth@100ms}
 * diffs plus a REST snapshot; open interest and long/short ratios polled over REST. Binance pings
 * the client (answered by Vert.x) and does not want client pings.
 *
 * <p>Trades missed by a stream are fetched from the endpoint whose ids are the stream's: spot
 * {@code @trade} ids from {@code /api/v3/historicalTrades} (public since Binance dropped its API-key
 * requirement; weight 25); futures {@code @aggTrade} ids from {@code /fapi|dapi/v1/aggTrades}
 * (public, weight 20; aggregate ids are not trade ids, so {@code aggTrades} never stands in for
 * {@code historicalTrades}); futures {@code @trade} ids from {@code /fapi|dapi/v1/historicalTrades},
 * which needs an API key ({@code X-MBX-APIKEY}, no signature, weight 20). Without
 * {@code exchanges.binance.api_key} they come from the public recent-trades list
 * {@code /fapi|dapi/v1/trades?limit=1000} (the same ids, ascending; weight 5), which has only the
 * newest 1000 trades: the part of a gap older than its oldest trade is counted unrecoverable.
 */
public final class BinanceProtocol implements ExchangeProtocol {

  private static final Set<DataType> SPOT = EnumSet.of(DataType.TRADE, DataType.ORDERBOOK, DataType.TICKER,
      DataType.KLINE);
  private static final Set<DataType> FUTURES = EnumSet.of(DataType.TRADE, DataType.ORDERBOOK, DataType.TICKER,
      DataType.KLINE, DataType.MARK_PRICE, DataType.LIQUIDATION, DataType.OPEN_INTEREST, DataType.LSR_TOP_POSITION,
      DataType.LSR_ALL_ACCOUNT);
  private static final Set<DataType> PERPETUAL = EnumSet.of(DataType.FUNDING_RATE, FUTURES.toArray(new DataType[0]));

  /** The 24 h ticker stream, once a second: the default ticker stream. */
  public static final String TICKER = "ticker";
  /** Every change of the best bid or offer, with its update id ({@code u}), and nothing of the 24 h statistics. */
  public static final String BOOK_TICKER = "bookTicker";

  private final String futuresTradeStream;
  private final String apiKey;
  private final String tickerStream;

  /** Futures trades from {@code @aggTrade}, the stream Binance documents for USDⓈ-M and COIN-M; tickers from {@code @ticker}. */
  public BinanceProtocol() {
    this("aggTrade", "", TICKER);
  }

  /**
   * @param futuresTradeStream {@code aggTrade} or {@code trade}: the futures trade stream
   * @param apiKey an API key for the futures {@code historicalTrades} endpoint, or empty (then the
   *     recent trades stand in for it)
   * @param tickerStream {@link #TICKER} or {@link #BOOK_TICKER}: the stream tickers come from
   */
  public BinanceProtocol(String futuresTradeStream, String apiKey, String tickerStream) {
    if (!TICKER.equals(tickerStream) && !BOOK_TICKER.equals(tickerStream)) {
      throw new IllegalArgumentException("not a Binance ticker stream: " + tickerStream);
    }
    this.futuresTradeStream = futuresTradeStream;
    this.apiKey = apiKey;
    this.tickerStream = tickerStream;
  }

  @Override
  public Exchange exchange() {
    return Exchange.BINANCE;
  }

  @Override
  public Set<DataType> supported(MarketType marketType) {
    return switch (marketType) {
      case SPOT -> SPOT;
      case PERPETUAL -> PERPETUAL;
      case FUTURES -> FUTURES;
      case OPTIONS -> Set.of();
    };
  }

  @Override
  public Set<MarketType> marketTypes() {
    return EnumSet.of(MarketType.SPOT, MarketType.PERPETUAL, MarketType.FUTURES);
  }

  @Override
  public String venue(MarketType marketType, String exchangeSymbol, DataType type) {
    return venue(marketType, exchangeSymbol);
  }

  private static String venue(MarketType marketType, String exchangeSymbol) {
    if (marketType == MarketType.SPOT) {
      return "spot";
    }
    // COIN-M names are USD-margined: BTCUSD_PERP, BTCUSD_250328
    return exchangeSymbol.contains("USD_") ? "coinm" : "usdm";
  }

  @Override
  public List<String> venues() {
    return List.of("spot", "usdm", "coinm");
  }

  @Override
  public String wsUrl(Endpoint endpoint) {
    return endpoint.ws() + "/ws";
  }

  @Override
  public Map<String, Set<DataType>> channels(String exchangeSymbol, MarketType marketType, Set<DataType> types) {
    String s = exchangeSymbol.toLowerCase(Locale.ROOT);
    Map<String, Set<DataType>> out = new LinkedHashMap<>();
    for (DataType t : types) {
      String channel = switch (t) {
        case TRADE -> s + (marketType == MarketType.SPOT ? "@trade" : "@" + futuresTradeStream);
        case ORDERBOOK -> bookChannel(exchangeSymbol);
        case TICKER -> s + "@" + tickerStream;
        case KLINE -> s + "@kline_1m";
        case MARK_PRICE, FUNDING_RATE -> s + "@markPrice@1s";
        case LIQUIDATION -> s + "@forceOrder";
        default -> null; // polled over REST
      };
      if (channel != null) {
        out.computeIfAbsent(channel, k -> EnumSet.noneOf(DataType.class)).add(t);
      }
    }
    return out;
  }

  @Override
  public String bookChannel(String exchangeSymbol) {
    return exchangeSymbol.toLowerCase(Locale.ROOT) + "@depth@100ms";
  }

  @Override
  public List<String> subscribe(List<String> channels, IntSupplier ids, int perMessage) {
    return messages("SUBSCRIBE", channels, ids, perMessage);
  }

  @Override
  public List<String> unsubscribe(List<String> channels, IntSupplier ids, int perMessage) {
    return messages("UNSUBSCRIBE", channels, ids, perMessage);
  }

  private static List<String> messages(String method, List<String> channels, IntSupplier ids, int perMessage) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < channels.size(); i += perMessage) {
      JsonArray params = new JsonArray(new ArrayList<>(channels.subList(i, Math.min(channels.size(), i + perMessage))));
      out.add(new JsonObject().put("method", method).put("params", params).put("id", ids.getAsInt()).encode());
    }
    return out;
  }

  @Override
  public List<String> onOpen(IntSupplier ids) {
    return List.of();
  }

  @Override
  public Control control(String frame, IntSupplier ids) {
    return null;
  }

  @Override
  public String ping() {
    return null;
  }

  @Override
  public boolean restSnapshots() {
    return true;
  }

  @Override
  public String snapshotUrl(Endpoint endpoint, MarketType marketType, String exchangeSymbol, int limit) {
    String path = switch (venue(marketType, exchangeSymbol)) {
      case "spot" -> "/api/v3/depth";
      case "coinm" -> "/dapi/v1/depth";
      default -> "/fapi/v1/depth";
    };
    return endpoint.rest() + path + "?symbol=" + exchangeSymbol + "&limit=" + limit;
  }

  @Override
  public List<String> polls(Endpoint endpoint, MarketType marketType, String exchangeSymbol, Set<DataType> types) {
    if (marketType == MarketType.SPOT) {
      return List.of();
    }
    boolean coinm = "coinm".equals(venue(marketType, exchangeSymbol));
    List<String> out = new ArrayList<>();
    if (types.contains(DataType.OPEN_INTEREST)) {
      out.add(endpoint.rest() + (coinm ? "/dapi/v1/openInterest" : "/fapi/v1/openInterest") + "?symbol="
          + exchangeSymbol);
    }
    // the ratio endpoints take a symbol on USDⓈ-M and a pair on COIN-M
    String who = coinm ? "pair=" + exchangeSymbol.substring(0, exchangeSymbol.indexOf('_')) : "symbol=" + exchangeSymbol;
    if (types.contains(DataType.LSR_TOP_POSITION)) {
      out.add(endpoint.rest() + "/futures/data/topLongShortPositionRatio?" + who + "&period=5m&limit=1");
    }
    if (types.contains(DataType.LSR_ALL_ACCOUNT)) {
      out.add(endpoint.rest() + "/futures/data/globalLongShortAccountRatio?" + who + "&period=5m&limit=1");
    }
    return out;
  }

  @Override
  public boolean consecutiveTradeIds() {
    return true;
  }

  @Override
  public TradeHistory tradeHistory(Endpoint endpoint, MarketType marketType, String exchangeSymbol) {
    String venue = venue(marketType, exchangeSymbol);
    if (endpoint.rest().isEmpty()) {
      return TradeHistory.unavailable("no REST endpoint is configured for binance " + venue);
    }
    String base = endpoint.rest() + switch (venue) {
      case "spot" -> "/api/v3";
      case "coinm" -> "/dapi/v1";
      default -> "/fapi/v1";
    };
    String query = "?symbol=" + exchangeSymbol + "&fromId=";
    if ("spot".equals(venue)) {
      return new TradeHistory(true, 1000, (from, last) -> base + "/historicalTrades" + query + from + "&limit=1000",
          Map.of(), null);
    }
    if ("aggTrade".equals(futuresTradeStream)) {
      return new TradeHistory(true, 1000, (from, last) -> base + "/aggTrades" + query + from + "&limit=1000",
          Map.of(), null);
    }
    if (apiKey.isEmpty()) {
      // historicalTrades wants an API key: the recent trades, public, reach back 1000 trades
      return TradeHistory.recent(1000, base + "/trades?symbol=" + exchangeSymbol + "&limit=1000");
    }
    // USDⓈ-M and COIN-M historicalTrades: at most 500 a page
    return new TradeHistory(true, 500, (from, last) -> base + "/historicalTrades" + query + from + "&limit=500",
        Map.of("X-MBX-APIKEY", apiKey), null);
  }

  @Override
  public int restWeight(String url) {
    String path = Urls.path(url);
    return switch (path) {
      case "/api/v3/historicalTrades" -> 25;
      case "/api/v3/aggTrades" -> 4;
      case "/fapi/v1/historicalTrades", "/dapi/v1/historicalTrades", "/fapi/v1/aggTrades", "/dapi/v1/aggTrades" -> 20;
      case "/fapi/v1/trades", "/dapi/v1/trades" -> 5;
      case "/api/v3/depth" -> {
        int limit = limit(url, 100);
        yield limit <= 100 ? 5 : limit <= 500 ? 25 : limit <= 1000 ? 50 : 250;
      }
      case "/fapi/v1/depth", "/dapi/v1/depth" -> {
        int limit = limit(url, 500);
        yield limit <= 50 ? 2 : limit <= 100 ? 5 : limit <= 500 ? 10 : 20;
      }
      default -> 1;
    };
  }

  private static int limit(String url, int absent) {
    String l = Urls.query(url, "limit");
    try {
      return l == null ? absent : Integer.parseInt(l);
    } catch (NumberFormatException e) {
      return absent;
    }
  }
}
