package io.marketprism.simulator.model;

import java.util.List;

/** Receives what the market model does, on the thread that drives it. */
public interface MarketListener {

  /** A book update; the model's book already reflects it. */
  void onBook(InstrumentModel instrument, BookDelta delta);

  /** A burst of trades sharing one millisecond. */
  void onTrades(InstrumentModel instrument, List<Trade> trades);

  /** The once-a-second tick: ticker, mark/index, funding, open interest and the current candle are fresh. */
  void onStats(InstrumentModel instrument, Kline kline);

  /** A liquidation (derivatives only). */
  void onLiquidation(InstrumentModel instrument, Liquidation liquidation);
}
