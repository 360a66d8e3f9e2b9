package io.marketprism.gateway;

import io.marketprism.platform.auth.AdminRoutes;
import io.marketprism.gateway.ratelimit.RateLimitOptions;
import io.marketprism.platform.http.RequestPath;
import io.marketprism.platform.config.ConfigException;
import io.marketprism.platform.config.ConfigLoader;
import io.marketprism.platform.http.ApiError;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GatewayOptionsTest {

  @Test
  void theShippedDefaultsAreValid() throws Exception {
    Path yaml = Path.of(System.getProperty("mp.project.dir", "../.."), "conf", "marketprism.yaml");
    GatewayOptions o = GatewayOptions.from(ConfigLoader.parseYaml(Files.readString(yaml), yaml.toString()));
    assertThat(o.host()).isEqualTo("0.0.0.0");
    assertThat(o.port()).isEqualTo(8080);
    assertThat(o.webSocketRoutes()).isEmpty(); // /ws/v1/stream is served by the gateway itself
    assertThat(o.redis().configured()).isFalse();
    assertThat(o.auth().jwtSecret()).isNull();
    assertThat(o.rateLimits().classes()).extracting(RateLimitOptions.RouteClass::name)
        .contains("default", "storage", "auth", "admin");
    assertThat(o.cache().routeFor("/api/v1/storage/stats")).isNotNull();
    assertThat(o.cache().routeFor("/api/v1/storage/trade")).isNull();
    // the archive answers when its days are moved: within the scheduler job's 10 minutes, not 5 s
    assertThat(o.backendTimeoutMs("/api/v1/storage/archive")).isEqualTo(600_000);
    assertThat(o.backendTimeoutMs("/api/v1/scheduler/jobs/archive/run")).isEqualTo(610_000);
    assertThat(o.backendTimeoutMs("/api/v1/storage/trade")).isEqualTo(5000);
    assertThat(o.backendTimeoutMs("/api/v1/storage/archives")).isEqualTo(5000);
    assertThat(o.breaker().timeoutMs()).as("the breaker never cuts a route short").isEqualTo(610_000);
    // server mode (conf/cluster.yaml merged over the defaults, as `run --config` does) keeps them
    Path cluster = yaml.resolveSibling("cluster.yaml");
    GatewayOptions server = GatewayOptions.from(ConfigLoader.deepMerge(
        ConfigLoader.parseYaml(Files.readString(yaml), yaml.toString()),
        ConfigLoader.parseYaml(Files.readString(cluster), cluster.toString())));
    assertThat(server.backendTimeoutMs("/api/v1/storage/archive")).isEqualTo(600_000);
  }

  @Test
  void emptyConfigGivesTheDocumentedDefaults() {
    GatewayOptions o = GatewayOptions.from(new JsonObject());
    assertThat(o.backendTimeoutMs()).isEqualTo(5000);
    assertThat(o.maxBodyBytes()).isEqualTo(1_048_576);
    assertThat(o.services()).contains("storage", "collector");
    assertThat(o.breaker().maxFailures()).isEqualTo(5);
  }

  @Test
  void badValuesNameTheirKey() {
    assertBad(new JsonObject().put("port", "http"), "gateway.port");
    assertBad(new JsonObject().put("backend_timeout_ms", 0), "gateway.backend_timeout_ms");
    assertBad(new JsonObject().put("rate_limits", new JsonObject().put("classes", new JsonObject()
        .put("storage", new JsonObject().put("capacity", -1)))), "gateway.rate_limits.classes.storage.capacity");
    assertBad(new JsonObject().put("rate_limits", new JsonObject().put("classes", new JsonObject()
        .put("storage", new JsonObject().put("prefixes", new JsonArray().add("api/v1"))))),
        "gateway.rate_limits.classes.storage.prefixes");
    assertBad(new JsonObject().put("redis", new JsonObject().put("url", "localhost:6379")), "gateway.redis.url");
    assertBad(new JsonObject().put("auth", new JsonObject().put("api_keys", new JsonArray()
        .add(new JsonObject().put("name", "k").put("sha256", "not-a-hash")))), "gateway.auth.api_keys[0].sha256");
    assertBad(new JsonObject().put("auth", new JsonObject().put("admin_routes", new JsonArray().add("archive"))),
        "gateway.auth.admin_routes[0]");
    assertBad(new JsonObject().put("auth", new JsonObject().put("jwt", new JsonObject().put("secret", "short"))),
        "gateway.auth.jwt.secret");
    assertBad(new JsonObject().put("websocket", new JsonObject().put("routes", new JsonObject().put("/stream", "storage"))),
        "gateway.websocket.routes./stream");
    assertBad(new JsonObject().put("cache", new JsonObject().put("routes", new JsonArray()
        .add(new JsonObject().put("prefix", "/x").put("ttl_ms", "soon")))), "gateway.cache.routes[0].ttl_ms");
    assertBad(new JsonObject().put("route_timeouts", new JsonArray()
        .add(new JsonObject().put("prefix", "api/v1/storage/archive").put("timeout_ms", 600_000))),
        "gateway.route_timeouts[0].prefix");
    assertBad(new JsonObject().put("route_timeouts", new JsonArray()
        .add(new JsonObject().put("prefix", "/api/v1/storage/archive").put("timeout_ms", 0))),
        "gateway.route_timeouts[0].timeout_ms");
    // a route timeout without its timeout, or with the key misspelt, was the backend timeout silently
    assertBad(new JsonObject().put("route_timeouts", new JsonArray()
        .add(new JsonObject().put("prefix", "/api/v1/storage/archive"))),
        "gateway.route_timeouts[0].timeout_ms");
    assertBad(new JsonObject().put("route_timeouts", new JsonArray()
        .add(new JsonObject().put("prefix", "/api/v1/storage/archive").put("timout_ms", 600_000))),
        "gateway.route_timeouts[0].timout_ms");
    // a misspelt key of a cached route or an API key was read as absent: its default taken, or the key's roles lost
    assertBad(new JsonObject().put("cache", new JsonObject().put("routes", new JsonArray()
        .add(new JsonObject().put("prefix", "/api/v1/storage/stats").put("ttl", 5000)))),
        "gateway.cache.routes[0].ttl");
    assertBad(new JsonObject().put("auth", new JsonObject().put("api_keys", new JsonArray()
        .add(new JsonObject().put("name", "ops").put("sha256", "a".repeat(64)).put("role", new JsonArray().add("admin"))))),
        "gateway.auth.api_keys[0].role");
    assertBad(new JsonObject().put("auth", new JsonObject().put("api_keys", new JsonArray()
        .add(new JsonObject().put("name", "ops").put("sha256", "a".repeat(64)))
        .add(new JsonObject().put("name", "ci").put("sha265", "b".repeat(64))))),
        "gateway.auth.api_keys[1].sha265");
  }

  private static void assertBad(JsonObject gateway, String key) {
    assertThatThrownBy(() -> GatewayOptions.from(new JsonObject().put("gateway", gateway)))
        .isInstanceOf(ConfigException.class)
        .satisfies(e -> assertThat(((ConfigException) e).key()).isEqualTo(key))
        .hasMessageStartingWith("config " + key + ": ");
  }

  @Test
  void pathsAreCanonicalizedBeforeRulesMatch() {
    assertThat(RequestPath.canonical("/api/v1/storage/trade")).isEqualTo("/api/v1/storage/trade");
    assertThat(RequestPath.canonical("/api/v1/storage/trade/")).isEqualTo("/api/v1/storage/trade");
    assertThat(RequestPath.canonical("//api/v1/./storage/x/../archive")).isEqualTo("/api/v1/storage/archive");
    assertThat(RequestPath.canonical("/api/v1/storage/%61rchive")).isEqualTo("/api/v1/storage/archive");
    assertThat(RequestPath.segment("/api/v1/storage/trade", 2)).isEqualTo("storage");
    assertThat(RequestPath.segment("/api/v1", 2)).isNull();
    for (String bad : List.of("/a/%zz", "/a/%", "/a/%C3%28", "/a/%00")) {
      assertThatThrownBy(() -> RequestPath.canonical(bad)).as(bad).isInstanceOf(ApiError.class)
          .satisfies(e -> assertThat(((ApiError) e).status()).isEqualTo(400));
    }
  }

  @Test
  void adminRulesMatchWholeSegments() {
    AdminRoutes rules = new AdminRoutes(List.of("* /api/v1/monitoring/alerts/**", "PUT /api/v1/broker/{stream}"));
    assertThat(rules.matches(HttpMethod.POST, "/api/v1/storage/archive")).isTrue();
    assertThat(rules.matches(HttpMethod.GET, "/api/v1/storage/archive")).isFalse();
    assertThat(rules.matches(HttpMethod.POST, "/api/v1/storage/replay")).isTrue();
    assertThat(rules.matches(HttpMethod.GET, "/api/v1/storage/replay")).isFalse();
    assertThat(rules.matches(HttpMethod.POST, "/api/v1/storage/archives")).isFalse();
    assertThat(rules.matches(HttpMethod.POST, "/api/v1/scheduler/jobs/daily/run")).isTrue();
    assertThat(rules.matches(HttpMethod.POST, "/api/v1/scheduler/jobs/daily/runs")).isFalse();
    assertThat(rules.matches(HttpMethod.GET, "/api/v1/scheduler/jobs/daily/runs")).isFalse();
    assertThat(rules.matches(HttpMethod.DELETE, "/api/v1/collector/subscriptions")).isTrue();
    assertThat(rules.matches(HttpMethod.GET, "/api/v1/monitoring/alerts/x/y")).isTrue();
    assertThat(rules.matches(HttpMethod.PUT, "/api/v1/broker/MARKET_DATA")).isTrue();
    assertThat(rules.matches(HttpMethod.PUT, "/api/v1/broker/MARKET_DATA/x")).isFalse();
  }

  @Test
  void routeClassesPickTheLongestPrefixAndAdminForAdminRoutes() {
    RateLimitOptions.RouteClasses classes = RateLimitOptions.from(new io.marketprism.platform.config.ConfigReader(
        "gateway.rate_limits", new JsonObject().put("classes", new JsonObject()
            .put("storage", new JsonObject().put("prefixes", new JsonArray().add("/api/v1/storage")))
            .put("stats", new JsonObject().put("prefixes", new JsonArray().add("/api/v1/storage/stats")))
            .put("admin", new JsonObject())))).classifier();
    assertThat(classes.classify("/api/v1/storage/trade", false).name()).isEqualTo("storage");
    assertThat(classes.classify("/api/v1/storage/stats", false).name()).isEqualTo("stats");
    assertThat(classes.classify("/api/v1/storagex", false).name()).isEqualTo("default");
    assertThat(classes.classify("/api/v1/storage/archive", true).name()).isEqualTo("admin");
  }
}
