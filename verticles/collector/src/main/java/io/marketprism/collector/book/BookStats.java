package io.marketprism.collector.book;

/**
 * Counters of book integrity, shared by the books of one collector or normalize run
 * (CONTRACT §6 {@code books}). Not thread-safe: owned by the thread that drives the books.
 */
public final class BookStats {

  private long checksumOk;
  private long checksumFailed;
  private long gaps;
  private long resyncs;

  /** @return messages whose exchange checksum matched the rebuilt book */
  public long checksumOk() {
    return checksumOk;
  }

  /** @return messages whose exchange checksum did not match */
  public long checksumFailed() {
    return checksumFailed;
  }

  /** @return sequence breaks detected */
  public long gaps() {
    return gaps;
  }

  /** @return books rebuilt from a fresh snapshot after they had lost sync */
  public long resyncs() {
    return resyncs;
  }

  void checksum(boolean ok) {
    if (ok) {
      checksumOk++;
    } else {
      checksumFailed++;
    }
  }

  void gap() {
    gaps++;
  }

  void resync() {
    resyncs++;
  }
}
