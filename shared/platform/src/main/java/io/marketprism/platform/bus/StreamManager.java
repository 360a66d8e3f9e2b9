package io.marketprism.platform.bus;

import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.api.ClusterInfo;
import io.nats.client.api.ConsumerInfo;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.api.StreamInfo;
import io.nats.client.api.StreamState;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.List;

/**
 * Creates or updates JetStream streams from {@link BusOptions.StreamSpec}s and describes their
 * state. Every method blocks on NATS round trips: call it on a worker thread.
 */
public final class StreamManager {

  private static final Logger LOG = LoggerFactory.getLogger(StreamManager.class);
  /** JetStream's "stream not found" API error code. */
  private static final int STREAM_NOT_FOUND = 10059;

  private final JetStreamManagement jsm;

  /**
   * @param connection a connected NATS connection
   * @throws IOException when JetStream is not enabled on the server
   */
  public StreamManager(Connection connection) throws IOException {
    this.jsm = connection.jetStreamManagement();
  }

  /**
   * Makes each stream exist with its configured settings.
   *
   * @param specs the streams
   * @param update also update streams that exist (the broker does; other services only create missing ones)
   * @throws IOException on a connection problem
   * @throws JetStreamApiException when the server refuses to say what the stream is
   * @throws StreamRefusedException when the server refuses a configuration: its message names the
   *     stream, the settings that differ from the stream's and what to do, not only NATS's words
   */
  public void apply(List<BusOptions.StreamSpec> specs, boolean update)
      throws IOException, JetStreamApiException, StreamRefusedException {
    for (BusOptions.StreamSpec spec : specs) {
      StreamConfiguration cfg = StreamConfiguration.builder().name(spec.name()).subjects(spec.subjects())
          .storageType(spec.fileStorage() ? StorageType.File : StorageType.Memory).maxAge(spec.maxAge())
          .maxBytes(spec.maxBytes()).duplicateWindow(spec.duplicateWindow()).replicas(spec.replicas()).build();
      StreamInfo existing = info(spec.name());
      try {
        if (existing == null) {
          jsm.addStream(cfg);
          LOG.info("created stream {} on {}", spec.name(), spec.subjects());
        } else if (update) {
          jsm.updateStream(cfg);
          LOG.info("updated stream {} on {}", spec.name(), spec.subjects());
        }
      } catch (JetStreamApiException e) {
        throw new StreamRefusedException(spec, existing == null ? null : existing.getConfiguration(), e);
      }
      if (spec.replicas() > 1) {
        StreamInfo now = info(spec.name());
        int copies = now == null ? 0 : copies(now);
        if (copies < spec.replicas()) {
          LOG.warn("stream {} is configured with {} replicas (bus.streams[].replicas) but the NATS server keeps {}: "
              + "it is not part of a JetStream cluster of that size, so the stream has no redundancy it was asked for",
              spec.name(), spec.replicas(), copies);
        }
      }
    }
  }

  /**
   * @return the copies of the stream the servers keep: the leader and its replicas in a cluster; one
   *     on a server outside a cluster, which accepts a stream of several replicas and keeps one
   */
  private static int copies(StreamInfo info) {
    ClusterInfo cluster = info.getClusterInfo();
    if (cluster == null || cluster.getLeader() == null) {
      return 1;
    }
    return 1 + (cluster.getReplicas() == null ? 0 : cluster.getReplicas().size());
  }

  /** @return the stream's info, or null when there is no such stream */
  private StreamInfo info(String name) throws IOException, JetStreamApiException {
    try {
      return jsm.getStreamInfo(name);
    } catch (JetStreamApiException e) {
      if (e.getApiErrorCode() == STREAM_NOT_FOUND || e.getErrorCode() == 404) {
        return null;
      }
      throw e;
    }
  }

  /**
   * The state of the named streams and their consumers, as {@code GET /api/v1/broker/streams} shows it.
   *
   * @param names stream names
   * @return {@code [{"name","config":{..},"state":{messages,bytes,first_seq,last_seq,consumers},"consumers":[..]}]}
   * @throws IOException on a connection problem
   * @throws JetStreamApiException when the server refuses
   */
  public JsonArray describe(List<String> names) throws IOException, JetStreamApiException {
    JsonArray out = new JsonArray();
    for (String name : names) {
      StreamInfo info = info(name);
      if (info == null) {
        out.add(new JsonObject().put("name", name).put("exists", false));
        continue;
      }
      StreamConfiguration c = info.getConfiguration();
      StreamState s = info.getStreamState();
      JsonArray consumers = new JsonArray();
      for (ConsumerInfo ci : jsm.getConsumers(name)) {
        consumers.add(new JsonObject().put("name", ci.getName())
            .put("filter_subject", ci.getConsumerConfiguration().getFilterSubject())
            .put("ack_wait_ms", ci.getConsumerConfiguration().getAckWait() == null ? null
                : ci.getConsumerConfiguration().getAckWait().toMillis())
            .put("pending", ci.getNumPending()).put("ack_pending", ci.getNumAckPending())
            .put("redelivered", ci.getRedelivered()).put("waiting", ci.getNumWaiting())
            .put("delivered_stream_seq", ci.getDelivered().getStreamSequence())
            .put("ack_floor_stream_seq", ci.getAckFloor().getStreamSequence()));
      }
      out.add(new JsonObject().put("name", name).put("exists", true)
          .put("config", new JsonObject().put("subjects", c.getSubjects())
              .put("storage", c.getStorageType().toString().toLowerCase(java.util.Locale.ROOT))
              .put("max_age_ms", c.getMaxAge().toMillis()).put("max_bytes", c.getMaxBytes())
              .put("duplicate_window_ms", c.getDuplicateWindow() == null ? null : c.getDuplicateWindow().toMillis())
              .put("replicas", c.getReplicas()).put("copies_kept", copies(info)))
          .put("state", new JsonObject().put("messages", s.getMsgCount()).put("bytes", s.getByteCount())
              .put("first_seq", s.getFirstSequence()).put("last_seq", s.getLastSequence())
              .put("consumer_count", s.getConsumerCount()))
          .put("consumers", consumers));
    }
    return out;
  }
}
