package io.marketprism.storage.hot;

import java.util.Arrays;

/**
 * A growable byte array that writes ClickHouse {@code RowBinary} values: integers little-endian,
 * lengths and array sizes as unsigned LEB128, strings as length then UTF-8 bytes, Decimal(38,18)
 * as 16 bytes little-endian two's complement. Not thread-safe.
 */
final class RowBinaryWriter {

  private byte[] a;
  private int n;

  /** @param capacity initial capacity in bytes */
  RowBinaryWriter(int capacity) {
    a = new byte[Math.max(16, capacity)];
  }

  /** @return bytes written */
  int size() {
    return n;
  }

  /** @return the backing array; its first {@link #size()} bytes are the content */
  byte[] array() {
    return a;
  }

  /** Forgets the content, keeping the capacity. */
  void clear() {
    n = 0;
  }

  private void ensure(int more) {
    if (n + more > a.length) {
      a = Arrays.copyOf(a, Math.max(n + more, a.length * 2));
    }
  }

  void putByte(int b) {
    ensure(1);
    a[n++] = (byte) b;
  }

  void putIntLE(int v) {
    ensure(4);
    a[n] = (byte) v;
    a[n + 1] = (byte) (v >>> 8);
    a[n + 2] = (byte) (v >>> 16);
    a[n + 3] = (byte) (v >>> 24);
    n += 4;
  }

  void putLongLE(long v) {
    ensure(8);
    for (int i = 0; i < 8; i++) {
      a[n + i] = (byte) (v >>> (8 * i));
    }
    n += 8;
  }

  /**
   * @param at where a value written by {@link #putLongLE} starts
   * @return that value
   */
  long longLE(int at) {
    long v = 0;
    for (int i = 7; i >= 0; i--) {
      v = v << 8 | (a[at + i] & 0xFF);
    }
    return v;
  }

  /**
   * An unsigned LEB128 number: 7 bits a byte, low bits first, the high bit set on all bytes but the last.
   *
   * @param v a non-negative value (read as unsigned)
   */
  void putVarUInt(long v) {
    ensure(10);
    while ((v & ~0x7FL) != 0) {
      a[n++] = (byte) ((v & 0x7F) | 0x80);
      v >>>= 7;
    }
    a[n++] = (byte) v;
  }

  /**
   * A Decimal128 (or any Int128): the low 64 bits, then the high 64 bits, each little-endian.
   *
   * @param hi high 64 bits
   * @param lo low 64 bits
   */
  void putInt128(long hi, long lo) {
    putLongLE(lo);
    putLongLE(hi);
  }

  /**
   * Copies bytes.
   *
   * @param src source
   * @param off first byte
   * @param len how many
   */
  void putBytes(byte[] src, int off, int len) {
    ensure(len);
    System.arraycopy(src, off, a, n, len);
    n += len;
  }

  /**
   * A String value: its length in bytes, then its bytes (UTF-8).
   *
   * @param utf8 source
   * @param off first byte
   * @param len how many
   */
  void putString(byte[] utf8, int off, int len) {
    putVarUInt(len);
    putBytes(utf8, off, len);
  }
}
