package io.marketprism.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.marketprism.platform.config.ConfigException;
import io.marketprism.platform.config.ConfigLoader;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The ClickHouse login: {@code default} without a password unless configured, and the password never shown. */
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
}
