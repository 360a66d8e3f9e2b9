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
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.IntSupplier;

/**
 * Deribit v2 JSON-RPC: {@code public/subscribe}/{@code public/unsubscribe}; books from
 * {@code book.<instrument>.<interval>} (snapshot on subscribe, then changes chained by
 * {@code change_id}), resynced by resubscribing; {@code public/set_heartbeat} on open and a
 * {@code public/test} answer to every {@code test_request} (Deribit closes the connection
 * otherwise). Ticker, mark price, open interest and funding share {@code ticker.<instrument>};
 * liquidations come with trades.
 *
 * <p>Trades missed by a stream come from the JSON-RPC method
 * {@code public/get_last_trades_by_instrument} over Deribit's HTTP transport (so that they go
 * through the REST gate), by {@code trade_seq} (consecutive per instrument): {@code start_seq},
 * {@code end_seq}, {@code count=1000}, {@code sorting=asc}.
 */
public final class DeribitProtocol implements ExchangeProtocol {

  private static final Set<DataType> BASE = EnumSet.of(DataType.TRADE, DataType.ORDERBOOK, DataType.TICKER,
      DataType.MARK_PRICE, DataType.OPEN_INTEREST, DataType.LIQUIDATION, DataType.VOLATILITY_INDEX);
  private static final Set<DataType> PERPETUAL = EnumSet.of(DataType.FUNDING_RATE, BASE.toArray(new DataType[0]));

  private final String interval;
  private final int heartbeatSeconds;

  /** {@code 100ms} channels (raw ones need an authorized connection on Deribit), 10 s heartbeat. */
  public DeribitProtocol() {
    this("100ms", 10);
  }

  /**
   * @param interval channel interval: {@code raw} or {@code 100ms}
   * @param heartbeatSeconds the {@code public/set_heartbeat} interval
   */
  public DeribitProtocol(String interval, int heartbeatSeconds) {
    this.interval = interval;
    this.heartbeatSeconds = heartbeatSeconds;
  }

  @Override
  public Exchange exchange() {
    return Exchange.DERIBIT;
  }

  @Override
  public Set<DataType> supported(MarketType marketType) {
    return switch (marketType) {
      case PERPETUAL -> PERPETUAL;
      case FUTURES, OPTIONS -> BASE;
      case SPOT -> EnumSet.of(DataType.TRADE, DataType.ORDERBOOK, DataType.TICKER);
    };
  }

  @Override
  public Set<MarketType> marketTypes() {
    return EnumSet.allOf(MarketType.class);
  }

  @Override
  public String venue(MarketType marketType, String exchangeSymbol, DataType type) {
    return "public";
  }

  @Override
  public List<String> venues() {
    return List.of("public");
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
        case TRADE, LIQUIDATION -> "trades." + exchangeSymbol + "." + interval;
        case ORDERBOOK -> bookChannel(exchangeSymbol);
        case TICKER, MARK_PRICE, OPEN_INTEREST, FUNDING_RATE -> "ticker." + exchangeSymbol + "." + interval;
        case VOLATILITY_INDEX -> "deribit_volatility_index." + volatilityIndex(exchangeSymbol);
        default -> null;
      };
      if (channel != null) {
        out.computeIfAbsent(channel, k -> EnumSet.noneOf(DataType.class)).add(t);
      }
    }
    return out;
  }

  /**
   * @param exchangeSymbol e.g. {@code BTC-PERPETUAL}
   * @return its currency's volatility index name, e.g. {@code btc_usd}
   */
  public static String volatilityIndex(String exchangeSymbol) {
    int dash = exchangeSymbol.indexOf('-');
    String head = dash < 0 ? exchangeSymbol : exchangeSymbol.substring(0, dash);
    int underscore = head.indexOf('_');
    return (underscore < 0 ? head : head.substring(0, underscore)).toLowerCase(Locale.ROOT) + "_usd";
  }

  @Override
  public String bookChannel(String exchangeSymbol) {
    return "book." + exchangeSymbol + "." + interval;
  }

  @Override
  public List<String> subscribe(List<String> channels, IntSupplier ids, int perMessage) {
    return messages("public/subscribe", channels, ids, perMessage);
  }

  @Override
  public List<String> unsubscribe(List<String> channels, IntSupplier ids, int perMessage) {
    return messages("public/unsubscribe", channels, ids, perMessage);
  }

  private static List<String> messages(String method, List<String> channels, IntSupplier ids, int perMessage) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < channels.size(); i += perMessage) {
      JsonArray list = new JsonArray(new ArrayList<>(channels.subList(i, Math.min(channels.size(), i + perMessage))));
      out.add(rpc(ids.getAsInt(), method, new JsonObject().put("channels", list)));
    }
    return out;
  }

  private static String rpc(int id, String method, JsonObject params) {
    return new JsonObject().put("jsonrpc", "2.0").put("id", id).put("method", method).put("params", params).encode();
  }

  @Override
  public List<String> onOpen(IntSupplier ids) {
    return List.of(rpc(ids.getAsInt(), "public/set_heartbeat", new JsonObject().put("interval", heartbeatSeconds)));
  }

  @Override
  public Control control(String frame, IntSupplier ids) {
    // {"jsonrpc":"2.0","method":"heartbeat","params":{"type":"test_request"}}
    if (frame.length() < 160 && frame.contains("\"test_request\"")) {
      return new Control(rpc(ids.getAsInt(), "public/test", new JsonObject()), false);
    }
    return null;
  }

  @Override
  public String ping() {
    return null;
  }

  @Override
  public boolean restSnapshots() {
    return false;
  }


  @Override
  public List<String> polls(Endpoint endpoint, MarketType marketType, String exchangeSymbol, Set<DataType> types) {
    return List.of();
  }

  @Override
  public boolean consecutiveTradeIds() {
    return true;
  }

  @Override
  public TradeHistory tradeHistory(Endpoint endpoint, MarketType marketType, String exchangeSymbol) {
    if (endpoint.rest().isEmpty()) {
      return TradeHistory.unavailable("no REST endpoint is configured for deribit public");
    }
    String base = endpoint.rest() + "/api/v2/public/get_last_trades_by_instrument?instrument_name=" + exchangeSymbol;
    return new TradeHistory(true, 1000, (from, last) -> base + "&start_seq=" + from
        + (last == TradeGap.OPEN ? "" : "&end_seq=" + last) + "&count=1000&sorting=asc", Map.of(), null);
  }
}
