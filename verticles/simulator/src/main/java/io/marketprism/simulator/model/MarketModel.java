package io.marketprism.simulator.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The market of one exchange: its instruments and the pacing of their events. Deterministic for a
 * seed: the same seed and the same number of steps give the same prices and sizes, and the same ids
 * above each instrument's id base (times, and by default the id bases, come from the clock: see
 * {@link InstrumentModel}).
 */
public final class MarketModel {

  private final List<InstrumentModel> instruments = new ArrayList<>();
  private final List<MarketListener> listeners = new ArrayList<>();
  private final SplittableRandom rng;
  private final MarketListener fanOut = new FanOut();
  private double rate;
  private double carry;
  private long lastAdvance = -1;
  private long lastStats = -1;
  private volatile boolean paused;

  /**
   * @param seed seed of the event pacing
   * @param rate book/trade events per second across all instruments
   */
  public MarketModel(long seed, double rate) {
    this.rng = new SplittableRandom(seed);
    this.rate = rate;
  }

  /** Adds an instrument. */
  public MarketModel add(InstrumentModel instrument) {
    instruments.add(instrument);
    return this;
  }

  /** Registers a listener; call before the model runs. */
  public MarketModel listen(MarketListener listener) {
    listeners.add(listener);
    return this;
  }

  /** The instruments, in the order added. */
  public List<InstrumentModel> instruments() {
    return Collections.unmodifiableList(instruments);
  }

  /** The instrument with this exchange name, or null. */
  public InstrumentModel instrument(String symbol) {
    for (InstrumentModel m : instruments) {
      if (m.spec().symbol().equalsIgnoreCase(symbol)) {
        return m;
      }
    }
    return null;
  }

  /** Stops or restarts event generation (the stats tick stops too). */
  public void paused(boolean paused) {
    this.paused = paused;
  }

  /** Whether generation is paused. */
  public boolean paused() {
    return paused;
  }

  /** Changes the event rate (events per second). */
  public void rate(double rate) {
    this.rate = rate;
  }

  /**
   * Runs the events due since the previous call and the once-a-second stats tick.
   *
   * @param now epoch ms
   * @return the number of events run
   */
  public int advance(long now) {
    if (paused || instruments.isEmpty()) {
      lastAdvance = now;
      return 0;
    }
    if (lastAdvance < 0) {
      lastAdvance = now;
    }
    if (lastStats < 0 || now - lastStats >= 1000) {
      lastStats = now;
      for (InstrumentModel m : instruments) {
        m.tickStats(now, fanOut);
      }
    }
    // at most one second of backlog, so a stalled loop does not burst afterwards
    carry = Math.min(rate, carry + rate * (now - lastAdvance) / 1000.0);
    lastAdvance = now;
    int n = (int) carry;
    carry -= n;
    step(n, now);
    return n;
  }

  /** Runs {@code n} events now, ignoring pacing (benchmarks and tests). */
  public void step(int n, long now) {
    int size = instruments.size();
    for (int i = 0; i < n; i++) {
      instruments.get(size == 1 ? 0 : rng.nextInt(size)).step(now, fanOut);
    }
  }

  private final class FanOut implements MarketListener {
    @Override
    public void onBook(InstrumentModel instrument, BookDelta delta) {
      for (MarketListener l : listeners) {
        l.onBook(instrument, delta);
      }
    }

    @Override
    public void onTrades(InstrumentModel instrument, List<Trade> trades) {
      for (MarketListener l : listeners) {
        l.onTrades(instrument, trades);
      }
    }

    @Override
    public void onStats(InstrumentModel instrument, Kline kline) {
      for (MarketListener l : listeners) {
        l.onStats(instrument, kline);
      }
    }

    @Override
    public void onLiquidation(InstrumentModel instrument, Liquidation liquidation) {
      for (MarketListener l : listeners) {
        l.onLiquidation(instrument, liquidation);
      }
    }
  }
}
