package io.marketprism.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A private {@code nats-server} with JetStream for one test: loopback only, free client and
 * monitoring ports, its JetStream store in a fresh temporary directory that survives
 * {@link #stop}, {@link #kill} and {@link #restart}, so streams and durable consumers come back
 * as they would on a real server. It never touches the machine's shared NATS on 4222.
 *
 * <pre>{@code
 * try (NatsServer nats = NatsServer.start()) {
 *   config.put("url", nats.url());
 *   nats.stop();      // the broker goes away mid-test
 *   nats.restart();   // and comes back with its streams
 * }
 * }</pre>
 */
public final class NatsServer extends ExternalServer {

  /** Where Debian installs it; {@code nats-server} on the PATH is used when it is not there. */
  private static final String BINARY = "/usr/sbin/nats-server";

  private int monitorPort;

  private NatsServer() {
    super("nats-server");
  }

  /** Starts a server and returns once it greets a client with {@code INFO}. */
  public static NatsServer start() {
    return launched(new NatsServer());
  }

  /** The connection URL for clients, e.g. {@code nats://127.0.0.1:34567}. */
  public String url() {
    return "nats://127.0.0.1:" + port();
  }

  /** The HTTP monitoring port ({@code /varz}, {@code /jsz}). */
  public int monitorPort() {
    return monitorPort;
  }

  @Override
  protected List<String> command(int port, Path dir) throws IOException {
    if (monitorPort == 0) {
      monitorPort = FreePorts.next();
    }
    Path store = Files.createDirectories(dir.resolve("jetstream"));
    String binary = binary(BINARY, "nats-server");
    return List.of(binary, "-a", "127.0.0.1", "-p", String.valueOf(port), "-m", String.valueOf(monitorPort),
        "-js", "-sd", store.toString());
  }

  @Override
  protected boolean answers(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
      socket.setSoTimeout(500);
      InputStream in = socket.getInputStream();
      byte[] greeting = new byte[4];
      int n = in.readNBytes(greeting, 0, greeting.length);
      return new String(greeting, 0, n, StandardCharsets.US_ASCII).equals("INFO");
    } catch (IOException e) {
      return false;
    }
  }
}
