package io.marketprism.collector.book;

import io.marketprism.model.Decimals;
import io.marketprism.model.PriceLevel;
import java.util.Arrays;

/**
 * One side of a book as parallel primitive arrays sorted by a scaled-long key, the best level
 * last: most changes happen near the top, so inserts and deletes shift only a few entries.
 * Bids use the scaled price as key, asks its negation, so "best" is the largest key on both sides.
 *
 * <p>Each level also caches, made on first use, its published form (a canonical
 * {@link PriceLevel}) and its checksum text ({@code price:qty:} in ASCII), and the side remembers
 * the best rank changed since the checksum and the top-N lists were last taken: a change deeper
 * than those costs them nothing.
 */
final class BookSide {

  private long[] keys = new long[64];
  private String[] prices = new String[64];
  private String[] quantities = new String[64];
  private PriceLevel[] published = new PriceLevel[64];
  private byte[][] checksumText = new byte[64][];
  private int size;
  /** Best rank changed since the last checksum; {@code Integer.MAX_VALUE} when none. */
  private int changedSinceChecksum;
  /** Best rank changed since the last top-N list. */
  private int changedSinceTop;

  int size() {
    return size;
  }

  void clear() {
    Arrays.fill(prices, 0, size, null);
    Arrays.fill(quantities, 0, size, null);
    Arrays.fill(published, 0, size, null);
    Arrays.fill(checksumText, 0, size, null);
    size = 0;
    changed(0);
  }

  void put(long key, String price, String quantity) {
    int i = search(key);
    if (i >= 0) {
      prices[i] = price;
      quantities[i] = quantity;
      published[i] = null;
      checksumText[i] = null;
      changed(size - 1 - i);
      return;
    }
    i = -i - 1;
    if (size == keys.length) {
      int cap = size * 2;
      keys = Arrays.copyOf(keys, cap);
      prices = Arrays.copyOf(prices, cap);
      quantities = Arrays.copyOf(quantities, cap);
      published = Arrays.copyOf(published, cap);
      checksumText = Arrays.copyOf(checksumText, cap);
    }
    int move = size - i;
    if (move > 0) {
      System.arraycopy(keys, i, keys, i + 1, move);
      System.arraycopy(prices, i, prices, i + 1, move);
      System.arraycopy(quantities, i, quantities, i + 1, move);
      System.arraycopy(published, i, published, i + 1, move);
      System.arraycopy(checksumText, i, checksumText, i + 1, move);
    }
    keys[i] = key;
    prices[i] = price;
    quantities[i] = quantity;
    published[i] = null;
    checksumText[i] = null;
    size++;
    changed(size - 1 - i);
  }

  void remove(long key) {
    int i = search(key);
    if (i < 0) {
      return;
    }
    changed(size - 1 - i);
    int move = size - i - 1;
    if (move > 0) {
      System.arraycopy(keys, i + 1, keys, i, move);
      System.arraycopy(prices, i + 1, prices, i, move);
      System.arraycopy(quantities, i + 1, quantities, i, move);
      System.arraycopy(published, i + 1, published, i, move);
      System.arraycopy(checksumText, i + 1, checksumText, i, move);
    }
    size--;
    prices[size] = null;
    quantities[size] = null;
    published[size] = null;
    checksumText[size] = null;
  }

  private void changed(int rank) {
    if (rank < changedSinceChecksum) {
      changedSinceChecksum = rank;
    }
    if (rank < changedSinceTop) {
      changedSinceTop = rank;
    }
  }

  /**
   * @param ranks how many of the best levels a checksum covers
   * @return whether any of them changed since the last call (which starts a new period)
   */
  boolean checksumStale(int ranks) {
    boolean stale = changedSinceChecksum < ranks;
    changedSinceChecksum = Integer.MAX_VALUE;
    return stale;
  }

  /**
   * @param ranks how many of the best levels a top-N list holds
   * @return whether any of them changed since the last call (which starts a new period)
   */
  boolean topStale(int ranks) {
    boolean stale = changedSinceTop < ranks;
    changedSinceTop = Integer.MAX_VALUE;
    return stale;
  }

  /** @return the level at rank {@code r} (0 = best) with canonical decimals, made once per level */
  PriceLevel published(int rank) {
    int i = size - 1 - rank;
    PriceLevel l = published[i];
    if (l == null) {
      l = new PriceLevel(Decimals.canonical(prices[i]), Decimals.canonical(quantities[i]));
      published[i] = l;
    }
    return l;
  }

  /** @return {@code price:qty:} of rank {@code r} as ASCII bytes, made once per level */
  byte[] checksumText(int rank) {
    int i = size - 1 - rank;
    byte[] t = checksumText[i];
    if (t == null) {
      String p = prices[i];
      String q = quantities[i];
      int pl = p.length();
      int ql = q.length();
      t = new byte[pl + ql + 2];
      for (int k = 0; k < pl; k++) {
        t[k] = (byte) p.charAt(k);
      }
      t[pl] = ':';
      for (int k = 0; k < ql; k++) {
        t[pl + 1 + k] = (byte) q.charAt(k);
      }
      t[pl + ql + 1] = ':';
      checksumText[i] = t;
    }
    return t;
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
