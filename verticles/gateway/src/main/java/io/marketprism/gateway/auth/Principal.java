package io.marketprism.gateway.auth;

import java.util.List;

/**
 * Who sent a request, as its credentials prove.
 *
 * @param name  the API key's name (also the subject of tokens issued for it)
 * @param roles its roles
 * @param via   {@code api_key} or {@code jwt}
 */
public record Principal(String name, List<String> roles, String via) {

  public static final String ADMIN = "admin";

  public boolean isAdmin() {
    return roles.contains(ADMIN);
  }
}
