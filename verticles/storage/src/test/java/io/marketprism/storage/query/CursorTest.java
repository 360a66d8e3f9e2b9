package io.marketprism.storage.query;

import io.marketprism.model.DataType;
import io.marketprism.platform.http.ApiError;
import org.junit.jupiter.api.Test;

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
    Cursor c = new Cursor(DataType.TRADE, "", 1_704_067_200_000L, "binance", "spot", "BTC-USDT", id);
    assertThat(Cursor.decode(c.encode(), query(DataType.TRADE))).isEqualTo(c);
    assertThat(SqlFilter.literal(id)).matches("unhex\\('[0-9a-f]+'\\)");
    assertThat(SqlFilter.literal("123456")).isEqualTo("'123456'");
  }

  @Test
  void aKeyTheQueryCannotUseIsA400() {
    // a book's key is its numeric update id; trades and books need one; a key of 1025 characters is too long
    for (Cursor bad : new Cursor[] {
        new Cursor(DataType.ORDERBOOK, "", 1L, "okx", "perpetual", "BTC-USDT", "12x"),
        new Cursor(DataType.ORDERBOOK, "", 1L, "okx", "perpetual", "BTC-USDT", null),
        new Cursor(DataType.TRADE, "", 1L, "okx", "perpetual", "BTC-USDT", null),
        new Cursor(DataType.TRADE, "", 1L, "okx", "perpetual", "BTC-USDT", "x".repeat(1025))}) {
      assertThatThrownBy(() -> Cursor.decode(bad.encode(), query(bad.type()))).as(bad.toString())
          .isInstanceOf(ApiError.class).hasMessageContaining("cursor is not valid");
    }
    Cursor ticker = new Cursor(DataType.TICKER, "", 1L, "okx", "perpetual", "BTC-USDT", null);
    assertThat(Cursor.decode(ticker.encode(), query(DataType.TICKER))).isEqualTo(ticker);
  }
}
