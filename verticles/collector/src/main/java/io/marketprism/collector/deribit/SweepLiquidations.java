package io.marketprism.collector.deribit;

import io.marketprism.collector.book.BookUpdate;
import io.marketprism.collector.normalize.RecordSink;
import io.marketprism.collector.normalize.SequencedTrade;
import io.marketprism.model.LiquidationRecord;
import io.marketprism.model.MarketRecord;
import io.marketprism.model.TradeRecord;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/**
 * Deribit marks each fill of a liquidation as a trade with a {@code liquidation} flag; a
 * liquidation order that sweeps several levels fills them in one millisecond. Those fills are one
 * liquidation, one order, and are reported as one, as Binance reports a liquidation order (the
 * opposite side in the same millisecond is another liquidation, of its own identity: see
 * {@link LiquidationRecord#identityKey()}). This sink, wrapped around the
 * parser's caller for one message, merges the fills of one millisecond, instrument and liquidated
 * side into one record: the summed quantity at the price of the last fill (the furthest level the
 * sweep reached, as Binance gives a liquidation order's price). Everything else passes through.
 * Not thread-safe: the parser's thread, one message at a time.
 */
final class SweepLiquidations implements RecordSink {

  private final List<LiquidationRecord> held = new ArrayList<>(4);
  private RecordSink sink;

  /**
   * @param sink the parser's caller for the next message
   * @return this, to parse the message into
   */
  SweepLiquidations around(RecordSink sink) {
    this.sink = sink;
    held.clear();
    return this;
  }

  /** Hands the message's liquidations over, merged, after its other records. */
  void flush() {
    for (LiquidationRecord l : held) {
      sink.record(l);
    }
    held.clear();
    sink = null;
  }

  @Override
  public void record(MarketRecord record) {
    if (!(record instanceof LiquidationRecord l)) {
      sink.record(record);
      return;
    }
    for (int i = 0; i < held.size(); i++) {
      LiquidationRecord h = held.get(i);
      if (h.tsMs() == l.tsMs() && h.exchangeSymbol().equals(l.exchangeSymbol()) && h.side().equals(l.side())) {
        held.set(i, new LiquidationRecord(h.exchange(), h.marketType(), h.symbol(), h.exchangeSymbol(), h.tsMs(),
            h.recvTsUs(), h.side(), l.price(), new BigDecimal(h.quantity()).add(new BigDecimal(l.quantity()))
            .stripTrailingZeros().toPlainString(), h.orderId()));
        return;
      }
    }
    held.add(l);
  }

  @Override
  public void book(BookUpdate update) {
    sink.book(update);
  }

  @Override
  public void trade(TradeRecord trade, long first, long sequence) {
    sink.trade(trade, first, sequence);
  }

  @Override
  public void trade(SequencedTrade trade) {
    sink.trade(trade);
  }
}
