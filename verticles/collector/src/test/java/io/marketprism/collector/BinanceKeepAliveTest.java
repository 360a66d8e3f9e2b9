package io.marketprism.collector;

import static io.marketprism.collector.SimulatedCollector.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.marketprism.simulator.model.Venue;
import io.vertx.core.json.JsonObject;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Binance pings every connection and drops one that leaves three pings unanswered. With the
 * simulator pinging every second, a raw client that never pongs is dropped (close 1008) within a
 * few seconds, while the collector's connections, answering every ping, stay up far longer. (The
 * deadline is taken from a warmed-up collector: a JVM still loading classes on a loaded machine can
 * leave its event loop blocked for seconds, which live Binance's one-minute deadline never sees.)
 */
class BinanceKeepAliveTest {

  private static final long PING_INTERVAL_MS = 1000;

  @Test
  void collectorAnswersServerPingsWhileASilentClientIsDropped() throws Exception {
    try (SimulatedCollector rig = new SimulatedCollector("", List.of("trade"), new JsonObject(), 50,
        so -> so.setPingIntervalMs(PING_INTERVAL_MS))) {
      await("binance connections up and trades flowing", 60_000,
          () -> binanceUp(rig) == 2 && rig.trades.keySet().stream().filter(k -> k.startsWith("binance|")).count() == 2);
      Map<String, Long> baseline = binanceReconnects(rig.status());
      long upSince = System.currentTimeMillis();
      AtomicInteger pings = new AtomicInteger();
      AtomicReference<Integer> closeCode = new AtomicReference<>();
      Thread silent = new Thread(() -> readWithoutPonging(rig.simulator.port(Venue.BINANCE_SPOT), pings, closeCode),
          "silent-client");
      silent.setDaemon(true);
      silent.start();
      silent.join(40_000);
      assertThat(pings.get()).as("pings the silent client got").isGreaterThanOrEqualTo(3);
      assertThat(closeCode.get()).as("close code of the silent client").isEqualTo(1008);
      // ours lived through at least as many ping intervals, and longer than the deadline again
      await("collector up for 8 ping intervals", 60_000,
          () -> System.currentTimeMillis() - upSince > 8 * PING_INTERVAL_MS);
      assertThat(binanceUp(rig)).isEqualTo(2);
      assertThat(binanceReconnects(rig.status())).as("reconnects of the collector's Binance connections")
          .isEqualTo(baseline);
    }
  }

  private static Map<String, Long> binanceReconnects(JsonObject status) {
    Map<String, Long> out = new TreeMap<>();
    for (Object o : status.getJsonArray("connections")) {
      JsonObject c = (JsonObject) o;
      if ("binance".equals(c.getString("exchange"))) {
        out.put(c.getString("id") + " (" + c.getString("last_close_reason") + ")", c.getLong("reconnects"));
      }
    }
    return out;
  }

  private static int binanceUp(SimulatedCollector rig) {
    try {
      int up = 0;
      for (Object o : rig.status().getJsonArray("connections")) {
        JsonObject c = (JsonObject) o;
        if ("binance".equals(c.getString("exchange")) && "up".equals(c.getString("state"))) {
          up++;
        }
      }
      return up;
    } catch (Exception e) {
      return 0;
    }
  }

  /** A WebSocket client on a plain socket that reads frames and never answers a ping. */
  private static void readWithoutPonging(int port, AtomicInteger pings, AtomicReference<Integer> closeCode) {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(30_000);
      String key = Base64.getEncoder().encodeToString("marketprism-test".getBytes(StandardCharsets.US_ASCII));
      OutputStream out = s.getOutputStream();
      out.write(("GET /ws/btcusdt@trade HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nUpgrade: websocket\r\n"
          + "Connection: Upgrade\r\nSec-WebSocket-Key: " + key + "\r\nSec-WebSocket-Version: 13\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      DataInputStream in = new DataInputStream(s.getInputStream());
      int matched = 0;
      while (matched < 4) {
        int b = in.read();
        if (b < 0) {
          return;
        }
        matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (b == '\r' ? 1 : 0);
      }
      while (true) {
        int opcode = in.readUnsignedByte() & 0x0F;
        long len = in.readUnsignedByte() & 0x7F;
        if (len == 126) {
          len = in.readUnsignedShort();
        } else if (len == 127) {
          len = in.readLong();
        }
        byte[] payload = new byte[(int) len];
        in.readFully(payload);
        if (opcode == 0x9) {
          pings.incrementAndGet();
        } else if (opcode == 0x8) {
          closeCode.set(len >= 2 ? ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF) : -1);
          return;
        }
      }
    } catch (IOException e) {
      // the server closed the socket without a close frame: closeCode stays unset and the test fails
    }
  }
}
