package io.marketprism.storage.hot;

import io.marketprism.model.DataType;
import io.marketprism.model.Exchange;
import io.marketprism.model.MarketType;
import io.marketprism.model.RecordLimits;
import io.marketprism.model.Subjects;
import io.marketprism.platform.bus.BusMessage;
import io.marketprism.storage.hot.Column.Kind;
import io.marketprism.storage.query.TierPlan;
import io.vertx.core.buffer.Buffer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns record JSON from the bus (CONTRACT §3) into ClickHouse {@code RowBinary} rows of its
 * table ({@link TableSchema}, columns in {@link ClickHouseHotStore#createTable} order) in one
 * streaming pass: no map, no record object, no BigDecimal on the way. Each field is encoded into
 * its column's slot of a scratch buffer as it comes (fields may come in any order; unknown ones
 * are skipped), and the row is appended to its table only once the whole message proved a valid
 * record, so a bad message leaves nothing behind. It accepts what
 * {@link io.marketprism.model.RecordJson#parse} accepts (but for a boolean, object or array where
 * text belongs, which that reads loosely), and checks decimals as the stores hold them
 * ({@link Decimal128}) and every other value by the rules of {@link RecordLimits}. The data type comes from the subject's first token, else from the
 * {@code data_type} field; both must agree. The JSON is read by {@link JsonCursor}: no Jackson,
 * no strings but the few an odd message needs. Not thread-safe: one per batch.
 */
final class RowBinaryTranscoder {

  private static final DataType[] TYPES = DataType.values();
  private static final Map<DataType, Layout> LAYOUTS = new EnumMap<>(DataType.class);
  private static final byte[][] EXCHANGES = wires(Exchange.values());
  private static final byte[][] MARKET_TYPES = wires(MarketType.values());
  private static final byte[] DATA_TYPE = "data_type".getBytes(StandardCharsets.UTF_8);
  private static final byte[][] SIDES = RecordLimits.SIDES.stream().map(s -> s.getBytes(StandardCharsets.UTF_8))
      .toArray(byte[][]::new);
  private static final int MAX_COLUMNS;

  static {
    int max = 0;
    for (DataType t : DataType.values()) {
      Layout l = new Layout(TableSchema.of(t));
      LAYOUTS.put(t, l);
      max = Math.max(max, l.columns.length);
    }
    MAX_COLUMNS = max;
  }

  /** A table's columns, with their JSON field names as bytes. */
  private static final class Layout {
    final DataType type;
    final byte[] wire;
    final Column[] columns;
    final byte[][] names;
    /** A trade's price and quantity columns (their product must fit a bar's quote volume), else -1. */
    final int price;
    final int quantity;
    /** The {@code side} column (trades, liquidations), else -1. */
    final int side;
    /**
     * The column that alone is the identity key (a trade id, a book update id), else -1; -2 where the
     * key is the {@code ts_ms} alone (no key columns).
     */
    final int key;

    Layout(TableSchema s) {
      type = s.type();
      wire = type.wire().getBytes(StandardCharsets.UTF_8);
      columns = s.columns().toArray(new Column[0]);
      names = new byte[columns.length][];
      for (int i = 0; i < columns.length; i++) {
        names[i] = columns[i].name().getBytes(StandardCharsets.UTF_8);
      }
      List<String> fields = s.columns().stream().map(Column::name).toList();
      price = type == DataType.TRADE ? fields.indexOf("price") : -1;
      quantity = type == DataType.TRADE ? fields.indexOf("quantity") : -1;
      side = fields.indexOf("side");
      key = s.identifiedById() && s.keyColumns().size() == 1 ? fields.indexOf(s.keyColumns().get(0))
          : s.keyColumns().isEmpty() ? -2 : -1;
    }
  }

  /** The common columns, first in every table (see {@link TableSchema}). */
  private static final int EXCHANGE = 0;
  private static final int MARKET_TYPE = 1;
  private static final int SYMBOL = 2;
  private static final int TS_MS = 4;
  private static final int RECV_TS_US = 5;

  private final Map<TableDay, Buffer> rows = new LinkedHashMap<>();
  private final RowBinaryWriter scratch = new RowBinaryWriter(16 * 1024);
  private final RowBinaryWriter prices = new RowBinaryWriter(8 * 1024);
  private final RowBinaryWriter quantities = new RowBinaryWriter(8 * 1024);
  private final Decimal128 decimal = new Decimal128();
  private final JsonCursor in = new JsonCursor();
  /** Where each column's encoded value lies in {@link #scratch}; -1 when the field did not come. */
  private final int[] start = new int[MAX_COLUMNS];
  private final int[] end = new int[MAX_COLUMNS];
  /** Per data type, the bytes its rows will take, about (sizes its buffer once). */
  private final int[] expectedBytes = new int[TYPES.length];
  private String subject;
  private Layout last;
  private long tsMs;
  private long recvTsUs;
  /** Where the text {@link #textStart} found ends. */
  private int textEnd;

  /**
   * @param batch the messages that will be added (they size the buffers: RowBinary takes at most
   *     about 1.5 times the JSON, book sides being 16 bytes a decimal)
   */
  RowBinaryTranscoder(List<BusMessage> batch) {
    for (BusMessage m : batch) {
      DataType t = typeOf(m.subject());
      if (t != null) {
        expectedBytes[t.ordinal()] += m.json().length + m.json().length / 2;
      }
    }
  }

  /**
   * Appends the row of one record to its table's rows.
   *
   * @param busSubject the message's subject
   * @param json the record JSON, UTF-8
   * @return the record's data type; {@link #subject()}, {@link #tsMs()} and {@link #recvTsUs()} tell the rest
   * @throws IllegalArgumentException when the message is not a valid record (then nothing is appended)
   */
  DataType add(String busSubject, byte[] json) {
    DataType type = typeOf(busSubject);
    if (type == null) {
      type = dataTypeField(json);
    }
    Layout layout = LAYOUTS.get(type);
    scratch.clear();
    Arrays.fill(start, -1);
    json(json).expect('{');
    boolean typed = false;
    int expected = 0;
    for (boolean first = true; in.field(first); first = false) {
      // fields come in column order (RecordJson writes them so): try the next column first
      int col = expected < layout.columns.length && in.valueIs(layout.names[expected]) ? expected : -1;
      if (col < 0 && in.valueIs(DATA_TYPE)) {
        if (in.peek() != '"') {
          throw new IllegalArgumentException("data_type must be a string");
        }
        in.string();
        if (!in.valueIs(layout.wire)) {
          throw notTheSubject(in.valueText());
        }
        typed = true;
        continue;
      }
      col = col < 0 ? column(layout) : col;
      if (col >= 0) {
        start[col] = scratch.size();
        value(layout, col);
        end[col] = scratch.size();
        expected = col + 1;
      } else {
        in.skip();
      }
    }
    in.expectEnd();
    if (!typed) {
      throw new IllegalArgumentException("record lacks data_type");
    }
    check(layout);
    subject = subject(type, busSubject);
    append(layout);
    last = layout;
    return type;
  }

  /**
   * The identity key ({@link io.marketprism.model.MarketRecord#identityKey()}) of the last record
   * added, where it is one column or the time alone (trades, books and the types keyed by time):
   * read from its encoded value, no second parse of the JSON. Valid until the next {@link #add}.
   *
   * @return the key, or null for a type whose key is the time and several fields (tickers,
   *     liquidations: their decimals are written canonically in the key)
   */
  String identityKey() {
    int col = last.key;
    if (col == -2) {
      return Long.toString(tsMs);
    }
    if (col < 0) {
      return null;
    }
    Kind k = last.columns[col].kind();
    if (k == Kind.STRING) {
      return text(col);
    }
    return k == Kind.UINT64 ? Long.toString(scratch.longLE(start[col])) : null;
  }

  /** @return the subject of the last record added: the bus subject, unless that does not name the record */
  String subject() {
    return subject;
  }

  /** @return the {@code ts_ms} of the last record added */
  long tsMs() {
    return tsMs;
  }

  /** @return the {@code recv_ts_us} of the last record added */
  long recvTsUs() {
    return recvTsUs;
  }

  /**
   * The rows of one table and UTC day: ClickHouse makes a part of each anyway (tables are
   * partitioned by day), and the store writes a closed day to another database.
   *
   * @param type the data type
   * @param day the epoch day of the rows' {@code ts_ms}
   */
  record TableDay(DataType type, long day) {
  }

  /** @return per table and day, the RowBinary rows added */
  Map<TableDay, Buffer> rows() {
    return rows;
  }

  /**
   * @param dataType the data type a record names
   * @return the exception that says the message's subject names another
   */
  static IllegalArgumentException notTheSubject(String dataType) {
    return new IllegalArgumentException("data_type " + dataType + " does not match the subject");
  }

  /**
   * @param subject a bus subject
   * @return the data type its first token names, or null
   */
  static DataType typeOf(String subject) {
    int dot = subject.indexOf('.');
    for (DataType t : TYPES) {
      if (dot == t.wire().length() && subject.startsWith(t.wire())) {
        return t;
      }
    }
    return null;
  }

  /** The data type a record names, for a message on a subject that does not. */
  private DataType dataTypeField(byte[] json) {
    json(json).expect('{');
    for (boolean first = true; in.field(first); first = false) {
      if (in.valueIs(DATA_TYPE) && in.peek() == '"') {
        in.string();
        return DataType.fromWire(in.valueText());
      }
      in.skip();
    }
    throw new IllegalArgumentException("record lacks data_type");
  }

  private JsonCursor json(byte[] json) {
    in.reset(json);
    return in;
  }

  /** The column the field name just read names, or -1. */
  private int column(Layout layout) {
    for (int i = 0; i < layout.names.length; i++) {
      if (in.valueIs(layout.names[i])) {
        return i;
      }
    }
    return -1;
  }

  /** Encodes one field into {@link #scratch}: its RowBinary value as its column holds it. */
  private void value(Layout layout, int col) {
    Column c = layout.columns[col];
    Kind k = c.kind();
    int first = in.peek();
    if (first == 'n') {
      in.literal();
      if (k.nullable()) {
        scratch.putByte(1);
      } else if (k == Kind.BOOL) {
        scratch.putByte(0); // as RecordJson: only true is true
      } else {
        throw lacks(c);
      }
      return;
    }
    if (k.nullable()) {
      scratch.putByte(0);
    }
    switch (k) {
      case STRING, NULLABLE_STRING -> {
        text(c);
        RecordLimits.checkText(c.name(), k == Kind.STRING, in.valueLen());
        if (col == layout.side && !known(SIDES)) {
          RecordLimits.checkSide(in.valueText(), true); // throws, saying why
        }
        scratch.putString(in.valueBytes(), in.valueOff(), in.valueLen());
      }
      case DECIMAL, NULLABLE_DECIMAL -> decimal(c, scratch);
      case UINT64, NULLABLE_UINT64 -> {
        long v = RecordLimits.checkInteger(c.name(), in.integer(c.name()));
        if (col == TS_MS) {
          tsMs = v;
        } else if (col == RECV_TS_US) {
          recvTsUs = v;
        }
        scratch.putLongLE(v);
      }
      case INT32 -> scratch.putIntLE((int) RecordLimits.checkInteger(c.name(), in.integer(c.name())));
      case BOOL -> {
        in.skip();
        scratch.putByte(first == 't' ? 1 : 0);
      }
      case NULLABLE_BOOL -> {
        if (first != 't' && first != 'f') {
          throw new IllegalArgumentException(c.name() + " must be true, false or null");
        }
        scratch.putByte(in.literal() == 't' ? 1 : 0);
      }
      default -> levels(c, first);
    }
  }

  /** A book side: {@code [[price, quantity], ...]} as two arrays, prices then quantities. */
  private void levels(Column c, int first) {
    if (first != '[') {
      throw lacks(c);
    }
    in.expect('[');
    prices.clear();
    quantities.clear();
    int n = 0;
    if (!in.next(']')) {
      do {
        pairPart('[');
        decimal(c, prices);
        pairPart(',');
        decimal(c, quantities);
        pairPart(']');
        n++;
      } while (in.next(','));
      in.expect(']');
    }
    scratch.putVarUInt(n);
    scratch.putBytes(prices.array(), 0, prices.size());
    scratch.putVarUInt(n);
    scratch.putBytes(quantities.array(), 0, quantities.size());
  }

  private void pairPart(char c) {
    if (in.peek() != c) {
      throw new IllegalArgumentException("a book level must be a [price, quantity] pair");
    }
    in.expect(c);
  }

  private void decimal(Column c, RowBinaryWriter out) {
    if (!in.decimalString(decimal)) {
      // escapes, a number, or no decimal the stores hold: read the text, then say what is wrong with it
      text(c);
      try {
        decimal.read(in.valueBytes(), in.valueOff(), in.valueLen());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(c.name() + ": " + e.getMessage());
      }
    }
    out.putInt128(decimal.hi(), decimal.lo());
  }

  /** Reads a text value: a string, or a number as written (what RecordJson reads as text). */
  private void text(Column c) {
    int first = in.peek();
    if (first == '"') {
      in.string();
    } else if (first == '-' || first >= '0' && first <= '9') {
      in.number();
    } else {
      throw new IllegalArgumentException(c.name() + " must be a string");
    }
  }

  /** Every column present or nullable, exchange and market type known. */
  private void check(Layout layout) {
    for (int i = 0; i < layout.columns.length; i++) {
      Kind k = layout.columns[i].kind();
      if (start[i] < 0 && !k.nullable() && k != Kind.BOOL) {
        throw lacks(layout.columns[i]);
      }
    }
    if (known(EXCHANGE, EXCHANGES) < 0) {
      throw new IllegalArgumentException("unknown exchange: " + text(EXCHANGE));
    }
    if (known(MARKET_TYPE, MARKET_TYPES) < 0) {
      throw new IllegalArgumentException("unknown market_type: " + text(MARKET_TYPE));
    }
    if (layout.price >= 0) {
      checkQuoteVolume(start[layout.price], start[layout.quantity]);
    }
  }

  /**
   * A trade's price × quantity must fit a bar's quote volume. Both are stored × 10^18; a product
   * of fewer than 180 bits is below 10^54 = 10^(18 + 36), so only large trades need the exact test.
   */
  private void checkQuoteVolume(int price, int quantity) {
    long ph = scratch.longLE(price + 8);
    long pl = scratch.longLE(price);
    long qh = scratch.longLE(quantity + 8);
    long ql = scratch.longLE(quantity);
    if (Decimal128.bitLength(ph, pl) + Decimal128.bitLength(qh, ql) < 180) {
      return;
    }
    RecordLimits.checkQuoteVolume(Decimal128.value(ph, pl), Decimal128.value(qh, ql));
  }

  /** Appends the row in column order: runs of slots that lie in order are copied at once. */
  private void append(Layout layout) {
    Buffer out = rows.computeIfAbsent(new TableDay(layout.type, Math.floorDiv(tsMs, TierPlan.DAY_MS)), t -> {
      int bytes = expectedBytes[t.type().ordinal()];
      expectedBytes[t.type().ordinal()] = 0; // a table's other days are the few records around midnight
      return Buffer.buffer(Math.max(1024, bytes));
    });
    byte[] a = scratch.array();
    int from = 0;
    int to = 0;
    for (int i = 0; i < layout.columns.length; i++) {
      if (start[i] >= 0 && start[i] == to) {
        to = end[i];
        continue;
      }
      out.appendBytes(a, from, to - from);
      if (start[i] >= 0) {
        from = start[i];
        to = end[i];
      } else {
        out.appendByte((byte) (layout.columns[i].kind().nullable() ? 1 : 0)); // null, or a bool's false
        from = 0;
        to = 0;
      }
    }
    out.appendBytes(a, from, to - from);
  }

  /** The record's own subject: the bus subject when its tokens are the record's fields (the normal case). */
  private String subject(DataType type, String busSubject) {
    int a = busSubject.indexOf('.');
    int b = busSubject.indexOf('.', a + 1);
    int c = b < 0 ? -1 : busSubject.indexOf('.', b + 1);
    if (c > 0 && a == type.wire().length() && busSubject.startsWith(type.wire())
        && sameText(EXCHANGE, busSubject, a + 1, b) && sameText(MARKET_TYPE, busSubject, b + 1, c)
        && sameText(SYMBOL, busSubject, c + 1, busSubject.length())) {
      return busSubject;
    }
    return Subjects.of(type, Exchange.values()[known(EXCHANGE, EXCHANGES)],
        MarketType.values()[known(MARKET_TYPE, MARKET_TYPES)], text(SYMBOL));
  }

  /** Where a String column's bytes start in {@link #scratch} (after its length); sets {@link #textEnd}. */
  private int textStart(int col) {
    byte[] a = scratch.array();
    int i = start[col];
    int len = 0;
    for (int shift = 0; ; shift += 7) {
      byte b = a[i++];
      len |= (b & 0x7F) << shift;
      if (b >= 0) {
        break;
      }
    }
    textEnd = i + len;
    return i;
  }

  private String text(int col) {
    int from = textStart(col);
    return new String(scratch.array(), from, textEnd - from, StandardCharsets.UTF_8);
  }

  /** Whether a String column holds {@code s[from, to)} (ASCII compared byte to char: other text never matches). */
  private boolean sameText(int col, String s, int from, int to) {
    int i = textStart(col);
    if (textEnd - i != to - from) {
      return false;
    }
    byte[] a = scratch.array();
    for (int j = from; j < to; j++, i++) {
      if (a[i] != s.charAt(j)) {
        return false;
      }
    }
    return true;
  }

  /** Whether the text just read is one of {@code wires}. */
  private boolean known(byte[][] wires) {
    for (byte[] w : wires) {
      if (in.valueIs(w)) {
        return true;
      }
    }
    return false;
  }

  /** The index of the wire name a String column holds, or -1. */
  private int known(int col, byte[][] wires) {
    int from = textStart(col);
    byte[] a = scratch.array();
    for (int w = 0; w < wires.length; w++) {
      if (Arrays.equals(a, from, textEnd, wires[w], 0, wires[w].length)) {
        return w;
      }
    }
    return -1;
  }

  private static byte[][] wires(Enum<?>[] values) {
    byte[][] out = new byte[values.length][];
    for (int i = 0; i < values.length; i++) {
      out[i] = values[i].toString().getBytes(StandardCharsets.UTF_8);
    }
    return out;
  }

  private static IllegalArgumentException lacks(Column c) {
    return new IllegalArgumentException("record lacks " + c.name());
  }
}
