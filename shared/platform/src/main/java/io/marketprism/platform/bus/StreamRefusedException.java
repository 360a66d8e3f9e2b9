package io.marketprism.platform.bus;

import io.nats.client.JetStreamApiException;
import io.nats.client.api.StreamConfiguration;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * NATS refused to create or update a stream of {@code bus.streams}. NATS's own words
 * ("stream configuration update can not change storage type [10052]") name neither the stream nor
 * the setting's value in the config and on the server, nor what the operator can do: this message
 * says all of them, since a refused update fails the broker's start.
 */
public final class StreamRefusedException extends Exception {

  /**
   * @param spec the configured stream
   * @param existing the stream's configuration on the server, or null when NATS refused to create it
   * @param cause NATS's refusal
   */
  StreamRefusedException(BusOptions.StreamSpec spec, StreamConfiguration existing, JetStreamApiException cause) {
    super(describe(spec, existing, cause), cause);
  }

  private static String describe(BusOptions.StreamSpec spec, StreamConfiguration existing, JetStreamApiException e) {
    String refusal = e.getErrorDescription() + " [" + e.getApiErrorCode() + "]";
    if (existing == null) {
      return "NATS refused to create stream " + spec.name() + " as bus.streams configures it (" + spec.toJson().encode()
          + "): " + refusal;
    }
    List<String> changes = new ArrayList<>();
    change(changes, "subjects", existing.getSubjects(), spec.subjects());
    change(changes, "storage", existing.getStorageType().toString().toLowerCase(Locale.ROOT),
        spec.fileStorage() ? "file" : "memory");
    change(changes, "max_age_hours", hours(existing.getMaxAge()), hours(spec.maxAge()));
    change(changes, "max_bytes", existing.getMaxBytes(), spec.maxBytes());
    change(changes, "duplicate_window_s", seconds(existing.getDuplicateWindow()), seconds(spec.duplicateWindow()));
    change(changes, "replicas", existing.getReplicas(), spec.replicas());
    return "NATS refused to update stream " + spec.name() + " to bus.streams"
        + (changes.isEmpty() ? "" : " (" + String.join(", ", changes) + ")") + ": " + refusal
        + ". Keep the stream's setting in the config, or remove the stream (nats stream rm " + spec.name()
        + ", which deletes the messages it holds) for the broker to create it anew";
  }

  private static void change(List<String> changes, String key, Object onServer, Object configured) {
    if (!String.valueOf(onServer).equals(String.valueOf(configured))) {
      changes.add(key + " " + onServer + " on the server, " + configured + " in the config");
    }
  }

  private static Object hours(Duration d) {
    return d == null ? null : d.toMinutes() % 60 == 0 ? d.toHours() : d.toMinutes() / 60.0;
  }

  private static Object seconds(Duration d) {
    return d == null ? null : d.toSeconds();
  }
}
