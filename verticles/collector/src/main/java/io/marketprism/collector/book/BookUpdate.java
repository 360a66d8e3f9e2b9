package io.marketprism.collector.book;

import io.marketprism.model.Instrument;

/**
 * One parsed order-book message: a full snapshot or an incremental change, with the sequence
 * fields its exchange uses. Built by the exchange parsers, consumed by a {@link BookSync}.
 *
 * @param snapshot true for a full book (Binance REST depth, OKX {@code action=snapshot}, Deribit
 *     without {@code prev_change_id})
 * @param exchangeSymbol exchange instrument name
 * @param instrument normalized instrument
 * @param tsMs exchange event time, epoch ms
 * @param recvTsUs receive time, epoch µs
 * @param firstId Binance {@code U}; otherwise {@link #NONE}
 * @param lastId Binance {@code u} or {@code lastUpdateId}, OKX {@code seqId}, Deribit {@code change_id}
 *     ({@link #NONE} where absent)
 * @param prevId Binance futures {@code pu}, OKX {@code prevSeqId}, Deribit {@code prev_change_id}
 *     ({@link #NONE} where absent)
 * @param checksum the exchange's checksum, valid when {@code hasChecksum}
 * @param hasChecksum whether the message carries a checksum
 * @param bids bid levels as sent
 * @param asks ask levels as sent
 */
public record BookUpdate(boolean snapshot, String exchangeSymbol, Instrument instrument, long tsMs, long recvTsUs,
    long firstId, long lastId, long prevId, int checksum, boolean hasChecksum, LevelList bids, LevelList asks) {

  /** Marks an absent sequence field. */
  public static final long NONE = Long.MIN_VALUE;
}
