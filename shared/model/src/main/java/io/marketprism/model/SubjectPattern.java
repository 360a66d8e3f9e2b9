package io.marketprism.model;

import java.util.ArrayList;
import java.util.List;

/**
 * A NATS-style subject pattern: tokens separated by {@code .}, {@code *} matches exactly one
 * token, {@code >} (last token only) matches one or more. Used by the live stream and the
 * monitoring rules, so both read subscriptions the same way NATS does.
 */
public final class SubjectPattern {

  /** Tokens of a record's subject (CONTRACT §4). */
  private static final int SUBJECT_TOKENS = 4;

  private final String pattern;
  private final String[] tokens;

  private SubjectPattern(String pattern, String[] tokens) {
    this.pattern = pattern;
    this.tokens = tokens;
  }

  /**
   * @param pattern e.g. {@code orderbook.okx.*.*} or {@code trade.>}
   * @return the compiled pattern
   * @throws IllegalArgumentException when a token is empty or {@code >} is not last
   */
  public static SubjectPattern parse(String pattern) {
    if (pattern == null || pattern.isEmpty() || pattern.length() > 256) {
      throw new IllegalArgumentException("a subject pattern must have 1 to 256 characters");
    }
    String[] tokens = pattern.split("\\.", -1);
    for (int i = 0; i < tokens.length; i++) {
      String t = tokens[i];
      if (t.isEmpty()) {
        throw new IllegalArgumentException("subject pattern '" + pattern + "' has an empty token");
      }
      if (t.equals(">") && i != tokens.length - 1) {
        throw new IllegalArgumentException("'>' may only be the last token of '" + pattern + "'");
      }
      if (!t.equals("*") && !t.equals(">") && (t.contains("*") || t.contains(">") || t.chars().anyMatch(Character::isWhitespace))) {
        throw new IllegalArgumentException("subject pattern '" + pattern + "' has a bad token '" + t + "'");
      }
    }
    return new SubjectPattern(pattern, tokens);
  }

  /**
   * Checks that the pattern can match a record's subject (CONTRACT §4: four tokens,
   * {@code data_type.exchange.market_type.symbol}), for whoever waits on it: a pattern that never
   * matches would deliver nothing, silently.
   *
   * @return this
   * @throws IllegalArgumentException naming why no record subject matches it
   */
  public SubjectPattern requireRecordSubjects() {
    // '>' stands for one token or more
    boolean rest = tokens[tokens.length - 1].equals(">");
    if (rest ? tokens.length > SUBJECT_TOKENS : tokens.length != SUBJECT_TOKENS) {
      throw new IllegalArgumentException("subject pattern '" + pattern + "' never matches: a subject has "
          + SUBJECT_TOKENS + " tokens, data_type.exchange.market_type.symbol" + symbolWithPoint());
    }
    known(0, "a data type", DataType.values());
    known(1, "an exchange", Exchange.values());
    known(2, "a market type", MarketType.values());
    return this;
  }

  /**
   * @return for a pattern whose symbol looks written with its point (a decimal strike, as in the
   *     record), the subject that symbol has ({@link Subjects#token}), as a hint; else nothing
   */
  private String symbolWithPoint() {
    if (tokens.length <= SUBJECT_TOKENS) {
      return "";
    }
    for (int i = SUBJECT_TOKENS - 1; i < tokens.length; i++) {
      // what follows a decimal point is a digit: 'BTC-USDT.x' is no symbol with a point
      if (tokens[i].equals("*") || tokens[i].equals(">") || i >= SUBJECT_TOKENS && !Character.isDigit(tokens[i].charAt(0))) {
        return "";
      }
    }
    String symbol = String.join(".", java.util.Arrays.copyOfRange(tokens, SUBJECT_TOKENS - 1, tokens.length));
    String prefix = String.join(".", java.util.Arrays.copyOfRange(tokens, 0, SUBJECT_TOKENS - 1));
    return "; a '.' in a symbol is written '_' in its subject: '" + prefix + "." + Subjects.token(symbol) + "'";
  }

  /** A literal token at {@code i} must be the wire name of one of {@code values}. */
  private void known(int i, String what, Enum<?>[] values) {
    if (i >= tokens.length || tokens[i].equals("*") || tokens[i].equals(">")) {
      return;
    }
    StringBuilder names = new StringBuilder();
    for (Enum<?> v : values) {
      if (v.toString().equals(tokens[i])) {
        return;
      }
      names.append(names.length() == 0 ? "" : ", ").append(v);
    }
    throw new IllegalArgumentException("subject pattern '" + pattern + "' never matches: '" + tokens[i]
        + "' is not " + what + " (" + names + ")");
  }

  /** @return whether {@code subject} (a concrete subject) matches this pattern */
  public boolean matches(String subject) {
    int pos = 0;
    int n = subject.length();
    for (int i = 0; i < tokens.length; i++) {
      if (pos > n) {
        return false;
      }
      String t = tokens[i];
      if (t.equals(">")) {
        return pos < n;
      }
      int end = subject.indexOf('.', pos);
      if (end < 0) {
        end = n;
      }
      if (!t.equals("*") && !subject.regionMatches(pos, t, 0, Math.max(t.length(), end - pos))) {
        return false;
      }
      if (end - pos == 0) {
        return false;
      }
      pos = end + 1;
    }
    return pos == n + 1;
  }

  /**
   * The subscriptions that receive this pattern's records and nothing else on a server that also
   * carries other traffic (NATS: JetStream's API, acks, reply inboxes): a pattern whose first token
   * is a wildcard becomes one pattern per data type, e.g. {@code >} becomes {@code trade.>},
   * {@code orderbook.>}, ...; {@code *} alone becomes none; any other pattern stays as it is.
   *
   * @return the patterns to subscribe to
   */
  public List<String> recordSubjects() {
    String first = tokens[0];
    if (!first.equals("*") && !first.equals(">")) {
      return List.of(pattern);
    }
    if (first.equals("*") && tokens.length == 1) {
      return List.of(); // subjects of one token: no record has one
    }
    String rest = first.equals(">") ? ">" : pattern.substring(2);
    List<String> out = new ArrayList<>();
    for (DataType t : DataType.values()) {
      out.add(t.wire() + "." + rest);
    }
    return out;
  }

  /** @return the pattern as written */
  @Override
  public String toString() {
    return pattern;
  }
}
