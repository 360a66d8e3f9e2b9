package io.marketprism.model;

/**
 * A forced liquidation.
 *
 * <p>Its identity (CONTRACT §3: instrument, type and time) is widened by its content: an exchange
 * reports several liquidations of one instrument in one millisecond (OKX's {@code details} of one
 * {@code liquidation-orders} message share their {@code ts}; Deribit's opposite sides in one
 * millisecond), and an identity of the time alone made every one after the first a duplicate,
 * dropped on the bus and in the stores. No exchange gives a liquidation an id of its own, so
 * {@link #identityKey()} is the time plus side, price and quantity: a redelivered record still
 * has its identity, and two liquidations differ unless they are alike in every field that says
 * what was liquidated. The stores key the liquidation table on the same fields.
 *
 * @param exchange exchange
 * @param marketType market type
 * @param symbol normalized symbol
 * @param exchangeSymbol exchange instrument name
 * @param tsMs event time, epoch ms
 * @param recvTsUs receive time, epoch µs
 * @param side side of the liquidation order ({@code buy} closes a short)
 * @param price price
 * @param quantity quantity
 * @param orderId order id ({@code null} where not given)
 */
public record LiquidationRecord(Exchange exchange, MarketType marketType, String symbol, String exchangeSymbol,
    long tsMs, long recvTsUs, String side, String price, String quantity, String orderId) implements MarketRecord {

  @Override
  public DataType dataType() {
    return DataType.LIQUIDATION;
  }

  /**
   * @return {@code ts_ms:side:price:quantity}, a missing field empty and decimals canonical (the
   *     stores compare them as numbers: {@code "1.50"} and {@code "1.5"} are one price)
   */
  @Override
  public String identityKey() {
    return tsMs + ":" + (side == null ? "" : side) + ":" + Decimals.keyPart(price) + ":" + Decimals.keyPart(quantity);
  }
}
