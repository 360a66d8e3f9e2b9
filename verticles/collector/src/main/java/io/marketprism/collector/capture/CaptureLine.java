package io.marketprism.collector.capture;

/**
 * One line of a capture, classified (CONTRACT §2 capture formats).
 *
 * @param kind what the line holds
 * @param recvTsUs receive time in epoch µs: the line's own timestamp, else the last one seen in
 *     the same input, else 0
 * @param url the request URL of a {@link Kind#REST} line, else {@code null}
 * @param payload the exchange message or REST body ({@code null} for skipped lines)
 * @param source input file and line number, for logs
 */
public record CaptureLine(Kind kind, long recvTsUs, String url, String payload, String source) {

  /** Line kinds. */
  public enum Kind {
    /** A message received from the exchange WebSocket (with or without timestamp). */
    MESSAGE,
    /** A REST response body with its request URL. */
    REST,
    /** Recorder bookkeeping (connection opened, message sent by the client, blank line): not a message. */
    SKIP,
    /** A line that fits no capture format; {@code payload} holds the reason. */
    UNREADABLE
  }

  /**
   * Classifies one line.
   *
   * @param line the text (without line terminator)
   * @param lastTsUs the last timestamp seen in this input (0 if none), for lines without one
   * @param source where the line comes from, for logs
   * @return the classified line
   */
  public static CaptureLine parse(String line, long lastTsUs, String source) {
    String s = line.strip();
    if (s.isEmpty()) {
      return new CaptureLine(Kind.SKIP, lastTsUs, null, null, source);
    }
    char c = s.charAt(0);
    if (c == '{' || c == '[') {
      return new CaptureLine(Kind.MESSAGE, lastTsUs, null, s, source);
    }
    if (s.startsWith("wss://") || s.startsWith("ws://")) {
      return websocketLine(s, lastTsUs, source);
    }
    if (s.startsWith("https://") || s.startsWith("http://")) {
      int arrow = s.indexOf(" -> ");
      if (arrow < 0) {
        return unreadable("REST line without ' -> '", lastTsUs, source);
      }
      return timestamped(s.substring(arrow + 4), Kind.REST, s.substring(0, arrow), lastTsUs, source);
    }
    if (c >= '0' && c <= '9') {
      return timestamped(s, Kind.MESSAGE, null, lastTsUs, source);
    }
    return unreadable("line fits no capture format", lastTsUs, source);
  }

  private static CaptureLine websocketLine(String s, long lastTsUs, String source) {
    int open = s.indexOf(" <-> ");
    if (open >= 0) {
      return skip(s.substring(open + 5), lastTsUs, source);
    }
    int sent = s.indexOf(" <- ");
    if (sent >= 0) {
      return skip(s.substring(sent + 4), lastTsUs, source);
    }
    int received = s.indexOf(" -> ");
    if (received >= 0) {
      return timestamped(s.substring(received + 4), Kind.MESSAGE, null, lastTsUs, source);
    }
    return unreadable("WebSocket line without direction", lastTsUs, source);
  }

  private static CaptureLine skip(String rest, long lastTsUs, String source) {
    int end = 0;
    while (end < rest.length() && (Character.isDigit(rest.charAt(end)) || rest.charAt(end) == '.')) {
      end++;
    }
    long ts = end == 0 ? lastTsUs : toMicros(rest.substring(0, end));
    return new CaptureLine(Kind.SKIP, ts < 0 ? lastTsUs : ts, null, null, source);
  }

  /** {@code TS {json}} or {@code TS: {json}}. */
  private static CaptureLine timestamped(String s, Kind kind, String url, long lastTsUs, String source) {
    int end = 0;
    while (end < s.length() && (Character.isDigit(s.charAt(end)) || s.charAt(end) == '.')) {
      end++;
    }
    long ts = toMicros(s.substring(0, end));
    if (ts < 0) {
      return unreadable("bad timestamp", lastTsUs, source);
    }
    int i = end;
    if (i < s.length() && s.charAt(i) == ':') {
      i++;
    }
    if (i >= s.length() || s.charAt(i) != ' ') {
      return unreadable("timestamp not followed by a message", lastTsUs, source);
    }
    String payload = s.substring(i + 1).strip();
    if (payload.isEmpty()) {
      return unreadable("timestamp without a message", ts, source);
    }
    return new CaptureLine(kind, ts, url, payload, source);
  }

  private static CaptureLine unreadable(String reason, long lastTsUs, String source) {
    return new CaptureLine(Kind.UNREADABLE, lastTsUs, null, reason, source);
  }

  /**
   * Converts a capture timestamp to epoch µs, telling units apart by magnitude: a fraction or up to
   * 10 integer digits are seconds, up to 13 milliseconds, up to 16 microseconds, more nanoseconds.
   *
   * @param ts the timestamp text
   * @return epoch µs, or -1 if it is not a timestamp
   */
  public static long toMicros(String ts) {
    int dot = ts.indexOf('.');
    String whole = dot < 0 ? ts : ts.substring(0, dot);
    if (whole.isEmpty() || whole.length() > 19 || ts.indexOf('.', dot + 1) > 0) {
      return -1;
    }
    long w;
    try {
      w = Long.parseLong(whole);
    } catch (NumberFormatException e) {
      return -1;
    }
    int digits = whole.length();
    if (dot >= 0 || digits <= 10) {
      // seconds, with the fraction read exactly to the microsecond (no float rounding)
      long micros = 0;
      String frac = dot < 0 ? "" : ts.substring(dot + 1);
      for (int k = 0; k < 6; k++) {
        micros = micros * 10 + (k < frac.length() ? frac.charAt(k) - '0' : 0);
      }
      return w * 1_000_000 + micros;
    }
    if (digits <= 13) {
      return w * 1_000;
    }
    if (digits <= 16) {
      return w;
    }
    return w / 1_000;
  }
}
