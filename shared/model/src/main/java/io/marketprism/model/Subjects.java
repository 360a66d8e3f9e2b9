package io.marketprism.model;

/** Bus subjects (CONTRACT §4): {@code {data_type}.{exchange}.{market_type}.{symbol}}. */
public final class Subjects {

  private Subjects() {
  }

  /**
   * @param type data type
   * @param exchange exchange
   * @param marketType market type
   * @param symbol normalized symbol
   * @return the subject, e.g. {@code orderbook.okx.perpetual.BTC-USDT}
   */
  public static String of(DataType type, Exchange exchange, MarketType marketType, String symbol) {
    return type.wire() + '.' + exchange.wire() + '.' + marketType.wire() + '.' + symbol;
  }
}
