package io.marketprism.gateway.stream;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A live-stream client on a plain socket with a small receive buffer: it completes the WebSocket
 * handshake and subscribes, then reads only when told to, as a client that stops reading does.
 */
public final class RawStreamClient implements AutoCloseable {

  private final Socket raw = new Socket();
  private final byte[] buf = new byte[4096];

  /** Connects to {@code /ws/v1/stream} on {@code port} and subscribes to {@code pattern}. */
  public RawStreamClient(int port, String pattern) throws IOException {
    raw.setReceiveBufferSize(16 * 1024);
    raw.connect(new InetSocketAddress("127.0.0.1", port), 5000);
    raw.setSoTimeout(5000);
    raw.getOutputStream().write(("GET /ws/v1/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
        + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII));
    readUntil("\r\n\r\n");
    raw.getOutputStream().write(maskedTextFrame("{\"op\":\"subscribe\",\"subjects\":[\"" + pattern + "\"]}"));
    readUntil("subscribed");
  }

  private void readUntil(String expected) throws IOException {
    StringBuilder seen = new StringBuilder();
    while (!seen.toString().contains(expected)) {
      int n = raw.getInputStream().read(buf);
      assertThat(n).isPositive();
      seen.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
    }
  }

  /**
   * Reads what is left.
   *
   * @return whether the server had closed the connection: its end came within {@code timeoutMs}
   */
  public boolean readsToTheEndWithin(int timeoutMs) throws IOException {
    raw.setSoTimeout(timeoutMs);
    try {
      while (raw.getInputStream().read(buf) >= 0) {
        // what the kernel still held
      }
      return true;
    } catch (SocketTimeoutException stillOpen) {
      return false;
    } catch (SocketException reset) {
      return true;
    }
  }

  @Override
  public void close() throws IOException {
    raw.close();
  }

  /** One masked (as a client sends it) WebSocket text frame of a short message. */
  private static byte[] maskedTextFrame(String text) {
    byte[] payload = text.getBytes(StandardCharsets.UTF_8);
    byte[] mask = {1, 2, 3, 4};
    byte[] frame = new byte[6 + payload.length];
    frame[0] = (byte) 0x81;
    frame[1] = (byte) (0x80 | payload.length);
    System.arraycopy(mask, 0, frame, 2, 4);
    for (int i = 0; i < payload.length; i++) {
      frame[6 + i] = (byte) (payload[i] ^ mask[i % 4]);
    }
    return frame;
  }
}
