package io.marketprism.storage.hot;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import io.marketprism.platform.http.ServerUnavailableException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * ClickHouse over its HTTP interface with the Vert.x WebClient, in the subset ClickHouse 18.16
 * and current releases share: one statement per request, SQL in the POST body (18.16 answers
 * 411 to an empty body), inserts in any format ({@code RowBinary} for records, {@code JSONEachRow}
 * for the bar log), results read as {@code JSONEachRow} with decimals kept exact. Any status but 200 (18.16 reports errors as 404 with
 * {@code Code: NN} text) fails the future with ClickHouse's message.
 *
 * <p>Every request carries the user and password as HTTP basic authentication, which 18.16 and
 * current releases both take (and, unlike the {@code password} query parameter, no access log
 * records). A refused login (HTTP 401; in 18.16 with code 192 unknown user, 193 wrong password, 194
 * password required or 195 address not allowed, in current releases 516 authentication failed) fails
 * as a {@link ServerUnavailableException} naming ClickHouse, the user and the keys to fix: the
 * storage is then as unavailable as with ClickHouse down, and says why in its health and its 503s.
 */
public final class ClickHouseHttp {

  private static final ObjectReader ROWS = new ObjectMapper()
      .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS).readerFor(Map.class);

  /** ClickHouse's user when none is configured; its password is empty. */
  public static final String DEFAULT_USER = "default";
  /** ClickHouse's codes for a login it refused, the {@code Code: NN} its answer starts with. */
  private static final Pattern LOGIN_REFUSED = Pattern.compile("^\\s*Code: (192|193|194|195|516)\\b");
  /** What ClickHouse says after {@code DB::Exception: } up to the stack or version it appends. */
  private static final Pattern EXCEPTION_TEXT = Pattern.compile("DB::Exception: (.*?)(?:, e\\.what\\(\\)| \\(version|$)",
      Pattern.DOTALL);

  private final Vertx vertx;
  private final WebClient client;
  private final String url;
  private final String user;
  /** The {@code Authorization} header's value: the password is in it and nowhere else. */
  private final String authorization;
  private final String host;
  private final int port;
  private final long timeoutMs;

  /**
   * As user {@value #DEFAULT_USER} with an empty password (a server with no users configured).
   *
   * @param vertx Vert.x
   * @param url e.g. {@code http://127.0.0.1:8123}
   * @param timeout per-request timeout
   */
  public ClickHouseHttp(Vertx vertx, String url, Duration timeout) {
    this(vertx, url, DEFAULT_USER, "", timeout);
  }

  /**
   * @param vertx Vert.x
   * @param url e.g. {@code http://127.0.0.1:8123}
   * @param user the ClickHouse user
   * @param password its password (empty for none); never logged
   * @param timeout per-request timeout
   */
  public ClickHouseHttp(Vertx vertx, String url, String user, String password, Duration timeout) {
    URI u = URI.create(url);
    this.url = url;
    this.user = user;
    this.authorization = "Basic " + Base64.getEncoder().encodeToString((user + ":" + password)
        .getBytes(StandardCharsets.UTF_8));
    this.host = u.getHost();
    this.port = u.getPort() < 0 ? 8123 : u.getPort();
    this.timeoutMs = timeout.toMillis();
    this.vertx = vertx;
    this.client = WebClient.create(vertx, new WebClientOptions().setKeepAlive(true)
        .setDecompressionSupported(false));
  }

  private ClickHouseHttp(ClickHouseHttp other, long timeoutMs) {
    this.vertx = other.vertx;
    this.client = other.client;
    this.url = other.url;
    this.user = other.user;
    this.authorization = other.authorization;
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
    return post(timeoutMs).sendBuffer(Buffer.buffer(sql)).compose(this::body, this::named);
  }

  /**
   * Runs a statement under a query id of the caller's: ClickHouse refuses it (code 216) while a
   * statement with that id is still running there, e.g. one whose answer this client stopped
   * waiting for, which ClickHouse goes on executing.
   *
   * @param queryId the id, the same for statements that must not run at once
   * @param sql one statement
   * @return the response body
   */
  public Future<String> executeAlone(String queryId, String sql) {
    return post(timeoutMs).addQueryParam("query_id", queryId).sendBuffer(Buffer.buffer(sql))
        .compose(this::body, this::named);
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
    return post(timeoutMs).addQueryParam("query", insert).sendBuffer(rows).compose(this::body, this::named)
        .mapEmpty();
  }

  /**
   * @param sql a SELECT without a FORMAT clause
   * @return its rows, column name to value (decimals as {@link java.math.BigDecimal}, 64-bit integers as text)
   */
  public Future<List<Map<String, Object>>> select(String sql) {
    return select(sql, rows -> rows);
  }

  /**
   * A SELECT whose rows are read, and turned into the caller's answer, on a worker thread: a page
   * of thousands of book rows takes a second or more to decode, which would stall every other
   * request and the ingest on the event loop.
   *
   * @param sql a SELECT without a FORMAT clause
   * @param decode what to make of its rows (as {@link #select(String)} gives them), run on a worker
   * @param <T> the answer's type
   * @return the answer, completed on the caller's context
   */
  public <T> Future<T> select(String sql, Function<List<Map<String, Object>>, T> decode) {
    return post(timeoutMs).sendBuffer(Buffer.buffer(sql + " FORMAT JSONEachRow")).compose(this::ok, this::named)
        .compose(body -> vertx.executeBlocking(() -> decode.apply(rows(body)), false));
  }

  private static List<Map<String, Object>> rows(Buffer body) {
    List<Map<String, Object>> rows = new ArrayList<>();
    try (MappingIterator<Map<String, Object>> it = ROWS.readValues(body.getBytes())) {
      while (it.hasNextValue()) {
        rows.add(it.nextValue());
      }
    } catch (IOException | RuntimeException e) {
      throw new IllegalStateException("unreadable ClickHouse row: " + e.getMessage(), e);
    }
    return rows;
  }

  /**
   * @param sql a query returning one number
   * @return the number
   */
  public Future<Long> scalar(String sql) {
    return execute(sql + " FORMAT TSV").map(t -> Long.parseLong(t.trim()));
  }

  private HttpRequest<Buffer> post(long timeoutMs) {
    return client.post(port, host, "/").putHeader(HttpHeaders.AUTHORIZATION.toString(), authorization)
        .timeout(timeoutMs);
  }

  private Future<String> body(HttpResponse<Buffer> r) {
    return ok(r).map(Buffer::toString);
  }

  /** @return the body of an answer of 200, else the failure ClickHouse's answer says */
  private Future<Buffer> ok(HttpResponse<Buffer> r) {
    Buffer body = r.body() == null ? Buffer.buffer() : r.body();
    if (r.statusCode() == 200 && !startsWithCode(body)) {
      return Future.succeededFuture(body);
    }
    String text = body.toString();
    if (r.statusCode() == 401 || LOGIN_REFUSED.matcher(text).find()) {
      Matcher said = EXCEPTION_TEXT.matcher(text);
      String reason = said.find() ? said.group(1).trim() : "HTTP " + r.statusCode();
      return Future.failedFuture(new ServerUnavailableException("ClickHouse at " + url, new IllegalStateException(
          "refused user '" + user + "': wrong password or unknown user (" + reason
              + "); check storage.hot.user / storage.hot.password")));
    }
    if (r.statusCode() != 200) {
      String msg = text.length() > 500 ? text.substring(0, 500) : text;
      return Future.failedFuture(new IllegalStateException("ClickHouse HTTP " + r.statusCode() + ": " + msg.trim()));
    }
    return Future.succeededFuture(body);
  }

  /** Whether a body starts like ClickHouse's refusals ({@code Code: NN}), without decoding all of it. */
  private static boolean startsWithCode(Buffer body) {
    int n = Math.min(body.length(), 64);
    return LOGIN_REFUSED.matcher(body.getString(0, n, "UTF-8")).find();
  }

  /** Closes the client. */
  public void close() {
    client.close();
  }
}
