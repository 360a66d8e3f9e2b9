package io.marketprism.platform.node;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Netty's native epoll transport for every node's event loops, where it loads (Linux x86-64; the
 * library ships with the platform), else Java's NIO.
 *
 * <p>On the collector's path (a WebSocket frame in, a record out) epoll's edge-triggered wake-ups
 * cost the event loop about a quarter less CPU than NIO's selector: 25.8 instead of 35.4 ms per 1,000
 * records in the collector pipeline benchmark (README, <i>Benchmarks</i>). {@code MP_NATIVE_TRANSPORT=false}
 * keeps NIO (to compare, or where the library cannot be loaded from the temporary directory).
 */
public final class NativeTransport {

  private static final Logger LOG = LoggerFactory.getLogger(NativeTransport.class);

  private NativeTransport() {
  }

  /** @return {@code options}, preferring the native transport unless {@code MP_NATIVE_TRANSPORT=false} */
  public static VertxOptions prefer(VertxOptions options) {
    return options.setPreferNativeTransport(!"false".equalsIgnoreCase(System.getenv("MP_NATIVE_TRANSPORT")));
  }

  /** Logs which transport the event loops of {@code vertx} run on, and why not the native one. */
  public static void report(Vertx vertx) {
    if (vertx.isNativeTransportEnabled()) {
      LOG.debug("event loops on Netty's native epoll transport");
    } else if (vertx.unavailableNativeTransportCause() != null
        && !"false".equalsIgnoreCase(System.getenv("MP_NATIVE_TRANSPORT"))) {
      LOG.info("event loops on Java NIO: the native transport did not load ({})",
          vertx.unavailableNativeTransportCause().toString());
    }
  }
}
