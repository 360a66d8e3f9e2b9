package io.marketprism.collector.book;

import java.util.Arrays;

/**
 * Price levels of one side of a book message, in the exchange's original strings (OKX checksums
 * are computed over those exact strings). A quantity of zero means "delete the level".
 */
public final class LevelList {

  private String[] prices;
  private String[] quantities;
  private int size;

  /** An empty list. */
  public LevelList() {
    this(8);
  }

  /**
   * @param capacity initial capacity
   */
  public LevelList(int capacity) {
    prices = new String[Math.max(1, capacity)];
    quantities = new String[prices.length];
  }

  /**
   * @param price price as sent
   * @param quantity quantity as sent; zero deletes the level
   */
  public void add(String price, String quantity) {
    if (size == prices.length) {
      prices = Arrays.copyOf(prices, size * 2);
      quantities = Arrays.copyOf(quantities, size * 2);
    }
    prices[size] = price;
    quantities[size] = quantity;
    size++;
  }

  /** @return number of levels */
  public int size() {
    return size;
  }

  /**
   * @param i index
   * @return price of level {@code i}
   */
  public String price(int i) {
    return prices[i];
  }

  /**
   * @param i index
   * @return quantity of level {@code i}
   */
  public String quantity(int i) {
    return quantities[i];
  }
}
