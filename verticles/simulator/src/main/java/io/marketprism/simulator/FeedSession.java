package io.marketprism.simulator;

import io.marketprism.simulator.fault.ConnectionFaults;
import io.vertx.core.http.ServerWebSocket;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One client WebSocket connection: its subscriptions and the fault dice applied to what it is sent.
 * Used on the server's event loop only.
 */
public final class FeedSession {

  private static final Pattern CHECKSUM = Pattern.compile("\"checksum\":(-?\\d+)");

  private final ServerWebSocket socket;
  private final ConnectionFaults faults;
  private final long id;
  private final Set<String> topics = new LinkedHashSet<>();
  private String held;
  private boolean combined;
  private boolean closed;
  private long sent;
  private long lastPong;
  private long heartbeatTimer = -1;

  /**
   * @param socket the accepted WebSocket
   * @param faults its fault dice
   * @param id     a number unique within the simulator
   */
  public FeedSession(ServerWebSocket socket, ConnectionFaults faults, long id) {
    this.socket = socket;
    this.faults = faults;
    this.id = id;
    this.lastPong = System.currentTimeMillis();
  }

  /** The session number. */
  public long id() {
    return id;
  }

  /** The socket. */
  public ServerWebSocket socket() {
    return socket;
  }

  /** The session's fault dice. */
  public ConnectionFaults faults() {
    return faults;
  }

  /** Topics subscribed (mutated through {@link TopicHub}). */
  public Set<String> topics() {
    return topics;
  }

  /** Binance: whether messages are wrapped in combined-stream envelopes. */
  public boolean combined() {
    return combined;
  }

  /** Sets the Binance envelope mode. */
  public void combined(boolean combined) {
    this.combined = combined;
  }

  /** Epoch ms of the last pong or heartbeat answer. */
  public long lastPong() {
    return lastPong;
  }

  /** Records a pong or heartbeat answer. */
  public void pong(long now) {
    lastPong = now;
  }

  /** The id of the Deribit heartbeat timer, or -1. */
  public long heartbeatTimer() {
    return heartbeatTimer;
  }

  /** Sets the Deribit heartbeat timer id. */
  public void heartbeatTimer(long timer) {
    heartbeatTimer = timer;
  }

  /** Data messages written so far. */
  public long sent() {
    return sent;
  }

  /** Whether the connection is closed. */
  public boolean closed() {
    return closed;
  }

  /** Marks the session closed; nothing is sent afterwards. */
  public void markClosed() {
    closed = true;
  }

  /** Whether the connection is in a stall window now. */
  public boolean stalled() {
    return faults.stalled(System.currentTimeMillis());
  }

  /** Sends a reply or acknowledgement: only a stall silences it. */
  public void sendControl(String text) {
    if (closed || stalled()) {
      return;
    }
    write(text);
  }

  /** Sends a market-data message through the fault dice (drop, dup, reorder, checksum, malformed, stall). */
  public void sendData(String text) {
    if (closed || stalled()) {
      return;
    }
    switch (faults.next()) {
      case DROP -> {
        return;
      }
      case DUP -> {
        write(text);
        write(text);
      }
      case REORDER -> {
        if (held == null) {
          held = text;
          return;
        }
        write(text);
      }
      case MALFORMED -> {
        // counted only once the socket took it, so the count is what a client can have received
        sent++;
        socket.writeTextMessage(text.substring(0, Math.max(1, text.length() / 2)))
            .onSuccess(v -> faults.countMalformed());
      }
      case CHECKSUM -> write(corruptChecksum(text));
      default -> write(text);
    }
    if (held != null) {
      String h = held;
      held = null;
      write(h);
    }
  }

  private String corruptChecksum(String text) {
    Matcher m = CHECKSUM.matcher(text);
    if (!m.find()) {
      return text;
    }
    faults.countChecksum();
    int wrong = Integer.parseInt(m.group(1)) ^ 0x5A5A5A5A;
    return text.substring(0, m.start(1)) + wrong + text.substring(m.end(1));
  }

  private void write(String text) {
    sent++;
    socket.writeTextMessage(text);
  }
}
