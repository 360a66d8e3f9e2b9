package io.marketprism.platform.config;

/**
 * A configuration value that is missing or not allowed. The message always names the full key
 * path and what would have been accepted, so start-up can print it as is and stop.
 */
public class ConfigException extends RuntimeException {

  private final String key;

  public ConfigException(String key, String problem) {
    super("config " + key + ": " + problem);
    this.key = key;
  }

  /** The full dotted key path, e.g. {@code gateway.port}. */
  public String key() {
    return key;
  }
}
