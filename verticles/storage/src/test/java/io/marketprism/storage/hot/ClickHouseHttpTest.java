package io.marketprism.storage.hot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.marketprism.platform.http.Http;
import io.marketprism.platform.http.ServerUnavailableException;
import io.marketprism.testkit.ClickHouseServer;
import io.marketprism.testkit.FreePorts;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A ClickHouse that cannot be reached, or that refuses the configured login, is named in the
 * failure (logs, health, the 503's message); a configured user and password are what it runs as.
 */
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

  @Test
  void rowsAreDecodedOnAWorkerAndTheAnswerCompletesOnTheCallersEventLoop() throws Exception {
    Vertx vertx = Vertx.vertx();
    try (ClickHouseServer ch = ClickHouseServer.start()) {
      ClickHouseHttp http = new ClickHouseHttp(vertx, ch.httpUrl(), Duration.ofSeconds(10));
      Context caller = vertx.getOrCreateContext();
      Promise<List<Boolean>> seen = Promise.promise();
      caller.runOnContext(v -> http.select("SELECT number AS n FROM system.numbers LIMIT 3", rows -> {
        // a page of thousands of book rows decodes for a second: not on the event loop
        assertThat(rows).hasSize(3);
        return Context.isOnWorkerThread();
      }).onComplete(ar -> seen.complete(List.of(ar.succeeded() && ar.result(),
          Context.isOnEventLoopThread() && Vertx.currentContext() == caller))));
      assertThat(seen.future().await(20, TimeUnit.SECONDS)).containsExactly(true, true);
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void requestsRunAsTheConfiguredUserAndARefusedLoginNamesItAndTheKeysToFixButNotThePassword() throws Exception {
    assumeTrue(ClickHouseServer.chdb() == null, "chDB has no users: it takes any login");
    Vertx vertx = Vertx.vertx();
    try (ClickHouseServer ch = ClickHouseServer.start()) {
      ClickHouseHttp http = new ClickHouseHttp(vertx, ch.httpUrl(), ClickHouseServer.PASSWORD_USER,
          ClickHouseServer.PASSWORD, Duration.ofSeconds(10));
      // system.processes lists the query asking it, with the user it runs as
      assertThat(http.select("SELECT user FROM system.processes WHERE query LIKE '%who-am-i%'")
          .await(10, TimeUnit.SECONDS)).containsExactly(Map.of("user", ClickHouseServer.PASSWORD_USER));
      http.execute("CREATE TABLE default.t (x UInt8) ENGINE = Memory").await(10, TimeUnit.SECONDS);
      http.insert("INSERT INTO default.t FORMAT TSV", Buffer.buffer("7\n")).await(10, TimeUnit.SECONDS);
      assertThat(http.scalar("SELECT sum(x) FROM default.t").await(10, TimeUnit.SECONDS)).isEqualTo(7);

      String wrong = "not-" + ClickHouseServer.PASSWORD;
      for (ClickHouseHttp refused : List.of(
          new ClickHouseHttp(vertx, ch.httpUrl(), ClickHouseServer.PASSWORD_USER, wrong, Duration.ofSeconds(10)),
          new ClickHouseHttp(vertx, ch.httpUrl(), ClickHouseServer.PASSWORD_USER, "", Duration.ofSeconds(10)),
          new ClickHouseHttp(vertx, ch.httpUrl(), "nobody", wrong, Duration.ofSeconds(10)))) {
        for (Future<?> f : List.of(refused.execute("SELECT 1"), refused.insert("INSERT INTO default.t FORMAT TSV",
            Buffer.buffer("1\n")))) {
          Throwable err = f.transform(ar -> Future.succeededFuture(ar.cause())).await(10, TimeUnit.SECONDS);
          // a ClickHouse that refuses the storage is as unavailable to it as one that is down: 503 naming why
          assertThat(err).isInstanceOf(ServerUnavailableException.class)
              .hasMessageStartingWith("ClickHouse at " + ch.httpUrl() + ": refused user '")
              .hasMessageContaining("wrong password or unknown user")
              .hasMessageEndingWith("; check storage.hot.user / storage.hot.password")
              .hasMessageNotContaining(wrong);
        }
      }
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }
}
