package io.marketprism.platform.bus;

/** A record the publisher dropped because its buffer was full while the bus was away. */
public class BusOverflowException extends RuntimeException {

  /** @param bufferMax the bound that was reached */
  public BusOverflowException(int bufferMax) {
    super("bus publish buffer full (" + bufferMax + " records); record dropped", null, false, false);
  }
}
