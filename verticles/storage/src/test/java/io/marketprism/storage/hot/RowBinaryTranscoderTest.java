package io.marketprism.storage.hot;

import io.marketprism.model.DataType;
import io.marketprism.model.MarketRecord;
import io.marketprism.model.RecordJson;
import io.marketprism.model.RecordLimits;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The JSON side of the RowBinary path: what it accepts and how, against the record reader (RecordJson). */
class RowBinaryTranscoderTest {

  /** The RowBinary row of one message, or the reason it was rejected. */
  private static Object row(String subject, byte[] json) {
    RowBinaryTranscoder t = new RowBinaryTranscoder(List.of());
    try {
      DataType type = t.add(subject, json);
      Buffer b = t.rows().values().iterator().next();
      return type.wire() + ":" + java.util.HexFormat.of().formatHex(b.getBytes());
    } catch (IllegalArgumentException e) {
      return new IllegalArgumentException(e.getMessage());
    }
  }

  private static Object row(MarketRecord r) {
    return row(r.subject(), RecordJson.toBytes(r));
  }

  /** What the record reader makes of a message: the row of its canonical JSON, or null when it rejects it. */
  private static Object viaRecord(byte[] json) {
    MarketRecord r;
    try {
      r = RecordJson.parse(json);
      RecordLimits.check(r);
    } catch (IllegalArgumentException | ClassCastException e) {
      return null;
    }
    return row(r);
  }

  @Test
  void fieldOrderWhitespaceUnknownFieldsAndEscapesMakeNoDifference() {
    for (MarketRecord r : RoundTripChecks.records()) {
      Object canonical = row(r);
      assertThat(canonical).as(r.toString()).isInstanceOf(String.class);
      JsonObject o = new JsonObject(RecordJson.toJson(r));
      List<String> names = new ArrayList<>(o.fieldNames());
      Collections.reverse(names);
      StringBuilder sb = new StringBuilder(" {\n \"extra\" : {\"a\":[1,2.5e3,{\"b\":null}],\"c\":\"\\\"\"} ,");
      for (String n : names) {
        Object v = o.getValue(n);
        // strings escaped where JSON allows it: \/ and \\u for every '-'
        String value = v instanceof String s ? io.vertx.core.json.Json.encode(s).replace("-", "\\u002d").replace("/", "\\/")
            : io.vertx.core.json.Json.encode(v);
        sb.append("\t\"").append(n).append("\" :\r").append(value).append(" ,");
      }
      sb.append("\"more\":true}");
      assertThat(row(r.subject(), sb.toString().getBytes(StandardCharsets.UTF_8))).as(sb.toString())
          .isEqualTo(canonical);
    }
  }

  @Test
  void dataTypeComesFromTheSubjectOrTheRecord() {
    MarketRecord trade = RoundTripChecks.records().get(0);
    byte[] json = RecordJson.toBytes(trade);
    Object canonical = row(trade);
    assertThat(row("anything", json)).isEqualTo(canonical);
    assertThat(row("trade.okx.spot.ETH-USDT", json)).isEqualTo(canonical); // stored as what the record says
    assertThat(row("orderbook.binance.spot.BTC-USDT", json)).isInstanceOf(IllegalArgumentException.class);
    RowBinaryTranscoder t = new RowBinaryTranscoder(List.of());
    t.add("trade.okx.spot.ETH-USDT", json);
    assertThat(t.subject()).isEqualTo(trade.subject());
    String subject = trade.subject();
    t.add(subject, json);
    assertThat(t.subject()).isSameAs(subject); // no new string in the normal case
    assertThatThrownBy(() -> t.add("anything", "{\"exchange\":\"binance\"}".getBytes(StandardCharsets.UTF_8)))
        .hasMessageContaining("lacks data_type");
    assertThatThrownBy(() -> t.add("x", "{\"data_type\":\"bogus\"}".getBytes(StandardCharsets.UTF_8)))
        .hasMessageContaining("unknown data_type");
  }

  /**
   * Messages mutated at random are accepted exactly when the record reader accepts them, and then
   * give the row of what it read; apart from values RecordJson reads loosely (a boolean, object or
   * array where a string belongs), which this path refuses.
   */
  @Test
  void acceptsWhatTheRecordReaderAccepts() {
    Random rnd = new Random(11);
    String noise = "{}[],:\"\\0123456789.-+eEtrufalsn x\u00e9";
    List<MarketRecord> records = RoundTripChecks.records();
    int accepted = 0;
    int rejected = 0;
    for (int n = 0; n < 30_000; n++) {
      MarketRecord r = records.get(rnd.nextInt(records.size()));
      if (r.dataType() == DataType.ORDERBOOK && rnd.nextInt(4) > 0) {
        continue; // big; a few suffice
      }
      StringBuilder json = new StringBuilder(RecordJson.toJson(r));
      for (int m = 1 + rnd.nextInt(2); m > 0; m--) {
        int at = rnd.nextInt(json.length());
        switch (rnd.nextInt(3)) {
          case 0 -> json.deleteCharAt(at);
          case 1 -> json.insert(at, noise.charAt(rnd.nextInt(noise.length())));
          default -> json.setCharAt(at, noise.charAt(rnd.nextInt(noise.length())));
        }
      }
      byte[] bytes = json.toString().getBytes(StandardCharsets.UTF_8);
      Object expected = viaRecord(bytes);
      Object got = row(r.subject(), bytes);
      if (expected == null) {
        assertThat(got).as(json.toString()).isInstanceOf(IllegalArgumentException.class);
        rejected++;
      } else if (got instanceof IllegalArgumentException e) {
        assertThat(e.getMessage()).as(json.toString()).containsAnyOf("must be a string", "does not match the subject");
      } else {
        assertThat(got).as(json.toString()).isEqualTo(expected);
        accepted++;
      }
    }
    assertThat(accepted).isGreaterThan(1000);
    assertThat(rejected).isGreaterThan(1000);
  }

  @Test
  void malformedJsonIsRefusedWithItsPlace() {
    for (String bad : List.of("", "{", "[]", "{\"data_type\":\"trade\",}", "{\"data_type\" \"trade\"}",
        "{\"data_type\":\"trade\",\"ts_ms\":01}", "{\"data_type\":\"trade\",\"symbol\":\"a\u0001\"}",
        "{\"data_type\":\"trade\",\"symbol\":\"\\x\"}", "{\"data_type\":\"trade\",\"x\":tru}",
        "{\"data_type\":\"trade\",\"x\":[1,]}", "{\"data_type\":\"trade\",\"x\":\"open")) {
      assertThat(row("trade.binance.spot.BTC-USDT", bad.getBytes(StandardCharsets.UTF_8))).as(bad)
          .isInstanceOf(IllegalArgumentException.class);
    }
    byte[] invalidUtf8 = "{\"data_type\":\"trade\",\"symbol\":\"a?\"}".getBytes(StandardCharsets.UTF_8);
    invalidUtf8[invalidUtf8.length - 3] = (byte) 0xC3;
    assertThat(row("trade.binance.spot.BTC-USDT", invalidUtf8).toString()).contains("UTF-8");
    assertThat(row("trade.binance.spot.BTC-USDT", "{\"data_type\":\"trade\",".getBytes(StandardCharsets.UTF_8))
        .toString()).contains("malformed record JSON", "at byte");
  }

  /**
   * The identity key the transcoder reads from its encoded row (the storage's latest-cache order of one
   * millisecond's records) is the record's own, for a trade id given as text, escaped or as a number.
   */
  @Test
  void identityKeyOfTheRowIsTheRecordsOwn() {
    int read = 0;
    for (MarketRecord r : RoundTripChecks.records()) {
      RowBinaryTranscoder t = new RowBinaryTranscoder(List.of());
      t.add(r.subject(), RecordJson.toBytes(r));
      String key = t.identityKey();
      if (TableSchema.of(r.dataType()).identifiedById() || TableSchema.of(r.dataType()).keyColumns().isEmpty()) {
        assertThat(key).as(r.toString()).isEqualTo(r.identityKey());
        read++;
      } else {
        assertThat(key).as(r.toString()).isNull(); // read from the JSON when needed
      }
    }
    assertThat(read).isGreaterThan(50);
    String[] ids = {"\"123456789012\"", "123456789012", "\"a\\u002db\\\"\"", "\"\\u20ac1\""};
    for (String id : ids) {
      byte[] json = ("{\"data_type\":\"trade\",\"exchange\":\"binance\",\"market_type\":\"spot\",\"symbol\":"
          + "\"BTC-USDT\",\"exchange_symbol\":null,\"ts_ms\":1700000000000,\"recv_ts_us\":1700000000000001,"
          + "\"trade_id\":" + id + ",\"price\":\"1.5\",\"quantity\":\"2\",\"side\":\"buy\"}").getBytes(StandardCharsets.UTF_8);
      RowBinaryTranscoder t = new RowBinaryTranscoder(List.of());
      t.add("trade.binance.spot.BTC-USDT", json);
      assertThat(t.identityKey()).as(id).isEqualTo(RecordJson.parse(json).identityKey());
    }
  }
}
