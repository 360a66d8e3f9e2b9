package io.marketprism.collector.book;

import io.marketprism.model.Decimals;
import io.marketprism.model.PriceLevel;
import io.marketprism.model.RecordLimits;
import java.util.List;
import java.util.zip.CRC32;

/**
 * A price-level order book that keeps every level exactly as the exchange sent it. Levels are
 * keyed by the price as a long scaled to the finest decimal place seen so far, so no
 * floating-point or BigDecimal work happens per update. Not thread-safe: one book per instrument,
 * driven by one thread.
 */
public final class OrderBook {

  private static final long[] POW10 = new long[19];

  static {
    POW10[0] = 1;
    for (int i = 1; i < POW10.length; i++) {
      POW10[i] = POW10[i - 1] * 10;
    }
  }

  private final BookSide bids = new BookSide();
  private final BookSide asks = new BookSide();
  private final CRC32 crc = new CRC32();
  private byte[] checksumBuffer = new byte[2048];
  private int checksum;
  private List<PriceLevel> topBids = List.of();
  private List<PriceLevel> topAsks = List.of();
  private int topBidsDepth = -1;
  private int topAsksDepth = -1;
  private int scale = -1;
  private long parsedMantissa;
  private int parsedDecimals;

  /** Removes every level. */
  public void clear() {
    bids.clear();
    asks.clear();
  }

  /**
   * Sets, replaces or (for a zero quantity) deletes a level.
   *
   * @param bid true for the bid side
   * @param price price as sent
   * @param quantity quantity as sent; zero deletes
   * @throws NumberFormatException if the price or the quantity is not a decimal
   * @throws ArithmeticException if the price cannot be represented as a scaled long
   */
  public void apply(boolean bid, String price, String quantity) {
    long key = key(price);
    BookSide side = bid ? bids : asks;
    if (!bid) {
      key = -key;
    }
    int kind = quantityKind(quantity);
    if (kind == ZERO) {
      side.remove(key);
    } else {
      side.put(key, price, quantity, kind == OVERSIZED);
    }
  }

  /**
   * Applies a list of levels to one side.
   *
   * @param bid true for the bid side
   * @param levels levels as sent
   */
  public void apply(boolean bid, LevelList levels) {
    for (int i = 0, n = levels.size(); i < n; i++) {
      apply(bid, levels.price(i), levels.quantity(i));
    }
  }

  /** @return number of bid levels */
  public int bidCount() {
    return bids.size();
  }

  /** @return number of ask levels */
  public int askCount() {
    return asks.size();
  }

  /**
   * @param rank 0 for the best bid
   * @return the bid price at that rank, as sent
   */
  public String bidPrice(int rank) {
    return bids.price(rank);
  }

  /**
   * @param rank 0 for the best bid
   * @return the bid quantity at that rank, as sent
   */
  public String bidQuantity(int rank) {
    return bids.quantity(rank);
  }

  /**
   * @param rank 0 for the best ask
   * @return the ask price at that rank, as sent
   */
  public String askPrice(int rank) {
    return asks.price(rank);
  }

  /**
   * @param rank 0 for the best ask
   * @return the ask quantity at that rank, as sent
   */
  public String askQuantity(int rank) {
    return asks.quantity(rank);
  }

  /**
   * Why the best levels cannot be stored, if they cannot: a quantity with more integer digits than
   * the stores keep ({@link RecordLimits#INTEGER_DIGITS}). Prices always fit: a price is keyed as a
   * long, so it has at most 19 integer digits (a larger one is refused when applied).
   *
   * @param depth how many of the best levels of each side a record holds
   * @return the reason, naming the side and the level, or null when every one of them fits
   */
  public String unstorableLevel(int depth) {
    int r = bids.oversizedRank(depth);
    if (r >= 0) {
      return oversized("bids", r, bids);
    }
    r = asks.oversizedRank(depth);
    return r >= 0 ? oversized("asks", r, asks) : null;
  }

  private static String oversized(String side, int rank, BookSide levels) {
    return side + " level " + (rank + 1) + " (price " + levels.price(rank) + "): quantity " + levels.quantity(rank)
        + " has more than " + RecordLimits.INTEGER_DIGITS + " integer digits";
  }

  /** @return true when the best bid is at or above the best ask */
  public boolean crossed() {
    return bids.size() > 0 && asks.size() > 0 && bids.bestKey() >= -asks.bestKey();
  }

  /**
   * @param depth maximum levels
   * @return the best bids, best first, with canonical decimal strings (an immutable list, shared
   *     with earlier calls while those levels did not change)
   */
  public List<PriceLevel> topBids(int depth) {
    if (bids.topStale(depth) || depth != topBidsDepth) {
      topBids = top(bids, depth);
      topBidsDepth = depth;
    }
    return topBids;
  }

  /**
   * @param depth maximum levels
   * @return the best asks, best first, with canonical decimal strings (an immutable list, shared
   *     with earlier calls while those levels did not change)
   */
  public List<PriceLevel> topAsks(int depth) {
    if (asks.topStale(depth) || depth != topAsksDepth) {
      topAsks = top(asks, depth);
      topAsksDepth = depth;
    }
    return topAsks;
  }

  private static List<PriceLevel> top(BookSide side, int depth) {
    int n = Math.min(depth, side.size());
    PriceLevel[] out = new PriceLevel[n];
    for (int r = 0; r < n; r++) {
      out[r] = side.published(r);
    }
    return List.of(out);
  }

  /**
   * OKX's book checksum: CRC32 of the top 25 bids and asks interleaved as
   * {@code bidPx:bidSz:askPx:askSz:...} with the original strings (a shorter side simply ends),
   * read as a signed 32-bit integer.
   *
   * @return the checksum of the current book
   */
  public int okxChecksum() {
    boolean bidsStale = bids.checksumStale(25);
    if (!asks.checksumStale(25) && !bidsStale) {
      // nothing within the top 25 changed since the last call
      return checksum;
    }
    int n = 0;
    byte[] buf = checksumBuffer;
    int nb = Math.min(25, bids.size());
    int na = Math.min(25, asks.size());
    for (int i = 0; i < nb || i < na; i++) {
      if (i < nb) {
        byte[] t = bids.checksumText(i);
        buf = ensure(buf, n, t.length);
        System.arraycopy(t, 0, buf, n, t.length);
        n += t.length;
      }
      if (i < na) {
        byte[] t = asks.checksumText(i);
        buf = ensure(buf, n, t.length);
        System.arraycopy(t, 0, buf, n, t.length);
        n += t.length;
      }
    }
    checksumBuffer = buf;
    crc.reset();
    // every piece ended with ':', the last one must not
    crc.update(buf, 0, Math.max(0, n - 1));
    checksum = (int) crc.getValue();
    return checksum;
  }

  private static byte[] ensure(byte[] buf, int used, int more) {
    if (used + more <= buf.length) {
      return buf;
    }
    return java.util.Arrays.copyOf(buf, Math.max(buf.length * 2, used + more));
  }

  /** The price as a long at the book's scale, widening the scale when a finer price appears. */
  private long key(String price) {
    parse(price);
    int d = parsedDecimals;
    if (scale < 0) {
      scale = d;
    } else if (d > scale) {
      long factor = POW10[d - scale];
      bids.rescale(factor);
      asks.rescale(factor);
      scale = d;
    }
    return Math.multiplyExact(parsedMantissa, POW10[scale - d]);
  }

  /**
   * Reads a price as {@code mantissa * 10^-decimals}, trailing fractional zeros cut first (so no
   * division is needed for {@code "61737.63000000"}).
   */
  private void parse(String s) {
    int len = s.length();
    int dot = s.indexOf('.');
    int end = len;
    if (dot >= 0) {
      while (end > dot + 1 && s.charAt(end - 1) == '0') {
        end--;
      }
    }
    boolean negative = len > 0 && s.charAt(0) == '-';
    long m = 0;
    int d = 0;
    boolean digits = false;
    for (int i = negative ? 1 : 0; i < end; i++) {
      char c = s.charAt(i);
      if (c >= '0' && c <= '9') {
        if (m > (Long.MAX_VALUE - 9) / 10) {
          throw new ArithmeticException("price out of range: " + s);
        }
        m = m * 10 + (c - '0');
        digits = true;
        if (dot >= 0 && i > dot) {
          d++;
        }
      } else if (c == 'e' || c == 'E') {
        // exponent forms are rare (Deribit floats); take the slow, exact path
        parse(Decimals.canonical(s));
        return;
      } else if (i != dot) {
        throw new NumberFormatException("not a price: " + s);
      }
    }
    if (!digits) {
      throw new NumberFormatException("not a price: " + s);
    }
    if (d >= POW10.length) {
      throw new ArithmeticException("price too fine: " + s);
    }
    parsedMantissa = negative ? -m : m;
    parsedDecimals = d;
  }

  /** {@link #quantityKind}: deletes the level. */
  private static final int ZERO = 0;
  /** {@link #quantityKind}: a level the stores can hold. */
  private static final int STORABLE = 1;
  /** {@link #quantityKind}: a level whose quantity has more integer digits than the stores keep. */
  private static final int OVERSIZED = 2;

  /**
   * Whether a quantity is zero, storable or too large for the stores, checking on the way that it
   * is a decimal (a stored level must publish as one).
   */
  private static int quantityKind(String q) {
    int len = q.length();
    boolean zero = true;
    boolean digits = false;
    boolean dot = false;
    for (int i = 0; i < len; i++) {
      char c = q.charAt(i);
      if (c == '0') {
        digits = true;
      } else if (c >= '1' && c <= '9') {
        digits = true;
        zero = false;
      } else if (c == '.' && !dot) {
        dot = true;
      } else if (c == 'e' || c == 'E') {
        String canonical = Decimals.canonical(q);
        return Decimals.isZero(canonical) ? ZERO : fits(canonical) ? STORABLE : OVERSIZED;
      } else if (!(i == 0 && c == '-')) {
        throw new NumberFormatException("not a quantity: " + q);
      }
    }
    if (!digits) {
      throw new NumberFormatException("not a quantity: " + q);
    }
    if (zero) {
      return ZERO;
    }
    // only text longer than the integer digits the stores keep can have more of them
    return q.length() <= RecordLimits.INTEGER_DIGITS || fits(Decimals.canonical(q)) ? STORABLE : OVERSIZED;
  }

  private static boolean fits(String canonical) {
    try {
      RecordLimits.fitDecimal(canonical);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

}
