package io.marketprism.platform.bus;

import io.marketprism.model.MarketRecord;
import io.marketprism.model.RecordJson;

import java.nio.charset.StandardCharsets;

/**
 * One record as it travels on the bus.
 *
 * @param subject its subject
 * @param json its JSON bytes (CONTRACT §3)
 * @param redelivered whether the bus delivered it before (a consumer crashed or failed)
 */
public record BusMessage(String subject, byte[] json, boolean redelivered) {

  /** @return the JSON text */
  public String text() {
    return new String(json, StandardCharsets.UTF_8);
  }

  /**
   * @return the parsed record
   * @throws IllegalArgumentException if the payload is not a valid record
   */
  public MarketRecord record() {
    return RecordJson.parse(json);
  }
}
