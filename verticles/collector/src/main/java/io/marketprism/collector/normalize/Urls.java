package io.marketprism.collector.normalize;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/** Reading the path and query parameters of a REST request URL, as captures record it. */
public final class Urls {

  private Urls() {
  }

  /**
   * @param url e.g. {@code https://api.binance.com/api/v3/depth?symbol=BTCUSDT&limit=1000}
   * @return the path, e.g. {@code /api/v3/depth} (the URL itself if it has no scheme)
   */
  public static String path(String url) {
    int start = 0;
    int scheme = url.indexOf("://");
    if (scheme >= 0) {
      start = url.indexOf('/', scheme + 3);
      if (start < 0) {
        return "/";
      }
    }
    int q = url.indexOf('?', start);
    return q < 0 ? url.substring(start) : url.substring(start, q);
  }

  /**
   * @param url a URL
   * @param name a query parameter name
   * @return its decoded value, or {@code null}
   */
  public static String query(String url, String name) {
    int q = url.indexOf('?');
    if (q < 0) {
      return null;
    }
    for (String pair : url.substring(q + 1).split("&")) {
      int eq = pair.indexOf('=');
      String key = eq < 0 ? pair : pair.substring(0, eq);
      if (key.equals(name)) {
        return eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      }
    }
    return null;
  }
}
