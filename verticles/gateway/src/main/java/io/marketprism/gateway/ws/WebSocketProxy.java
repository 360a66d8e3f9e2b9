package io.marketprism.gateway.ws;

import io.marketprism.gateway.routing.Backend;
import io.marketprism.gateway.routing.ServicePool;
import io.marketprism.platform.http.ApiError;
import io.marketprism.platform.http.Http;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.vertx.circuitbreaker.OpenCircuitException;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketBase;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.http.WebSocketFrame;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Arrays;

/**
 * Proxies a WebSocket: connects to an instance of the route's service first (through its
 * breaker, trying the next instance when one cannot be reached), then accepts the client's
 * upgrade and splices the two, message for message, text stays text and binary stays binary,
 * with back-pressure both ways. When no instance can be reached the client gets an HTTP 503
 * (504 on timeout) instead of an upgrade.
 *
 * <p>Both connections have the live stream's size limits ({@code gateway.stream.max_frame_bytes},
 * {@code max_message_bytes}): the client's through the gateway's server, the backend's through the
 * client this proxy is given. A frame or a message over them, from either side, closes both with
 * 1009 and a reason naming the limit: a proxy that dropped the message (Vert.x's way with one too
 * large) would lose data silently, and one over the frame limit cannot be read past.
 */
public final class WebSocketProxy {

  private static final Logger LOG = LoggerFactory.getLogger(WebSocketProxy.class);
  /** The request headers that carry credentials, passed on to the service (which checks them too). */
  private static final String[] CREDENTIALS = {io.marketprism.platform.auth.Authenticator.API_KEY_HEADER, "Authorization"};
  /** RFC 6455: a message too big to process. */
  private static final short MESSAGE_TOO_BIG_STATUS = 1009;
  /**
   * The largest frame sent to a backend: Vert.x's default frame limit, which a backend takes for
   * sure. The backend connection would otherwise fragment at its own (larger) receive limit.
   */
  static final int BACKEND_FRAME_BYTES = 65536;
  /** UTF-16 units of text that make at most {@link #BACKEND_FRAME_BYTES} in UTF-8 (3 bytes a unit at most). */
  private static final int BACKEND_FRAME_CHARS = BACKEND_FRAME_BYTES / 3;

  private final WebSocketClient client;
  private final long timeoutMs;
  private final int maxFrameBytes;
  private final int maxMessageBytes;

  /**
   * @param client connects to the backends; made with the same frame and message limits
   * @param timeoutMs how long a backend has to accept the WebSocket
   * @param maxFrameBytes the largest frame either side may send
   * @param maxMessageBytes the largest message either side may send
   */
  public WebSocketProxy(WebSocketClient client, long timeoutMs, int maxFrameBytes, int maxMessageBytes) {
    this.client = client;
    this.timeoutMs = timeoutMs;
    this.maxFrameBytes = maxFrameBytes;
    this.maxMessageBytes = maxMessageBytes;
  }

  /** Proxies the upgrade request of {@code ctx} to {@code pool}. */
  public void handle(RoutingContext ctx, ServicePool pool, String requestId) {
    HttpServerRequest req = ctx.request();
    if (!req.canUpgradeToWebSocket()) {
      req.resume();
      ApiError.send(ctx, 400, "bad_request", req.path() + " is a WebSocket endpoint: send an upgrade request");
      return;
    }
    attempt(ctx, pool, pool.backends(), 0L, requestId);
  }

  private void attempt(RoutingContext ctx, ServicePool pool, Backend[] backends, long tried, String requestId) {
    int i = pool.pick(backends, tried);
    if (i < 0) {
      ApiError.send(ctx, 503, "service_unavailable", "no instance of " + pool.service() + " is available");
      return;
    }
    Backend b = backends[i];
    long nowTried = i < 64 ? tried | (1L << i) : tried;
    HttpServerRequest req = ctx.request();
    WebSocketConnectOptions options = new WebSocketConnectOptions().setHost(b.instance().host())
        .setPort(b.instance().port()).setSsl(b.instance().ssl()).setURI(req.uri()).setConnectTimeout(timeoutMs)
        .addHeader(Http.REQUEST_ID, requestId);
    // the service checks the credentials again (gateway.auth on its own port): pass them on as sent
    for (String h : CREDENTIALS) {
      String v = req.getHeader(h);
      if (v != null) {
        options.addHeader(h, v);
      }
    }
    String protocols = req.getHeader("Sec-WebSocket-Protocol");
    if (protocols != null) {
      options.setSubProtocols(Arrays.stream(protocols.split(",")).map(String::trim).toList());
    }
    boolean[] given = {false};
    b.breaker().<WebSocket>execute(() -> client.connect(options).andThen(ar -> {
          // the breaker gave up on this handshake already: close what arrived late
          if (ar.succeeded() && given[0]) {
            ar.result().close();
          }
        }))
        .onComplete(ar -> {
          given[0] = true;
          if (ar.succeeded()) {
            accept(ctx, ar.result());
          } else if (ar.cause() instanceof io.vertx.circuitbreaker.TimeoutException) {
            ApiError.send(ctx, 504, "backend_timeout", pool.service() + " did not accept the WebSocket within "
                + timeoutMs + " ms");
          } else if (ar.cause() instanceof OpenCircuitException || isConnectFailure(ar.cause())) {
            attempt(ctx, pool, backends, nowTried, requestId);
          } else {
            ApiError.send(ctx, 503, "service_unavailable", pool.service() + " refused the WebSocket: "
                + ar.cause().getMessage());
          }
        });
  }

  private static boolean isConnectFailure(Throwable err) {
    return err instanceof java.net.ConnectException || err instanceof io.netty.channel.ConnectTimeoutException
        || (err.getCause() instanceof java.net.ConnectException);
  }

  private void accept(RoutingContext ctx, WebSocket back) {
    Future<io.vertx.core.http.ServerWebSocket> upgrade = ctx.request().toWebSocket();
    upgrade.onComplete(ar -> {
      if (ar.failed()) {
        LOG.debug("WebSocket upgrade failed: {}", ar.cause().getMessage());
        back.close();
        return;
      }
      splice(ar.result(), back, "client", true);
      splice(back, ar.result(), "backend", false);
    });
  }

  private void splice(WebSocketBase from, WebSocketBase to, String fromName, boolean toBackend) {
    from.textMessageHandler(text -> {
      if (toBackend && text.length() > BACKEND_FRAME_CHARS) {
        writeInFrames(to, text);
      } else {
        to.writeTextMessage(text);
      }
      throttle(from, to);
    });
    from.binaryMessageHandler(bytes -> {
      if (toBackend && bytes.length() > BACKEND_FRAME_BYTES) {
        writeInFrames(to, bytes);
      } else {
        to.writeBinaryMessage(bytes);
      }
      throttle(from, to);
    });
    from.closeHandler(v -> {
      if (!to.isClosed()) {
        Short status = from.closeStatusCode();
        // 1005/1006 describe a missing close frame and may not be sent in one
        if (status != null && status != 1005 && status != 1006) {
          to.close(status, from.closeReason());
        } else {
          to.close();
        }
      }
    });
    from.exceptionHandler(err -> {
      String tooLarge = tooLarge(err);
      if (tooLarge != null) {
        String reason = fromName + " sent a " + tooLarge;
        LOG.info("closing proxied WebSocket {} <-> {}: {}", fromName.equals("client") ? from.remoteAddress()
            : to.remoteAddress(), fromName.equals("client") ? to.remoteAddress() : from.remoteAddress(), reason);
        close(from, reason);
        close(to, reason);
      } else if (!to.isClosed()) {
        to.close();
      }
    });
  }

  /**
   * @return what was over a limit ({@code "frame over N bytes"}), or null when {@code err} is no size error: Vert.x
   *     reports a message over the message limit as an {@link IllegalStateException} (and drops it), a frame over
   *     the frame limit as a {@link CorruptedWebSocketFrameException} with status 1009
   */
  private String tooLarge(Throwable err) {
    if (err instanceof CorruptedWebSocketFrameException e && e.closeStatus() == WebSocketCloseStatus.MESSAGE_TOO_BIG) {
      return "frame over " + maxFrameBytes + " bytes";
    }
    if (err instanceof IllegalStateException) {
      return "message over " + maxMessageBytes + " bytes";
    }
    return null;
  }

  private static void close(WebSocketBase ws, String reason) {
    if (!ws.isClosed()) {
      // a close reason is at most 123 bytes
      ws.close(MESSAGE_TOO_BIG_STATUS, reason.length() > 123 ? reason.substring(0, 123) : reason);
    }
  }

  /** Writes a text message in frames of at most {@link #BACKEND_FRAME_BYTES}, never splitting a surrogate pair. */
  private static void writeInFrames(WebSocketBase to, String text) {
    int n = text.length();
    for (int start = 0; start < n; ) {
      int end = Math.min(n, start + BACKEND_FRAME_CHARS);
      if (end < n && Character.isHighSurrogate(text.charAt(end - 1))) {
        end--;
      }
      String part = text.substring(start, end);
      to.writeFrame(start == 0 ? WebSocketFrame.textFrame(part, end == n)
          : WebSocketFrame.continuationFrame(Buffer.buffer(part), end == n));
      start = end;
    }
  }

  /** Writes a binary message in frames of at most {@link #BACKEND_FRAME_BYTES}. */
  private static void writeInFrames(WebSocketBase to, Buffer bytes) {
    int n = bytes.length();
    for (int start = 0; start < n; start += BACKEND_FRAME_BYTES) {
      int end = Math.min(n, start + BACKEND_FRAME_BYTES);
      Buffer part = bytes.slice(start, end);
      to.writeFrame(start == 0 ? WebSocketFrame.binaryFrame(part, end == n)
          : WebSocketFrame.continuationFrame(part, end == n));
    }
  }

  private static void throttle(WebSocketBase from, WebSocketBase to) {
    if (to.writeQueueFull()) {
      from.pause();
      to.drainHandler(v -> from.resume());
    }
  }
}
