package io.marketprism.sdk;

/**
 * An error answered by the MarketPrism API (its status and the error JSON of CONTRACT §5), or a
 * request that got no answer in time (status 0, code {@code timeout}).
 */
public final class MarketPrismException extends RuntimeException {

  private final int status;
  private final String code;

  public MarketPrismException(int status, String code, String message) {
    super(status + " " + code + ": " + message);
    this.status = status;
    this.code = code;
  }

  public int status() {
    return status;
  }

  public String code() {
    return code;
  }
}
