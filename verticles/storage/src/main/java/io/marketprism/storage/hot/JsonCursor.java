package io.marketprism.storage.hot;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;

/**
 * A pull reader over one JSON text in UTF-8 bytes, for record JSON on the storage's hot path:
 * it checks the grammar as strictly as Jackson (strings, numbers, literals, nesting) but hands
 * out values as byte ranges of the input instead of objects. A string without escapes is a
 * range of the input itself; one with escapes is decoded into a scratch buffer; non-ASCII text
 * is checked to be valid UTF-8. Anything malformed throws {@link IllegalArgumentException} naming
 * the byte offset. Not thread-safe; reusable with {@link #reset}.
 */
final class JsonCursor {

  private static final int MAX_DEPTH = 64;

  private byte[] in;
  private int pos;
  private int end;
  private final RowBinaryWriter unescaped = new RowBinaryWriter(256);

  /** The last string or number read: bytes {@code [valueOff, valueOff + valueLen)} of {@link #valueBytes}. */
  private byte[] valueBytes;
  private int valueOff;
  private int valueLen;
  /** Whether the last number read has a fraction or an exponent. */
  private boolean valueFloat;

  /**
   * Starts reading a text.
   *
   * @param json UTF-8 bytes
   */
  void reset(byte[] json) {
    in = json;
    pos = 0;
    end = json.length;
  }

  /** @return the bytes of the last string or number read (see {@link #valueOff()}, {@link #valueLen()}) */
  byte[] valueBytes() {
    return valueBytes;
  }

  int valueOff() {
    return valueOff;
  }

  int valueLen() {
    return valueLen;
  }

  /** @return the last string or number read, as text (for messages) */
  String valueText() {
    return new String(valueBytes, valueOff, valueLen, StandardCharsets.UTF_8);
  }

  /**
   * @param s bytes
   * @return whether the last string or number read is exactly {@code s}
   */
  boolean valueIs(byte[] s) {
    if (valueLen != s.length) {
      return false;
    }
    for (int i = 0; i < valueLen; i++) {
      if (valueBytes[valueOff + i] != s[i]) {
        return false;
      }
    }
    return true;
  }

  /** @return the next significant byte, not consumed: {@code "}, a digit or {@code -}, {@code t f n [ {} and so on */
  int peek() {
    while (pos < end) {
      byte b = in[pos];
      if (b != ' ' && b != '\n' && b != '\r' && b != '\t') {
        return b;
      }
      pos++;
    }
    throw malformed("unexpected end of input");
  }

  /** Checks that nothing but whitespace follows the value read last (one record per message). */
  void expectEnd() {
    for (; pos < end; pos++) {
      byte b = in[pos];
      if (b != ' ' && b != '\n' && b != '\r' && b != '\t') {
        throw malformed("content after the record's object");
      }
    }
  }

  /**
   * Consumes an expected byte.
   *
   * @param c {@code { } [ ] : ,}
   */
  void expect(char c) {
    if (peek() != c) {
      throw malformed("expected '" + c + "'");
    }
    pos++;
  }

  /**
   * Consumes the byte if it comes next.
   *
   * @param c a structural byte
   * @return whether it came
   */
  boolean next(char c) {
    if (peek() == c) {
      pos++;
      return true;
    }
    return false;
  }

  /**
   * Reads the next field name of an object whose {@code {} or previous value was read, and its colon.
   *
   * @param first whether no field was read yet
   * @return false at the object's end (consumed)
   */
  boolean field(boolean first) {
    if (next('}')) {
      return false;
    }
    if (!first) {
      expect(',');
    }
    if (peek() != '"') {
      throw malformed("expected a field name");
    }
    string();
    expect(':');
    return true;
  }

  /**
   * Reads a string that holds a decimal straight into {@code d}, when it has no escapes and is a
   * decimal the stores hold (the fast path); else consumes nothing.
   *
   * @param d where the value goes
   * @return whether it was read
   */
  boolean decimalString(Decimal128 d) {
    if (peek() != '"') {
      return false;
    }
    int close = d.readQuoted(in, pos + 1, end);
    if (close < 0) {
      return false;
    }
    pos = close + 1;
    return true;
  }

  /** Reads a string value; its bytes are then {@link #valueBytes()}. */
  void string() {
    expect('"');
    int start = pos;
    boolean ascii = true;
    while (true) {
      if (pos >= end) {
        throw malformed("unterminated string");
      }
      byte b = in[pos];
      if (b == '"') {
        break;
      }
      if (b == '\\') {
        unescape(start);
        return;
      }
      if (b >= 0 && b < 0x20) {
        throw malformed("control character in a string");
      }
      ascii &= b >= 0;
      pos++;
    }
    valueBytes = in;
    valueOff = start;
    valueLen = pos - start;
    pos++;
    if (!ascii) {
      checkUtf8();
    }
  }

  /** The slow way: a string with escapes, decoded into {@link #unescaped}. */
  private void unescape(int start) {
    unescaped.clear();
    unescaped.putBytes(in, start, pos - start);
    while (true) {
      if (pos >= end) {
        throw malformed("unterminated string");
      }
      byte b = in[pos++];
      if (b == '"') {
        break;
      }
      if (b >= 0 && b < 0x20) {
        throw malformed("control character in a string");
      }
      if (b != '\\') {
        unescaped.putByte(b);
        continue;
      }
      if (pos >= end) {
        throw malformed("unterminated string");
      }
      byte e = in[pos++];
      switch (e) {
        case '"', '\\', '/' -> unescaped.putByte(e);
        case 'b' -> unescaped.putByte('\b');
        case 'f' -> unescaped.putByte('\f');
        case 'n' -> unescaped.putByte('\n');
        case 'r' -> unescaped.putByte('\r');
        case 't' -> unescaped.putByte('\t');
        case 'u' -> {
          int c = hex4();
          if (Character.isHighSurrogate((char) c) && pos + 1 < end && in[pos] == '\\' && in[pos + 1] == 'u') {
            pos += 2;
            int low = hex4();
            if (Character.isLowSurrogate((char) low)) {
              c = Character.toCodePoint((char) c, (char) low);
            } else {
              utf8(c);
              c = low;
            }
          }
          utf8(c);
        }
        default -> throw malformed("bad escape in a string");
      }
    }
    valueBytes = unescaped.array();
    valueOff = 0;
    valueLen = unescaped.size();
    checkUtf8();
  }

  private int hex4() {
    if (pos + 4 > end) {
      throw malformed("bad \\u escape");
    }
    int c = 0;
    for (int i = 0; i < 4; i++) {
      int d = Character.digit(in[pos++], 16);
      if (d < 0) {
        throw malformed("bad \\u escape");
      }
      c = c * 16 + d;
    }
    return c;
  }

  /** Appends a code point as UTF-8 (a lone surrogate as Java's encoder writes it: '?'). */
  private void utf8(int c) {
    if (c < 0x80) {
      unescaped.putByte(c);
    } else if (c < 0x800) {
      unescaped.putByte(0xC0 | c >> 6);
      unescaped.putByte(0x80 | c & 0x3F);
    } else if (Character.isSurrogate((char) c) && c <= 0xFFFF) {
      unescaped.putByte('?');
    } else if (c < 0x10000) {
      unescaped.putByte(0xE0 | c >> 12);
      unescaped.putByte(0x80 | c >> 6 & 0x3F);
      unescaped.putByte(0x80 | c & 0x3F);
    } else {
      unescaped.putByte(0xF0 | c >> 18);
      unescaped.putByte(0x80 | c >> 12 & 0x3F);
      unescaped.putByte(0x80 | c >> 6 & 0x3F);
      unescaped.putByte(0x80 | c & 0x3F);
    }
  }

  private void checkUtf8() {
    try {
      StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(valueBytes, valueOff, valueLen));
    } catch (CharacterCodingException e) {
      throw malformed("invalid UTF-8 in a string");
    }
  }

  /** Reads a number as JSON writes it; its text is then {@link #valueBytes()}. */
  void number() {
    peek();
    int start = pos;
    if (pos < end && in[pos] == '-') {
      pos++;
    }
    int digits = digits();
    if (digits == 0 || digits > 1 && in[pos - digits] == '0') {
      throw malformed("bad number");
    }
    valueFloat = false;
    if (pos < end && in[pos] == '.') {
      pos++;
      valueFloat = true;
      if (digits() == 0) {
        throw malformed("bad number");
      }
    }
    if (pos < end && (in[pos] == 'e' || in[pos] == 'E')) {
      pos++;
      valueFloat = true;
      if (pos < end && (in[pos] == '+' || in[pos] == '-')) {
        pos++;
      }
      if (digits() == 0) {
        throw malformed("bad number");
      }
    }
    valueBytes = in;
    valueOff = start;
    valueLen = pos - start;
  }

  private int digits() {
    int start = pos;
    while (pos < end && in[pos] >= '0' && in[pos] <= '9') {
      pos++;
    }
    return pos - start;
  }

  /**
   * Reads an integer number.
   *
   * @param name the field, for the message
   * @return its value
   */
  long integer(String name) {
    int c = peek();
    if (c != '-' && (c < '0' || c > '9')) {
      throw new IllegalArgumentException(name + " must be an integer");
    }
    number();
    if (valueFloat) {
      throw new IllegalArgumentException(name + " must be an integer");
    }
    boolean negative = valueBytes[valueOff] == '-';
    long v = 0;
    for (int i = valueOff + (negative ? 1 : 0); i < valueOff + valueLen; i++) {
      int d = valueBytes[i] - '0';
      // accumulate negatively: Long.MIN_VALUE has no positive counterpart
      if (v < (Long.MIN_VALUE + d) / 10) {
        throw malformed("number out of the range of a 64-bit integer");
      }
      v = v * 10 - d;
    }
    if (!negative && v == Long.MIN_VALUE) {
      throw malformed("number out of the range of a 64-bit integer");
    }
    return negative ? v : -v;
  }

  /**
   * Reads {@code true}, {@code false} or {@code null}.
   *
   * @return the byte it starts with
   */
  int literal() {
    int c = peek();
    String word = c == 't' ? "true" : c == 'f' ? "false" : c == 'n' ? "null" : null;
    if (word == null || pos + word.length() > end) {
      throw malformed("unexpected character");
    }
    for (int i = 0; i < word.length(); i++) {
      if (in[pos + i] != word.charAt(i)) {
        throw malformed("unexpected character");
      }
    }
    pos += word.length();
    return c;
  }

  /** Reads and ignores any value. */
  void skip() {
    skip(0);
  }

  private void skip(int depth) {
    if (depth > MAX_DEPTH) {
      throw malformed("nested too deeply");
    }
    int c = peek();
    if (c == '"') {
      string();
    } else if (c == '{') {
      pos++;
      for (boolean first = true; field(first); first = false) {
        skip(depth + 1);
      }
    } else if (c == '[') {
      pos++;
      if (!next(']')) {
        do {
          skip(depth + 1);
        } while (!next(']') && commaOrFail());
      }
    } else if (c == '-' || c >= '0' && c <= '9') {
      number();
    } else {
      literal();
    }
  }

  private boolean commaOrFail() {
    expect(',');
    return true;
  }

  /**
   * @param what what is wrong
   * @return an exception saying so, with the byte offset
   */
  private IllegalArgumentException malformed(String what) {
    return new IllegalArgumentException("malformed record JSON: " + what + " at byte " + pos);
  }
}
