package io.marketprism.storage.hot;

import io.marketprism.model.DataType;
import io.marketprism.model.FundingRateRecord;
import io.marketprism.model.KlineRecord;
import io.marketprism.model.LiquidationRecord;
import io.marketprism.model.LongShortRatioRecord;
import io.marketprism.model.MarkPriceRecord;
import io.marketprism.model.MarketRecord;
import io.marketprism.model.OpenInterestRecord;
import io.marketprism.model.OrderBookRecord;
import io.marketprism.model.TickerRecord;
import io.marketprism.model.TradeRecord;
import io.marketprism.model.VolatilityIndexRecord;
import io.marketprism.storage.hot.Column.Kind;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The stored form of each data type, shared by every store so that hot and cold tiers, ClickHouse
 * and DuckDB hold the same columns: the common fields, then the type's own, in the order of the
 * record JSON. One table per data type, named after it ({@code trade}, {@code orderbook}, ...),
 * ordered by {@link #sortKey()}; the identity (CONTRACT §3) is {@link #identityKey()}, which leaves
 * {@code ts_ms} out where an id tells records apart (the same trade id at another time is the same
 * trade). Liquidations and tickers carry no id: their key columns are a liquidation's side, price
 * and quantity and every field of a ticker, next to {@code ts_ms} (see
 * {@link io.marketprism.model.LiquidationRecord#identityKey()} and
 * {@link io.marketprism.model.TickerRecord#identityKey()}), so that several of one instrument in one
 * millisecond are kept apart. Key columns may then be nullable (a liquidation may lack its side, a
 * ticker its last price): every store compares them null-safely, a null equal to a null.
 */
public final class TableSchema {

  /** The column whose smallest value marks the copy of an identity that is kept ({@link #copyOrder(char)}). */
  public static final String FIRST_COPY = "recv_ts_us";

  private static final Map<DataType, TableSchema> ALL = new EnumMap<>(DataType.class);
  /** Per type, the columns added after its table's first version ({@link #laterColumns()}). */
  private static final Map<DataType, List<String>> LATER_COLUMNS = Map.of(DataType.TICKER, List.of("update_id"));

  private final DataType type;
  private final List<Column> columns;
  private final List<String> keyColumns;
  private final boolean identifiedById;
  private final boolean arrivalOrdered;
  private final List<String> tieBreak;
  private final List<String> identity;

  private TableSchema(DataType type, List<String> keyColumns, boolean identifiedById, List<Column> own) {
    this(type, keyColumns, identifiedById, false, own);
  }

  private TableSchema(DataType type, List<String> keyColumns, boolean identifiedById, boolean arrivalOrdered,
      List<Column> own) {
    this.type = type;
    this.keyColumns = keyColumns;
    this.identifiedById = identifiedById;
    this.arrivalOrdered = arrivalOrdered;
    List<String> tie = new ArrayList<>(arrivalOrdered ? List.of(FIRST_COPY) : List.of());
    tie.addAll(keyColumns);
    this.tieBreak = List.copyOf(tie);
    List<String> id = new ArrayList<>(List.of("exchange", "market_type", "symbol"));
    if (!identifiedById) {
      id.add("ts_ms");
    }
    id.addAll(keyColumns);
    this.identity = List.copyOf(id);
    List<Column> cols = new ArrayList<>();
    cols.add(new Column("exchange", Kind.STRING, r -> r.exchange().wire()));
    cols.add(new Column("market_type", Kind.STRING, r -> r.marketType().wire()));
    cols.add(new Column("symbol", Kind.STRING, MarketRecord::symbol));
    cols.add(new Column("exchange_symbol", Kind.NULLABLE_STRING, MarketRecord::exchangeSymbol));
    cols.add(new Column("ts_ms", Kind.UINT64, MarketRecord::tsMs));
    cols.add(new Column("recv_ts_us", Kind.UINT64, MarketRecord::recvTsUs));
    cols.addAll(own);
    this.columns = List.copyOf(cols);
  }

  /**
   * @param type a data type
   * @return its table schema
   */
  public static TableSchema of(DataType type) {
    return ALL.get(type);
  }

  /** @return the data type */
  public DataType type() {
    return type;
  }

  /** @return the table name: the data type's wire name */
  public String table() {
    return type.wire();
  }

  /** @return the columns in record-JSON order */
  public List<Column> columns() {
    return columns;
  }

  /**
   * @return the columns that tell records of one instrument and time apart, in order: the trade
   *     id, the book update id, a liquidation's side, price and quantity, a ticker's fields; empty where the time alone does
   */
  public List<String> keyColumns() {
    return keyColumns;
  }

  /**
   * @return whether the key is an id that identifies a record at whatever time it is reported
   *     (trades, books), so the identity leaves {@code ts_ms} out
   */
  public boolean identifiedById() {
    return identifiedById;
  }

  /**
   * @param name a column name
   * @return the column
   */
  public Column column(String name) {
    return columns.stream().filter(c -> c.name().equals(name)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no column " + name + " in " + table()));
  }

  /**
   * @return the identity columns (CONTRACT §3): exchange, market type, symbol, then the id where
   *     the type has one (trade id, book update id), else {@code ts_ms} and the key columns
   */
  public List<String> identityKey() {
    return identity;
  }

  /** @return the table order: instrument, time, then the key columns, so range scans of one symbol are contiguous */
  public List<String> sortKey() {
    List<String> k = new ArrayList<>(List.of("exchange", "market_type", "symbol", "ts_ms"));
    k.addAll(keyColumns);
    return List.copyOf(k);
  }

  /**
   * Whether the records of one instrument and millisecond are ordered by their arrival, the
   * {@code recv_ts_us} of the copy kept ({@link #copyOrder(char)}), before their key columns:
   * tickers, whose changes of one millisecond are states that replace each other (a Binance
   * {@code bookTicker}), so the last received is the current one. Their key columns then only break
   * ties of one microsecond. Other types order by their identity alone (a burst of trades by id).
   *
   * @return true for tickers
   */
  public boolean arrivalOrdered() {
    return arrivalOrdered;
  }

  /**
   * @return the columns that order records of one instrument and millisecond, after time and
   *     instrument in {@link #resultOrder()}, and which a page's cursor holds: {@code recv_ts_us}
   *     first where {@link #arrivalOrdered()}, then the key columns
   */
  public List<String> tieBreak() {
    return tieBreak;
  }

  /**
   * @return the columns of the order of query results: time first, then the instrument and
   *     {@link #tieBreak()}; a total order of the records (nulls last), which the cursor of a page
   *     resumes exactly. A text id column ({@link #orderedByLength}) orders by its length before its
   *     text: see {@link #resultOrder(String)}
   */
  public List<String> resultOrder() {
    List<String> k = new ArrayList<>(List.of("ts_ms", "exchange", "market_type", "symbol"));
    k.addAll(tieBreak());
    return List.copyOf(k);
  }

  /**
   * Whether a column is a text id (the trade id) that orders by its length in bytes, then its
   * text: ids are numbers in text on most exchanges ({@code 999} before {@code 1000}, which text
   * order puts the other way round) and prefixed ones of one form ({@code ETH-999} before
   * {@code ETH-1000}) order as their numbers too, while any two texts still compare, one way. The
   * latest cache orders identity keys the same way ({@link io.marketprism.storage.cache.LatestCache.Latest#compareKeys}).
   *
   * @param col a column name
   * @return true for a text id column
   */
  public boolean orderedByLength(String col) {
    return identifiedById && keyColumns.contains(col) && column(col).kind() == Kind.STRING;
  }

  /**
   * @param byteLength the store's SQL function giving a text's length in bytes (ClickHouse
   *     {@code length}, DuckDB {@code strlen})
   * @return the terms of the ORDER BY of query results: {@link #resultOrder()}, with a text id
   *     preceded by its byte length ({@link #orderedByLength})
   */
  public List<String> resultOrder(String byteLength) {
    List<String> k = new ArrayList<>();
    for (String col : resultOrder()) {
      if (orderedByLength(col)) {
        k.add(byteLength + "(" + col + ")");
      }
      k.add(col);
    }
    return List.copyOf(k);
  }

  /**
   * Which of two copies of one identity that differ (a trade fetched again after a reconnect and
   * received later, a ticker sent again corrected) every store keeps and every read answers: the one
   * received first, the smallest {@code recv_ts_us}, so that a read gives the same copy whatever the
   * engine, tier, merge or archive. Copies received in the same microsecond are then ordered by their
   * other columns in record order (book sides left out), a fixed order of their content.
   *
   * @param quote the store's quote of a column name ({@code `} in ClickHouse, {@code "} in DuckDB:
   *     {@code interval} is a keyword)
   * @return the terms of an ORDER BY that puts the copy to keep of each identity first
   */
  public String copyOrder(char quote) {
    StringBuilder k = new StringBuilder(FIRST_COPY);
    for (Column c : columns) {
      if (c.kind() != Kind.LEVELS && !c.name().equals(FIRST_COPY)) {
        k.append(", ").append(quote).append(c.name()).append(quote);
      }
    }
    return k.toString();
  }

  /**
   * @return the columns a later version added to the table (a ticker's {@code update_id}), last in
   *     its column order: nullable, and null in the rows a store kept from before, to which each store
   *     adds them at start (tables, day files)
   */
  public List<Column> laterColumns() {
    List<String> names = LATER_COLUMNS.getOrDefault(type, List.of());
    return columns.stream().filter(c -> names.contains(c.name())).toList();
  }

  /** @return the physical column names (book sides expanded to their two arrays) */
  public List<String> physicalColumns() {
    List<String> out = new ArrayList<>();
    for (Column c : columns) {
      if (c.kind() == Kind.LEVELS) {
        out.add(c.name() + "_price");
        out.add(c.name() + "_qty");
      } else {
        out.add(c.name());
      }
    }
    return out;
  }

  private static <R> Column col(String name, Kind kind, Class<R> cls, Function<R, Object> f) {
    return new Column(name, kind, r -> f.apply(cls.cast(r)));
  }

  private static void add(DataType t, String id, List<Column> own) {
    ALL.put(t, new TableSchema(t, id == null ? List.of() : List.of(id), id != null, own));
  }

  static {
    Class<TradeRecord> tr = TradeRecord.class;
    add(DataType.TRADE, "trade_id", List.of(
        col("trade_id", Kind.STRING, tr, TradeRecord::tradeId),
        col("price", Kind.DECIMAL, tr, TradeRecord::price),
        col("quantity", Kind.DECIMAL, tr, TradeRecord::quantity),
        col("side", Kind.STRING, tr, TradeRecord::side)));
    Class<OrderBookRecord> ob = OrderBookRecord.class;
    add(DataType.ORDERBOOK, "last_update_id", List.of(
        col("bids", Kind.LEVELS, ob, OrderBookRecord::bids),
        col("asks", Kind.LEVELS, ob, OrderBookRecord::asks),
        col("depth", Kind.INT32, ob, OrderBookRecord::depth),
        col("last_update_id", Kind.UINT64, ob, OrderBookRecord::lastUpdateId),
        col("checksum_ok", Kind.NULLABLE_BOOL, ob, OrderBookRecord::checksumOk)));
    Class<TickerRecord> tk = TickerRecord.class;
    // a ticker is keyed by all it says, as a liquidation is (see TickerRecord#identityKey()), and
    // those of one millisecond are ordered as they arrived
    // the update id, where the exchange gives one, first: it alone tells the tickers of a millisecond apart
    ALL.put(DataType.TICKER, new TableSchema(DataType.TICKER, List.of("update_id", "best_bid", "best_bid_qty",
        "best_ask", "best_ask_qty", "last_price", "volume_24h", "quote_volume_24h", "high_24h", "low_24h"), false, true,
        List.of(
        col("best_bid", Kind.NULLABLE_DECIMAL, tk, TickerRecord::bestBid),
        col("best_bid_qty", Kind.NULLABLE_DECIMAL, tk, TickerRecord::bestBidQty),
        col("best_ask", Kind.NULLABLE_DECIMAL, tk, TickerRecord::bestAsk),
        col("best_ask_qty", Kind.NULLABLE_DECIMAL, tk, TickerRecord::bestAskQty),
        col("last_price", Kind.NULLABLE_DECIMAL, tk, TickerRecord::lastPrice),
        col("volume_24h", Kind.NULLABLE_DECIMAL, tk, TickerRecord::volume24h),
        col("quote_volume_24h", Kind.NULLABLE_DECIMAL, tk, TickerRecord::quoteVolume24h),
        col("high_24h", Kind.NULLABLE_DECIMAL, tk, TickerRecord::high24h),
        col("low_24h", Kind.NULLABLE_DECIMAL, tk, TickerRecord::low24h),
        // added by a later version: last, where a store adds it to a table of an earlier one
        col("update_id", Kind.NULLABLE_UINT64, tk, TickerRecord::updateId))));
    Class<KlineRecord> kl = KlineRecord.class;
    add(DataType.KLINE, null, List.of(
        col("interval", Kind.STRING, kl, KlineRecord::interval),
        col("open_time_ms", Kind.UINT64, kl, KlineRecord::openTimeMs),
        col("close_time_ms", Kind.NULLABLE_UINT64, kl, KlineRecord::closeTimeMs),
        col("open", Kind.NULLABLE_DECIMAL, kl, KlineRecord::open),
        col("high", Kind.NULLABLE_DECIMAL, kl, KlineRecord::high),
        col("low", Kind.NULLABLE_DECIMAL, kl, KlineRecord::low),
        col("close", Kind.NULLABLE_DECIMAL, kl, KlineRecord::close),
        col("volume", Kind.NULLABLE_DECIMAL, kl, KlineRecord::volume),
        col("quote_volume", Kind.NULLABLE_DECIMAL, kl, KlineRecord::quoteVolume),
        col("trade_count", Kind.NULLABLE_UINT64, kl, KlineRecord::tradeCount),
        col("closed", Kind.BOOL, kl, KlineRecord::closed)));
    Class<FundingRateRecord> fr = FundingRateRecord.class;
    add(DataType.FUNDING_RATE, null, List.of(
        col("funding_rate", Kind.NULLABLE_DECIMAL, fr, FundingRateRecord::fundingRate),
        col("funding_time_ms", Kind.NULLABLE_UINT64, fr, FundingRateRecord::fundingTimeMs),
        col("next_funding_time_ms", Kind.NULLABLE_UINT64, fr, FundingRateRecord::nextFundingTimeMs),
        col("estimated_rate", Kind.NULLABLE_DECIMAL, fr, FundingRateRecord::estimatedRate)));
    Class<MarkPriceRecord> mp = MarkPriceRecord.class;
    add(DataType.MARK_PRICE, null, List.of(
        col("mark_price", Kind.NULLABLE_DECIMAL, mp, MarkPriceRecord::markPrice),
        col("index_price", Kind.NULLABLE_DECIMAL, mp, MarkPriceRecord::indexPrice)));
    Class<OpenInterestRecord> oi = OpenInterestRecord.class;
    add(DataType.OPEN_INTEREST, null, List.of(
        col("open_interest", Kind.NULLABLE_DECIMAL, oi, OpenInterestRecord::openInterest),
        col("open_interest_value", Kind.NULLABLE_DECIMAL, oi, OpenInterestRecord::openInterestValue)));
    Class<LiquidationRecord> lq = LiquidationRecord.class;
    ALL.put(DataType.LIQUIDATION, new TableSchema(DataType.LIQUIDATION, List.of("side", "price", "quantity"), false,
        List.of(
            col("side", Kind.NULLABLE_STRING, lq, LiquidationRecord::side),
            col("price", Kind.NULLABLE_DECIMAL, lq, LiquidationRecord::price),
            col("quantity", Kind.NULLABLE_DECIMAL, lq, LiquidationRecord::quantity),
            col("order_id", Kind.NULLABLE_STRING, lq, LiquidationRecord::orderId))));
    Class<VolatilityIndexRecord> vi = VolatilityIndexRecord.class;
    add(DataType.VOLATILITY_INDEX, null, List.of(
        col("index_value", Kind.NULLABLE_DECIMAL, vi, VolatilityIndexRecord::indexValue),
        col("resolution", Kind.NULLABLE_STRING, vi, VolatilityIndexRecord::resolution)));
    Class<LongShortRatioRecord> ls = LongShortRatioRecord.class;
    List<Column> lsr = List.of(
        col("long_short_ratio", Kind.NULLABLE_DECIMAL, ls, LongShortRatioRecord::longShortRatio),
        col("long_ratio", Kind.NULLABLE_DECIMAL, ls, LongShortRatioRecord::longRatio),
        col("short_ratio", Kind.NULLABLE_DECIMAL, ls, LongShortRatioRecord::shortRatio),
        col("period", Kind.NULLABLE_STRING, ls, LongShortRatioRecord::period));
    add(DataType.LSR_TOP_POSITION, null, lsr);
    add(DataType.LSR_ALL_ACCOUNT, null, lsr);
  }
}
