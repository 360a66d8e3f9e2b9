package io.marketprism.storage.query;

import io.marketprism.model.DataType;
import io.marketprism.platform.http.ApiError;
import io.marketprism.storage.hot.TableSchema;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CursorTest {

  /** A query of the type with no instrument filter (what the cursors below were made under). */
  private static RecordQuery query(DataType type) {
    return new RecordQuery(type, null, null, null, 0, Long.MAX_VALUE, 10, null);
  }

  @Test
  void aKeyOfAnyTextComesBackAndIsRenderedSafelyForClickHouse() {
    String id = "t4-\"q\"\\é€😀' OR 1=1 --";
    Cursor c = new Cursor(DataType.TRADE, "", 1_704_067_200_000L, "binance", "spot", "BTC-USDT", List.of(id));
    assertThat(Cursor.decode(c.encode(), query(DataType.TRADE))).isEqualTo(c);
    assertThat(SqlFilter.literal(id)).matches("unhex\\('[0-9a-f]+'\\)");
    assertThat(SqlFilter.literal("123456")).isEqualTo("'123456'");
  }

  @Test
  void aKeyTheQueryCannotUseIsA400() {
    // a book's key is its numeric update id; trades and books need one; a key of 1025 characters is too long
    for (Cursor bad : new Cursor[] {
        new Cursor(DataType.ORDERBOOK, "", 1L, "okx", "perpetual", "BTC-USDT", List.of("12x")),
        new Cursor(DataType.ORDERBOOK, "", 1L, "okx", "perpetual", "BTC-USDT", Arrays.asList((String) null)),
        new Cursor(DataType.TRADE, "", 1L, "okx", "perpetual", "BTC-USDT", List.of()),
        new Cursor(DataType.TRADE, "", 1L, "okx", "perpetual", "BTC-USDT", List.of("x".repeat(1025))),
        // a liquidation is resumed after its side, price and quantity: all three, the price a decimal
        new Cursor(DataType.LIQUIDATION, "", 1L, "okx", "perpetual", "BTC-USDT", List.of()),
        new Cursor(DataType.LIQUIDATION, "", 1L, "okx", "perpetual", "BTC-USDT", List.of("buy", "1")),
        new Cursor(DataType.LIQUIDATION, "", 1L, "okx", "perpetual", "BTC-USDT", List.of("buy", "1x", "2"))}) {
      assertThatThrownBy(() -> Cursor.decode(bad.encode(), query(bad.type()))).as(bad.toString())
          .isInstanceOf(ApiError.class).hasMessageContaining("cursor is not valid");
    }
    Cursor mark = new Cursor(DataType.MARK_PRICE, "", 1L, "okx", "perpetual", "BTC-USDT", List.of());
    assertThat(Cursor.decode(mark.encode(), query(DataType.MARK_PRICE))).isEqualTo(mark);
    // a ticker is resumed after its receive time and all it says (its identity), a missing field null
    Cursor ticker = new Cursor(DataType.TICKER, "", 1L, "okx", "perpetual", "BTC-USDT",
        Arrays.asList("1007", "5001", "60000.1", "1.5", "60000.2", null, null, null, null, null, "59000"));
    assertThat(Cursor.decode(ticker.encode(), query(DataType.TICKER))).isEqualTo(ticker);
    // one of the version before update_id, whose records had none, goes on where it was
    Cursor beforeUpdateIds = new Cursor(DataType.TICKER, "", 1L, "okx", "perpetual", "BTC-USDT",
        Arrays.asList("1007", "60000.1", "1.5", "60000.2", null, null, null, null, null, "59000"));
    assertThat(Cursor.decode(beforeUpdateIds.encode(), query(DataType.TICKER))).isEqualTo(new Cursor(DataType.TICKER,
        "", 1L, "okx", "perpetual", "BTC-USDT",
        Arrays.asList("1007", null, "60000.1", "1.5", "60000.2", null, null, null, null, null, "59000")));
    Cursor badUpdateId = new Cursor(DataType.TICKER, "", 1L, "okx", "perpetual", "BTC-USDT",
        Arrays.asList("1007", "x", "60000.1", "1.5", "60000.2", null, null, null, null, null, "59000"));
    assertThatThrownBy(() -> Cursor.decode(badUpdateId.encode(), query(DataType.TICKER)))
        .isInstanceOf(ApiError.class).hasMessageContaining("cursor is not valid");
    Cursor noReceiveTime = new Cursor(DataType.TICKER, "", 1L, "okx", "perpetual", "BTC-USDT",
        Arrays.asList(null, null, "60000.1", "1.5", "60000.2", null, null, null, null, null, "59000"));
    assertThatThrownBy(() -> Cursor.decode(noReceiveTime.encode(), query(DataType.TICKER)))
        .isInstanceOf(ApiError.class).hasMessageContaining("cursor is not valid");
    // a ticker page's cursor of an earlier version (the fields alone, in their order) is refused, saying why
    Cursor earlier = new Cursor(DataType.TICKER, "", 1L, "okx", "perpetual", "BTC-USDT",
        Arrays.asList("60000.1", "1.5", "60000.2", null, null, null, null, null, "59000"));
    assertThatThrownBy(() -> Cursor.decode(earlier.encode(), query(DataType.TICKER))).isInstanceOf(ApiError.class)
        .hasMessageContaining("earlier version").hasMessageContaining("start again without a cursor")
        .satisfies(e -> assertThat(((ApiError) e).status()).isEqualTo(400));
    Cursor liquidation = new Cursor(DataType.LIQUIDATION, "", 1L, "okx", "perpetual", "BTC-USDT",
        Arrays.asList(null, "61000.5", "0.25"));
    assertThat(Cursor.decode(liquidation.encode(), query(DataType.LIQUIDATION))).isEqualTo(liquidation);
  }

  /**
   * Pages of one record walk through trades of one millisecond whose ids cross a digit boundary in
   * the order of their numbers, each once: the order and the cursor's condition of
   * {@link TableSchema#resultOrder(String)} and {@link SqlFilter}, run by DuckDB on its own table.
   */
  @Test
  void aTradeCursorResumesAfterItsIdInNumberOrderAcrossADigitBoundary() throws Exception {
    TableSchema s = TableSchema.of(DataType.TRADE);
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
         Statement st = c.createStatement()) {
      st.execute("CREATE TABLE trade (ts_ms BIGINT, exchange VARCHAR, market_type VARCHAR, symbol VARCHAR, "
          + "trade_id VARCHAR)");
      for (String id : List.of("1000", "99", "1001", "ETH-10", "998", "ETH-9", "999")) {
        st.execute("INSERT INTO trade VALUES (5, 'binance', 'spot', 'BTC-USDT', '" + id + "')");
      }
      List<String> seen = new ArrayList<>();
      Cursor cursor = null;
      for (int page = 0; page < 10; page++) {
        RecordQuery q = new RecordQuery(DataType.TRADE, null, null, null, 0, 10, 1, cursor);
        SqlFilter f = SqlFilter.of(q, "strlen");
        String id = null;
        try (PreparedStatement ps = c.prepareStatement("SELECT trade_id FROM trade WHERE " + f.sql() + " ORDER BY "
            + String.join(", ", s.resultOrder("strlen")) + " LIMIT 1")) {
          for (int i = 0; i < f.values().size(); i++) {
            ps.setObject(i + 1, f.values().get(i));
          }
          try (ResultSet rs = ps.executeQuery()) {
            if (rs.next()) {
              id = rs.getString(1);
            }
          }
        }
        if (id == null) {
          break;
        }
        seen.add(id);
        cursor = Cursor.after(q, 5, 5, "binance", "spot", "BTC-USDT", List.of(id));
      }
      assertThat(seen).containsExactly("99", "998", "999", "1000", "1001", "ETH-9", "ETH-10");
    }
  }

  @Test
  void clickHouseResumesATradeAfterItsIdsByteLengthThenItsText() {
    RecordQuery first = query(DataType.TRADE);
    Cursor c = Cursor.after(first, 5, 5, "binance", "spot", "BTC-USDT", List.of("999"));
    String sql = SqlFilter.of(new RecordQuery(DataType.TRADE, null, null, null, 0, 10, 1, c), "length").inline();
    assertThat(sql).contains("(ts_ms = 5 AND exchange = 'binance' AND market_type = 'spot' AND symbol = 'BTC-USDT' "
        + "AND length(trade_id) > 3)").contains("AND length(trade_id) = 3 AND trade_id > '999')");
  }

  /**
   * A cursor carries the span its page covered, a hint for the next page's first window
   * ({@link TopPage#windowEnd}); cursors of earlier versions, without it, stay valid, and a
   * negative span is refused.
   */
  @Test
  void aCursorCarriesItsPagesSpanAndOnesWithoutItStayValid() {
    RecordQuery q = query(DataType.TRADE);
    Cursor withSpan = Cursor.after(q, 1_000, 1_250, "binance", "spot", "BTC-USDT", List.of("9"));
    assertThat(withSpan.spanMs()).isEqualTo(250);
    assertThat(Cursor.decode(withSpan.encode(), q)).isEqualTo(withSpan);
    // the form of earlier versions: no span after the keys
    String earlier = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(
        "[\"trade\",\"\",1250,\"binance\",\"spot\",\"BTC-USDT\",\"9\"]".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    assertThat(Cursor.decode(earlier, q)).isEqualTo(new Cursor(DataType.TRADE, "", 1250, "binance", "spot", "BTC-USDT",
        List.of("9")));
    String markEarlier = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(
        "[\"mark_price\",\"\",1250,\"binance\",\"spot\",\"BTC-USDT\",null]".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    Cursor mark = Cursor.decode(markEarlier, query(DataType.MARK_PRICE));
    assertThat(mark.keys()).isEmpty();
    assertThat(mark.spanMs()).isEqualTo(-1);
    Cursor markSpan = new Cursor(DataType.MARK_PRICE, "", 1250, "binance", "spot", "BTC-USDT", List.of(), 40);
    assertThat(Cursor.decode(markSpan.encode(), query(DataType.MARK_PRICE))).isEqualTo(markSpan);
    String negative = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(
        "[\"trade\",\"\",1250,\"binance\",\"spot\",\"BTC-USDT\",\"9\",-5]".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    assertThatThrownBy(() -> Cursor.decode(negative, q)).isInstanceOf(ApiError.class);

    // the next page's window: twice the span after the cursor, at least a second, none past the range
    RecordQuery next = new RecordQuery(DataType.TRADE, null, null, null, 0, 1_000_000, 10, withSpan);
    assertThat(TopPage.windowEnd(next)).isEqualTo(1_250 + TopPage.MIN_WINDOW_MS);
    RecordQuery wide = new RecordQuery(DataType.TRADE, null, null, null, 0, 1_000_000, 10,
        Cursor.after(q, 1_000, 5_000, "binance", "spot", "BTC-USDT", List.of("9")));
    assertThat(TopPage.windowEnd(wide)).isEqualTo(13_000);
    assertThat(TopPage.windowEnd(new RecordQuery(DataType.TRADE, null, null, null, 0, 2_000, 10, withSpan))).isEqualTo(-1);
    assertThat(TopPage.windowEnd(new RecordQuery(DataType.TRADE, null, null, null, 0, 1_000_000, 10,
        Cursor.decode(earlier, q)))).isEqualTo(-1);
    // without a cursor: the range's first minute, none when the range is no longer
    assertThat(TopPage.windowEnd(new RecordQuery(DataType.TRADE, null, null, null, 5_000, 1_000_000, 10, null)))
        .isEqualTo(5_000 + TopPage.FIRST_WINDOW_MS);
    assertThat(TopPage.windowEnd(new RecordQuery(DataType.TRADE, null, null, null, 5_000, 65_000, 10, null)))
        .isEqualTo(-1);
  }
}
