package io.marketprism.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;

/**
 * Free TCP ports on the loopback interface, for servers a test starts itself.
 *
 * <p>A port is free when it is handed out; another process may still take it before the server
 * binds it, which is why {@link ExternalServer} retries its start on a new port.
 */
public final class FreePorts {

  private FreePorts() {
  }

  /** One free port on 127.0.0.1. */
  public static int next() {
    try (ServerSocket socket = new ServerSocket()) {
      // no SO_REUSEADDR: a port still in TIME_WAIT is not handed out as free
      socket.setReuseAddress(false);
      socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free port on the loopback interface", e);
    }
  }

  /** {@code n} distinct free ports (for a server that needs several, e.g. client and monitoring). */
  public static int[] next(int n) {
    Set<Integer> seen = new HashSet<>();
    int[] ports = new int[n];
    for (int i = 0; i < n; i++) {
      int p;
      do {
        p = next();
      } while (!seen.add(p));
      ports[i] = p;
    }
    return ports;
  }
}
