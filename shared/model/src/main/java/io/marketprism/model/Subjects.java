package io.marketprism.model;

/**
 * Bus subjects (CONTRACT §4): {@code {data_type}.{exchange}.{market_type}.{symbol}}. A {@code .}
 * separates a subject's tokens, so one inside a symbol (a decimal strike: Deribit's
 * {@code XRP_USDC-27JUN25-2d2-C} is {@code XRP-USDC-250627-2.2-C}) is written {@code _} there:
 * {@code trade.deribit.options.XRP-USDC-250627-2_2-C}. Normalized symbols hold no {@code _}.
 */
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
    return type.wire() + '.' + exchange.wire() + '.' + marketType.wire() + '.' + token(symbol);
  }

  /**
   * @param symbol normalized symbol
   * @return its subject token: the symbol, with {@code _} for each {@code .}
   */
  public static String token(String symbol) {
    return symbol.indexOf('.') < 0 ? symbol : symbol.replace('.', '_');
  }
}
