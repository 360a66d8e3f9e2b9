package io.marketprism.platform.http;


import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The canonical form of a request path, which is what route classes, admin rules and cache rules
 * are matched against: percent-decoded, repeated slashes collapsed, {@code .} and {@code ..}
 * segments resolved, no trailing slash. Matching the canonical form means
 * {@code /api/v1/storage/%61rchive} or {@code //api/v1/./storage/archive/} cannot slip past an
 * admin rule. The request itself is forwarded with its path unchanged.
 */
public final class RequestPath {

  private RequestPath() {
  }

  /**
   * @throws ApiError 400 for a path that is not a valid percent-encoded UTF-8 absolute path
   */
  public static String canonical(String raw) {
    if (raw == null || raw.isEmpty() || raw.charAt(0) != '/') {
      throw ApiError.badRequest("the request path must start with '/'");
    }
    if (isSimple(raw)) {
      return raw.length() > 1 && raw.charAt(raw.length() - 1) == '/' ? raw.substring(0, raw.length() - 1) : raw;
    }
    String decoded = decode(raw);
    Deque<String> segments = new ArrayDeque<>();
    for (String seg : decoded.split("/")) {
      if (seg.isEmpty() || seg.equals(".")) {
        continue;
      }
      if (seg.equals("..")) {
        segments.pollLast();
      } else {
        segments.addLast(seg);
      }
    }
    return segments.isEmpty() ? "/" : "/" + String.join("/", segments);
  }

  /** The segment {@code index} (0-based, after the leading slash) of a canonical path, or null. */
  public static String segment(String canonical, int index) {
    int start = 1;
    for (int i = 0; i < index; i++) {
      int slash = canonical.indexOf('/', start);
      if (slash < 0) {
        return null;
      }
      start = slash + 1;
    }
    if (start >= canonical.length()) {
      return null;
    }
    int end = canonical.indexOf('/', start);
    return end < 0 ? canonical.substring(start) : canonical.substring(start, end);
  }

  // the common case needs no decoding: no escapes, no empty or dot segments
  private static boolean isSimple(String raw) {
    char prev = 0;
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '%' || c < 0x21 || c > 0x7e || (c == '/' && prev == '/') || (c == '.' && prev == '/')) {
        return false;
      }
      prev = c;
    }
    return true;
  }

  private static String decode(String raw) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(raw.length());
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '%') {
        if (i + 2 >= raw.length()) {
          throw ApiError.badRequest("bad percent-encoding in the request path");
        }
        int hi = Character.digit(raw.charAt(i + 1), 16);
        int lo = Character.digit(raw.charAt(i + 2), 16);
        if (hi < 0 || lo < 0) {
          throw ApiError.badRequest("bad percent-encoding in the request path");
        }
        bytes.write(hi * 16 + lo);
        i += 2;
      } else if (c < 0x21 || c == 0x7f) {
        throw ApiError.badRequest("control characters are not allowed in the request path");
      } else {
        byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
        bytes.write(b, 0, b.length);
      }
    }
    String s;
    try {
      s = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes.toByteArray())).toString();
    } catch (CharacterCodingException e) {
      throw ApiError.badRequest("the request path is not valid UTF-8");
    }
    if (s.indexOf('\0') >= 0) {
      throw ApiError.badRequest("NUL is not allowed in the request path");
    }
    return s;
  }
}
