package io.marketprism.collector.book;

import io.marketprism.model.Decimals;
import io.marketprism.model.PriceLevel;
import java.util.Arrays;

/**
 * One side of a book, sorted by a scaled-long key and cut into blocks of at most {@link #BLOCK}
 * levels, the best level last: an insert or delete anywhere in a deep book shifts at most one
 * block (Binance diffs touch levels all through a 1,000-level book), and the top of the book is
 * the end of the last block. Bids use the scaled price as key, asks its negation, so "best" is the
 * largest key on both sides.
 *
 * <p>Each level also caches, made on first use, its published form (a canonical
 * {@link PriceLevel}) and its checksum text ({@code price:qty:} in ASCII), and the side remembers
 * the best rank changed since the checksum and the top-N lists were last taken: a change deeper
 * than those costs them nothing.
 */
final class BookSide {

  /** Most levels in a block; a full block splits in two. */
  static final int BLOCK = 64;

  /** Blocks in ascending key order, none empty. */
  private Block[] blocks = new Block[8];
  /** The first key of each block, so that finding a block reads one array. */
  private long[] firstKeys = new long[8];
  private int blockCount;
  private int size;
  /** Best rank changed since the last checksum; {@code Integer.MAX_VALUE} when none. */
  private int changedSinceChecksum;
  /** Best rank changed since the last top-N list. */
  private int changedSinceTop;
  /** Levels whose quantity the stores cannot hold. */
  private int oversized;

  /** One level: the texts as sent and, made on first use, its published and checksum forms. */
  private static final class Level {
    String price;
    String quantity;
    /** Whether the stores cannot hold the quantity. */
    boolean oversized;
    PriceLevel published;
    byte[] checksumText;

    Level(String price, String quantity, boolean oversized) {
      this.price = price;
      this.quantity = quantity;
      this.oversized = oversized;
    }
  }

  /** Consecutive levels in ascending key order. */
  private static final class Block {
    final long[] keys = new long[BLOCK];
    final Level[] levels = new Level[BLOCK];
    int size;
  }

  int size() {
    return size;
  }

  void clear() {
    Arrays.fill(blocks, 0, blockCount, null);
    blockCount = 0;
    size = 0;
    oversized = 0;
    changed(0);
  }

  /**
   * @param oversized whether the stores cannot hold the quantity (see {@link #oversizedRank})
   */
  void put(long key, String price, String quantity, boolean oversized) {
    if (blockCount == 0) {
      insertBlock(0, new Block());
    }
    int bi = blockFor(key);
    Block b = blocks[bi];
    int i = Arrays.binarySearch(b.keys, 0, b.size, key);
    if (i >= 0) {
      Level l = b.levels[i];
      l.price = price;
      l.quantity = quantity;
      this.oversized += (oversized ? 1 : 0) - (l.oversized ? 1 : 0);
      l.oversized = oversized;
      l.published = null;
      l.checksumText = null;
      changed(rank(bi, i));
      return;
    }
    i = -i - 1;
    if (b.size == BLOCK) {
      // a full block gets a new neighbour when the level goes past either end (snapshots arrive
      // sorted: their blocks stay full), and splits in two when it goes inside
      if (i == BLOCK) {
        insertBlock(++bi, new Block());
        i = 0;
      } else if (i == 0) {
        insertBlock(bi, new Block());
      } else {
        split(bi);
        if (i > BLOCK / 2) {
          bi++;
          i -= BLOCK / 2;
        }
      }
      b = blocks[bi];
    }
    int move = b.size - i;
    if (move > 0) {
      System.arraycopy(b.keys, i, b.keys, i + 1, move);
      System.arraycopy(b.levels, i, b.levels, i + 1, move);
    }
    b.keys[i] = key;
    b.levels[i] = new Level(price, quantity, oversized);
    if (oversized) {
      this.oversized++;
    }
    b.size++;
    size++;
    if (i == 0) {
      firstKeys[bi] = key;
    }
    changed(rank(bi, i));
  }

  void remove(long key) {
    if (size == 0) {
      return;
    }
    int bi = blockFor(key);
    Block b = blocks[bi];
    int i = Arrays.binarySearch(b.keys, 0, b.size, key);
    if (i < 0) {
      return;
    }
    changed(rank(bi, i));
    if (b.levels[i].oversized) {
      oversized--;
    }
    int move = b.size - i - 1;
    if (move > 0) {
      System.arraycopy(b.keys, i + 1, b.keys, i, move);
      System.arraycopy(b.levels, i + 1, b.levels, i, move);
    }
    b.levels[--b.size] = null;
    size--;
    if (b.size == 0) {
      blockCount--;
      System.arraycopy(blocks, bi + 1, blocks, bi, blockCount - bi);
      System.arraycopy(firstKeys, bi + 1, firstKeys, bi, blockCount - bi);
      blocks[blockCount] = null;
    } else if (i == 0) {
      firstKeys[bi] = b.keys[0];
    }
  }

  /** @return the block a key is in or belongs in: the last whose first key is not above it, else the first */
  private int blockFor(long key) {
    long[] firsts = firstKeys;
    int last = blockCount - 1;
    // most changes are near the top of the book, which is the last block
    if (key >= firsts[last]) {
      return last;
    }
    int lo = 0;
    int hi = last - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      if (firsts[mid] <= key) {
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return Math.max(0, hi);
  }

  /** Moves the upper half of a full block into a new block after it. */
  private void split(int bi) {
    Block b = blocks[bi];
    Block upper = new Block();
    int half = BLOCK / 2;
    System.arraycopy(b.keys, half, upper.keys, 0, BLOCK - half);
    System.arraycopy(b.levels, half, upper.levels, 0, BLOCK - half);
    Arrays.fill(b.levels, half, BLOCK, null);
    upper.size = BLOCK - half;
    b.size = half;
    insertBlock(bi + 1, upper);
  }

  /** Inserts a block; an empty one gets its first key from the insert that follows at once. */
  private void insertBlock(int at, Block b) {
    if (blockCount == blocks.length) {
      blocks = Arrays.copyOf(blocks, blockCount * 2);
      firstKeys = Arrays.copyOf(firstKeys, blockCount * 2);
    }
    System.arraycopy(blocks, at, blocks, at + 1, blockCount - at);
    System.arraycopy(firstKeys, at, firstKeys, at + 1, blockCount - at);
    blocks[at] = b;
    firstKeys[at] = b.size > 0 ? b.keys[0] : Long.MIN_VALUE;
    blockCount++;
  }

  /**
   * The rank (0 = best) of position {@code i} of block {@code bi}, counted only as far as it can
   * matter: once it reaches both change marks it is deep enough for them to ignore.
   */
  private int rank(int bi, int i) {
    int r = blocks[bi].size - 1 - i;
    int enough = Math.max(changedSinceChecksum, changedSinceTop);
    for (int k = blockCount - 1; k > bi && r < enough; k--) {
      r += blocks[k].size;
    }
    return r;
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

  /**
   * @param ranks how many of the best levels to look at
   * @return the best rank among them whose quantity the stores cannot hold, or -1 (at once while
   *     the side holds no such level)
   */
  int oversizedRank(int ranks) {
    if (oversized == 0) {
      return -1;
    }
    int r = 0;
    for (int k = blockCount - 1; k >= 0 && r < ranks; k--) {
      Block b = blocks[k];
      for (int i = b.size - 1; i >= 0 && r < ranks; i--, r++) {
        if (b.levels[i].oversized) {
          return r;
        }
      }
    }
    return -1;
  }

  /** @return the level at rank {@code r} (0 = best) */
  private Level level(int rank) {
    int r = rank;
    for (int k = blockCount - 1; k >= 0; k--) {
      Block b = blocks[k];
      if (r < b.size) {
        return b.levels[b.size - 1 - r];
      }
      r -= b.size;
    }
    throw new IndexOutOfBoundsException("rank " + rank + " of " + size + " levels");
  }

  /** @return the level at rank {@code r} (0 = best) with canonical decimals, made once per level */
  PriceLevel published(int rank) {
    Level l = level(rank);
    PriceLevel p = l.published;
    if (p == null) {
      p = new PriceLevel(Decimals.canonical(l.price), Decimals.canonical(l.quantity));
      l.published = p;
    }
    return p;
  }

  /** @return {@code price:qty:} of rank {@code r} as ASCII bytes, made once per level */
  byte[] checksumText(int rank) {
    Level l = level(rank);
    byte[] t = l.checksumText;
    if (t == null) {
      String p = l.price;
      String q = l.quantity;
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
      l.checksumText = t;
    }
    return t;
  }

  /** Multiplies every key, when a finer price than the book's scale arrives. */
  void rescale(long factor) {
    for (int k = 0; k < blockCount; k++) {
      Block b = blocks[k];
      for (int i = 0; i < b.size; i++) {
        b.keys[i] = Math.multiplyExact(b.keys[i], factor);
      }
      firstKeys[k] = b.keys[0];
    }
  }

  /** @return price at rank {@code r} (0 = best), as the exchange sent it */
  String price(int rank) {
    return level(rank).price;
  }

  /** @return quantity at rank {@code r} (0 = best), as the exchange sent it */
  String quantity(int rank) {
    return level(rank).quantity;
  }

  /** @return the key of the best level; the side must not be empty */
  long bestKey() {
    Block b = blocks[blockCount - 1];
    return b.keys[b.size - 1];
  }
}
