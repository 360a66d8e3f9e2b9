package io.marketprism.storage.query;

import io.marketprism.model.DataType;
import io.marketprism.platform.http.ApiError;
import org.junit.jupiter.api.Test;

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
    Cursor ticker = new Cursor(DataType.TICKER, "", 1L, "okx", "perpetual", "BTC-USDT", List.of());
    assertThat(Cursor.decode(ticker.encode(), query(DataType.TICKER))).isEqualTo(ticker);
    Cursor liquidation = new Cursor(DataType.LIQUIDATION, "", 1L, "okx", "perpetual", "BTC-USDT",
        Arrays.asList(null, "61000.5", "0.25"));
    assertThat(Cursor.decode(liquidation.encode(), query(DataType.LIQUIDATION))).isEqualTo(liquidation);
  }
}
