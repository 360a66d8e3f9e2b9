package io.marketprism.collector.normalize;

/**
 * A pure parser of one exchange's WebSocket frames. Acks, pongs and heartbeats produce nothing;
 * anything unreadable or of an unknown channel is rejected.
 */
public interface MessageParser {

  /**
   * @param message one raw text frame
   * @param recvTsUs local receive time, epoch µs
   * @param sink receives the records and book messages
   * @throws ParseException if the message is rejected (nothing has been emitted then)
   */
  void parse(String message, long recvTsUs, RecordSink sink) throws ParseException;

  /**
   * Parses a REST response body.
   *
   * @param url the request URL (path and query tell what the body is)
   * @param body the response body
   * @param recvTsUs local receive time, epoch µs
   * @param sink receives the records and book messages
   * @throws ParseException if the body is rejected
   */
  void parseRest(String url, String body, long recvTsUs, RecordSink sink) throws ParseException;
}
