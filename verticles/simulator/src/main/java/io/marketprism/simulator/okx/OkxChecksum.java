package io.marketprism.simulator.okx;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.zip.CRC32;

/**
 * OKX's order-book checksum: CRC32 of the best 25 bids and asks interleaved as
 * {@code bidPx:bidSz:askPx:askSz:...} (a shorter side just stops contributing), read as a signed int.
 */
public final class OkxChecksum {

  private OkxChecksum() {
  }

  /**
   * Computes the checksum from the levels' original strings.
   *
   * @param bids {@code [price, size]} strings, best first
   * @param asks {@code [price, size]} strings, best first
   */
  public static int of(List<String[]> bids, List<String[]> asks) {
    StringBuilder sb = new StringBuilder(1200);
    for (int i = 0; i < 25; i++) {
      if (i < bids.size()) {
        append(sb, bids.get(i));
      }
      if (i < asks.size()) {
        append(sb, asks.get(i));
      }
    }
    CRC32 crc = new CRC32();
    crc.update(sb.toString().getBytes(StandardCharsets.US_ASCII));
    return (int) crc.getValue();
  }

  private static void append(StringBuilder sb, String[] level) {
    if (!sb.isEmpty()) {
      sb.append(':');
    }
    sb.append(level[0]).append(':').append(level[1]);
  }
}
