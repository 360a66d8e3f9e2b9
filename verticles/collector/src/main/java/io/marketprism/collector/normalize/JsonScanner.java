package io.marketprism.collector.normalize;

import io.marketprism.collector.book.LevelList;
import io.marketprism.model.Decimals;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A strict, allocation-light pull scanner over one JSON text, for the hot channels (trades, book
 * diffs, best bid/offer) whose fields the parsers read by position instead of building a tree.
 * The text is read as its bytes (ASCII texts only: any other goes to the general reader), eight
 * at a time where it searches (the end of a string, the end of a run of digits); field names are
 * compared in place; only the values the records keep become strings, and decimals are
 * canonicalized while they are cut.
 *
 * <p>It validates the JSON grammar as strictly as Jackson does, but it does not try to explain
 * what is wrong: anything unexpected (escapes, odd types, duplicate fields, malformed text)
 * throws {@link Fallback} before anything was emitted, and the caller hands the message to its
 * general Jackson-based reader, which accepts or rejects it with a precise reason. The fast path
 * therefore never changes what a message normalizes to. Not thread-safe: one per parser.
 */
public final class JsonScanner {

  /** Value kinds, as {@link #peek()} reports them. */
  public static final byte STRING = 1;
  /** An integer or decimal number. */
  public static final byte NUMBER = 2;
  /** {@code true} or {@code false}. */
  public static final byte BOOLEAN = 3;
  /** {@code null}. */
  public static final byte NULL = 4;
  /** An object. */
  public static final byte OBJECT = 5;
  /** An array. */
  public static final byte ARRAY = 6;

  private static final int MAX_NESTING = 64;
  private static final int INTERNED = 256;

  /** Eight bytes of the text at once, the first in the lowest byte. */
  private static final VarHandle WORD = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final long ONES = 0x0101010101010101L;
  private static final long HIGH_BITS = 0x8080808080808080L;
  private static final long LOW_7 = 0x7F7F7F7F7F7F7F7FL;

  /** The text's bytes: ASCII only, one per character. */
  private byte[] buf = new byte[0];
  /** The text itself, to tell a {@code '?'} from what an unpaired surrogate encodes to. */
  private String source;
  private int len;
  private int pos;
  private int depth;

  /** Start and end of the last field name, or of the last scalar value read. */
  private int start;
  private int end;

  /** Exchange symbols seen recently, so that repeated names cost no allocation. */
  private final String[] interned = new String[INTERNED];
  /** The bytes of each of {@link #interned}, compared in one call. */
  private final byte[][] internedBytes = new byte[INTERNED][];

  /**
   * Signals that the fast path cannot read a message; the caller uses its general reader. It
   * carries no stack trace: it is control flow, and malformed or unusual messages must stay cheap.
   */
  public static final class Fallback extends Exception {
    private static final long serialVersionUID = 1L;

    private Fallback() {
      super("message needs the general reader", null, false, false);
    }
  }

  private static final Fallback FALLBACK = new Fallback();

  /**
   * Starts scanning a new text.
   *
   * @param text one JSON text
   * @throws Fallback when the text is not all ASCII (the general reader decodes the rest)
   */
  public void reset(String text) throws Fallback {
    // an ASCII text's UTF-8 is one byte per character, copied in one vectorized step; any other
    // character takes more bytes, except an unpaired surrogate, which becomes '?' (see scanString)
    byte[] b = text.getBytes(StandardCharsets.UTF_8);
    buf = b;
    source = text;
    len = b.length;
    pos = 0;
    depth = 0;
    first = false;
    if (b.length != text.length()) {
      len = 0;
      throw FALLBACK;
    }
  }

  /** @return the exception that sends a message to the general reader */
  public static Fallback fallback() {
    return FALLBACK;
  }

  private void skipWs() {
    int p = pos;
    // compact JSON has no whitespace between tokens: one comparison and out
    if (p < len && buf[p] > ' ') {
      return;
    }
    while (p < len) {
      byte c = buf[p];
      if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
        p++;
      } else {
        break;
      }
    }
    pos = p;
  }

  /**
   * @return the kind of the next value (after whitespace)
   * @throws Fallback at the end of the text or on a character no value starts with
   */
  public byte peek() throws Fallback {
    skipWs();
    if (pos >= len) {
      throw FALLBACK;
    }
    byte c = buf[pos];
    switch (c) {
      case '"':
        return STRING;
      case '{':
        return OBJECT;
      case '[':
        return ARRAY;
      case 't':
      case 'f':
        return BOOLEAN;
      case 'n':
        return NULL;
      default:
        if (c == '-' || (c >= '0' && c <= '9')) {
          return NUMBER;
        }
        throw FALLBACK;
    }
  }

  /**
   * Enters an object.
   *
   * @throws Fallback if the next value is not an object
   */
  public void beginObject() throws Fallback {
    begin((byte) '{', (byte) '}');
  }

  /**
   * Enters an array.
   *
   * @throws Fallback if the next value is not an array
   */
  public void beginArray() throws Fallback {
    begin((byte) '[', (byte) ']');
  }

  /** True between entering a container and reading its first member (which has no comma before it). */
  private boolean first;

  private void begin(byte open, byte close) throws Fallback {
    skipWs();
    if (pos >= len || buf[pos] != open || ++depth > MAX_NESTING) {
      throw FALLBACK;
    }
    pos++;
    skipWs();
    // for an empty container the next member call reports its end at once
    first = !(pos < len && buf[pos] == close);
  }

  /** Steps over the comma before a member; false (and the container left) at its closing character. */
  private boolean next(byte close) throws Fallback {
    skipWs();
    if (pos >= len) {
      throw FALLBACK;
    }
    byte c = buf[pos];
    if (c == close) {
      pos++;
      depth--;
      first = false;
      return false;
    }
    if (!first) {
      if (c != ',') {
        throw FALLBACK;
      }
      pos++;
      skipWs();
    }
    first = false;
    return true;
  }

  /**
   * Moves to the next field of the current object, leaving the scanner before its value.
   *
   * @return false after the closing brace (the object is left)
   * @throws Fallback on malformed text or a name with escapes
   */
  public boolean nextField() throws Fallback {
    if (!next((byte) '}')) {
      return false;
    }
    scanString();
    skipWs();
    if (pos >= len || buf[pos] != ':') {
      throw FALLBACK;
    }
    pos++;
    return true;
  }

  /**
   * @param name a field name without escapes
   * @return whether the current field has that name
   */
  public boolean nameIs(String name) {
    return textIs(start, end, name);
  }

  /**
   * Moves to the next element of the current array.
   *
   * @return false after the closing bracket (the array is left)
   * @throws Fallback on malformed text
   */
  public boolean nextElement() throws Fallback {
    return next((byte) ']');
  }

  /**
   * Checks that nothing but whitespace follows the top-level value.
   *
   * @throws Fallback if something does
   */
  public void end() throws Fallback {
    skipWs();
    if (pos != len || depth != 0) {
      throw FALLBACK;
    }
  }

  /**
   * Steps over a known opening of the text with one comparison. The prefix must be a JSON
   * fragment that ends just after a member's colon ({@code {"a":"b","c":}), inside
   * {@code nesting} objects: the scanner then stands before that member's value, as if it had
   * read its way there.
   *
   * @param prefix the opening, in ASCII
   * @param nesting the objects open at its end
   * @return false (the scanner unmoved) unless the text starts with the prefix
   */
  public boolean skipPrefix(byte[] prefix, int nesting) {
    int m = prefix.length;
    if (pos != 0 || m > len || !Arrays.equals(buf, 0, m, prefix, 0, m)) {
      return false;
    }
    pos = m;
    depth = nesting;
    first = false;
    return true;
  }

  /** @return where the scanner stands, for {@link #seek} */
  public int position() {
    return pos;
  }

  /**
   * Returns to a position taken with {@link #position()} before a value, to read it again.
   *
   * @param position a position
   * @param nesting the nesting depth at that position
   */
  public void seek(int position, int nesting) {
    pos = position;
    depth = nesting;
    first = false;
  }

  /** @return the current nesting depth, for {@link #seek} */
  public int nesting() {
    return depth;
  }

  /**
   * Reads a string value without escapes and remembers its range.
   *
   * @throws Fallback if the next value is not such a string
   */
  public void string() throws Fallback {
    skipWs();
    scanString();
  }

  private void scanString() throws Fallback {
    int q = pos;
    if (q >= len || buf[q] != '"') {
      throw FALLBACK;
    }
    int p = closingQuote(buf, q + 1, len);
    start = q + 1;
    end = p;
    pos = p + 1;
  }

  /**
   * @param b the text's bytes
   * @param p the first character of a string (after its opening quote)
   * @param n end of the text
   * @return the position of the string's closing quote
   * @throws Fallback for an escape, a control character or no closing quote
   */
  private int closingQuote(byte[] b, int p, int n) throws Fallback {
    p = stringEnd(b, p, n);
    // escapes need unescaping and control characters are errors: the general reader decides
    while (p < n && b[p] != '"') {
      if (b[p] != '?' || source.charAt(p) != '?') {
        throw FALLBACK;
      }
      p = stringEnd(b, p + 1, n); // a real '?', not an unpaired surrogate's stand-in
    }
    if (p >= n) {
      throw FALLBACK; // unterminated
    }
    return p;
  }

  /** @return the first position from {@code p} that is not JSON whitespace */
  private static int ws(byte[] b, int p, int n) {
    // compact JSON has no whitespace between tokens: one comparison and out
    while (p < n && b[p] <= ' ' && (b[p] == ' ' || b[p] == '\n' || b[p] == '\r' || b[p] == '\t')) {
      p++;
    }
    return p;
  }

  /**
   * Where a string's characters stop: the first quote, backslash, control character or
   * {@code '?'} from {@code p}, or {@code n}; eight bytes at a time, then one by one.
   *
   * @param b ASCII bytes
   * @param p where to start
   * @param n end of the text
   * @return the position of the first such byte, or {@code n}
   */
  static int stringEnd(byte[] b, int p, int n) {
    for (; p + Long.BYTES <= n; p += Long.BYTES) {
      long m = stringStops((long) WORD.get(b, p));
      if (m != 0) {
        return p + (Long.numberOfTrailingZeros(m) >>> 3);
      }
    }
    for (; p < n; p++) {
      byte c = b[p];
      if (c == '"' || c == '\\' || c == '?' || c < 0x20) {
        break;
      }
    }
    return p;
  }

  /**
   * @param w eight ASCII bytes
   * @return the high bit of each byte that is a quote, backslash, {@code '?'} or below 0x20 (all
   *     bytes being below 0x80, the per-byte sums carry into no neighbour, so every bit is exact)
   */
  static long stringStops(long w) {
    long quote = (w ^ ('"' * ONES)) + LOW_7;
    long backslash = (w ^ ('\\' * ONES)) + LOW_7;
    long question = (w ^ ('?' * ONES)) + LOW_7;
    long control = w + 0x6060606060606060L;
    return ~(quote & backslash & question & control) & HIGH_BITS;
  }

  /**
   * The end of a run of decimal digits, eight bytes at a time.
   *
   * @param b ASCII bytes
   * @param p where the run may start
   * @param n end of the text
   * @return the position of the first byte from {@code p} that is not a digit, or {@code n}
   */
  static int digitsEnd(byte[] b, int p, int n) {
    for (; p + Long.BYTES <= n; p += Long.BYTES) {
      long m = nonDigits((long) WORD.get(b, p));
      if (m != 0) {
        return p + (Long.numberOfTrailingZeros(m) >>> 3);
      }
    }
    while (p < n && b[p] >= '0' && b[p] <= '9') {
      p++;
    }
    return p;
  }

  /**
   * @param w eight ASCII bytes
   * @return a set high bit at the first byte that is not a digit (bits above it may be set too)
   */
  static long nonDigits(long w) {
    return ((w + 0x4646464646464646L) | (w - 0x3030303030303030L)) & HIGH_BITS;
  }

  /**
   * @param w eight ASCII digits, the most significant in the lowest byte
   * @return their value
   */
  static long eightDigits(long w) {
    long v = (w & 0x0F0F0F0F0F0F0F0FL) * 2561 >>> 8;
    v = (v & 0x00FF00FF00FF00FFL) * 6553601 >>> 16;
    return (v & 0x0000FFFF0000FFFFL) * 42949672960001L >>> 32;
  }

  /**
   * Reads a number and remembers its text range; the grammar is JSON's, strictly.
   *
   * @return true when it is an integer (no fraction, no exponent)
   * @throws Fallback if the next value is not a number
   */
  public boolean number() throws Fallback {
    skipWs();
    return scanNumber();
  }

  /** {@link #number()} where the scanner stands. */
  private boolean scanNumber() throws Fallback {
    int s = pos;
    int e = numberEnd(s);
    start = s;
    end = e;
    pos = e;
    return shape == INTEGER;
  }

  /**
   * @param p where a number should start
   * @return where it ends; its {@link #shape} is set
   * @throws Fallback if no number starts there
   */
  private int numberEnd(int p) throws Fallback {
    byte[] b = buf;
    int n = len;
    if (p < n && b[p] == '-') {
      p++;
    }
    if (p >= n) {
      throw FALLBACK;
    }
    if (b[p] == '0') {
      p++;
    } else if (b[p] >= '1' && b[p] <= '9') {
      p = digitsEnd(b, p + 1, n);
    } else {
      throw FALLBACK;
    }
    int point = INTEGER;
    if (p < n && b[p] == '.') {
      point = p;
      p = someDigits(p + 1);
    }
    if (p < n && (b[p] == 'e' || b[p] == 'E')) {
      point = EXPONENT;
      p++;
      if (p < n && (b[p] == '+' || b[p] == '-')) {
        p++;
      }
      p = someDigits(p);
    }
    shape = point;
    return p;
  }

  /** {@link #shape} of an integer. */
  private static final int INTEGER = -1;
  /** {@link #shape} of a number with an exponent. */
  private static final int EXPONENT = -2;
  /** Of the last number read: the position of its point, {@link #INTEGER} or {@link #EXPONENT}. */
  private int shape;

  /** @return the end of the digits from {@code p}, of which there must be one at least */
  private int someDigits(int p) throws Fallback {
    int e = digitsEnd(buf, p, len);
    if (e == p) {
      throw FALLBACK;
    }
    return e;
  }

  /**
   * Reads {@code true} or {@code false}.
   *
   * @return the value
   * @throws Fallback if the next value is not a boolean
   */
  public boolean bool() throws Fallback {
    skipWs();
    if (literal("true")) {
      return true;
    }
    if (literal("false")) {
      return false;
    }
    throw FALLBACK;
  }

  /**
   * Reads {@code null}.
   *
   * @throws Fallback if the next value is not null
   */
  public void nullValue() throws Fallback {
    skipWs();
    if (!literal("null")) {
      throw FALLBACK;
    }
  }

  private boolean literal(String word) {
    int n = word.length();
    if (pos + n > len) {
      return false;
    }
    for (int i = 0; i < n; i++) {
      if (buf[pos + i] != word.charAt(i)) {
        return false;
      }
    }
    pos += n;
    return true;
  }

  /**
   * Skips any value, validating it.
   *
   * @throws Fallback on malformed text or nesting deeper than the scanner accepts
   */
  public void skipValue() throws Fallback {
    switch (peek()) {
      case STRING -> scanString();
      case NUMBER -> scanNumber();
      case BOOLEAN -> bool();
      case NULL -> nullValue();
      case OBJECT -> {
        beginObject();
        while (nextField()) {
          skipValue();
        }
      }
      default -> {
        beginArray();
        while (nextElement()) {
          skipValue();
        }
      }
    }
  }

  /**
   * Reads a scalar (string or number) and remembers its range, for the typed accessors below.
   *
   * @return its kind: {@link #STRING} or {@link #NUMBER}
   * @throws Fallback for any other value
   */
  public byte scalar() throws Fallback {
    byte k = peek();
    if (k == STRING) {
      scanString();
    } else if (k == NUMBER) {
      scanNumber();
    } else {
      throw FALLBACK;
    }
    return k;
  }

  /** @return start of the last string or number read */
  public int valueStart() {
    return start;
  }

  /** @return end (exclusive) of the last string or number read */
  public int valueEnd() {
    return end;
  }

  /**
   * @param i a position before the end of the text
   * @return the character there
   */
  public char charAt(int i) {
    return (char) buf[i];
  }

  /**
   * @param s start
   * @param e end (exclusive)
   * @return the text of a remembered range
   */
  public String text(int s, int e) {
    // ASCII bytes as Latin-1: the string is a copy of the range, with no decoding
    return new String(buf, s, e - s, StandardCharsets.ISO_8859_1);
  }

  /** @return the text of the last string or number read */
  public String text() {
    return text(start, end);
  }

  /**
   * @param s start
   * @param e end (exclusive)
   * @param word a word
   * @return whether the range holds exactly that word
   */
  public boolean textIs(int s, int e, String word) {
    int n = e - s;
    if (n != word.length()) {
      return false;
    }
    for (int i = 0; i < n; i++) {
      if (buf[s + i] != word.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  /**
   * The text of a range as a string shared with earlier calls that saw the same text, for the
   * few distinct instrument names a connection carries.
   *
   * @param s start
   * @param e end (exclusive)
   * @return the text
   */
  public String interned(int s, int e) {
    int slot = rangeHash(buf, s, e) & (INTERNED - 1);
    byte[] cached = internedBytes[slot];
    if (cached != null && Arrays.equals(buf, s, e, cached, 0, cached.length)) {
      return interned[slot];
    }
    String t = text(s, e);
    interned[slot] = t;
    internedBytes[slot] = Arrays.copyOfRange(buf, s, e);
    return t;
  }

  /** A hash of a range that reads it eight bytes at a time (the last word overlapping the one before). */
  private static int rangeHash(byte[] b, int s, int e) {
    int n = e - s;
    long h = n;
    if (n >= Long.BYTES) {
      int p = s;
      for (; p + Long.BYTES < e; p += Long.BYTES) {
        h = (h ^ (long) WORD.get(b, p)) * 0x9E3779B97F4A7C15L;
      }
      h = (h ^ (long) WORD.get(b, e - Long.BYTES)) * 0x9E3779B97F4A7C15L;
    } else {
      for (int i = s; i < e; i++) {
        h = (h << 8) | b[i];
      }
      h *= 0x9E3779B97F4A7C15L;
    }
    return (int) (h >>> 32) ^ (int) h;
  }

  /**
   * A non-negative decimal integer in a range, as {@link Long#parseLong} reads plain digits.
   *
   * @param s start
   * @param e end (exclusive)
   * @return the value
   * @throws Fallback for anything but 1 to 18 digits (signs, overflow risk, empty)
   */
  public long digits(int s, int e) throws Fallback {
    int n = e - s;
    if (n < 1 || n > 18) {
      throw FALLBACK;
    }
    byte[] b = buf;
    if (n < Long.BYTES) {
      return slowDigits(b, s, e);
    }
    // the last eight digits as one word, the head (up to ten) before them
    long last = (long) WORD.get(b, e - Long.BYTES);
    if (nonDigits(last) != 0) {
      throw FALLBACK;
    }
    int k = n - Long.BYTES;
    long head;
    if (k == 0) {
      return eightDigits(last);
    } else if (k < Long.BYTES) {
      // the head's k digits moved to the top of a word, '0's shifted in below them as leading zeros
      int shift = (Long.BYTES - k) * Byte.SIZE;
      long w = ((long) WORD.get(b, s) << shift) | (0x3030303030303030L >>> (Long.SIZE - shift));
      if (nonDigits(w) != 0) {
        throw FALLBACK;
      }
      head = eightDigits(w);
    } else {
      head = slowDigits(b, s, e - Long.BYTES);
    }
    return head * 100_000_000L + eightDigits(last);
  }

  private static long slowDigits(byte[] b, int s, int e) throws Fallback {
    long v = 0;
    for (int i = s; i < e; i++) {
      int d = b[i] - '0';
      if (d < 0 || d > 9) {
        throw FALLBACK;
      }
      v = v * 10 + d;
    }
    return v;
  }

  /**
   * An integer in a range as JSON writes it (an optional minus, then digits), within 18 digits so
   * it cannot overflow.
   *
   * @param s start
   * @param e end (exclusive)
   * @return the value
   * @throws Fallback for anything else
   */
  public long integer(int s, int e) throws Fallback {
    if (s < e && buf[s] == '-') {
      if (e - s == 2 && buf[s + 1] == '0') {
        throw FALLBACK; // "-0" prints as "0" through the general reader's long
      }
      return -digits(s + 1, e);
    }
    return digits(s, e);
  }

  /**
   * The canonical decimal string of a range (see {@link Decimals#canonical}): trailing fractional
   * zeros are cut while the string is made, so a value costs one allocation.
   *
   * @param s start
   * @param e end (exclusive)
   * @return the canonical decimal
   * @throws Fallback when the range is not a plain decimal (the general reader explains why)
   */
  public String decimal(int s, int e) throws Fallback {
    if (s >= e) {
      throw FALLBACK;
    }
    byte[] b = buf;
    int dot = -1;
    boolean digits = false;
    for (int i = s; i < e; i++) {
      byte c = b[i];
      if (c >= '0' && c <= '9') {
        digits = true;
      } else if (c == '.' && dot < 0) {
        dot = i;
      } else if (c == 'e' || c == 'E') {
        return exponentDecimal(s, e);
      } else if (!(i == s && c == '-')) {
        throw FALLBACK;
      }
    }
    if (!digits) {
      throw FALLBACK;
    }
    return cut(s, e, dot);
  }

  /** Exponent forms are rare (Deribit floats): the exact BigDecimal path. */
  private String exponentDecimal(int s, int e) throws Fallback {
    try {
      return Decimals.canonical(text(s, e));
    } catch (NumberFormatException ex) {
      throw FALLBACK;
    }
  }

  /**
   * The canonical decimal of a range already read as a JSON number, whose grammar needs no second
   * look: only its trailing fractional zeros go.
   *
   * @param s start
   * @param e end (exclusive)
   * @param point the number's {@link #shape}
   */
  private String numberDecimal(int s, int e, int point) throws Fallback {
    return point == EXPONENT ? exponentDecimal(s, e) : cut(s, e, point);
  }

  /**
   * The same cut as {@link Decimals#canonical}, on a valid plain decimal with its point at {@code dot} (or -1).
   *
   * @throws Fallback for a decimal without integer digits ({@code .5}), which the general reader writes as {@code 0.5}
   */
  private String cut(int s, int e, int dot) throws Fallback {
    if (dot < 0) {
      return text(s, e);
    }
    byte[] b = buf;
    if (dot == s || dot == s + 1 && b[s] == '-') {
      throw FALLBACK;
    }
    int stop = e;
    while (stop > dot + 1 && b[stop - 1] == '0') {
      stop--;
    }
    if (stop == dot + 1) {
      stop = dot;
    }
    return text(s, stop);
  }

  /**
   * Reads an array of book levels as {@link JsonFields} does: {@code [[price, qty, ...], ...]},
   * or Deribit's {@code [[action, price, amount], ...]} where {@code delete} means quantity zero.
   * Prices and quantities keep the exchange's text (OKX checksums are computed over it).
   *
   * @param out where the levels go
   * @throws Fallback for any other shape
   */
  public void levels(LevelList out) throws Fallback {
    beginArray();
    while (nextElement()) {
      beginArray();
      if (!nextElement()) {
        throw FALLBACK;
      }
      scalar();
      int as = start;
      int ae = end;
      if (!nextElement()) {
        throw FALLBACK;
      }
      scalar();
      int bs = start;
      int be = end;
      if (!nextElement()) {
        out.add(text(as, ae), text(bs, be));
        continue;
      }
      scalar();
      int cs = start;
      int ce = end;
      boolean delete = textIs(as, ae, "delete");
      if (delete || textIs(as, ae, "new") || textIs(as, ae, "change")) {
        out.add(text(bs, be), delete ? "0" : text(cs, ce));
      } else {
        out.add(text(as, ae), text(bs, be));
      }
      while (nextElement()) {
        scalar();
      }
    }
  }

  /**
   * Reads a whole object into {@code f}: for each field named in it, the kind and text range of a
   * scalar, the value of a boolean, or the levels of an array of arrays; other arrays and objects
   * are validated and skipped (marked {@link #OBJECT}/{@link #ARRAY} with the position to
   * {@link #seek} back to). Fields not named are skipped.
   *
   * @param f the slots, cleared first
   * @throws Fallback on malformed text, a repeated field (the general reader keeps the first) or
   *     an array field that is not a list of levels
   */
  public void fields(Fields f) throws Fallback {
    f.clear();
    skipWs();
    // one loop over local positions: this is where the fast paths spend their time
    byte[] b = buf;
    int n = len;
    int p = pos;
    if (p >= n || b[p] != '{' || depth >= MAX_NESTING) {
      throw FALLBACK;
    }
    depth++;
    p = ws(b, p + 1, n);
    if (p < n && b[p] == '}') {
      leave(p);
      return;
    }
    for (int k = 0;; k++) {
      if (p >= n || b[p] != '"') {
        throw FALLBACK;
      }
      // a stream repeats its objects' field order: the name the k-th field had last time first
      int nameEnd = f.recalled(k, b, p + 1, n);
      int i;
      if (nameEnd >= 0) {
        i = f.recalledSlot[k];
      } else {
        nameEnd = closingQuote(b, p + 1, n);
        i = f.slotOf(b, p + 1, nameEnd);
        f.remember(k, b, p + 1, nameEnd, i);
      }
      p = ws(b, nameEnd + 1, n);
      if (p >= n || b[p] != ':') {
        throw FALLBACK;
      }
      p = ws(b, p + 1, n);
      if (p >= n) {
        throw FALLBACK;
      }
      if (i >= 0 && f.kind[i] != 0) {
        throw FALLBACK;
      }
      byte c = b[p];
      if (c == '"') {
        int e = closingQuote(b, p + 1, n);
        if (i >= 0) {
          f.kind[i] = STRING;
          f.start[i] = p + 1;
          f.end[i] = e;
        }
        p = e + 1;
      } else if (c == '-' || (c >= '0' && c <= '9')) {
        int e = numberEnd(p);
        if (i >= 0) {
          f.kind[i] = NUMBER;
          f.start[i] = p;
          f.end[i] = e;
          f.integer[i] = shape == INTEGER;
          f.shape[i] = shape;
        }
        p = e;
      } else {
        pos = p;
        otherValue(f, i);
        p = pos;
      }
      p = ws(b, p, n);
      if (p >= n) {
        throw FALLBACK;
      }
      c = b[p];
      if (c == ',') {
        p = ws(b, p + 1, n);
      } else if (c == '}') {
        leave(p);
        return;
      } else {
        throw FALLBACK;
      }
    }
  }

  /** Steps over the closing character of a container at {@code p}. */
  private void leave(int p) {
    pos = p + 1;
    depth--;
    first = false;
  }

  /** A field value that is not a string or a number, into slot {@code i} (skipped for -1). */
  private void otherValue(Fields f, int i) throws Fallback {
    if (i < 0) {
      skipValue();
      return;
    }
    byte k = peek();
    f.kind[i] = k;
    switch (k) {
      case BOOLEAN -> f.integer[i] = bool();
      case NULL -> nullValue();
      case ARRAY -> {
        LevelList l = new LevelList();
        levels(l);
        f.levels[i] = l;
        f.anyLevels = true;
      }
      default -> {
        f.start[i] = pos;
        f.end[i] = depth;
        skipValue();
      }
    }
  }

  /**
   * Field slots of one object, by the index of their names; see {@link #fields}.
   */
  public static final class Fields {
    final byte[] kind;
    final int[] start;
    final int[] end;
    final boolean[] integer;
    /** For a number: the position of its point, or {@link #INTEGER} or {@link #EXPONENT}. */
    final int[] shape;
    final LevelList[] levels;
    /**
     * Open-addressed by a hash of a name's first and last eight bytes: per entry, the slot plus
     * one (0: empty), the name's length and those two words (the last only past eight bytes), so
     * that a name of up to sixteen bytes is told by two word comparisons.
     */
    private final byte[] table;
    private final int[] tableLength;
    private final long[] tableHead;
    private final long[] tableTail;
    private final byte[][] nameBytes;

    /**
     * @param names the field names to keep; a field's slot is its index here
     */
    public Fields(String... names) {
      if (names.length > Byte.MAX_VALUE - 1) {
        throw new IllegalArgumentException("at most " + (Byte.MAX_VALUE - 1) + " field names");
      }
      kind = new byte[names.length];
      start = new int[names.length];
      end = new int[names.length];
      integer = new boolean[names.length];
      shape = new int[names.length];
      levels = new LevelList[names.length];
      nameBytes = new byte[names.length][];
      int size = Integer.highestOneBit(Math.max(4, names.length * 4) - 1) << 1;
      table = new byte[size];
      tableLength = new int[size];
      tableHead = new long[size];
      tableTail = new long[size];
      for (int i = 0; i < names.length; i++) {
        byte[] c = names[i].getBytes(StandardCharsets.UTF_8);
        if (c.length == 0 || c.length != names[i].length() || slotOf(c, 0, c.length) >= 0) {
          throw new IllegalArgumentException("field names must be ASCII, non-empty and distinct: " + names[i]);
        }
        nameBytes[i] = c;
        long head = head(c, 0, c.length);
        long tail = tail(c, c.length, c.length);
        int h = hash(head, tail) & (size - 1);
        while (table[h] != 0) {
          h = (h + 1) & (size - 1);
        }
        table[h] = (byte) (i + 1);
        tableLength[h] = c.length;
        tableHead[h] = head;
        tableTail[h] = tail;
      }
    }

    private static int hash(long head, long tail) {
      long h = (head + tail * 31) * 0x9E3779B97F4A7C15L;
      return (int) (h >>> 40);
    }

    /** The first {@code min(n, 8)} bytes from {@code s}, zeros above them. */
    private static long head(byte[] b, int s, int n) {
      if (s + Long.BYTES <= b.length) {
        long w = (long) WORD.get(b, s);
        return n >= Long.BYTES ? w : w & ((1L << (n << 3)) - 1);
      }
      long w = 0;
      for (int i = Math.min(n, Long.BYTES) - 1; i >= 0; i--) {
        w = (w << Byte.SIZE) | b[s + i];
      }
      return w;
    }

    /** The last eight bytes before {@code e} of a name longer than eight, else 0. */
    private static long tail(byte[] b, int e, int n) {
      return n > Long.BYTES ? (long) WORD.get(b, e - Long.BYTES) : 0;
    }

    /**
     * @param b ASCII bytes
     * @param s start of a name
     * @param e its end (exclusive)
     * @return the slot of that name, or -1 when it is not one of the kept names
     */
    int slotOf(byte[] b, int s, int e) {
      int n = e - s;
      if (n <= 0) {
        return -1;
      }
      long head = head(b, s, n);
      long tail = tail(b, e, n);
      int mask = table.length - 1;
      for (int h = hash(head, tail) & mask; table[h] != 0; h = (h + 1) & mask) {
        if (tableHead[h] == head && tableTail[h] == tail && tableLength[h] == n) {
          int slot = table[h] - 1;
          // the two words cover names of up to sixteen bytes; longer ones are compared whole
          if (n <= 2 * Long.BYTES || same(nameBytes[slot], b, s)) {
            return slot;
          }
        }
      }
      return -1;
    }

    /** How many leading fields of an object {@link #recalled} knows. */
    private static final int RECALLED = 32;
    /** Per field position: its name with the closing quote, as length and first and last eight bytes. */
    private final int[] recalledLength = new int[RECALLED];
    private final long[] recalledHead = new long[RECALLED];
    private final long[] recalledTail = new long[RECALLED];
    final int[] recalledSlot = new int[RECALLED];

    /**
     * Whether the {@code k}-th field's name is the one the {@code k}-th field had when last
     * {@linkplain #remember remembered}: then that name (clean, as it was checked) ends with its
     * quote where it did, and its slot is {@code recalledSlot[k]}.
     *
     * @param k the field's position in its object
     * @param b ASCII bytes
     * @param s the first character of the name
     * @param n end of the text
     * @return the position of the name's closing quote, or -1
     */
    int recalled(int k, byte[] b, int s, int n) {
      if (k >= RECALLED) {
        return -1;
      }
      int m = recalledLength[k];
      if (m == 0 || s + Math.max(m, Long.BYTES) > n) {
        return -1;
      }
      long w = (long) WORD.get(b, s);
      if (m < Long.BYTES) {
        w &= (1L << (m << 3)) - 1;
      } else if (m > Long.BYTES && (long) WORD.get(b, s + m - Long.BYTES) != recalledTail[k]) {
        return -1;
      }
      return w == recalledHead[k] ? s + m - 1 : -1;
    }

    /**
     * Remembers the {@code k}-th field's name (up to fifteen bytes, without {@code '?'}, which
     * may stand for an unpaired surrogate) and slot for {@link #recalled}.
     */
    void remember(int k, byte[] b, int s, int quote, int slot) {
      if (k >= RECALLED) {
        return;
      }
      int m = quote + 1 - s;
      recalledLength[k] = 0;
      if (m > 2 * Long.BYTES) {
        return;
      }
      for (int i = s; i < quote; i++) {
        if (b[i] == '?') {
          return;
        }
      }
      recalledHead[k] = head(b, s, m);
      recalledTail[k] = tail(b, quote + 1, m);
      recalledSlot[k] = slot;
      recalledLength[k] = m;
    }

    private static boolean same(byte[] name, byte[] b, int s) {
      for (int i = 0; i < name.length; i++) {
        if (name[i] != b[s + i]) {
          return false;
        }
      }
      return true;
    }

    /** Whether a slot holds levels since the last {@link #clear}. */
    boolean anyLevels;

    void clear() {
      Arrays.fill(kind, (byte) 0);
      if (anyLevels) {
        Arrays.fill(levels, null);
        anyLevels = false;
      }
    }

    /**
     * @param i slot
     * @return the kind of the value, or 0 when the field is absent
     */
    public byte kind(int i) {
      return kind[i];
    }

    /**
     * @param i slot
     * @return whether the field is absent or null
     */
    public boolean absent(int i) {
      return kind[i] == 0 || kind[i] == NULL;
    }

    /**
     * @param i slot
     * @return start of the scalar's text (for objects: the position to seek to)
     */
    public int start(int i) {
      return start[i];
    }

    /**
     * @param i slot
     * @return end of the scalar's text (for objects: the nesting to seek with)
     */
    public int end(int i) {
      return end[i];
    }

    /**
     * @param i slot
     * @return for a number, whether it is an integer; for a boolean, its value
     */
    public boolean flag(int i) {
      return integer[i];
    }

    /**
     * @param i slot
     * @return the levels of an array field, or {@code null}
     */
    public LevelList levels(int i) {
      return levels[i];
    }
  }

  /**
   * A required text field as the general reader gives it: a non-empty string, or a number's text.
   *
   * @param f slots
   * @param i slot
   * @return the text
   * @throws Fallback for any other value
   */
  public String reqText(Fields f, int i) throws Fallback {
    byte k = f.kind[i];
    int s = f.start[i];
    int e = f.end[i];
    if (k == STRING && e > s) {
      return text(s, e);
    }
    if (k == NUMBER && !(e - s == 2 && buf[s] == '-' && buf[s + 1] == '0')) {
      return text(s, e);
    }
    throw FALLBACK;
  }

  /**
   * A required string field, shared with earlier equal ones (instrument names).
   *
   * @param f slots
   * @param i slot
   * @return the text
   * @throws Fallback unless it is a non-empty string
   */
  public String reqName(Fields f, int i) throws Fallback {
    if (f.kind[i] != STRING || f.end[i] == f.start[i]) {
      throw FALLBACK;
    }
    return interned(f.start[i], f.end[i]);
  }

  /**
   * A required integer: a JSON integer, or (as OKX sends times) a string of digits.
   *
   * @param f slots
   * @param i slot
   * @return the value
   * @throws Fallback for any other value
   */
  public long reqLong(Fields f, int i) throws Fallback {
    byte k = f.kind[i];
    if (k == NUMBER && f.integer[i]) {
      return integer(f.start[i], f.end[i]);
    }
    if (k == STRING) {
      return digits(f.start[i], f.end[i]);
    }
    throw FALLBACK;
  }

  /**
   * An optional JSON integer.
   *
   * @param f slots
   * @param i slot
   * @param absent returned when absent or null
   * @return the value
   * @throws Fallback for any other value
   */
  public long optLong(Fields f, int i, long absent) throws Fallback {
    if (f.absent(i)) {
      return absent;
    }
    return reqLong(f, i);
  }

  /**
   * A required decimal: a non-empty string or a number, canonicalized.
   *
   * @param f slots
   * @param i slot
   * @return the canonical decimal
   * @throws Fallback for any other value
   */
  public String reqDecimal(Fields f, int i) throws Fallback {
    byte k = f.kind[i];
    if (k == NUMBER) {
      return numberDecimal(f.start[i], f.end[i], f.shape[i]);
    }
    if (k != STRING) {
      throw FALLBACK;
    }
    return decimal(f.start[i], f.end[i]);
  }

  /**
   * A trade's place in its sequence, from the text of its id, as {@link SequencedTrade#numeric}
   * reads that text.
   *
   * @param f slots
   * @param i the slot of a string or number field
   * @return the id's value when it is 1 to 18 digits, else {@link SequencedTrade#NONE}
   */
  public long sequence(Fields f, int i) {
    try {
      return digits(f.start[i], f.end[i]);
    } catch (Fallback notDigits) {
      return SequencedTrade.NONE;
    }
  }

  /**
   * @param f slots
   * @param i slot
   * @return {@code "buy"} or {@code "sell"}, as the field says
   * @throws Fallback for anything else
   */
  public String side(Fields f, int i) throws Fallback {
    if (is(f, i, "buy")) {
      return "buy";
    }
    if (is(f, i, "sell")) {
      return "sell";
    }
    throw FALLBACK;
  }

  /**
   * @param f slots
   * @param i slot
   * @param word a word
   * @return whether the field is a string holding exactly that word
   */
  public boolean is(Fields f, int i, String word) {
    return f.kind[i] == STRING && textIs(f.start[i], f.end[i], word);
  }

}
