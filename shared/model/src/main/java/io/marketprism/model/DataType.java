package io.marketprism.model;

/** The kinds of normalized market data (CONTRACT §3); {@link #wire()} is the name used in JSON and subjects. */
public enum DataType {
  TRADE("trade"),
  ORDERBOOK("orderbook"),
  TICKER("ticker"),
  KLINE("kline"),
  FUNDING_RATE("funding_rate"),
  MARK_PRICE("mark_price"),
  OPEN_INTEREST("open_interest"),
  LIQUIDATION("liquidation"),
  VOLATILITY_INDEX("volatility_index"),
  LSR_TOP_POSITION("lsr_top_position"),
  LSR_ALL_ACCOUNT("lsr_all_account");

  private final String wire;

  DataType(String wire) {
    this.wire = wire;
  }

  /** @return the wire name, e.g. {@code funding_rate} */
  public String wire() {
    return wire;
  }

  /**
   * @param wire a wire name such as {@code trade}
   * @return the matching type
   * @throws IllegalArgumentException for an unknown name
   */
  public static DataType fromWire(String wire) {
    for (DataType t : values()) {
      if (t.wire.equals(wire)) {
        return t;
      }
    }
    throw new IllegalArgumentException("unknown data_type: " + wire);
  }

  @Override
  public String toString() {
    return wire;
  }
}
