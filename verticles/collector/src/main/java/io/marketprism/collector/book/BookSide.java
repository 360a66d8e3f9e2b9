package io.marketprism.collector.book;

import java.util.Arrays;

/**
 * One side of a book as parallel primitive arrays sorted by a scaled-long key, the best level
 * last: most changes happen near the top, so inserts and deletes shift only a few entries.
 * Bids use the scaled price as key, asks its negation, so "best" is the largest key on both sides.
 */
final class BookSide {

  private long[] keys = new long[64];
  private String[] prices = new String[64];
  private String[] quantities = new String[64];
  private int size;

  int size() {
    return size;
  }

  void clear() {
    Arrays.fill(prices, 0, size, null);
    Arrays.fill(quantities, 0, size, null);
    size = 0;
  }

  void put(long key, String price, String quantity) {
    int i = search(key);
    if (i >= 0) {
      prices[i] = price;
      quantities[i] = quantity;
      return;
    }
    i = -i - 1;
    if (size == keys.length) {
      int cap = size * 2;
      keys = Arrays.copyOf(keys, cap);
      prices = Arrays.copyOf(prices, cap);
      quantities = Arrays.copyOf(quantities, cap);
    }
    int move = size - i;
    if (move > 0) {
      System.arraycopy(keys, i, keys, i + 1, move);
      System.arraycopy(prices, i, prices, i + 1, move);
      System.arraycopy(quantities, i, quantities, i + 1, move);
    }
    keys[i] = key;
    prices[i] = price;
    quantities[i] = quantity;
    size++;
  }

  void remove(long key) {
    int i = search(key);
    if (i < 0) {
      return;
    }
    int move = size - i - 1;
    if (move > 0) {
      System.arraycopy(keys, i + 1, keys, i, move);
      System.arraycopy(prices, i + 1, prices, i, move);
      System.arraycopy(quantities, i + 1, quantities, i, move);
    }
    size--;
    prices[size] = null;
    quantities[size] = null;
  }

  /** Multiplies every key, when a finer price than the book's scale arrives. */
  void rescale(long factor) {
    for (int i = 0; i < size; i++) {
      keys[i] = Math.multiplyExact(keys[i], factor);
    }
  }

  /** @return price at rank {@code r} (0 = best), as the exchange sent it */
  String price(int rank) {
    return prices[size - 1 - rank];
  }

  /** @return quantity at rank {@code r} (0 = best), as the exchange sent it */
  String quantity(int rank) {
    return quantities[size - 1 - rank];
  }

  /** @return key at rank {@code r} (0 = best) */
  long key(int rank) {
    return keys[size - 1 - rank];
  }

  private int search(long key) {
    // the top of the book lives at the end: check there before a binary search
    if (size > 0) {
      long top = keys[size - 1];
      if (key == top) {
        return size - 1;
      }
      if (key > top) {
        return -(size + 1);
      }
    }
    return Arrays.binarySearch(keys, 0, size, key);
  }
}
