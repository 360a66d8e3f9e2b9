package io.marketprism.model;

/** The exchanges MarketPrism collects from; {@link #wire()} is the name used in JSON and subjects. */
public enum Exchange {
  BINANCE("binance"),
  OKX("okx"),
  DERIBIT("deribit");

  private final String wire;

  Exchange(String wire) {
    this.wire = wire;
  }

  /** @return the wire name, e.g. {@code okx} */
  public String wire() {
    return wire;
  }

  /**
   * @param wire a wire name such as {@code binance}
   * @return the matching exchange
   * @throws IllegalArgumentException for an unknown name
   */
  public static Exchange fromWire(String wire) {
    for (Exchange e : values()) {
      if (e.wire.equals(wire)) {
        return e;
      }
    }
    throw new IllegalArgumentException("unknown exchange: " + wire);
  }

  @Override
  public String toString() {
    return wire;
  }
}
