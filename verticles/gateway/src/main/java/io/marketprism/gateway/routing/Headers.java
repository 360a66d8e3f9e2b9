package io.marketprism.gateway.routing;

import io.marketprism.platform.http.Http;
import io.vertx.core.MultiMap;

import java.util.Map;

/**
 * Which headers a proxy passes on. Hop-by-hop headers (RFC 9110 §7.6.1) belong to one
 * connection and are dropped, as is every header the {@code Connection} header names.
 */
final class Headers {

  private Headers() {
  }

  /** Copies end-to-end request headers; {@code Host} is dropped so the backend sees its own authority. */
  static void copyRequest(MultiMap from, MultiMap to) {
    String connection = from.get("Connection");
    for (Map.Entry<String, String> h : from) {
      String name = h.getKey();
      if (!isHopByHop(name) && !name.equalsIgnoreCase("Host") && !listedIn(connection, name)) {
        to.add(name, h.getValue());
      }
    }
  }

  /** Copies end-to-end response headers; the backend's request id is the gateway's already. */
  static void copyResponse(MultiMap from, MultiMap to) {
    String connection = from.get("Connection");
    for (Map.Entry<String, String> h : from) {
      String name = h.getKey();
      if (!isHopByHop(name) && !name.equalsIgnoreCase(Http.REQUEST_ID) && !listedIn(connection, name)) {
        to.add(name, h.getValue());
      }
    }
  }

  static boolean isHopByHop(String name) {
    return switch (name.length()) {
      case 2 -> name.equalsIgnoreCase("TE");
      case 7 -> name.equalsIgnoreCase("Trailer") || name.equalsIgnoreCase("Upgrade");
      case 10 -> name.equalsIgnoreCase("Connection") || name.equalsIgnoreCase("Keep-Alive");
      case 16 -> name.equalsIgnoreCase("Proxy-Connection");
      case 17 -> name.equalsIgnoreCase("Transfer-Encoding");
      case 18 -> name.equalsIgnoreCase("Proxy-Authenticate");
      case 19 -> name.equalsIgnoreCase("Proxy-Authorization");
      default -> false;
    };
  }

  private static boolean listedIn(String connection, String name) {
    if (connection == null || connection.equalsIgnoreCase("keep-alive") || connection.equalsIgnoreCase("close")) {
      return false;
    }
    for (String token : connection.split(",")) {
      if (token.trim().equalsIgnoreCase(name)) {
        return true;
      }
    }
    return false;
  }
}
