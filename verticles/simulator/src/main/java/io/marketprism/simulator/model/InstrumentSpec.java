package io.marketprism.simulator.model;

/**
 * Static description of one simulated instrument: its name on the exchange, its tick and lot
 * grids, and how the exchange prints its prices and sizes.
 *
 * @param venue         the endpoint set serving it
 * @param symbol        the exchange's own instrument name ({@code BTCUSDT}, {@code BTC-USDT-SWAP}, {@code BTC-PERPETUAL})
 * @param marketType    {@code spot}, {@code perpetual}, {@code futures} or {@code options}
 * @param base          base currency
 * @param quote         quote currency
 * @param priceScale    fractional digits of the price units
 * @param tickUnits     price tick in price units
 * @param priceDecimals digits printed for {@link Decimals#FIXED} prices
 * @param qtyScale      fractional digits of the quantity units
 * @param lotUnits      size step in quantity units
 * @param qtyDecimals   digits printed for {@link Decimals#FIXED} sizes
 * @param style         {@link Decimals} style of this exchange
 * @param initialPrice  starting mid price in price units
 */
public record InstrumentSpec(Venue venue, String symbol, String marketType, String base, String quote,
                             int priceScale, long tickUnits, int priceDecimals,
                             int qtyScale, long lotUnits, int qtyDecimals, int style, long initialPrice) {

  /** The exchange name ({@code binance}, {@code okx}, {@code deribit}). */
  public String exchange() {
    return venue.exchange();
  }

  /** Appends a price given in price units. */
  public StringBuilder appendPrice(StringBuilder sb, long units) {
    return Decimals.append(sb, units, priceScale, priceDecimals, style);
  }

  /** Appends a quantity given in quantity units. */
  public StringBuilder appendQty(StringBuilder sb, long units) {
    return Decimals.append(sb, units, qtyScale, qtyDecimals, style);
  }

  /** A price as the exchange prints it. */
  public String price(long units) {
    return appendPrice(new StringBuilder(20), units).toString();
  }

  /** A quantity as the exchange prints it. */
  public String qty(long units) {
    return appendQty(new StringBuilder(20), units).toString();
  }

  /** The price as a double, for derived figures (mark, index, notional). */
  public double priceValue(long units) {
    return units / (double) Decimals.pow10(priceScale);
  }

  /** The quantity as a double. */
  public double qtyValue(long units) {
    return units / (double) Decimals.pow10(qtyScale);
  }
}
