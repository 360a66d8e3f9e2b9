package io.marketprism.platform.auth;

import java.util.List;

/**
 * Who sent a request, as its credentials prove.
 *
 * @param name  the API key's name (also the subject of tokens issued for it)
 * @param roles its roles
 * @param via   {@code api_key} or {@code jwt}
 * @param expiresAtMs when the credential stops being valid (a token's {@code exp}), epoch ms; 0
 *              for never (an API key): what holds a connection open on it, the live stream, ends
 *              then
 */
public record Principal(String name, List<String> roles, String via, long expiresAtMs) {

  public static final String ADMIN = "admin";

  /** A principal whose credential does not expire. */
  public Principal(String name, List<String> roles, String via) {
    this(name, roles, via, 0);
  }

  public boolean isAdmin() {
    return roles.contains(ADMIN);
  }
}
