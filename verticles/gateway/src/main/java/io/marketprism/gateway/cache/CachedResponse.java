package io.marketprism.gateway.cache;

import io.vertx.core.buffer.Buffer;

import java.nio.charset.StandardCharsets;

/**
 * A cached 200 response: its content type and body.
 *
 * @param contentType the backend's {@code Content-Type} (empty when it sent none)
 * @param body        the body bytes
 */
public record CachedResponse(String contentType, Buffer body) {

  /** Content type, a newline, the body: one Redis value. */
  public Buffer encode() {
    byte[] ct = contentType.getBytes(StandardCharsets.UTF_8);
    return Buffer.buffer(ct.length + 1 + body.length()).appendBytes(ct).appendByte((byte) '\n').appendBuffer(body);
  }

  /** The inverse of {@link #encode}; null for a value that is not one. */
  public static CachedResponse decode(Buffer value) {
    int nl = -1;
    for (int i = 0; i < value.length() && i < 512; i++) {
      if (value.getByte(i) == '\n') {
        nl = i;
        break;
      }
    }
    if (nl < 0) {
      return null;
    }
    return new CachedResponse(value.getString(0, nl, "UTF-8"), value.getBuffer(nl + 1, value.length()));
  }

  public int size() {
    return contentType.length() + body.length();
  }
}
