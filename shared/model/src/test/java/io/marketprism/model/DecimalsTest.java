package io.marketprism.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DecimalsTest {

  @ParameterizedTest
  @CsvSource({
      "61737.63000000, 61737.63", "100.000, 100", "0.00000000, 0", "0, 0", "72300.0, 72300", "0.00015640, 0.0001564",
      "1e-05, 0.00001", "6.173763E4, 61737.63", "-0.50, -0.5", "0.00000074528, 0.00000074528", "10, 10",
      ".5, 0.5", "-.0, 0", "-.50, -0.5", "+.5, 0.5", ".000, 0"})
  void dropsTrailingZerosAndNeverUsesExponents(String raw, String canonical) {
    assertThat(Decimals.canonical(raw)).isEqualTo(canonical);
  }

  @org.junit.jupiter.api.Test
  void rejectsExponentsThatWouldPrintHugeNumbers() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> Decimals.canonical("1e999999999"))
        .isInstanceOf(NumberFormatException.class);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> Decimals.canonical("1e-999999999"))
        .isInstanceOf(NumberFormatException.class);
  }

  @ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"1..2", "1.2.3", "-", "+", ".", "-.", "1-", "abc", "",
      "1,5", "--1"})
  void rejectsTextThatIsNotADecimal(String raw) {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> Decimals.canonical(raw))
        .isInstanceOf(NumberFormatException.class);
  }

  @ParameterizedTest
  @CsvSource({"0, true", "0.000, true", "0E-8, true", "0.001, false", "1e-05, false"})
  void recognizesZeroQuantities(String raw, boolean zero) {
    assertThat(Decimals.isZero(raw)).isEqualTo(zero);
  }
}
