package io.marketprism.storage;

import io.vertx.core.json.JsonObject;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Embedded mode: event bus → DuckDB → query API, Parquet cold tier. */
class EmbeddedStorageTest extends StorageApiTest {

  @Override
  JsonObject stores(Path dir) {
    return new JsonObject()
        .put("hot", new JsonObject().put("type", "duckdb").put("path", dir.resolve("hot.duckdb").toString()))
        .put("cold", new JsonObject().put("path", dir.resolve("cold").toString()));
  }

  @Override
  void assertFirstDayIsCold(Path dir) {
    assertThat(Files.isRegularFile(dir.resolve("cold/trade/date=2024-01-01/part.parquet"))).isTrue();
  }
}
