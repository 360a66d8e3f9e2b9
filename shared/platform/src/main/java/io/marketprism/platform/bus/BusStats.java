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
 * @param dropped records dropped because the buffer was full (its record or byte bound)
 * @param buffered records waiting now
 * @param inFlight records sent and awaiting their ack now
 * @param pendingBytes JSON bytes of the records buffered and in flight now (what {@code bus.publish.buffer_max_bytes}
 *     bounds)
 * @param sinceStart receive→ack latency since the bus started
 * @param lastMinute the same over the last minute (50 to 60 s): the present state of a bus that ran for long
 */
public record BusStats(boolean connected, long published, long acked, long duplicates, long retried, long dropped, int buffered,
    int inFlight, long pendingBytes, Latency sinceStart, Latency lastMinute) {

  /**
   * Latency percentiles of acknowledged records, µs.
   *
   * @param ackP50Micros median receive→ack time (from the record's {@code recv_ts_us}; from the publish call for
   *     records published as bytes)
   * @param ackP99Micros 99th percentile of the same
   * @param busP99Micros 99th percentile of publish call→ack alone (the bus and the server, without the time a
   *     record spent before it was published)
   * @param publishP99Micros 99th percentile of receive→publish call (the time a record spent in the service that
   *     received it before it reached the bus)
   */
  public record Latency(long ackP50Micros, long ackP99Micros, long busP99Micros, long publishP99Micros) {

    /** No latency measured. */
    public static final Latency NONE = new Latency(0, 0, 0, 0);

    JsonObject into(JsonObject json) {
      return json.put("ack_p50_us", ackP50Micros).put("ack_p99_us", ackP99Micros).put("bus_p99_us", busP99Micros)
          .put("publish_p99_us", publishP99Micros);
    }
  }

  /** @return the JSON form: counters, the latencies since start, and {@code last_minute} */
  public JsonObject toJson() {
    return sinceStart.into(new JsonObject().put("connected", connected).put("published", published).put("acked", acked)
        .put("duplicates", duplicates).put("retried", retried).put("dropped", dropped).put("buffered", buffered)
        .put("in_flight", inFlight).put("pending_bytes", pendingBytes)).put("last_minute", lastMinute.into(new JsonObject()));
  }
}
