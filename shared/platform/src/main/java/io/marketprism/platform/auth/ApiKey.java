package io.marketprism.platform.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * A configured API key. Only its SHA-256 is stored, so the config (and a leak of it) never holds
 * a usable key.
 *
 * @param name   who the key belongs to (the rate-limit identity and the token subject)
 * @param sha256 lower-case hex SHA-256 of the key
 * @param roles  its roles, e.g. {@code [admin]}
 */
public record ApiKey(String name, String sha256, List<String> roles) {

  private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JVM has no SHA-256", e);
    }
  });

  /** The hex SHA-256 of a key, as {@code gateway.auth.api_keys[].sha256} holds it. */
  public static String sha256Hex(String key) {
    return HexFormat.of().formatHex(SHA256.get().digest(key.getBytes(StandardCharsets.UTF_8)));
  }

  public boolean hasRole(String role) {
    return roles.contains(role);
  }
}
