package io.marketprism.simulator.model;

/**
 * One simulated endpoint set: a real exchange serves these from different hosts, the simulator from
 * different ports on one host.
 */
public enum Venue {
  /** Binance spot: {@code stream.binance.com} WS and {@code api.binance.com} REST. */
  BINANCE_SPOT("binance"),
  /** Binance USDⓈ-M futures: {@code fstream.binance.com} WS and {@code fapi.binance.com} REST. */
  BINANCE_USDM("binance"),
  /** Binance COIN-M futures: {@code dstream.binance.com} WS and {@code dapi.binance.com} REST. */
  BINANCE_COINM("binance"),
  /** OKX v5 public WS and REST. */
  OKX("okx"),
  /** Deribit v2 JSON-RPC over WS, plus its HTTP GET form. */
  DERIBIT("deribit");

  private final String exchange;

  Venue(String exchange) {
    this.exchange = exchange;
  }

  /** The exchange name used in records and options: {@code binance}, {@code okx} or {@code deribit}. */
  public String exchange() {
    return exchange;
  }

  /** The options key of this venue's port: {@code binance} (spot), {@code binance-usdm}, ... */
  public String key() {
    return this == BINANCE_SPOT ? "binance" : name().toLowerCase().replace('_', '-');
  }
}
