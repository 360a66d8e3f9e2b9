package io.marketprism.platform.bus;

import io.marketprism.platform.config.ConfigException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BusOptionsTest {

  private static JsonObject withStream(JsonObject stream) {
    return new JsonObject().put("bus", new JsonObject().put("streams", new JsonArray().add(stream)));
  }

  @Test
  void aStreamEntryIsReadWithItsKeys() {
    BusOptions o = BusOptions.from(withStream(new JsonObject().put("name", "MARKET_DATA").put("max_age_hours", 24)));
    assertThat(o.streams()).hasSize(1);
    assertThat(o.streams().get(0).maxAge()).isEqualTo(Duration.ofHours(24));
  }

  @Test
  void aStreamKeyItDoesNotTakeIsRefused() {
    // a misspelt key was read as absent: the stream kept its 7 days instead of the 24 hours meant
    assertThatThrownBy(() -> BusOptions.from(withStream(new JsonObject().put("name", "MARKET_DATA").put("max_age_hour", 24))))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("config bus.streams[0].max_age_hour: ")
        .hasMessageContaining("duplicate_window_s, max_age_hours, max_bytes");
  }

  @Test
  void aDuplicateWindowLongerThanTheMaxAgeIsRefusedWhenTheConfigIsRead() {
    // NATS refuses such a stream, and only when the broker starts, in its own words
    assertThatThrownBy(() -> BusOptions.from(withStream(new JsonObject().put("name", "MARKET_DATA")
        .put("max_age_hours", 1).put("duplicate_window_s", 7200))))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("config bus.streams[0].duplicate_window_s: ")
        .hasMessageContaining("max_age_hours (1 h)");
    // unlimited age (0) takes any window
    assertThat(BusOptions.from(withStream(new JsonObject().put("name", "MARKET_DATA").put("max_age_hours", 0)
        .put("duplicate_window_s", 7200))).streams().get(0).duplicateWindow()).isEqualTo(Duration.ofHours(2));
  }

  private static JsonObject withEventBus(Object maxPendingBytes) {
    return new JsonObject().put("bus", new JsonObject().put("eventbus",
        new JsonObject().put("max_pending_bytes", maxPendingBytes)));
  }

  @Test
  void theEmbeddedQueueIsBoundedInBytesByDefaultAndAsConfigured() {
    assertThat(BusOptions.from(new JsonObject()).eventBusMaxPendingBytes()).isEqualTo(256L << 20);
    assertThat(BusOptions.from(withEventBus(64L << 20)).eventBusMaxPendingBytes()).isEqualTo(64L << 20);
  }

  @Test
  void anEmbeddedByteBoundOutOfRangeOrNotANumberStopsTheStart() {
    assertThatThrownBy(() -> BusOptions.from(withEventBus(1000)))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("config bus.eventbus.max_pending_bytes: must be from 1048576");
    assertThatThrownBy(() -> BusOptions.from(withEventBus("256MB")))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("config bus.eventbus.max_pending_bytes: must be an integer");
  }

  private static JsonObject withPublish(Object bufferMaxBytes) {
    return new JsonObject().put("bus", new JsonObject().put("publish",
        new JsonObject().put("buffer_max_bytes", bufferMaxBytes)));
  }

  @Test
  void thePublishBufferIsBoundedInBytesByDefaultAndAsConfigured() {
    assertThat(BusOptions.from(new JsonObject()).bufferMaxBytes()).isEqualTo(256L << 20);
    assertThat(BusOptions.from(withPublish(64L << 20)).bufferMaxBytes()).isEqualTo(64L << 20);
  }

  @Test
  void aPublishByteBoundOutOfRangeOrNotANumberStopsTheStart() {
    assertThatThrownBy(() -> BusOptions.from(withPublish(1000)))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("config bus.publish.buffer_max_bytes: must be from 1048576");
    assertThatThrownBy(() -> BusOptions.from(withPublish(2L << 40)))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("config bus.publish.buffer_max_bytes: must be from 1048576");
    assertThatThrownBy(() -> BusOptions.from(withPublish("256MB")))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("config bus.publish.buffer_max_bytes: must be an integer");
  }

  @Test
  void anEmbeddedLiveSubscriptionIsBoundedInBytesAsOnNats() {
    BusOptions defaults = BusOptions.from(new JsonObject());
    assertThat(defaults.eventBusLiveMaxPendingBytes()).isEqualTo(64L << 20).isEqualTo(defaults.liveMaxPendingBytes());
    JsonObject configured = new JsonObject().put("bus", new JsonObject().put("eventbus",
        new JsonObject().put("live_max_pending_bytes", 2L << 20)));
    assertThat(BusOptions.from(configured).eventBusLiveMaxPendingBytes()).isEqualTo(2L << 20);
    JsonObject tooSmall = new JsonObject().put("bus", new JsonObject().put("eventbus",
        new JsonObject().put("live_max_pending_bytes", 1000)));
    assertThatThrownBy(() -> BusOptions.from(tooSmall))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("config bus.eventbus.live_max_pending_bytes: must be from 1048576");
  }
}
