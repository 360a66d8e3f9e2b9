package io.marketprism.model;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SubjectPatternTest {

  @Test
  void aDecimalStrikeKeepsItsSubjectAtFourTokens() {
    // Deribit XRP_USDC-30JUN23-0d625-P: the symbol keeps the strike's point, the subject may not
    TradeRecord t = new TradeRecord(Exchange.DERIBIT, MarketType.OPTIONS, "XRP-USDC-230630-0.625-P",
        "XRP_USDC-30JUN23-0d625-P", 1L, 1000L, "1", "0.01", "10", "buy");
    assertThat(t.subject()).isEqualTo("trade.deribit.options.XRP-USDC-230630-0_625-P");
    assertThat(SubjectPattern.parse("trade.deribit.options.*").matches(t.subject())).isTrue();
    assertThat(Subjects.token("BTC-USD-250328-100000-C")).isEqualTo("BTC-USD-250328-100000-C");
  }

  @Test
  void aSymbolWrittenWithItsPointInAPatternIsRefusedNamingTheSubjectToken() {
    // the record's symbol as the user sees it in the record: its '.' splits the subject in five
    assertThatThrownBy(() -> SubjectPattern.parse("trade.deribit.options.XRP-USDC-230630-0.625-P")
        .requireRecordSubjects())
        .hasMessageContaining("never matches")
        .hasMessageContaining("trade.deribit.options.XRP-USDC-230630-0_625-P");
  }

  @Test
  void starMatchesExactlyOneToken() {
    SubjectPattern p = SubjectPattern.parse("orderbook.okx.*.*");
    assertThat(p.matches("orderbook.okx.perpetual.BTC-USDT")).isTrue();
    assertThat(p.matches("orderbook.okx.spot")).isFalse();
    assertThat(p.matches("orderbook.okx.spot.BTC-USDT.x")).isFalse();
    assertThat(p.matches("orderbook.binance.spot.BTC-USDT")).isFalse();
  }

  @Test
  void greaterThanMatchesOneOrMoreTrailingTokens() {
    SubjectPattern p = SubjectPattern.parse("trade.>");
    assertThat(p.matches("trade.binance.spot.BTC-USDT")).isTrue();
    assertThat(p.matches("trade")).isFalse();
    assertThat(p.matches("trades.binance.spot.BTC-USDT")).isFalse();
    assertThat(SubjectPattern.parse(">").matches("ticker.okx.spot.ETH-USDT")).isTrue();
  }

  @Test
  void literalTokensMustMatchWhole() {
    SubjectPattern p = SubjectPattern.parse("trade.binance.spot.BTC-USDT");
    assertThat(p.matches("trade.binance.spot.BTC-USDT")).isTrue();
    assertThat(p.matches("trade.binance.spot.BTC-USDTX")).isFalse();
    assertThat(p.matches("trade.binance.spot.BTC-USD")).isFalse();
  }

  @Test
  void aLeadingWildcardSubscribesToEachDataTypeAndNothingElse() {
    java.util.List<String> all = SubjectPattern.parse(">").recordSubjects();
    assertThat(all).hasSize(DataType.values().length).contains("trade.>", "orderbook.>", "lsr_all_account.>");
    assertThat(SubjectPattern.parse("*.okx.*.BTC-USDT").recordSubjects())
        .contains("trade.okx.*.BTC-USDT", "funding_rate.okx.*.BTC-USDT").hasSize(DataType.values().length);
    assertThat(SubjectPattern.parse("trade.binance.>").recordSubjects()).containsExactly("trade.binance.>");
    assertThat(SubjectPattern.parse("*").recordSubjects()).as("one token: no record subject").isEmpty();
    for (String p : all) {
      assertThat(SubjectPattern.parse(p).matches("$JS.ACK.MARKET_DATA.storage.1.2.3.4.5")).isFalse();
      assertThat(SubjectPattern.parse(p).matches("_MPACK.abc.17")).isFalse();
    }
  }

  @Test
  void rejectsMalformedPatterns() {
    assertThatThrownBy(() -> SubjectPattern.parse("trade..x")).hasMessageContaining("empty token");
    assertThatThrownBy(() -> SubjectPattern.parse("trade.>.x")).hasMessageContaining("last token");
    assertThatThrownBy(() -> SubjectPattern.parse("tra*de")).hasMessageContaining("bad token");
    // NATS takes no whitespace in a token: a tab or newline is as bad as a space
    for (String ws : new String[] {" ", "\t", "\n"}) {
      assertThatThrownBy(() -> SubjectPattern.parse("trade.binance.spot.A" + ws + "B")).hasMessageContaining("bad token");
    }
    assertThatThrownBy(() -> SubjectPattern.parse("")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aPatternThatCanMatchARecordSubjectIsKept() {
    for (String p : new String[] {">", "*.binance.>", "trade.*.*.BTC-USDT", "trade.>", "trade.binance.spot.>",
        "*.*.*.*", "orderbook.okx.*.*"}) {
      assertThat(SubjectPattern.parse(p).requireRecordSubjects()).as(p).hasToString(p);
    }
  }

  @Test
  void aPatternThatCanNeverMatchARecordSubjectSaysWhy() {
    assertThatThrownBy(() -> SubjectPattern.parse("foo.>").requireRecordSubjects())
        .hasMessageStartingWith("subject pattern 'foo.>' never matches: 'foo' is not a data type (trade, ");
    assertThatThrownBy(() -> SubjectPattern.parse("*.kraken.>").requireRecordSubjects())
        .hasMessage("subject pattern '*.kraken.>' never matches: 'kraken' is not an exchange (binance, okx, deribit)");
    assertThatThrownBy(() -> SubjectPattern.parse("trade.okx.swap.*").requireRecordSubjects())
        .hasMessageContaining("'swap' is not a market type");
    for (String p : new String[] {"trade", "trade.binance.spot", "trade.binance.spot.BTC-USDT.x",
        "trade.binance.spot.BTC-USDT.>", "*.*.*.*.*"}) {
      assertThatThrownBy(() -> SubjectPattern.parse(p).requireRecordSubjects()).as(p)
          .hasMessageContaining("never matches: a subject has 4 tokens");
    }
  }
}
