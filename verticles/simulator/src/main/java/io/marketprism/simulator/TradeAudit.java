package io.marketprism.simulator;

import io.marketprism.simulator.model.Trade;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The trade records of one instrument that came out of a pipeline (stored, or published) against
 * the trades the simulator emitted, for no-loss tests and benchmarks: the matches the records
 * carry ({@link TrueMatches}: an OKX aggregate carries several) must be exactly the simulator's,
 * from the first one carried (a pipeline started after the simulator saw none before it) to the
 * newest the simulator emitted (pause it first), each once.
 *
 * @param instrument the venue and instrument, for messages
 * @param records the records, every row counted (a record stored twice counts twice)
 * @param carried the distinct matches they carry
 * @param emitted the matches the simulator emitted from the first carried on
 * @param missing matches emitted and carried by no record, oldest first
 * @param unexpected matches carried that the simulator never emitted (or emitted before the first carried)
 * @param duplicates records of an id already seen, plus matches carried by two distinct records
 */
public record TradeAudit(String instrument, long records, long carried, long emitted, List<Long> missing,
    List<Long> unexpected, long duplicates) {

  /**
   * An instrument a pipeline test or benchmark runs on the simulator, as records name it and as the simulator does.
   *
   * @param exchange the exchange, as records name it
   * @param marketType the market type, as records name it
   * @param symbol the normalized symbol
   * @param venue the simulator's venue key
   * @param exchangeSymbol the exchange's instrument name
   */
  public record Instrument(String exchange, String marketType, String symbol, String venue, String exchangeSymbol) {
  }

  /** Bitcoin on each market of the three exchanges, one instrument each. */
  public static final List<Instrument> BTC = List.of(
      new Instrument("binance", "spot", "BTC-USDT", "binance", "BTCUSDT"),
      new Instrument("binance", "perpetual", "BTC-USDT", "binance-usdm", "BTCUSDT"),
      new Instrument("okx", "spot", "BTC-USDT", "okx", "BTC-USDT"),
      new Instrument("okx", "perpetual", "BTC-USDT", "okx", "BTC-USDT-SWAP"),
      new Instrument("deribit", "perpetual", "BTC-USD", "deribit", "BTC-PERPETUAL"));

  /**
   * Has the simulator list {@link #BTC} alone (no Deribit options).
   *
   * @param options the simulator's options
   * @return them
   */
  public static SimulatorOptions listBtcAlone(SimulatorOptions options) {
    for (Instrument i : BTC) {
      options.setSymbols(i.exchange(), i.marketType(), List.of(i.exchangeSymbol()));
    }
    options.setSymbols("deribit", "options", List.of());
    return options;
  }

  /**
   * @param simulator the simulator that emitted the trades
   * @param venue a venue key ({@code binance}, {@code binance-usdm}, {@code okx}, {@code deribit})
   * @param symbol the exchange's instrument name
   * @param rows the records: {@code trade_id} and {@code quantity} (as text) of each, every row
   * @return the comparison
   */
  public static TradeAudit of(SimulatorVerticle simulator, String venue, String symbol, List<String[]> rows) {
    TrueMatches matches = simulator.trueMatches(venue, symbol);
    Set<String> ids = new HashSet<>();
    Set<Long> carried = new HashSet<>();
    long duplicates = 0;
    for (String[] row : rows) {
      if (!ids.add(row[0])) {
        duplicates++;
        continue;
      }
      for (long id : matches.carried(Long.parseLong(row[0]), row[1])) {
        duplicates += carried.add(id) ? 0 : 1;
      }
    }
    long first = carried.stream().mapToLong(Long::longValue).min().orElse(Long.MAX_VALUE);
    List<Long> missing = new ArrayList<>();
    Set<Long> unexpected = new HashSet<>(carried);
    long emitted = 0;
    for (Trade t : simulator.trueTrades(venue, symbol)) {
      if (t.id() >= first) {
        emitted++;
        if (!unexpected.remove(t.id())) {
          missing.add(t.id());
        }
      }
    }
    return new TradeAudit(venue + " " + symbol, rows.size(), carried.size(), emitted, List.copyOf(missing),
        unexpected.stream().sorted().toList(), duplicates);
  }

  /** @return whether some records were compared and they carry every match emitted since the first once, nothing else */
  public boolean exact() {
    return carried > 0 && missing.isEmpty() && unexpected.isEmpty() && duplicates == 0;
  }

  @Override
  public String toString() {
    return String.format("trades %s: %d records carrying %d matches, emitted since the first carried %d, missing %d%s, "
        + "unexpected %d%s, duplicates %d", instrument, records, carried, emitted, missing.size(), examples(missing),
        unexpected.size(), examples(unexpected), duplicates);
  }

  private static String examples(List<Long> ids) {
    return ids.isEmpty() ? "" : " (e.g. " + ids.subList(0, Math.min(5, ids.size())) + ")";
  }
}
