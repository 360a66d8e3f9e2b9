package io.marketprism.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * A private {@code redis-server} for one test: loopback only, a free port, no persistence, its
 * working directory a fresh temporary one. It never touches the machine's shared Redis.
 *
 * <pre>{@code
 * try (RedisServer redis = RedisServer.start()) {
 *   config.put("url", redis.url());
 *   ...
 *   redis.kill();   // Redis crashes mid-test
 * }
 * }</pre>
 */
public final class RedisServer extends ExternalServer {

  /** Where Debian installs it; {@code redis-server} on the PATH is used when it is not there. */
  private static final String BINARY = "/usr/bin/redis-server";

  private RedisServer() {
    super("redis-server");
  }

  /** Starts a server and returns once it answers {@code PING}. */
  public static RedisServer start() {
    return launched(new RedisServer());
  }

  /** The connection string for clients, e.g. {@code redis://127.0.0.1:34567}. */
  public String url() {
    return "redis://127.0.0.1:" + port();
  }

  @Override
  protected List<String> command(int port, Path dir) {
    String binary = binary(BINARY, "redis-server");
    return List.of(binary, "--bind", "127.0.0.1", "--port", String.valueOf(port), "--save", "",
        "--appendonly", "no", "--daemonize", "no", "--dir", dir.toString());
  }

  @Override
  protected boolean answers(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
      socket.setSoTimeout(500);
      OutputStream out = socket.getOutputStream();
      out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      byte[] reply = new byte[7];
      int n = in.readNBytes(reply, 0, reply.length);
      return new String(reply, 0, n, StandardCharsets.US_ASCII).startsWith("+PONG");
    } catch (IOException e) {
      return false;
    }
  }
}
