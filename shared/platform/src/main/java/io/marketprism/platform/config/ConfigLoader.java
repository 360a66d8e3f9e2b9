package io.marketprism.platform.config;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Loads the MarketPrism configuration tree: the embedded defaults ({@code conf/marketprism.yaml}
 * on the classpath), then an optional YAML file deep-merged over them, then {@code MP_...}
 * environment variables (CONTRACT §7).
 *
 * <p>An environment variable {@code MP_GATEWAY_RATE_LIMITS_CLASSES_DEFAULT_CAPACITY} is matched against
 * the key paths that exist in the tree, where a key path is written in upper case with {@code _}
 * for both {@code .} and any {@code _} or {@code -} inside a key; so keys that contain underscores
 * can be overridden. A variable that matches no existing path creates one, splitting on {@code _}
 * (sections of named entries such as {@code exchanges.NAME} need that); outside such sections it is
 * logged as a warning, as an unknown key of a file is. Variables that are not configuration
 * ({@link #configuration}) are left alone. Values are parsed as YAML scalars or flow collections
 * ({@code 9090}, {@code true}, {@code [a, b]}, {@code {x: 1}}).
 */
public final class ConfigLoader {

  /** Classpath location of the embedded defaults. */
  public static final String DEFAULTS_RESOURCE = "/conf/marketprism.yaml";
  public static final String ENV_PREFIX = "MP_";
  /** The environment variable naming the configuration file (read by the launcher). */
  public static final String CONFIG_FILE_ENV = "MP_CONFIG";
  /**
   * {@code MP_} variables that are not configuration keys: the file's name, {@code bin/marketprism}'s
   * and the Docker image's JVM options, logback's levels, the benchmarks' fixtures directory.
   */
  private static final Set<String> NOT_CONFIGURATION = Set.of(CONFIG_FILE_ENV, "MP_JAVA_OPTS", "MP_LOG_LEVEL",
      "MP_LOG_HAZELCAST", "MP_FIXTURES", "MP_NATIVE_TRANSPORT");
  /** Prefixes of {@code MP_} variables that are not configuration: the tests' (testkit) and the benchmarks'. */
  private static final List<String> NOT_CONFIGURATION_PREFIXES = List.of("MP_TEST_", "MP_BENCH_");

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final Logger LOG = LoggerFactory.getLogger(ConfigLoader.class);

  private ConfigLoader() {
  }

  /** Defaults, then {@code file} (may be null), then the process environment. */
  public static JsonObject load(Path file) {
    return load(file, System.getenv());
  }

  public static JsonObject load(Path file, Map<String, String> env) {
    JsonObject config = defaults();
    if (file != null) {
      if (!Files.isRegularFile(file)) {
        throw new ConfigException("--config", "file " + file + " does not exist");
      }
      try {
        JsonObject own = parseYaml(Files.readString(file), file.toString());
        unknownKeys(config, own).forEach(k -> LOG.warn("config {}: {} is not a known key; nothing reads it (a typo?)",
            file, k));
        deepMerge(config, own);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + file, e);
      }
    }
    applyEnvironment(config, env).forEach((variable, key) -> LOG.warn(
        "environment variable {}: {} is not a known key; nothing reads it (a typo?)", variable, key));
    return config;
  }

  /**
   * The keys of a configuration file that the defaults do not have, below sections of settings.
   * Sections whose default entries are all sections themselves take names of their own
   * ({@code exchanges}, {@code monitoring.alerts}, {@code scheduler.jobs}, rate limit classes), and
   * so do sections empty by default ({@code gateway.websocket.routes}): what is below them is not
   * reported.
   *
   * @param defaults the defaults
   * @param file a file's tree
   * @return dotted key paths, e.g. {@code gateway.prot}
   */
  static List<String> unknownKeys(JsonObject defaults, JsonObject file) {
    List<String> out = new ArrayList<>();
    unknownKeys(defaults, file, "", out);
    return out;
  }

  private static void unknownKeys(JsonObject known, JsonObject file, String prefix, List<String> out) {
    boolean named = known.stream().allMatch(e -> e.getValue() instanceof JsonObject);
    for (Map.Entry<String, Object> e : file) {
      Object def = known.getValue(e.getKey());
      if (def == null && !named && !known.containsKey(e.getKey())) {
        out.add(prefix + e.getKey());
      } else if (def instanceof JsonObject d && e.getValue() instanceof JsonObject f) {
        unknownKeys(d, f, prefix + e.getKey() + ".", out);
      }
    }
  }

  /** The embedded defaults alone (empty when the resource is missing, as in some unit tests). */
  public static JsonObject defaults() {
    try (InputStream in = ConfigLoader.class.getResourceAsStream(DEFAULTS_RESOURCE)) {
      if (in == null) {
        return new JsonObject();
      }
      return parseYaml(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8),
          DEFAULTS_RESOURCE);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static JsonObject parseYaml(String text, String origin) {
    try {
      Object tree = YAML.readValue(text, Object.class);
      if (tree == null) {
        return new JsonObject();
      }
      if (!(tree instanceof Map)) {
        throw new ConfigException(origin, "the top level must be a mapping of sections");
      }
      @SuppressWarnings("unchecked")
      Map<String, Object> map = (Map<String, Object>) tree;
      return new JsonObject(map).copy();
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new ConfigException(origin, "not valid YAML: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new ConfigException(origin, "cannot be read: " + e.getMessage());
    }
  }

  /** Merges {@code over} into {@code base}: objects recursively, everything else replaced. */
  public static JsonObject deepMerge(JsonObject base, JsonObject over) {
    for (Map.Entry<String, Object> e : over) {
      Object mine = base.getValue(e.getKey());
      if (mine instanceof JsonObject && e.getValue() instanceof JsonObject) {
        deepMerge((JsonObject) mine, (JsonObject) e.getValue());
      } else {
        base.put(e.getKey(), e.getValue());
      }
    }
    return base;
  }

  /**
   * Sets the {@code MP_} variables that are configuration over {@code config}.
   *
   * @param config the tree so far (defaults and file), changed in place
   * @param env the environment
   * @return the variables that matched no key and set one outside the sections of named entries,
   *     each with the dotted key it set (what {@link #unknownKeys} reports for a file), in name order
   */
  static Map<String, String> applyEnvironment(JsonObject config, Map<String, String> env) {
    List<List<String>> paths = new ArrayList<>();
    collectPaths(config, new ArrayList<>(), paths);
    Map<String, String> unknown = new LinkedHashMap<>();
    env.entrySet().stream()
        .filter(e -> configuration(e.getKey()))
        .sorted(Map.Entry.comparingByKey())
        .forEach(e -> {
          String name = e.getKey().substring(ENV_PREFIX.length());
          List<String> path = paths.stream().filter(p -> envName(p).equals(name)).findFirst()
              .orElseGet(() -> {
                List<String> made = List.of(name.toLowerCase(Locale.ROOT).split("_"));
                if (!unknownKeys(config, tree(made)).isEmpty()) {
                  unknown.put(e.getKey(), String.join(".", made));
                }
                return made;
              });
          set(config, path, parseScalar(e.getValue()), e.getKey());
        });
    return unknown;
  }

  /**
   * @param variable an environment variable's name
   * @return whether it is a configuration override: it starts with {@code MP_} and is none of the
   *     variables that scripts, the launcher, logging, tests and benchmarks read for themselves
   */
  static boolean configuration(String variable) {
    return variable.startsWith(ENV_PREFIX) && variable.length() > ENV_PREFIX.length()
        && !NOT_CONFIGURATION.contains(variable) && NOT_CONFIGURATION_PREFIXES.stream().noneMatch(variable::startsWith);
  }

  /** A tree holding only {@code path} (its leaf empty), to compare with the known keys as a file's is. */
  private static JsonObject tree(List<String> path) {
    JsonObject root = new JsonObject();
    JsonObject node = root;
    for (int i = 0; i < path.size() - 1; i++) {
      JsonObject next = new JsonObject();
      node.put(path.get(i), next);
      node = next;
    }
    node.put(path.get(path.size() - 1), "");
    return root;
  }

  private static void collectPaths(JsonObject node, List<String> prefix, List<List<String>> out) {
    for (Map.Entry<String, Object> e : node) {
      List<String> path = new ArrayList<>(prefix);
      path.add(e.getKey());
      out.add(path);
      if (e.getValue() instanceof JsonObject) {
        collectPaths((JsonObject) e.getValue(), path, out);
      }
    }
  }

  private static String envName(List<String> path) {
    return String.join("_", path).toUpperCase(Locale.ROOT).replace('-', '_').replace('.', '_');
  }

  private static Object parseScalar(String raw) {
    try {
      Object v = YAML.readValue(raw, Object.class);
      if (v instanceof Map) {
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) v;
        return new JsonObject(m).copy();
      }
      if (v instanceof List) {
        return new JsonArray((List<?>) v).copy();
      }
      return v == null ? raw : v;
    } catch (IOException e) {
      return raw;
    }
  }

  private static void set(JsonObject root, List<String> path, Object value, String variable) {
    JsonObject node = root;
    for (int i = 0; i < path.size() - 1; i++) {
      Object next = node.getValue(path.get(i));
      if (next == null) {
        next = new JsonObject();
        node.put(path.get(i), next);
      } else if (!(next instanceof JsonObject)) {
        throw new ConfigException(String.join(".", path.subList(0, i + 1)),
            "environment variable " + variable + " addresses a key below a value that is not a section");
      }
      node = (JsonObject) next;
    }
    node.put(path.get(path.size() - 1), value);
  }
}
