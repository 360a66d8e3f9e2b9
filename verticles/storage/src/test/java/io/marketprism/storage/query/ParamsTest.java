package io.marketprism.storage.query;

import io.marketprism.platform.http.ApiError;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ParamsTest {

  private static final long NOON = 1_714_564_800_000L; // 2024-05-01T12:00:00Z

  @Test
  void symbolsAreNormalizedOnesIncludingADecimalStrike() {
    assertThat(Params.symbol("XRP-USDC-230630-0.625-P")).isEqualTo("XRP-USDC-230630-0.625-P");
    assertThat(Params.symbol("\u5e01\u5b89\u4eba\u751f-USDT")).isEqualTo("\u5e01\u5b89\u4eba\u751f-USDT");
    assertThat(Params.symbol("BTC-USD-250328-100000-C")).isEqualTo("BTC-USD-250328-100000-C");
    for (String bad : new String[] {"btc-usdt", "BTC_USDT", "-BTC", "BTC USDT", "BTC'-USDT", "X-" + "X".repeat(63),
        "\u00e9TH-USDT", "BTCUSDT", "BTC-", "BTC--USDT", "BTC-USDT-"}) {
      assertThatThrownBy(() -> Params.symbol(bad)).as(bad).isInstanceOf(ApiError.class)
          .hasMessageContaining("not a normalized symbol");
    }
  }

  @Test
  void timesAreEpochMillisecondsOrIso8601WithOrWithoutSecondsAndOffset() {
    assertThat(Params.time("start", "1714564800000")).isEqualTo(NOON);
    assertThat(Params.time("start", "2024-05-01")).isEqualTo(NOON - 43_200_000L);
    assertThat(Params.time("start", "2024-05-01T12:00:00Z")).isEqualTo(NOON);
    assertThat(Params.time("start", "2024-05-01T12:00Z")).isEqualTo(NOON);
    assertThat(Params.time("start", "2024-05-01T12:00:00.250Z")).isEqualTo(NOON + 250);
    assertThat(Params.time("start", "2024-05-01T14:00+02:00")).isEqualTo(NOON);
    assertThat(Params.time("start", "2024-05-01T09:30:00-02:30")).isEqualTo(NOON);
    assertThat(Params.time("start", "2024-05-01T12:00")).as("no offset: UTC").isEqualTo(NOON);
    assertThat(Params.time("start", "2024-05-01T12:00:00")).isEqualTo(NOON);
  }

  /** A URL's unencoded {@code +} arrives as a space: in an offset's place it is read as the {@code +}. */
  @Test
  void anOffsetWhosePlusArrivedAsASpaceIsReadAsPlus() {
    assertThat(Params.time("start", "2024-05-01T14:00 02:00")).isEqualTo(NOON);
    assertThat(Params.time("start", "2024-05-01T14:00:00 02:00")).isEqualTo(NOON);
    assertThat(Params.time("start", "2024-05-01T14:00:00.250 02:00")).isEqualTo(NOON + 250);
    // anywhere else a space is still refused, and the message says what a '+' in a URL becomes
    for (String bad : new String[] {"2024-05-01T14:00 0200", "2024-05-01 14:00", " 2024-05-01T14:00 02:00 x",
        "2024-05-01T14:00  02:00"}) {
      assertThatThrownBy(() -> Params.time("start", bad)).as(bad).isInstanceOf(ApiError.class)
          .hasMessageContaining("start '" + bad + "'").hasMessageContaining("sent as %2B");
    }
    assertThatThrownBy(() -> Params.time("start", "yesterday")).hasMessageNotContaining("%2B");
  }

  @Test
  void badTimesAreRejectedWithTheParameterAndAnExample() {
    for (String bad : new String[] {"yesterday", "2024-13-01", "2024-05-01T25:00Z", "-5", "1969-12-31T23:59Z",
        "+999999999-12-31T23:59:59Z", "12345678901234567890"}) {
      assertThatThrownBy(() -> Params.time("end", bad)).as(bad).isInstanceOf(ApiError.class)
          .hasMessageContaining("end");
    }
  }

  /** A start in the future with no end is after the end's default, the current time: the 400 says so. */
  @Test
  void aStartAfterTheDefaultEndSaysTheEndDefaultedToNow() {
    io.vertx.core.MultiMap future = io.vertx.core.MultiMap.caseInsensitiveMultiMap().add("exchange", "binance")
        .add("market_type", "spot").add("symbol", "BTC-USDT").add("start", Long.toString(NOON + 60_000));
    assertThatThrownBy(() -> RecordQuery.parse("trade", future, NOON)).isInstanceOf(ApiError.class)
        .hasMessageContaining("is after end").hasMessageContaining("defaults to the current time");
    assertThatThrownBy(() -> KlineQuery.parse(future, NOON)).isInstanceOf(ApiError.class)
        .hasMessageContaining("defaults to the current time");
    io.vertx.core.MultiMap crossed = io.vertx.core.MultiMap.caseInsensitiveMultiMap().addAll(future)
        .add("end", Long.toString(NOON));
    assertThatThrownBy(() -> RecordQuery.parse("trade", crossed, NOON)).isInstanceOf(ApiError.class)
        .hasMessageContaining("is after end").hasMessageNotContaining("defaults");
  }
}
