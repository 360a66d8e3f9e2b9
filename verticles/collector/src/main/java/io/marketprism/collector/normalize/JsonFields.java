package io.marketprism.collector.normalize;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.marketprism.collector.book.LevelList;
import io.marketprism.model.Decimals;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The fields of one JSON object, read with Jackson's streaming parser into reusable slots instead
 * of a tree: integers stay primitive, nested objects are read into child instances that are
 * reused too, arrays of arrays become {@link LevelList}s (the book sides of every exchange) and
 * arrays of objects become lists of child instances. Field names are matched by identity because
 * Jackson interns them, as the Java compiler does the literals they are compared with.
 */
public final class JsonFields {

  private static final int INITIAL = 24;

  private String[] names = new String[INITIAL];
  private String[] texts = new String[INITIAL];
  private long[] numbers = new long[INITIAL];
  private byte[] kinds = new byte[INITIAL];
  private Object[] nested = new Object[INITIAL];
  private JsonFields[] childPool = new JsonFields[INITIAL];
  private int size;

  private static final byte TEXT = 1;
  private static final byte INT = 2;
  private static final byte BOOL = 3;
  private static final byte NULL = 4;
  private static final byte OBJECT = 5;
  private static final byte LEVELS = 6;
  private static final byte OBJECTS = 7;
  private static final byte SCALARS = 8;

  /** The name under which {@link #readDocument} files a top-level array. */
  public static final String ROOT_ARRAY = "";

  private static final JsonFactory FACTORY = JsonFactory.builder().build();

  /**
   * Reads a whole JSON text: an object into these fields, or a top-level array into the field
   * {@link #ROOT_ARRAY}.
   *
   * @param text the JSON text
   * @throws ParseException when it is not one well-formed JSON object or array
   */
  public void readDocument(String text) throws ParseException {
    try (JsonParser p = FACTORY.createParser(text)) {
      JsonToken t = p.nextToken();
      if (t == JsonToken.START_OBJECT) {
        read(p);
      } else if (t == JsonToken.START_ARRAY) {
        size = 0;
        readArray(p, slot(ROOT_ARRAY));
      } else {
        throw new ParseException(t == null ? "empty message" : "not a JSON object or array");
      }
      if (p.nextToken() != null) {
        throw new ParseException("trailing data after the JSON value");
      }
    } catch (IOException e) {
      throw new ParseException("malformed JSON: " + firstLine(e.getMessage()), e);
    }
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  /**
   * Reads an object; the parser must be positioned on its {@code START_OBJECT}.
   *
   * @param p the parser
   * @throws IOException on malformed JSON
   */
  public void read(JsonParser p) throws IOException {
    size = 0;
    JsonToken t;
    while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      int i = slot(name);
      t = p.nextToken();
      switch (t) {
        case VALUE_STRING:
          kinds[i] = TEXT;
          texts[i] = p.getText();
          break;
        case VALUE_NUMBER_INT:
          if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
            kinds[i] = TEXT;
            texts[i] = p.getText();
          } else {
            kinds[i] = INT;
            numbers[i] = p.getLongValue();
          }
          break;
        case VALUE_NUMBER_FLOAT:
          kinds[i] = TEXT;
          texts[i] = p.getText();
          break;
        case VALUE_TRUE:
        case VALUE_FALSE:
          kinds[i] = BOOL;
          numbers[i] = t == JsonToken.VALUE_TRUE ? 1 : 0;
          break;
        case VALUE_NULL:
          kinds[i] = NULL;
          break;
        case START_OBJECT:
          JsonFields child = child(i);
          child.read(p);
          kinds[i] = OBJECT;
          nested[i] = child;
          break;
        case START_ARRAY:
          readArray(p, i);
          break;
        default:
          throw new IOException("unexpected token " + t);
      }
    }
    if (t != JsonToken.END_OBJECT) {
      throw new IOException("unterminated object");
    }
  }

  private void readArray(JsonParser p, int i) throws IOException {
    JsonToken t = p.nextToken();
    if (t == JsonToken.START_ARRAY) {
      LevelList levels = new LevelList();
      while (t == JsonToken.START_ARRAY) {
        readLevel(p, levels);
        t = p.nextToken();
      }
      expectEnd(t);
      kinds[i] = LEVELS;
      nested[i] = levels;
    } else if (t == JsonToken.START_OBJECT) {
      List<JsonFields> list = new ArrayList<>(2);
      while (t == JsonToken.START_OBJECT) {
        JsonFields f = new JsonFields();
        f.read(p);
        list.add(f);
        t = p.nextToken();
      }
      expectEnd(t);
      kinds[i] = OBJECTS;
      nested[i] = list;
    } else {
      List<String> list = new ArrayList<>();
      while (t != JsonToken.END_ARRAY) {
        if (t == null || t.isStructStart()) {
          throw new IOException("mixed array");
        }
        list.add(p.getText());
        t = p.nextToken();
      }
      kinds[i] = SCALARS;
      nested[i] = list;
    }
  }

  /**
   * One book level: {@code [price, qty, ...]} (Binance, OKX) or {@code [action, price, amount]}
   * (Deribit, where {@code delete} means quantity zero).
   */
  private static void readLevel(JsonParser p, LevelList levels) throws IOException {
    String a = scalar(p, p.nextToken());
    String b = scalar(p, p.nextToken());
    JsonToken t = p.nextToken();
    if (t == JsonToken.END_ARRAY) {
      levels.add(a, b);
      return;
    }
    String c = scalar(p, t);
    boolean action = "new".equals(a) || "change".equals(a) || "delete".equals(a);
    if (action) {
      levels.add(b, "delete".equals(a) ? "0" : c);
    } else {
      levels.add(a, b);
    }
    while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
      if (t == null || t.isStructStart()) {
        throw new IOException("malformed book level");
      }
    }
  }

  private static String scalar(JsonParser p, JsonToken t) throws IOException {
    if (t == null || !t.isScalarValue()) {
      throw new IOException("malformed book level");
    }
    return p.getText();
  }

  private static void expectEnd(JsonToken t) throws IOException {
    if (t != JsonToken.END_ARRAY) {
      throw new IOException("mixed array");
    }
  }

  private JsonFields child(int i) {
    JsonFields c = childPool[i];
    if (c == null) {
      c = new JsonFields();
      childPool[i] = c;
    }
    return c;
  }

  private int slot(String name) {
    if (size == names.length) {
      int cap = size * 2;
      names = java.util.Arrays.copyOf(names, cap);
      texts = java.util.Arrays.copyOf(texts, cap);
      numbers = java.util.Arrays.copyOf(numbers, cap);
      kinds = java.util.Arrays.copyOf(kinds, cap);
      nested = java.util.Arrays.copyOf(nested, cap);
      childPool = java.util.Arrays.copyOf(childPool, cap);
    }
    names[size] = name;
    texts[size] = null;
    nested[size] = null;
    return size++;
  }

  private int find(String name) {
    for (int i = 0; i < size; i++) {
      if (names[i] == name) {
        return i;
      }
    }
    // names not interned (a parser built without interning) still match
    for (int i = 0; i < size; i++) {
      if (names[i].equals(name)) {
        return i;
      }
    }
    return -1;
  }

  /**
   * @param name field name
   * @return true when present (even if null)
   */
  public boolean has(String name) {
    return find(name) >= 0;
  }

  /**
   * A scalar as text: strings as they are, integers in decimal, floats in their original form,
   * booleans as {@code true}/{@code false}.
   *
   * @param name field name
   * @return the text, or {@code null} when absent, null or not a scalar
   */
  public String text(String name) {
    int i = find(name);
    if (i < 0) {
      return null;
    }
    switch (kinds[i]) {
      case TEXT:
        return texts[i];
      case INT:
        return Long.toString(numbers[i]);
      case BOOL:
        return numbers[i] != 0 ? "true" : "false";
      default:
        return null;
    }
  }

  /**
   * @param name field name
   * @return the text
   * @throws ParseException when absent or null
   */
  public String reqText(String name) throws ParseException {
    String s = text(name);
    if (s == null || s.isEmpty()) {
      throw new ParseException("missing field '" + name + "'");
    }
    return s;
  }

  /**
   * An integer field, given as a JSON integer or as a string of digits (as OKX sends times).
   *
   * @param name field name
   * @param absent returned when the field is absent, null or empty
   * @return the value
   * @throws ParseException when present but not an integer
   */
  public long longValue(String name, long absent) throws ParseException {
    int i = find(name);
    if (i < 0) {
      return absent;
    }
    switch (kinds[i]) {
      case INT:
        return numbers[i];
      case TEXT:
        String s = texts[i];
        if (s.isEmpty()) {
          return absent;
        }
        try {
          return Long.parseLong(s);
        } catch (NumberFormatException e) {
          throw new ParseException("field '" + name + "' is not an integer: " + s);
        }
      case NULL:
        return absent;
      default:
        throw new ParseException("field '" + name + "' is not an integer");
    }
  }

  /**
   * @param name field name
   * @return the integer value
   * @throws ParseException when absent or not an integer
   */
  public long reqLong(String name) throws ParseException {
    long v = longValue(name, Long.MIN_VALUE);
    if (v == Long.MIN_VALUE) {
      throw new ParseException("missing field '" + name + "'");
    }
    return v;
  }

  /**
   * @param name field name
   * @return the value, or {@code null} when absent, null or empty
   * @throws ParseException when present but not an integer
   */
  public Long optLong(String name) throws ParseException {
    long v = longValue(name, Long.MIN_VALUE);
    return v == Long.MIN_VALUE ? null : v;
  }

  /**
   * @param name field name
   * @param absent returned when absent
   * @return the boolean value
   * @throws ParseException when present but not a boolean
   */
  public boolean bool(String name, boolean absent) throws ParseException {
    int i = find(name);
    if (i < 0 || kinds[i] == NULL) {
      return absent;
    }
    if (kinds[i] != BOOL) {
      throw new ParseException("field '" + name + "' is not a boolean");
    }
    return numbers[i] != 0;
  }

  /**
   * @param name field name
   * @return the nested object, or {@code null} when absent or not an object; valid until the
   *     next {@link #read}
   */
  public JsonFields object(String name) {
    int i = find(name);
    return i >= 0 && kinds[i] == OBJECT ? (JsonFields) nested[i] : null;
  }

  /**
   * @param name field name
   * @return the levels of an array of arrays (empty for an empty array), or {@code null} when
   *     absent or of another shape
   */
  public LevelList levels(String name) {
    int i = find(name);
    if (i < 0) {
      return null;
    }
    if (kinds[i] == LEVELS) {
      return (LevelList) nested[i];
    }
    return isEmptyArray(i) ? new LevelList(1) : null;
  }

  /**
   * @param name field name
   * @return the levels of an array of arrays (empty for an empty array)
   * @throws ParseException when absent or of another shape
   */
  public LevelList reqLevels(String name) throws ParseException {
    LevelList l = levels(name);
    if (l == null) {
      throw new ParseException("missing book side '" + name + "'");
    }
    return l;
  }

  /**
   * @param name field name
   * @return the objects of an array of objects (empty for an empty array), or {@code null} when
   *     absent or of another shape
   */
  @SuppressWarnings("unchecked")
  public List<JsonFields> objects(String name) {
    int i = find(name);
    if (i < 0) {
      return null;
    }
    if (kinds[i] == OBJECTS) {
      return (List<JsonFields>) nested[i];
    }
    return isEmptyArray(i) ? List.of() : null;
  }

  /**
   * @param name field name
   * @return the texts of an array of scalars, or {@code null} when absent or of another shape
   */
  @SuppressWarnings("unchecked")
  public List<String> scalars(String name) {
    int i = find(name);
    return i >= 0 && kinds[i] == SCALARS ? (List<String>) nested[i] : null;
  }

  private boolean isEmptyArray(int i) {
    return kinds[i] == SCALARS && ((List<?>) nested[i]).isEmpty();
  }

  /**
   * A price or quantity in canonical form (see {@link Decimals#canonical}).
   *
   * @param name field name
   * @return the canonical decimal string
   * @throws ParseException when absent or not a decimal
   */
  public String decimal(String name) throws ParseException {
    return canonical(name, reqText(name));
  }

  /**
   * @param name field name
   * @return the canonical decimal string, or {@code null} when absent, null or empty
   * @throws ParseException when present but not a decimal
   */
  public String optDecimal(String name) throws ParseException {
    String s = text(name);
    return s == null || s.isEmpty() ? null : canonical(name, s);
  }

  private static String canonical(String name, String s) throws ParseException {
    try {
      return Decimals.canonical(s);
    } catch (NumberFormatException e) {
      throw new ParseException("field '" + name + "' is not a decimal: " + s);
    }
  }
}
