package io.marketprism.platform.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * Typed, validated reads of one configuration section. Every failure is a
 * {@link ConfigException} naming the full key and the values that are allowed, which is what
 * the per-service options classes use to stop start-up with a clear message.
 */
public final class ConfigReader {

  private final String path;
  private final JsonObject section;

  public ConfigReader(String path, JsonObject section) {
    this.path = path;
    this.section = section == null ? new JsonObject() : section;
  }

  /** The section {@code name} of the root config (an empty one when absent). */
  public static ConfigReader root(JsonObject root, String name) {
    Object v = root.getValue(name);
    if (v != null && !(v instanceof JsonObject)) {
      throw new ConfigException(name, "must be a section (a mapping of keys), got " + describe(v));
    }
    return new ConfigReader(name, (JsonObject) v);
  }

  /**
   * @param root the whole configuration tree
   * @return whether {@code mode} is {@code server}: then the bus, the hot store and the latest
   *     cache default to NATS, ClickHouse and Redis (their {@code type} keys choose otherwise)
   * @throws ConfigException when {@code mode} is neither {@code embedded} nor {@code server}
   */
  public static boolean serverMode(JsonObject root) {
    return "server".equals(new ConfigReader("", root).oneOf("mode", List.of("embedded", "server"), "embedded"));
  }

  public String path() {
    return path;
  }

  public JsonObject json() {
    return section;
  }

  public String key(String name) {
    return path.isEmpty() ? name : path + "." + name;
  }

  public boolean has(String name) {
    return section.getValue(name) != null;
  }

  public ConfigReader section(String name) {
    Object v = section.getValue(name);
    if (v != null && !(v instanceof JsonObject)) {
      throw new ConfigException(key(name), "must be a section (a mapping of keys), got " + describe(v));
    }
    return new ConfigReader(key(name), (JsonObject) v);
  }

  /**
   * Refuses a key of this section that is not one of {@code allowed}. The entries of a list
   * ({@code gateway.route_timeouts[0]}) and of a section whose entries have names of their own
   * ({@code scheduler.jobs.NAME}) have no defaults that {@link ConfigLoader} could compare a file
   * with, so without this a misspelt key there ({@code timout_ms}) would be read as absent and its
   * default taken silently.
   *
   * @param allowed the keys this section takes
   * @return this reader
   * @throws ConfigException naming the first unknown key and the keys the section takes
   */
  public ConfigReader onlyKeys(Collection<String> allowed) {
    for (String k : section.fieldNames()) {
      if (!allowed.contains(k)) {
        throw new ConfigException(key(k), "is not a key of " + path + "; its keys are "
            + String.join(", ", new TreeSet<>(allowed)));
      }
    }
    return this;
  }

  /** The subsections of {@code name} keyed by their names (e.g. per-route settings). */
  public Map<String, ConfigReader> sections(String name) {
    ConfigReader s = section(name);
    Map<String, ConfigReader> out = new java.util.LinkedHashMap<>();
    for (String k : s.section.fieldNames()) {
      out.put(k, s.section(k));
    }
    return out;
  }

  public String string(String name, String def) {
    Object v = section.getValue(name);
    if (v == null) {
      return def;
    }
    if (v instanceof JsonObject || v instanceof JsonArray) {
      throw new ConfigException(key(name), "must be a single value, got " + describe(v));
    }
    return v.toString();
  }

  public String requiredString(String name) {
    String v = string(name, null);
    if (v == null || v.isBlank()) {
      throw new ConfigException(key(name), "is required");
    }
    return v;
  }

  public boolean bool(String name, boolean def) {
    Object v = section.getValue(name);
    if (v == null) {
      return def;
    }
    if (v instanceof Boolean) {
      return (Boolean) v;
    }
    String s = v.toString().toLowerCase(Locale.ROOT);
    if (s.equals("true") || s.equals("false")) {
      return Boolean.parseBoolean(s);
    }
    throw new ConfigException(key(name), "must be true or false, got '" + v + "'");
  }

  public long longIn(String name, long min, long max, long def) {
    Object v = section.getValue(name);
    if (v == null) {
      return def;
    }
    long n;
    if (v instanceof Number && !(v instanceof Double || v instanceof Float)) {
      n = ((Number) v).longValue();
    } else {
      try {
        n = Long.parseLong(v.toString().trim());
      } catch (NumberFormatException e) {
        throw new ConfigException(key(name), "must be an integer from " + min + " to " + max + ", got '" + v + "'");
      }
    }
    if (n < min || n > max) {
      throw new ConfigException(key(name), "must be from " + min + " to " + max + ", got " + n);
    }
    return n;
  }

  public int intIn(String name, int min, int max, int def) {
    return (int) longIn(name, min, max, def);
  }

  public double doubleIn(String name, double min, double max, double def) {
    Object v = section.getValue(name);
    if (v == null) {
      return def;
    }
    double d;
    try {
      d = v instanceof Number ? ((Number) v).doubleValue() : Double.parseDouble(v.toString().trim());
    } catch (NumberFormatException e) {
      throw new ConfigException(key(name), "must be a number from " + min + " to " + max + ", got '" + v + "'");
    }
    if (!(d >= min && d <= max)) {
      throw new ConfigException(key(name), "must be from " + min + " to " + max + ", got " + v);
    }
    return d;
  }

  public int port(String name, int def) {
    return intIn(name, 0, 65535, def);
  }

  /** One of {@code allowed} (compared case-insensitively, returned in lower case). */
  public String oneOf(String name, Collection<String> allowed, String def) {
    String v = string(name, def);
    if (v == null) {
      return null;
    }
    String lower = v.toLowerCase(Locale.ROOT);
    if (!allowed.contains(lower)) {
      throw new ConfigException(key(name), "must be one of " + String.join(", ", new TreeSet<>(allowed))
          + ", got '" + v + "'");
    }
    return lower;
  }

  /** An enum constant by its lower-case name. */
  public <E extends Enum<E>> E enumValue(String name, Class<E> type, E def) {
    List<String> names = new ArrayList<>();
    for (E e : type.getEnumConstants()) {
      names.add(e.name().toLowerCase(Locale.ROOT));
    }
    String v = oneOf(name, names, def == null ? null : def.name().toLowerCase(Locale.ROOT));
    return v == null ? null : Enum.valueOf(type, v.toUpperCase(Locale.ROOT));
  }

  /** A list of strings; a single comma-separated string is accepted too (handy from env vars). */
  public List<String> strings(String name, List<String> def) {
    Object v = section.getValue(name);
    if (v == null) {
      return def;
    }
    List<String> out = new ArrayList<>();
    if (v instanceof JsonArray) {
      for (Object o : (JsonArray) v) {
        if (o instanceof JsonObject || o instanceof JsonArray || o == null) {
          throw new ConfigException(key(name), "must be a list of plain values");
        }
        out.add(o.toString());
      }
    } else if (v instanceof JsonObject) {
      throw new ConfigException(key(name), "must be a list, got a section");
    } else {
      for (String s : v.toString().split(",")) {
        if (!s.isBlank()) {
          out.add(s.trim());
        }
      }
    }
    return out;
  }

  /** A list of sections, e.g. {@code api_keys: [{name: ..}, ..]}. */
  public List<ConfigReader> list(String name) {
    Object v = section.getValue(name);
    List<ConfigReader> out = new ArrayList<>();
    if (v == null) {
      return out;
    }
    if (!(v instanceof JsonArray)) {
      throw new ConfigException(key(name), "must be a list of sections, got " + describe(v));
    }
    JsonArray arr = (JsonArray) v;
    for (int i = 0; i < arr.size(); i++) {
      Object o = arr.getValue(i);
      if (!(o instanceof JsonObject)) {
        throw new ConfigException(key(name) + "[" + i + "]", "must be a section, got " + describe(o));
      }
      out.add(new ConfigReader(key(name) + "[" + i + "]", (JsonObject) o));
    }
    return out;
  }

  private static String describe(Object v) {
    if (v instanceof JsonArray) {
      return "a list";
    }
    if (v instanceof JsonObject) {
      return "a section";
    }
    return "'" + v + "'";
  }
}
