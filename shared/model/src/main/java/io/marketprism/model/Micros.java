package io.marketprism.model;

import java.time.Clock;
import java.time.Instant;

/** Wall-clock time in epoch microseconds (the unit of {@code recv_ts_us}). */
public final class Micros {

  private static final Clock UTC = Clock.systemUTC();

  private Micros() {
  }

  /** @return now, in epoch microseconds, at the clock's real resolution (not milliseconds × 1000) */
  public static long now() {
    Instant i = UTC.instant();
    return i.getEpochSecond() * 1_000_000L + i.getNano() / 1_000;
  }
}
