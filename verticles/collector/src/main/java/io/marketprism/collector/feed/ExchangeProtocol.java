package io.marketprism.collector.feed;

import io.marketprism.collector.backfill.TradeHistory;
import io.marketprism.model.DataType;
import io.marketprism.model.Exchange;
import io.marketprism.model.MarketType;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntSupplier;

/**
 * The connection-level rules of one exchange: which channels carry which data types, how to
 * (un)subscribe, keep-alive, and how a book is resynced. Parsing and book rules live in the
 * exchange packages; this is only what the I/O layer needs.
 */
public interface ExchangeProtocol {

  /** What to do with a keep-alive frame. */
  record Control(String reply, boolean pong) {
    /** A pong to our ping. */
    public static final Control PONG = new Control(null, true);
  }

  /** @return the exchange */
  Exchange exchange();

  /**
   * @param marketType the market
   * @return data types this collector can subscribe to there
   */
  Set<DataType> supported(MarketType marketType);

  /** @return market types this exchange has */
  Set<MarketType> marketTypes();

  /**
   * @param marketType the market
   * @param exchangeSymbol the instrument
   * @param type one of its data types
   * @return the endpoint key serving that data type of it ({@code spot}, {@code usdm}, {@code coinm}
   *     on Binance; {@code business} for klines and {@code public} for the rest on OKX; {@code public}
   *     on Deribit)
   */
  String venue(MarketType marketType, String exchangeSymbol, DataType type);

  /** @return the endpoint keys this exchange has */
  List<String> venues();

  /**
   * @param endpoint the venue's endpoint
   * @return the WebSocket URL to open
   */
  String wsUrl(Endpoint endpoint);

  /**
   * The channels one instrument needs.
   *
   * @param exchangeSymbol the instrument
   * @param marketType its market
   * @param types the data types wanted
   * @return channel key → data types it serves (several types may share a channel)
   */
  Map<String, Set<DataType>> channels(String exchangeSymbol, MarketType marketType, Set<DataType> types);

  /**
   * @param exchangeSymbol the instrument
   * @return the key of its book channel
   */
  String bookChannel(String exchangeSymbol);

  /**
   * @param channels channel keys
   * @param ids request ids
   * @param perMessage channels per message at most
   * @return the subscribe messages
   */
  List<String> subscribe(List<String> channels, IntSupplier ids, int perMessage);

  /** Like {@link #subscribe} for unsubscribing. */
  List<String> unsubscribe(List<String> channels, IntSupplier ids, int perMessage);

  /**
   * @param ids request ids
   * @return messages to send as soon as the socket opens (before subscribing)
   */
  List<String> onOpen(IntSupplier ids);

  /**
   * @param frame a text frame
   * @param ids request ids
   * @return what to do when it is a keep-alive frame, {@code null} for anything else
   */
  Control control(String frame, IntSupplier ids);

  /** @return the text ping this exchange wants from clients, or {@code null} (none) */
  String ping();

  /** @return whether a book is resynced from a REST snapshot (else by resubscribing its channel) */
  boolean restSnapshots();

  /**
   * The REST snapshot of a book; asked only of protocols whose {@link #restSnapshots()} is true.
   *
   * @param endpoint the venue's endpoint
   * @param marketType the market
   * @param exchangeSymbol the instrument
   * @param limit levels wanted
   * @return the snapshot URL
   */
  default String snapshotUrl(Endpoint endpoint, MarketType marketType, String exchangeSymbol, int limit) {
    throw new IllegalStateException(getClass().getSimpleName() + " resyncs books by resubscribing: no REST snapshot");
  }

  /**
   * REST resources polled for data types that have no stream.
   *
   * @param endpoint the venue's endpoint
   * @param marketType the market
   * @param exchangeSymbol the instrument
   * @param types the data types wanted
   * @return URLs to poll
   */
  List<String> polls(Endpoint endpoint, MarketType marketType, String exchangeSymbol, Set<DataType> types);

  /**
   * @return whether trade sequence numbers (Binance trade and aggregate ids, OKX trade ids, Deribit
   *     {@code trade_seq}) are consecutive, so that a jump on a live stream is a loss
   */
  boolean consecutiveTradeIds();

  /**
   * How the trades of an instrument missed by its live stream are fetched over REST.
   *
   * @param endpoint the venue's endpoint
   * @param marketType the market
   * @param exchangeSymbol the instrument
   * @return its trade history, possibly {@link TradeHistory#unavailable unavailable}
   */
  TradeHistory tradeHistory(Endpoint endpoint, MarketType marketType, String exchangeSymbol);

  /**
   * @param url a REST request
   * @return its weight as the exchange counts it against the per-minute budget
   */
  default int restWeight(String url) {
    return 1;
  }

  /**
   * @param exchange an exchange
   * @return its protocol
   */
  static ExchangeProtocol of(Exchange exchange) {
    return switch (exchange) {
      case BINANCE -> new BinanceProtocol();
      case OKX -> new OkxProtocol();
      case DERIBIT -> new DeribitProtocol();
    };
  }
}
