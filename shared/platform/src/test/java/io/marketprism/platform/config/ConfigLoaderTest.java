package io.marketprism.platform.config;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConfigLoaderTest {

  @Test
  void environmentOverridesExistingKeysEvenWithUnderscoresInNames(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("c.yaml");
    Files.writeString(f, "gateway:\n  port: 8080\n  rate_limits:\n    default: {capacity: 100}\n");
    JsonObject c = ConfigLoader.load(f, Map.of(
        "MP_GATEWAY_PORT", "9090",
        "MP_GATEWAY_RATE_LIMITS_DEFAULT_CAPACITY", "7",
        "MP_CLUSTER_MEMBERS", "[127.0.0.1:5701, 127.0.0.1:5702]",
        "MP_NEW_SECTION_FLAG", "true",
        "OTHER", "x"));
    assertThat(c.getJsonObject("gateway").getInteger("port")).isEqualTo(9090);
    assertThat(c.getJsonObject("gateway").getJsonObject("rate_limits").getJsonObject("default").getInteger("capacity"))
        .isEqualTo(7);
    assertThat(c.getJsonObject("cluster").getJsonArray("members").getList()).containsExactly("127.0.0.1:5701", "127.0.0.1:5702");
    assertThat(c.getJsonObject("new").getJsonObject("section").getBoolean("flag")).isTrue();
  }

  @Test
  void keysOfAFileThatTheDefaultsDoNotHaveAreReportedExceptInNamedSections() {
    JsonObject defaults = ConfigLoader.parseYaml("mode: embedded\ngateway: {port: 8080, auth: {jwt: {secret: ''}},"
        + " websocket: {routes: {}}}\n"
        + "monitoring: {alerts: {down: {kind: instance_down}}}\nexchanges: {binance: {enabled: true}}\n", "d");
    JsonObject file = ConfigLoader.parseYaml("gateway: {prot: 18095, auth: {jwt: {secert: x}},"
        + " websocket: {routes: {/ws/v1/x: storage}}}\nstorag: {a: 1}\n"
        + "monitoring: {alerts: {mine: {kind: stale_stream}}}\nexchanges: {binance: {enabled: false}}\n", "f");
    assertThat(ConfigLoader.unknownKeys(defaults, file)).containsExactly("gateway.prot", "gateway.auth.jwt.secert",
        "storag");
  }

  @Test
  void variablesThatMatchNoKeyAreReportedAsAFilesKeysAreAndVariablesThatAreNotConfigurationAreLeftAlone() {
    JsonObject config = ConfigLoader.parseYaml("storage: {batch_size: 20000, hot: {url: x}}\n"
        + "exchanges: {binance: {enabled: true}}\nscheduler: {jobs: {archive: {cron: x}}}\n", "d");
    Map<String, String> env = new java.util.TreeMap<>(Map.of(
        "MP_STORAGE_BATCH_SIZE", "5000",
        "MP_STORAGE_BACH_SIZE", "5000",
        "MP_STORAGE_HOT_PASSWROD", "x",
        // entries of sections that take names of their own are not reported (a file's are not either)
        "MP_EXCHANGES_MINE_ENABLED", "true",
        "MP_SCHEDULER_JOBS_NIGHTLY_CRON", "0 0 * * *"));
    // read by the launcher, bin/marketprism, logback, the tests and the benchmarks: never configuration
    env.putAll(Map.of("MP_CONFIG", "conf/cluster.yaml", "MP_JAVA_OPTS", "-Xmx1g", "MP_LOG_LEVEL", "DEBUG",
        "MP_LOG_HAZELCAST", "INFO", "MP_FIXTURES", "/tmp/f", "MP_TEST_CHDB", "/tmp/chdb",
        "MP_BENCH_WARMUP_SECONDS", "5", "MP_BENCH_SERVICE_JAVA_OPTS", "-Xmx1g"));
    env.put("MP_NATIVE_TRANSPORT", "false");
    Map<String, String> unknown = ConfigLoader.applyEnvironment(config, env);
    assertThat(unknown).containsExactly(Map.entry("MP_STORAGE_BACH_SIZE", "storage.bach.size"),
        Map.entry("MP_STORAGE_HOT_PASSWROD", "storage.hot.passwrod"));
    assertThat(config.getJsonObject("storage").getInteger("batch_size")).isEqualTo(5000);
    assertThat(config.getJsonObject("exchanges").getJsonObject("mine").getBoolean("enabled")).isTrue();
    assertThat(config.fieldNames()).containsExactlyInAnyOrder("storage", "exchanges", "scheduler");
  }

  @Test
  void everyVariableTheComposeFileAndTheReadmeSetIsAKnownKeyOfTheShippedDefaults() throws Exception {
    Path project = Path.of(System.getProperty("mp.project.dir", "../.."));
    Path yaml = project.resolve("conf/marketprism.yaml");
    JsonObject defaults = ConfigLoader.parseYaml(Files.readString(yaml), yaml.toString());
    Map<String, String> env = new java.util.TreeMap<>();
    for (String doc : List.of("docker/docker-compose.yml", "README.md")) {
      Matcher m = Pattern.compile("\\b(MP_[A-Z0-9_]*[A-Z0-9])\\b").matcher(Files.readString(project.resolve(doc)));
      while (m.find()) {
        env.put(m.group(1), "x");
      }
    }
    env.remove("MP_STORAGE_BACH_SIZE"); // the README's example of a typo
    assertThat(env).containsKeys("MP_STORAGE_HTTP_ADVERTISED_HOST", "MP_GATEWAY_PORT", "MP_STORAGE_HOT_PASSWORD");
    assertThat(ConfigLoader.applyEnvironment(defaults, env)).isEmpty();
  }

  @Test
  void fileIsMergedOverDefaultsSectionBySection() {
    JsonObject base = ConfigLoader.parseYaml("a: {x: 1, y: 2}\nb: 3\n", "base");
    ConfigLoader.deepMerge(base, ConfigLoader.parseYaml("a: {y: 5}\n", "over"));
    assertThat(base.encode()).isEqualTo("{\"a\":{\"x\":1,\"y\":5},\"b\":3}");
  }

  @Test
  void missingFileAndBadYamlAreNamed(@TempDir Path dir) throws Exception {
    assertThatThrownBy(() -> ConfigLoader.load(dir.resolve("none.yaml"), Map.of()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("none.yaml");
    Path bad = dir.resolve("bad.yaml");
    Files.writeString(bad, "gateway: [unclosed\n");
    assertThatThrownBy(() -> ConfigLoader.load(bad, Map.of()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("not valid YAML");
  }
}
