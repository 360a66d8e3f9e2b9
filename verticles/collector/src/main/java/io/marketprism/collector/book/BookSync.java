package io.marketprism.collector.book;

import io.marketprism.model.Exchange;
import io.marketprism.model.Instrument;
import io.marketprism.model.OrderBookRecord;
import io.marketprism.model.RecordLimits;

/**
 * The sync state machine of one instrument's book: it applies snapshots and changes in the
 * exchange's sequence rules, counts gaps and checksum failures in {@link BookStats}, and never
 * lets a book it knows to be wrong be published. After a {@link SyncOutcome#needsResync()
 * failure} {@link #needsResync()} stays true until a fresh snapshot has been applied; the I/O
 * layer reacts by fetching a snapshot (Binance) or resubscribing (OKX, Deribit).
 */
public abstract class BookSync {

  /** The book being maintained. */
  protected final OrderBook book = new OrderBook();
  private final Exchange exchange;
  private final BookStats stats;
  private final int depth;
  private boolean synced;
  private boolean lostSync;
  private Instrument instrument;
  private String exchangeSymbol;
  private long lastUpdateId;
  private long tsMs;
  private long recvTsUs;
  private Boolean checksumOk;
  private String unstorable;

  /**
   * @param exchange the exchange
   * @param stats shared counters
   * @param depth levels per side in published records
   */
  protected BookSync(Exchange exchange, BookStats stats, int depth) {
    if (depth < 1) {
      throw new IllegalArgumentException("book depth must be at least 1, got " + depth);
    }
    this.exchange = exchange;
    this.stats = stats;
    this.depth = depth;
  }

  /**
   * Applies one book message.
   *
   * @param update the parsed message
   * @return what happened; {@link SyncOutcome#APPLIED} means {@link #toRecord()} is publishable
   */
  public abstract SyncOutcome apply(BookUpdate update);

  /** @return true while the book is consistent with the exchange */
  public boolean synced() {
    return synced;
  }

  /** @return true when the caller should fetch a snapshot or resubscribe */
  public boolean needsResync() {
    return lostSync;
  }

  /** @return the underlying book (read-only use) */
  public OrderBook book() {
    return book;
  }

  /**
   * @return the current top-N book as a record
   * @throws IllegalStateException when the book is not synced
   */
  public OrderBookRecord toRecord() {
    if (!synced) {
      throw new IllegalStateException("book of " + exchangeSymbol + " is not synced");
    }
    return new OrderBookRecord(exchange, instrument.marketType(), instrument.symbol(), exchangeSymbol, tsMs,
        recvTsUs, book.topBids(depth), book.topAsks(depth), depth, lastUpdateId, checksumOk);
  }

  /** @return the exchange's name of the instrument of the latest applied message */
  public String exchangeSymbol() {
    return exchangeSymbol;
  }

  /** @return the normalized symbol of the latest applied message's instrument */
  public String symbol() {
    return instrument == null ? null : instrument.symbol();
  }

  /** @return the update id the record would carry now */
  public long lastUpdateId() {
    return lastUpdateId;
  }

  /** @return the receive time of the latest applied message, epoch µs */
  public long recvTsUs() {
    return recvTsUs;
  }

  /**
   * Replaces the book with a snapshot's levels (and counts a resync if sync had been lost).
   *
   * @throws NumberFormatException if a level is not a decimal; the book is then unsynced
   * @throws ArithmeticException if a price cannot be keyed; the book is then unsynced
   */
  protected final void loadSnapshot(BookUpdate u) {
    book.clear();
    applyLevels(u);
    if (lostSync) {
      stats.resync();
      lostSync = false;
    }
    synced = true;
  }

  /**
   * Applies a change's levels.
   *
   * @throws NumberFormatException if a level is not a decimal; the book is then unsynced
   * @throws ArithmeticException if a price cannot be keyed; the book is then unsynced
   */
  protected final void applyChange(BookUpdate u) {
    applyLevels(u);
  }

  private void applyLevels(BookUpdate u) {
    try {
      book.apply(true, u.bids());
      book.apply(false, u.asks());
    } catch (NumberFormatException | ArithmeticException e) {
      // the levels before the bad one are in: the book is no longer the exchange's
      lose(SyncOutcome.GAP);
      throw e;
    }
  }

  /** Records what the published record will say about the latest applied message. */
  protected final void stamp(BookUpdate u, long updateId, Boolean checksum) {
    instrument = u.instrument();
    exchangeSymbol = u.exchangeSymbol();
    lastUpdateId = updateId;
    tsMs = u.tsMs();
    recvTsUs = u.recvTsUs();
    checksumOk = checksum;
    try {
      RecordLimits.checkCommon(instrument.symbol(), exchangeSymbol, tsMs, recvTsUs);
      RecordLimits.checkInteger("last_update_id", updateId);
      unstorable = null;
    } catch (IllegalArgumentException e) {
      unstorable = e.getMessage();
    }
  }

  /**
   * The book itself stays exact when a message carries an impossible time or id, or a level the
   * stores cannot hold (its levels and sequence are applied); only its record, which the stores
   * would refuse, must not be published until a later message restamps it, or the level leaves the
   * top {@code depth} levels. Dropping the message instead would leave the book wrong, and
   * resyncing would fetch the same level again from the exchange.
   *
   * @return why the record of the latest applied message cannot be stored, or null when it can
   */
  public String unstorable() {
    return unstorable != null ? unstorable : book.unstorableLevel(depth);
  }

  /** Marks the book unsynced after a sequence break. */
  protected final SyncOutcome gap() {
    stats.gap();
    return lose(SyncOutcome.GAP);
  }

  /**
   * Verifies the exchange checksum against the current book and counts the result.
   *
   * @return true if it matched
   */
  protected final boolean verifyChecksum(int expected) {
    boolean ok = book.okxChecksum() == expected;
    stats.checksum(ok);
    return ok;
  }

  /** Marks the book unsynced after a checksum mismatch. */
  protected final SyncOutcome checksumFailed() {
    return lose(SyncOutcome.CHECKSUM_FAILED);
  }

  private SyncOutcome lose(SyncOutcome why) {
    synced = false;
    lostSync = true;
    book.clear();
    return why;
  }
}
