package io.marketprism.storage.hot;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.marketprism.platform.http.ServerUnavailableException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * ClickHouse over its HTTP interface with the Vert.x WebClient, in the subset ClickHouse 18.16
 * and current releases share: one statement per request, SQL in the POST body (18.16 answers
 * 411 to an empty body), inserts in any format ({@code RowBinary} for records, {@code JSONEachRow}
 * for the bar log), results read as {@code JSONEachRow} with decimals kept exact. Any status but 200 (18.16 reports errors as 404 with
 * {@code Code: NN} text) fails the future with ClickHouse's message.
 */
public final class ClickHouseHttp {

  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

  private final WebClient client;
  private final String url;
  private final String host;
  private final int port;
  private final long timeoutMs;

  /**
   * @param vertx Vert.x
   * @param url e.g. {@code http://127.0.0.1:8123}
   * @param timeout per-request timeout
   */
  public ClickHouseHttp(Vertx vertx, String url, Duration timeout) {
    URI u = URI.create(url);
    this.url = url;
    this.host = u.getHost();
    this.port = u.getPort() < 0 ? 8123 : u.getPort();
    this.timeoutMs = timeout.toMillis();
    this.client = WebClient.create(vertx, new WebClientOptions().setKeepAlive(true)
        .setDecompressionSupported(false));
  }

  private ClickHouseHttp(ClickHouseHttp other, long timeoutMs) {
    this.client = other.client;
    this.url = other.url;
    this.host = other.host;
    this.port = other.port;
    this.timeoutMs = timeoutMs;
  }

  /**
   * @param timeout the per-request timeout of the view
   * @return the same client (connections shared) with another timeout, e.g. a shorter one for
   *     user queries than for writes
   */
  public ClickHouseHttp withTimeout(Duration timeout) {
    return new ClickHouseHttp(this, timeout.toMillis());
  }

  /**
   * @param sql one statement
   * @return the response body
   */
  public Future<String> execute(String sql) {
    return execute(sql, timeoutMs);
  }

  /**
   * @param sql one statement
   * @param timeoutMs how long to wait for the answer
   * @return the response body
   */
  public Future<String> execute(String sql, long timeoutMs) {
    return client.post(port, host, "/").timeout(timeoutMs).sendBuffer(Buffer.buffer(sql)).compose(ClickHouseHttp::body,
        this::named);
  }

  /** A connection refused or a timeout says it was ClickHouse's, and where (for logs, health and 503s). */
  private <T> Future<T> named(Throwable err) {
    return Future.failedFuture(ServerUnavailableException.naming("ClickHouse at " + url, err));
  }

  /**
   * @param insert {@code INSERT INTO db.table FORMAT ...}
   * @param rows the rows in that format
   * @return completes when ClickHouse has committed the rows
   */
  public Future<Void> insert(String insert, Buffer rows) {
    return client.post(port, host, "/").addQueryParam("query", insert).timeout(timeoutMs).sendBuffer(rows)
        .compose(ClickHouseHttp::body, this::named).mapEmpty();
  }

  /**
   * @param sql a SELECT without a FORMAT clause
   * @return its rows, column name to value (decimals as {@link java.math.BigDecimal}, 64-bit integers as text)
   */
  public Future<List<Map<String, Object>>> select(String sql) {
    return execute(sql + " FORMAT JSONEachRow").map(text -> {
      List<Map<String, Object>> rows = new ArrayList<>();
      for (String line : text.split("\n")) {
        if (!line.isEmpty()) {
          try {
            @SuppressWarnings("unchecked")
            Map<String, Object> row = JSON.readValue(line, Map.class);
            rows.add(row);
          } catch (IOException e) {
            throw new IllegalStateException("unreadable ClickHouse row: " + e.getMessage(), e);
          }
        }
      }
      return rows;
    });
  }

  /**
   * @param sql a query returning one number
   * @return the number
   */
  public Future<Long> scalar(String sql) {
    return execute(sql + " FORMAT TSV").map(t -> Long.parseLong(t.trim()));
  }

  private static Future<String> body(HttpResponse<Buffer> r) {
    String text = r.bodyAsString() == null ? "" : r.bodyAsString();
    if (r.statusCode() != 200) {
      String msg = text.length() > 500 ? text.substring(0, 500) : text;
      return Future.failedFuture(new IllegalStateException("ClickHouse HTTP " + r.statusCode() + ": " + msg.trim()));
    }
    return Future.succeededFuture(text);
  }

  /** Closes the client. */
  public void close() {
    client.close();
  }
}
