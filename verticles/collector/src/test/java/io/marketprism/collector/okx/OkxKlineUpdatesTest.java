package io.marketprism.collector.okx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.marketprism.collector.feed.IdentityWindow;
import io.marketprism.collector.normalize.Normalizer;
import io.marketprism.collector.normalize.ParseException;
import io.marketprism.model.Exchange;
import io.marketprism.model.KlineRecord;
import io.marketprism.model.MarketRecord;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * OKX candle pushes carry only the candle's open time: every in-minute update must still keep an
 * identity of its own (CONTRACT §3: the kline identity is its ts_ms), and only exact repeats go.
 */
class OkxKlineUpdatesTest {

  private final List<MarketRecord> out = new ArrayList<>();
  private final Normalizer normalizer = new Normalizer(Exchange.OKX, null, 20, s -> true, out::add, null);

  private static String candle(String open, String close, String vol, String confirm) {
    return "{\"arg\":{\"channel\":\"candle1m\",\"instId\":\"BTC-USDT\"},\"data\":[[\"" + open + "\",\"8533.02\","
        + "\"8553.74\",\"8527.17\",\"" + close + "\",\"" + vol + "\",\"1.0\",\"8540.1\",\"" + confirm + "\"]]}";
  }

  @Test
  void everyInMinuteUpdateIsKeptWithItsOwnIdentityAndExactRepeatsAreDropped() throws Exception {
    long recv = 1_597_026_400_000_000L;
    normalizer.onMessage(candle("1597026360000", "8548.26", "45247", "0"), recv);
    normalizer.onMessage(candle("1597026360000", "8549.00", "45300", "0"), recv + 400);
    normalizer.onMessage(candle("1597026360000", "8549.00", "45300", "0"), recv + 900);
    normalizer.onMessage(candle("1597026360000", "8550.10", "45310", "1"), recv + 1_000_000);
    normalizer.onMessage(candle("1597026420000", "8550.10", "0", "0"), recv + 1_000_000);

    assertThat(out).hasSize(4);
    List<KlineRecord> k = out.stream().map(KlineRecord.class::cast).toList();
    assertThat(k).extracting(KlineRecord::openTimeMs)
        .containsExactly(1597026360000L, 1597026360000L, 1597026360000L, 1597026420000L);
    assertThat(k).extracting(KlineRecord::close).containsExactly("8548.26", "8549", "8550.1", "8550.1");
    assertThat(k).extracting(KlineRecord::closed).containsExactly(false, false, true, false);
    // receive times, strictly increasing even within one millisecond
    assertThat(k).extracting(KlineRecord::tsMs)
        .containsExactly(1_597_026_400_000L, 1_597_026_400_001L, 1_597_026_401_000L, 1_597_026_401_001L);
    IdentityWindow window = new IdentityWindow(256);
    assertThat(k).allMatch(r -> window.add(r.identity()));
  }

  @Test
  void theCloseTimeIsTheLastMillisecondOfTheCandleAsBinanceGivesIt() throws Exception {
    normalizer.onMessage(candle("1597026360000", "8548.26", "45247", "0"), 1_597_026_400_000_000L);
    KlineRecord k = (KlineRecord) out.get(0);
    assertThat(k.interval()).isEqualTo("1m");
    assertThat(k.closeTimeMs()).isEqualTo(1_597_026_360_000L + 60_000 - 1);
    assertThat(io.marketprism.model.RecordJson.toJson(k)).contains("\"close_time_ms\":1597026419999");

    // the other bars OKX offers: fixed lengths, and calendar months in Hong Kong time or UTC
    long hk = java.time.OffsetDateTime.parse("2024-01-31T16:00:00Z").toInstant().toEpochMilli(); // Feb 1 00:00 +08
    long utc = java.time.OffsetDateTime.parse("2024-02-01T00:00:00Z").toInstant().toEpochMilli();
    assertThat(OkxParser.closeTime("1s", 1_000)).isEqualTo(1_999L);
    assertThat(OkxParser.closeTime("4H", hk)).isEqualTo(hk + 4 * 3_600_000 - 1);
    assertThat(OkxParser.closeTime("1Dutc", utc)).isEqualTo(utc + 86_400_000 - 1);
    assertThat(OkxParser.closeTime("1W", hk)).isEqualTo(hk + 7 * 86_400_000L - 1);
    assertThat(OkxParser.closeTime("1M", hk)).isEqualTo(hk + 29 * 86_400_000L - 1); // 2024 is a leap year
    assertThat(OkxParser.closeTime("1Mutc", utc)).isEqualTo(utc + 29 * 86_400_000L - 1);
    assertThat(OkxParser.closeTime("3M", hk)).isEqualTo(hk + (29 + 31 + 30) * 86_400_000L - 1);
    assertThat(OkxParser.closeTime("x", utc)).isNull();
    assertThat(OkxParser.closeTime("1Y", utc)).isNull();
  }

  @Test
  void aMalformedCandleIsRejectedEachTimeItComes() {
    String bad = candle("1597026360000", "85x", "1", "0");
    assertThatThrownBy(() -> normalizer.onMessage(bad, 1)).isInstanceOf(ParseException.class);
    assertThatThrownBy(() -> normalizer.onMessage(bad, 2)).isInstanceOf(ParseException.class);
    assertThat(out).isEmpty();
  }
}
