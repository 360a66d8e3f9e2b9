package io.marketprism.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.marketprism.platform.config.ConfigException;
import io.marketprism.platform.config.ConfigLoader;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The ClickHouse login: {@code default} without a password unless configured, and the password never
 * shown; ClickHouse's buffers only where what they hold is read again from the stream after a restart.
 */
class StorageOptionsTest {

  @Test
  void theClickHouseLoginIsDefaultWithoutAPasswordUnlessConfiguredAndThePasswordIsNeverPrinted() {
    StorageOptions none = StorageOptions.from(new JsonObject());
    assertThat(none.clickHouseUser()).isEqualTo("default");
    assertThat(none.clickHousePassword()).isEmpty();
    StorageOptions set = StorageOptions.from(ConfigLoader.load(null, Map.of("MP_STORAGE_HOT_USER", "writer",
        "MP_STORAGE_HOT_PASSWORD", "pa55-word")));
    assertThat(set.clickHouseUser()).isEqualTo("writer");
    assertThat(set.clickHousePassword()).isEqualTo("pa55-word");
    assertThat(set.toString()).contains("writer").doesNotContain("pa55-word");
  }

  @Test
  void aUserThatBasicAuthenticationCannotCarryIsRefusedNamingTheKey() {
    for (String user : new String[] {"", "a:b"}) {
      JsonObject config = new JsonObject().put("storage", new JsonObject().put("hot", new JsonObject().put("user", user)));
      assertThatThrownBy(() -> StorageOptions.from(config)).isInstanceOf(ConfigException.class)
          .hasMessageStartingWith("config storage.hot.user: ");
    }
  }

  @Test
  void clickHouseBuffersByDefaultOnlyWithNatsAndAReplayThatCoversThem() {
    assertThat(StorageOptions.from(new JsonObject()).hotBuffer()).as("embedded mode").isZero();
    assertThat(StorageOptions.from(server(new JsonObject())).hotBuffer()).hasSeconds(StorageOptions.DEFAULT_BUFFER_SECONDS);
    assertThat(StorageOptions.from(server(new JsonObject().put("replay_after_restart_ms", 0))).hotBuffer())
        .as("nothing would read a lost buffer again").isZero();
    JsonObject eventBus = new JsonObject().put("storage", new JsonObject().put("hot", new JsonObject().put("type", "clickhouse")));
    assertThat(StorageOptions.from(eventBus).hotBuffer()).as("the event bus keeps no records").isZero();
    assertThat(StorageOptions.from(server(new JsonObject().put("buffer_seconds", 0))).hotBuffer()).isZero();
    assertThat(StorageOptions.from(server(new JsonObject().put("buffer_seconds", 90))).hotBuffer()).hasSeconds(90);

    assertThatThrownBy(() -> StorageOptions.from(server(new JsonObject().put("buffer_seconds", 100))))
        .isInstanceOf(ConfigException.class).hasMessageStartingWith("config storage.hot.buffer_seconds: ")
        .hasMessageContaining("of at least 130000");
    eventBus.getJsonObject("storage").getJsonObject("hot").put("buffer_seconds", 10);
    assertThatThrownBy(() -> StorageOptions.from(eventBus)).isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("config storage.hot.buffer_seconds: ").hasMessageContaining("needs bus.type nats");
  }

  private static JsonObject server(JsonObject hot) {
    return new JsonObject().put("mode", "server").put("storage", new JsonObject().put("hot", hot));
  }
}
