package io.marketprism.platform.bus;

/** A record the publisher dropped because its buffer was full while the bus was away. */
public class BusOverflowException extends RuntimeException {

  /**
   * @param bufferMax the record bound
   * @param bufferMaxBytes the byte bound; either was reached
   */
  public BusOverflowException(int bufferMax, long bufferMaxBytes) {
    super("bus publish buffer full (bus.publish.buffer_max " + bufferMax + " records or buffer_max_bytes "
        + bufferMaxBytes + " bytes); record dropped", null, false, false);
  }
}
