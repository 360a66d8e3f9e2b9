package io.marketprism.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A private {@code clickhouse-server} for one test (the Debian 18.16 build or a current one):
 * HTTP and native ports on loopback, free, its data under a fresh temporary directory that
 * survives {@link #stop}, {@link #kill} and {@link #restart}, configured by a generated
 * {@code config.xml} and {@code users.xml} there (user {@code default}, no password, and user
 * {@value #PASSWORD_USER} with password {@value #PASSWORD}; time zone UTC). It is ready when
 * {@code SELECT 1} answers over HTTP.
 *
 * <p>With the environment variable {@value #CHDB_ENV} set to a directory where {@code npm install
 * chdb} ran, it is instead the current ClickHouse engine: chDB behind {@code chdb-http.js}, which
 * answers the HTTP interface in the subset {@code ClickHouseHttp} uses (no native port, no users: it
 * takes any login, so tests of a refused one run on clickhouse-server alone). The
 * ClickHouse tests run on both, so the store's SQL is shown to work on 18.16 and on a current release.
 *
 * <pre>{@code
 * try (ClickHouseServer ch = ClickHouseServer.start()) {
 *   config.put("url", ch.httpUrl());
 *   ch.stop(); ...; ch.restart();
 * }
 * }</pre>
 */
public final class ClickHouseServer extends ExternalServer {

  /** Where Debian installs it; {@code clickhouse-server} on the PATH is used when it is not there. */
  private static final String BINARY = "/usr/sbin/clickhouse-server";
  /** The environment variable naming the directory with {@code node_modules/chdb}: use chDB instead. */
  public static final String CHDB_ENV = "MP_TEST_CHDB";
  /** A user that needs a password, for tests of configured credentials. */
  public static final String PASSWORD_USER = "marketprism";
  /** {@link #PASSWORD_USER}'s password. */
  public static final String PASSWORD = "s3cret-Test";

  private int tcpPort;
  private final List<String> launcher;

  private ClickHouseServer(List<String> launcher) {
    super("clickhouse-server");
    this.launcher = List.copyOf(launcher);
  }

  /** Starts a server and returns once {@code SELECT 1} answers over HTTP. */
  public static ClickHouseServer start() {
    return start(List.of());
  }

  /**
   * Starts a server under a launcher command (its CPU priority for a benchmark: {@code nice -n 19},
   * {@code chrt --idle 0}) and returns once {@code SELECT 1} answers over HTTP.
   *
   * @param launcher the command and arguments before the server's own; empty for none
   */
  public static ClickHouseServer start(List<String> launcher) {
    return launched(new ClickHouseServer(launcher));
  }

  /** The HTTP interface, e.g. {@code http://127.0.0.1:34567}. */
  public String httpUrl() {
    return "http://127.0.0.1:" + port();
  }

  /** The native protocol port (for {@code clickhouse-client --port}). */
  public int tcpPort() {
    return tcpPort;
  }

  @Override
  protected Duration startTimeout() {
    return Duration.ofSeconds(30);
  }

  /** @return the directory with {@code node_modules/chdb} when the tests run on chDB, else null */
  public static String chdb() {
    String dir = System.getenv(CHDB_ENV);
    return dir == null || dir.isBlank() ? null : dir;
  }

  @Override
  protected List<String> command(int port, Path dir) throws IOException {
    if (chdb() != null) {
      Path shim = dir.resolve("chdb-http.js");
      try (InputStream in = ClickHouseServer.class.getResourceAsStream("chdb-http.js")) {
        Files.write(shim, in.readAllBytes());
      }
      return List.of("node", shim.toString(), String.valueOf(port), dir.resolve("data").toString(), chdb());
    }
    if (tcpPort == 0) {
      tcpPort = FreePorts.next();
    }
    for (String sub : List.of("data", "tmp", "user_files", "format_schemas", "logs")) {
      Files.createDirectories(dir.resolve(sub));
    }
    Files.writeString(dir.resolve("users.xml"), USERS, StandardCharsets.UTF_8);
    Files.writeString(dir.resolve("config.xml"), config(port, tcpPort, dir), StandardCharsets.UTF_8);
    List<String> cmd = new ArrayList<>(launcher);
    cmd.add(binary(BINARY, "clickhouse-server"));
    cmd.add("--config-file=" + dir.resolve("config.xml"));
    return cmd;
  }

  private static String config(int httpPort, int tcpPort, Path dir) {
    String d = dir.toAbsolutePath().toString();
    return "<?xml version=\"1.0\"?>\n<yandex>\n"
        + "  <logger><level>warning</level><log>" + d + "/logs/server.log</log>"
        + "<errorlog>" + d + "/logs/error.log</errorlog><size>100M</size><count>1</count></logger>\n"
        + "  <listen_host>127.0.0.1</listen_host>\n"
        + "  <http_port>" + httpPort + "</http_port>\n"
        + "  <tcp_port>" + tcpPort + "</tcp_port>\n"
        + "  <max_connections>256</max_connections>\n"
        + "  <keep_alive_timeout>30</keep_alive_timeout>\n"
        + "  <max_concurrent_queries>64</max_concurrent_queries>\n"
        + "  <uncompressed_cache_size>268435456</uncompressed_cache_size>\n"
        + "  <mark_cache_size>268435456</mark_cache_size>\n"
        + "  <path>" + d + "/data/</path>\n"
        + "  <tmp_path>" + d + "/tmp/</tmp_path>\n"
        + "  <user_files_path>" + d + "/user_files/</user_files_path>\n"
        + "  <format_schema_path>" + d + "/format_schemas/</format_schema_path>\n"
        + "  <users_config>" + d + "/users.xml</users_config>\n"
        + "  <default_profile>default</default_profile>\n"
        + "  <default_database>default</default_database>\n"
        + "  <timezone>UTC</timezone>\n"
        + "  <mlock_executable>false</mlock_executable>\n"
        + COMPRESSION
        + "</yandex>\n";
  }

  /**
   * zstd for every part instead of LZ4: the same as {@code docker/clickhouse/compression.xml}, which
   * the README asks ClickHouse users to install (server config, so it works on 18.16, which has no
   * column codecs, and on current releases alike).
   */
  static final String COMPRESSION = "  <compression><case><min_part_size>0</min_part_size>"
      + "<min_part_size_ratio>0</min_part_size_ratio><method>zstd</method></case></compression>\n";

  private static final String USERS = "<?xml version=\"1.0\"?>\n<yandex>\n"
      + "  <profiles><default><max_memory_usage>4000000000</max_memory_usage>"
      + "<load_balancing>random</load_balancing></default></profiles>\n"
      + "  <users><default><password></password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks>"
      + "<profile>default</profile><quota>default</quota></default>"
      + "<" + PASSWORD_USER + "><password>" + PASSWORD + "</password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks>"
      + "<profile>default</profile><quota>default</quota></" + PASSWORD_USER + "></users>\n"
      + "  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors>"
      + "<result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time>"
      + "</interval></default></quotas>\n"
      + "</yandex>\n";

  @Override
  protected boolean answers(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
      socket.setSoTimeout(1000);
      OutputStream out = socket.getOutputStream();
      out.write(("GET /?query=SELECT%201 HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      String reply = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
      return reply.startsWith("HTTP/1.") && reply.contains(" 200 ") && reply.endsWith("1\n");
    } catch (IOException e) {
      return false;
    }
  }
}
