package io.marketprism.collector.normalize;

/**
 * A raw exchange message was rejected: it is not valid JSON, lacks a required field, or belongs to
 * no known channel. The caller counts it and logs {@link #getMessage() the reason}.
 */
public final class ParseException extends Exception {

  private static final long serialVersionUID = 1L;

  /**
   * @param reason why the message was rejected
   */
  public ParseException(String reason) {
    super(reason, null, false, false);
  }

  /**
   * @param reason why the message was rejected
   * @param cause the underlying error
   */
  public ParseException(String reason, Throwable cause) {
    super(reason, cause, false, false);
  }
}
