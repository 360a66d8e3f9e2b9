package io.marketprism.model;

/** The market an instrument trades in; {@link #wire()} is the name used in JSON and subjects. */
public enum MarketType {
  SPOT("spot"),
  PERPETUAL("perpetual"),
  FUTURES("futures"),
  OPTIONS("options");

  private final String wire;

  MarketType(String wire) {
    this.wire = wire;
  }

  /** @return the wire name, e.g. {@code perpetual} */
  public String wire() {
    return wire;
  }

  /**
   * @param wire a wire name such as {@code spot}
   * @return the matching market type
   * @throws IllegalArgumentException for an unknown name
   */
  public static MarketType fromWire(String wire) {
    for (MarketType m : values()) {
      if (m.wire.equals(wire)) {
        return m;
      }
    }
    throw new IllegalArgumentException("unknown market_type: " + wire);
  }

  @Override
  public String toString() {
    return wire;
  }
}
