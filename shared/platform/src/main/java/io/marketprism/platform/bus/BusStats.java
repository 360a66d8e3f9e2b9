package io.marketprism.platform.bus;

import io.vertx.core.json.JsonObject;

/**
 * Publisher counters.
 *
 * @param connected whether the bus is reachable
 * @param published records handed to {@code publish}
 * @param acked records the bus confirmed
 * @param duplicates of those, records the stream already had (same identity within its de-duplication window)
 * @param retried sends repeated after a failure or a missing ack
 * @param dropped records dropped because the buffer was full
 * @param buffered records waiting now
 * @param inFlight records sent and awaiting their ack now
 * @param ackP50Micros median receive→ack time since the bus started, µs (from the record's {@code recv_ts_us};
 *     from the publish call for records published as bytes)
 * @param ackP99Micros 99th percentile of the same, µs
 * @param busP99Micros 99th percentile of publish call→ack alone (the bus and the server, without the time a
 *     record spent before it was published), µs
 */
public record BusStats(boolean connected, long published, long acked, long duplicates, long retried, long dropped, int buffered,
    int inFlight, long ackP50Micros, long ackP99Micros, long busP99Micros) {

  /** @return the JSON form */
  public JsonObject toJson() {
    return new JsonObject().put("connected", connected).put("published", published).put("acked", acked).put("duplicates", duplicates)
        .put("retried", retried).put("dropped", dropped).put("buffered", buffered).put("in_flight", inFlight)
        .put("ack_p50_us", ackP50Micros).put("ack_p99_us", ackP99Micros).put("bus_p99_us", busP99Micros);
  }
}
