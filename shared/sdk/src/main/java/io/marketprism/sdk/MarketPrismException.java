package io.marketprism.sdk;

import java.time.Duration;

/**
 * An error answered by the MarketPrism API (its status and the error JSON of CONTRACT §5), or a
 * request that got no answer in time (status 0, code {@code timeout}).
 */
public final class MarketPrismException extends RuntimeException {

  private final int status;
  private final String code;
  private final String requestId;
  private final Duration retryAfter;

  public MarketPrismException(int status, String code, String message) {
    this(status, code, message, null, null);
  }

  /**
   * @param requestId  the {@code request_id} of the error JSON (else the {@code X-Request-Id} header), or null
   * @param retryAfter the {@code Retry-After} of the answer (a 429's), or null
   */
  public MarketPrismException(int status, String code, String message, String requestId, Duration retryAfter) {
    super(status + " " + code + ": " + message);
    this.status = status;
    this.code = code;
    this.requestId = requestId;
    this.retryAfter = retryAfter;
  }

  /** @return the HTTP status, or 0 when no answer came */
  public int status() {
    return status;
  }

  /** @return the error code of the error JSON, e.g. {@code rate_limited} */
  public String code() {
    return code;
  }

  /** @return the id the gateway gave the request (quote it when reporting a problem), or null */
  public String requestId() {
    return requestId;
  }

  /** @return how long to wait before asking again, as the answer's {@code Retry-After} says (429), or null */
  public Duration retryAfter() {
    return retryAfter;
  }
}
