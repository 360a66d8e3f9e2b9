package io.marketprism.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.marketprism.platform.bus.BusOptions;
import io.marketprism.platform.config.ConfigException;
import io.marketprism.platform.config.ConfigLoader;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code mode} chooses the bus, hot store and cache by default; each {@code type} key still chooses alone. */
class ModeTest {

  @Test
  void serverModeMeansNatsClickHouseAndRedisUnlessATypeSaysOtherwise() {
    assertTypes(Map.of(), "eventbus", "duckdb", "memory");
    assertTypes(Map.of("MP_MODE", "server"), "nats", "clickhouse", "redis");
    assertTypes(Map.of("MP_MODE", "server", "MP_CACHE_TYPE", "memory"), "nats", "clickhouse", "memory");
    assertTypes(Map.of("MP_BUS_TYPE", "nats"), "nats", "duckdb", "memory");
    JsonObject bad = ConfigLoader.load(null, Map.of("MP_MODE", "cluster"));
    assertThatThrownBy(() -> BusOptions.from(bad)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("mode").hasMessageContaining("embedded, server");
  }

  @Test
  void theSchedulersArchiveJobOwnsArchivingAndTheStorageTimerIsOff() {
    // the files themselves (this module's tests have no built-in defaults); cluster.yaml is merged over the first
    JsonObject embedded = ConfigLoader.load(Path.of("../../conf/marketprism.yaml"), Map.of());
    JsonObject cluster = ConfigLoader.load(Path.of("../../conf/cluster.yaml"), Map.of());
    assertThat(StorageOptions.from(embedded).archiveInterval()).isZero();
    assertThat(StorageOptions.from(cluster).archiveInterval()).isZero();
    JsonObject job = embedded.getJsonObject("scheduler").getJsonObject("jobs").getJsonObject("archive");
    assertThat(job.getString("service")).isEqualTo("storage");
    assertThat(job.getString("path")).isEqualTo("/api/v1/storage/archive");
    assertThat(job.getBoolean("enabled", true)).isTrue();
    assertThat(cluster.getJsonObject("scheduler")).as("cluster.yaml keeps the job").isNull();
  }

  private static void assertTypes(Map<String, String> env, String bus, String hot, String cache) {
    JsonObject config = ConfigLoader.load(null, env);
    assertThat(BusOptions.from(config).type()).as(env.toString()).isEqualTo(bus);
    StorageOptions s = StorageOptions.from(config);
    assertThat(s.hotType()).as(env.toString()).isEqualTo(hot);
    assertThat(s.cacheType()).as(env.toString()).isEqualTo(cache);
  }
}
