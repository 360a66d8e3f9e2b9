package io.marketprism.collector.normalize;

import io.marketprism.collector.backfill.TradeGap;
import io.marketprism.collector.backfill.TradePage;
import io.marketprism.collector.backfill.TradeSequences;
import io.marketprism.collector.binance.BinanceParser;
import io.marketprism.collector.book.BinanceDepthSync;
import io.marketprism.collector.book.BookStats;
import io.marketprism.collector.book.BookSync;
import io.marketprism.collector.book.BookUpdate;
import io.marketprism.collector.book.DeribitBookSync;
import io.marketprism.collector.book.OkxBookSync;
import io.marketprism.collector.book.SyncOutcome;
import io.marketprism.collector.deribit.DeribitParser;
import io.marketprism.collector.okx.OkxParser;
import io.marketprism.model.Exchange;
import io.marketprism.model.MarketRecord;
import io.marketprism.model.MarketType;
import io.marketprism.model.RecordLimits;
import io.marketprism.model.Symbols;
import io.marketprism.model.TradeRecord;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.LongPredicate;
import java.util.function.Predicate;

/**
 * The pure data path of one exchange connection: raw message → parser → records, with book
 * messages driven through one {@link BookSync} per instrument and published as {@code orderbook}
 * records on every change while the book is synced. A rejected message emits nothing (but a book
 * message whose record the stores would refuse still updates its book: see {@link #drain}). Live
 * trades may be followed by their sequence numbers ({@link #trackTrades}), which reports the gaps
 * of the live stream. Not thread-safe: one per connection (or per normalize run), driven by one
 * thread.
 */
public final class Normalizer {

  private final Exchange exchange;
  private final MessageParser parser;
  private final int depth;
  private final BookStats stats = new BookStats();
  private final Map<String, BookSync> books = new HashMap<>();
  private final Set<String> instrumentsSeen = new LinkedHashSet<>();
  private final Consumer<MarketRecord> output;
  private final Predicate<String> wanted;
  private final Consumer<String> resyncListener;
  private final Buffer buffer = new Buffer();
  private TradeSequences sequences;
  private Consumer<TradeGap> gapListener;
  private TradePage page = TradePage.EMPTY;
  private Consumer<BookSync> bookSink;
  /** The symbol last added to {@link #instrumentsSeen}: most records repeat it (same string from the parsers). */
  private String lastSeen;

  /**
   * @param exchange the exchange
   * @param marketType for Binance, the market type of plain symbols ({@code SPOT} or
   *     {@code PERPETUAL}; {@code null} means spot); ignored elsewhere (names tell it)
   * @param depth levels per side in {@code orderbook} records
   * @param wanted which exchange symbols to keep; records and books of others are dropped
   * @param output receives the records, in order
   * @param resyncListener told the exchange symbol whose book just lost sync (the I/O layer then
   *     fetches a snapshot or resubscribes); may be {@code null}
   */
  public Normalizer(Exchange exchange, MarketType marketType, int depth, Predicate<String> wanted,
      Consumer<MarketRecord> output, Consumer<String> resyncListener) {
    if (depth < 1) {
      throw new IllegalArgumentException("depth must be at least 1, got " + depth);
    }
    this.exchange = exchange;
    Symbols symbols = new Symbols();
    this.parser = switch (exchange) {
      case BINANCE -> new BinanceParser(marketType, symbols);
      case OKX -> new OkxParser(symbols);
      case DERIBIT -> new DeribitParser(symbols);
    };
    this.depth = depth;
    this.wanted = wanted;
    this.output = output;
    this.resyncListener = resyncListener;
  }

  /**
   * Follows the sequence numbers of live trades (not of REST ones) and reports each gap.
   *
   * @param sequences the marks, owned by the caller (told of reconnects there)
   * @param listener told each gap, right after the trade that revealed it was output
   * @return this
   */
  public Normalizer trackTrades(TradeSequences sequences, Consumer<TradeGap> listener) {
    this.sequences = sequences;
    this.gapListener = listener;
    return this;
  }

  /**
   * Hands each applied book message over as its {@link BookSync} instead of a record: a publisher
   * that conflates (publishes a fraction of the updates) builds a record with
   * {@link BookSync#toRecord()} only when it publishes one. Called on the normalizer's thread,
   * {@code toRecord()} gives the book as of the latest applied message. The sink is told of a book
   * whose record is withheld too (the book changed and is in sync): it publishes only while
   * {@link BookSync#unstorable()} is null.
   *
   * @param sink told the book after each applied message (in order with the other records)
   * @return this
   */
  public Normalizer booksTo(Consumer<BookSync> sink) {
    this.bookSink = sink;
    return this;
  }

  /**
   * @param message one raw WebSocket text frame
   * @param recvTsUs receive time, epoch µs
   * @throws ParseException when the message is rejected; nothing was emitted for it
   */
  public void onMessage(String message, long recvTsUs) throws ParseException {
    buffer.clear();
    try {
      parser.parse(message, recvTsUs, buffer);
    } catch (RuntimeException e) {
      // a parser bug or an exotic value must cost one message, never the connection
      throw new ParseException("unexpected " + e.getClass().getSimpleName() + ": " + e.getMessage(), e);
    }
    drain(true, null);
  }

  /**
   * @param url the request URL
   * @param body the REST response body
   * @param recvTsUs receive time, epoch µs
   * @return the trades the body held (a page of past trades), {@link TradePage#EMPTY} for other bodies
   * @throws ParseException when the body is rejected; nothing was emitted for it
   */
  public TradePage onRest(String url, String body, long recvTsUs) throws ParseException {
    return onRest(url, body, recvTsUs, seq -> true);
  }

  /**
   * Like {@link #onRest(String, String, long)} for a page of past trades of which only some are
   * wanted (those a gap misses).
   *
   * @param url the request URL
   * @param body the REST response body
   * @param recvTsUs receive time, epoch µs
   * @param keep which past trades to output, by sequence number (trades without one are kept);
   *     the page returned counts them all
   * @return the trades the body held
   * @throws ParseException when the body is rejected; nothing was emitted for it
   */
  public TradePage onRest(String url, String body, long recvTsUs, LongPredicate keep) throws ParseException {
    buffer.clear();
    try {
      parser.parseRest(url, body, recvTsUs, buffer);
    } catch (RuntimeException e) {
      throw new ParseException("unexpected " + e.getClass().getSimpleName() + ": " + e.getMessage(), e);
    }
    page = TradePage.EMPTY;
    drain(false, keep);
    return page;
  }

  /**
   * Outputs the buffered items; {@code keep} selects past trades (not asked of live ones). A record
   * the stores would refuse ({@link RecordLimits}) rejects the message before any of it is output;
   * a book message is applied all the same (the book stays exact) and its record is withheld.
   */
  private void drain(boolean live, LongPredicate keep) throws ParseException {
    List<Object> items = buffer.items;
    checkRecords(items);
    String withheld = null;
    for (int i = 0, n = items.size(); i < n; i++) {
      Object o = items.get(i);
      if (o instanceof SequencedTrade st) {
        trade(st.trade(), st.first(), st.sequence(), live, keep);
      } else if (o instanceof BookUpdate u) {
        if (!wanted.test(u.exchangeSymbol()) && !wanted.test(u.instrument().symbol())) {
          continue;
        }
        seen(u.exchangeSymbol());
        String why = applyBook(u);
        withheld = withheld == null ? why : withheld;
      } else {
        MarketRecord r = (MarketRecord) o;
        if (wanted.test(r.exchangeSymbol()) || wanted.test(r.symbol())) {
          seen(r.exchangeSymbol());
          output.accept(r);
        }
      }
    }
    if (withheld != null) {
      throw new ParseException(withheld);
    }
  }

  private static void checkRecords(List<Object> items) throws ParseException {
    for (int i = 0, n = items.size(); i < n; i++) {
      Object o = items.get(i);
      MarketRecord r = o instanceof SequencedTrade st ? st.trade() : o instanceof MarketRecord m ? m : null;
      if (r != null) {
        try {
          RecordLimits.check(r);
        } catch (IllegalArgumentException e) {
          throw new ParseException(r.dataType().wire() + " of " + r.exchangeSymbol() + ": " + e.getMessage());
        }
      }
    }
  }

  private void trade(TradeRecord t, long first, long seq, boolean live, LongPredicate keep) {
    if (!wanted.test(t.exchangeSymbol()) && !wanted.test(t.symbol())) {
      return;
    }
    seen(t.exchangeSymbol());
    if (!live && seq != SequencedTrade.NONE) {
      page = page.with(seq, t.tsMs());
      if (!keep.test(seq)) {
        return;
      }
    }
    output.accept(t);
    if (live && sequences != null && seq != SequencedTrade.NONE) {
      TradeGap gap = sequences.observe(t.exchangeSymbol(), first == SequencedTrade.NONE ? seq : first, seq, t.tsMs());
      if (gap != null) {
        gapListener.accept(gap);
      }
    }
  }

  private void seen(String exchangeSymbol) {
    if (exchangeSymbol != lastSeen) {
      instrumentsSeen.add(exchangeSymbol);
      lastSeen = exchangeSymbol;
    }
  }

  /** @return why the book's record was withheld, or null */
  private String applyBook(BookUpdate u) throws ParseException {
    BookSync sync = books.computeIfAbsent(u.exchangeSymbol(), k -> newSync(u));
    SyncOutcome outcome;
    try {
      outcome = sync.apply(u);
    } catch (NumberFormatException | ArithmeticException e) {
      // the book took the message in part and is unsynced: rebuild it
      if (resyncListener != null) {
        resyncListener.accept(u.exchangeSymbol());
      }
      throw new ParseException("bad price level in book of " + u.exchangeSymbol() + ", resyncing: " + e.getMessage(), e);
    }
    if (outcome == SyncOutcome.APPLIED) {
      String unstorable = sync.unstorable();
      if (bookSink != null) {
        bookSink.accept(sync);
      } else if (unstorable == null) {
        output.accept(sync.toRecord());
      }
      if (unstorable != null) {
        return "book of " + u.exchangeSymbol() + " updated, its record withheld: " + unstorable;
      }
    } else if (outcome.needsResync() && resyncListener != null) {
      resyncListener.accept(u.exchangeSymbol());
    }
    return null;
  }

  private BookSync newSync(BookUpdate u) {
    return switch (exchange) {
      case BINANCE -> new BinanceDepthSync(u.instrument().marketType() != MarketType.SPOT, stats, depth);
      case OKX -> new OkxBookSync(stats, depth);
      case DERIBIT -> new DeribitBookSync(stats, depth);
    };
  }

  /** @return book integrity counters of every instrument */
  public BookStats bookStats() {
    return stats;
  }

  /**
   * @param exchangeSymbol an exchange instrument name
   * @return its book sync, or {@code null} if no book message was seen for it
   */
  public BookSync book(String exchangeSymbol) {
    return books.get(exchangeSymbol);
  }

  /**
   * Drops the book state of an instrument, so that its next book message starts a fresh sync
   * (the I/O layer does this after a reconnect or when the instrument is unsubscribed).
   *
   * @param exchangeSymbol an exchange instrument name
   */
  public void forgetBook(String exchangeSymbol) {
    books.remove(exchangeSymbol);
  }

  /** @return exchange symbols whose books wait for a snapshot after losing sync */
  public List<String> booksNeedingResync() {
    List<String> out = new ArrayList<>();
    books.forEach((sym, sync) -> {
      if (sync.needsResync()) {
        out.add(sym);
      }
    });
    return out;
  }

  /** @return exchange symbols seen in accepted messages, in order of first appearance */
  public Set<String> instrumentsSeen() {
    return Collections.unmodifiableSet(instrumentsSeen);
  }

  /** Holds one message's output until the whole message parsed. */
  private static final class Buffer implements RecordSink {
    final List<Object> items = new ArrayList<>();

    void clear() {
      items.clear();
    }

    @Override
    public void record(MarketRecord record) {
      items.add(record);
    }

    @Override
    public void book(BookUpdate update) {
      items.add(update);
    }

    @Override
    public void trade(TradeRecord trade, long first, long sequence) {
      items.add(new SequencedTrade(trade, first, sequence));
    }

    @Override
    public void trade(SequencedTrade trade) {
      items.add(trade);
    }
  }
}
