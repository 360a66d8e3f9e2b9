package io.marketprism.testkit;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

class ClickHouseServerTest {

  private static String query(ClickHouseServer ch, String sql) throws IOException, InterruptedException {
    HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(ch.httpUrl() + "/"))
        .POST(HttpRequest.BodyPublishers.ofString(sql)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return r.body();
  }

  @Test
  void answersSqlOverHttpAndKeepsDataAcrossAKill() throws Exception {
    try (ClickHouseServer ch = ClickHouseServer.start()) {
      assertThat(ch.port()).isNotEqualTo(8123);
      query(ch, "CREATE TABLE t (x UInt64) ENGINE = MergeTree ORDER BY x");
      query(ch, "INSERT INTO t VALUES (1), (2)");
      ch.kill();
      assertThat(ch.isRunning()).isFalse();
      ch.restart();
      assertThat(query(ch, "SELECT count() FROM t")).isEqualTo("2\n");
    }
  }
}
