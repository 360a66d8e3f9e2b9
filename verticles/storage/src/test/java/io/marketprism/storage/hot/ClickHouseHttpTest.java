package io.marketprism.storage.hot;

import static org.assertj.core.api.Assertions.assertThat;

import io.marketprism.platform.http.Http;
import io.marketprism.platform.http.ServerUnavailableException;
import io.marketprism.testkit.FreePorts;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A ClickHouse that cannot be reached is named in the failure (logs, health, the 503's message). */
class ClickHouseHttpTest {

  @Test
  void aRefusedConnectionNamesClickHouseAndItsUrl() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      String url = "http://127.0.0.1:" + FreePorts.next();
      ClickHouseHttp http = new ClickHouseHttp(vertx, url, Duration.ofSeconds(5));
      for (Future<?> f : List.of(http.execute("SELECT 1"), http.insert("INSERT INTO t FORMAT RowBinary",
          Buffer.buffer()))) {
        Throwable err = f.transform(ar -> Future.succeededFuture(ar.cause())).await(10, TimeUnit.SECONDS);
        assertThat(err).isInstanceOf(ServerUnavailableException.class).hasMessageStartingWith("ClickHouse at " + url);
        assertThat(Http.unreachable(err)).startsWith("ClickHouse at " + url).contains("refused");
      }
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }
}
