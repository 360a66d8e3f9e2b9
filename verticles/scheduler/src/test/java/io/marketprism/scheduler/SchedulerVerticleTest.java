package io.marketprism.scheduler;

import io.marketprism.platform.Platform;
import io.marketprism.platform.auth.ApiKey;
import io.marketprism.platform.service.ServiceVerticle;
import io.marketprism.platform.config.ConfigException;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@ExtendWith(VertxExtension.class)
class SchedulerVerticleTest {

  private Vertx vertx;
  private final AtomicInteger calls = new AtomicInteger();
  private WebClient client;

  @BeforeEach
  void setUp() throws Exception {
    vertx = Vertx.vertx();
    client = WebClient.create(vertx);
    // a target service "target" published in discovery, counting the calls it gets
    var server = vertx.createHttpServer().requestHandler(req -> {
      if (req.method() == HttpMethod.POST && req.path().equals("/api/v1/target/work")) {
        calls.incrementAndGet();
        req.response().end("{\"done\":true}");
      } else if (req.method() == HttpMethod.POST && req.path().equals("/api/v1/target/archive")) {
        // as the storage's archive answers when a day could not be moved: 200, the day listed as failed
        req.response().end(new JsonObject().put("before", 1_704_153_600_000L).put("moved", new JsonArray())
            .put("failed", new JsonArray().add(new JsonObject().put("table", "trade").put("day", "2024-01-01")
                .put("error", "3 records of 2024-01-01 in hot are not in cold"))).encode());
      } else {
        req.response().setStatusCode(500).end("nope");
      }
    }).listen(0, "127.0.0.1").await(5, TimeUnit.SECONDS);
    Platform.of(vertx, new JsonObject()).registry()
        .publishHttp("target", "127.0.0.1", server.actualPort(), null).await(5, TimeUnit.SECONDS);
  }

  @AfterEach
  void tearDown() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  /** The admin API key of gateway.auth: running a job by hand is an admin route on the scheduler's port too. */
  private static final String ADMIN_KEY = "scheduler-test-admin-key";

  private static JsonObject auth() {
    return new JsonObject().put("auth", new JsonObject().put("api_keys", new JsonArray()
        .add(new JsonObject().put("name", "ops").put("sha256", ApiKey.sha256Hex(ADMIN_KEY)).put("roles", new JsonArray().add("admin")))
        .add(new JsonObject().put("name", "viewer").put("sha256", ApiKey.sha256Hex("viewer-key"))
            .put("roles", new JsonArray().add("reader")))));
  }

  /** A manual run, as an admin sends it. */
  private io.vertx.ext.web.client.HttpRequest<io.vertx.core.buffer.Buffer> run(int port, String job) {
    return client.post(port, "127.0.0.1", "/api/v1/scheduler/jobs/" + job + "/run").putHeader("X-API-Key", ADMIN_KEY);
  }

  private JsonObject config(String every) {
    return new JsonObject().put("gateway", auth()).put("scheduler", new JsonObject()
        .put("http", new JsonObject().put("port", 0))
        .put("jobs", new JsonObject()
            .put("work", new JsonObject().put("every", every).put("service", "target").put("path", "/api/v1/target/work"))
            .put("broken", new JsonObject().put("every", "1h").put("service", "target").put("path", "/api/v1/target/nothing"))));
  }

  private int deploy(JsonObject config) throws Exception {
    SchedulerVerticle v = new SchedulerVerticle();
    vertx.deployVerticle(v, new DeploymentOptions().setConfig(config)).await(10, TimeUnit.SECONDS);
    return v.actualPort();
  }

  @Test
  void runsAJobOnItsIntervalAndKeepsItsHistory() throws Exception {
    int port = deploy(config("300ms"));
    long deadline = System.currentTimeMillis() + 10_000;
    while (calls.get() < 3 && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
    }
    assertThat(calls.get()).isGreaterThanOrEqualTo(3);
    Thread.sleep(100);
    JsonObject runs = client.get(port, "127.0.0.1", "/api/v1/scheduler/jobs/work/runs").send()
        .await(5, TimeUnit.SECONDS).bodyAsJsonObject();
    assertThat(runs.getJsonArray("runs").size()).isEqualTo(calls.get());
    assertThat(runs.getJsonArray("runs").getJsonObject(0).getString("status")).isEqualTo("succeeded");
  }

  @Test
  void twoInstancesRunAScheduledJobOncePerInterval() throws Exception {
    long t0 = System.currentTimeMillis();
    deploy(config("400ms"));
    deploy(config("400ms"));
    Thread.sleep(2400);
    long elapsed = System.currentTimeMillis() - t0;
    // a run is skipped when another ran within 0.9 intervals: at most elapsed / 360 ms runs
    // (+1 for the first); without the shared lock and last-start both instances would run
    assertThat(calls.get()).isBetween(1, (int) (elapsed / 360) + 1);
  }

  @Test
  void initialDelayAppliesToTheFirstRunOnly() throws Exception {
    JsonObject cfg = config("800ms");
    cfg.getJsonObject("scheduler").getJsonObject("jobs").getJsonObject("work").put("initial_delay", "100ms");
    int port = deploy(cfg);
    long deadline = System.currentTimeMillis() + 10_000;
    while (calls.get() < 2 && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
    }
    Thread.sleep(100);
    JsonObject runs = client.get(port, "127.0.0.1", "/api/v1/scheduler/jobs/work/runs").send()
        .await(5, TimeUnit.SECONDS).bodyAsJsonObject();
    // newest first; without the fix every run after the first came 100 ms after the last and
    // was skipped as "ran on another instance" until the interval had passed
    var list = runs.getJsonArray("runs");
    assertThat(list.stream().map(r -> ((JsonObject) r).getString("status"))).containsOnly("succeeded");
    assertThat(list.size()).isEqualTo(2);
    JsonObject last = list.getJsonObject(0);
    JsonObject first = list.getJsonObject(1);
    // at a fixed rate: runs start an interval apart (the timer may fire a few ms late, never early)
    assertThat(last.getLong("started_ms") - first.getLong("started_ms")).isBetween(795L, 1100L);
    JsonObject job = client.get(port, "127.0.0.1", "/api/v1/scheduler/jobs").send()
        .await(5, TimeUnit.SECONDS).bodyAsJsonObject().getJsonArray("jobs").getJsonObject(1);
    assertThat(job.getString("name")).isEqualTo("work");
    assertThat(job.getLong("next_run_ms")).isBetween(last.getLong("started_ms") + 700, last.getLong("started_ms") + 900);
  }

  @Test
  void theNextRunIsDueAWholeNumberOfIntervalsAfterTheLastDueTime() {
    assertThat(SchedulerVerticle.nextDue(1_000, 800, 1_050)).isEqualTo(1_800); // a quick run
    assertThat(SchedulerVerticle.nextDue(1_000, 800, 1_900)).isEqualTo(2_600); // a run longer than the interval
    assertThat(SchedulerVerticle.nextDue(1_000, 800, 1_800)).isEqualTo(2_600);
  }

  @Test
  void aScheduledRunIsNotSkippedForTheSameInstancesManualRun() throws Exception {
    JsonObject cfg = config("1h");
    cfg.getJsonObject("scheduler").getJsonObject("jobs").getJsonObject("work").put("initial_delay", "500ms");
    int port = deploy(cfg);
    run(port, "work").send().await(5, TimeUnit.SECONDS);
    long deadline = System.currentTimeMillis() + 10_000;
    JsonObject runs;
    do {
      Thread.sleep(20);
      runs = client.get(port, "127.0.0.1", "/api/v1/scheduler/jobs/work/runs").send()
          .await(5, TimeUnit.SECONDS).bodyAsJsonObject();
    } while (runs.getJsonArray("runs").size() < 2 && System.currentTimeMillis() < deadline);
    JsonObject scheduled = runs.getJsonArray("runs").getJsonObject(0);
    assertThat(scheduled.getString("trigger")).isEqualTo("schedule");
    assertThat(scheduled.getString("status")).isEqualTo("succeeded");
    assertThat(calls.get()).isEqualTo(2);
  }

  @Test
  void manualRunReportsFailureOfTheTarget() throws Exception {
    int port = deploy(config("1h"));
    var ok = run(port, "work").send().await(5, TimeUnit.SECONDS);
    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(ok.bodyAsJsonObject().getString("trigger")).isEqualTo("manual");
    assertThat(calls.get()).isEqualTo(1);
    var failed = run(port, "broken").send().await(5, TimeUnit.SECONDS);
    assertThat(failed.statusCode()).isEqualTo(502);
    assertThat(failed.bodyAsJsonObject().getInteger("http_status")).isEqualTo(500);
    var missing = run(port, "nope").send().await(5, TimeUnit.SECONDS);
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(missing.bodyAsJsonObject().getJsonObject("error").getString("message")).contains("nope");
  }

  /**
   * The archive answers 200 also when days could not be moved, listing them in {@code failed}:
   * the run is a failed one, in the answer to a manual run and in the history, with the reason.
   */
  @Test
  void aRunWhoseAnswerListsFailuresIsAFailedRun() throws Exception {
    JsonObject config = config("1h");
    config.getJsonObject("scheduler").getJsonObject("jobs").put("archive", new JsonObject().put("every", "1h")
        .put("service", "target").put("method", "post").put("path", "/api/v1/target/archive"));
    int port = deploy(config);
    var run = run(port, "archive").send().await(5, TimeUnit.SECONDS);
    assertThat(run.statusCode()).as(run.bodyAsString()).isEqualTo(502);
    assertThat(run.bodyAsJsonObject().getString("status")).isEqualTo("failed");
    var runs = client.get(port, "127.0.0.1", "/api/v1/scheduler/jobs/archive/runs").send().await(5, TimeUnit.SECONDS)
        .bodyAsJsonObject().getJsonArray("runs");
    assertThat(runs.getJsonObject(0).getString("status")).isEqualTo("failed");
    assertThat(runs.getJsonObject(0).encode()).contains("not in cold");
    assertThat(SchedulerVerticle.listsFailures("{\"moved\":[],\"failed\":[]}")).isFalse();
    assertThat(SchedulerVerticle.listsFailures("{\"done\":true}")).isFalse();
    assertThat(SchedulerVerticle.listsFailures("not json {")).isFalse();
  }

  @Test
  void badJobConfigNamesTheKey() {
    JsonObject cfg = config("soon");
    assertThatThrownBy(() -> new SchedulerVerticle().validate(cfg))
        .isInstanceOf(ConfigException.class).hasMessageContaining("scheduler.jobs.work.every")
        .hasMessageContaining("30s");
  }

  @Test
  void aJobKeyItDoesNotTakeIsRefused() {
    // a job of the user's own has no defaults for the file's unknown-key warning to compare with:
    // a misspelt key was read as absent, here leaving the job without its 10m timeout
    JsonObject cfg = config("1h");
    cfg.getJsonObject("scheduler").getJsonObject("jobs").getJsonObject("work").put("timout", "10m");
    assertThatThrownBy(() -> new SchedulerVerticle().validate(cfg))
        .isInstanceOf(ConfigException.class).hasMessageStartingWith("config scheduler.jobs.work.timout: ")
        .hasMessageContaining("every, initial_delay");
  }

  /** Running a job by hand is an admin route (CONTRACT §5), on the scheduler's own port too. */
  @Test
  void aManualRunStraightToTheSchedulersPortNeedsAnAdmin() throws Exception {
    int port = deploy(config("1h"));
    var none = client.post(port, "127.0.0.1", "/api/v1/scheduler/jobs/work/run").send().await(5, TimeUnit.SECONDS);
    assertThat(none.statusCode()).as(none.bodyAsString()).isEqualTo(401);
    assertThat(none.bodyAsJsonObject().getJsonObject("error").getString("code")).isEqualTo("unauthorized");
    var reader = client.post(port, "127.0.0.1", "/api/v1/scheduler/jobs/work/run").putHeader("X-API-Key", "viewer-key")
        .send().await(5, TimeUnit.SECONDS);
    assertThat(reader.statusCode()).as(reader.bodyAsString()).isEqualTo(403);
    assertThat(calls.get()).isZero();
    assertThat(client.get(port, "127.0.0.1", "/api/v1/scheduler/jobs").send().await(5, TimeUnit.SECONDS).statusCode())
        .isEqualTo(200);
    assertThat(run(port, "work").send().await(5, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    assertThat(calls.get()).isEqualTo(1);
  }

  /** A storage as far as the archive goes: a service whose {@code POST /api/v1/storage/archive} is an admin route. */
  static final class Storage extends ServiceVerticle {
    final AtomicInteger archives = new AtomicInteger();

    @Override
    public String serviceName() {
      return "storage";
    }

    @Override
    protected io.vertx.core.Future<?> startService(io.vertx.ext.web.Router router) {
      router.post("/api/v1/storage/archive").handler(ctx -> {
        archives.incrementAndGet();
        ctx.json(new JsonObject().put("moved", new JsonArray()).put("failed", new JsonArray()));
      });
      return io.vertx.core.Future.succeededFuture();
    }
  }

  /**
   * The archive job calls the storage's admin route straight on its port, which checks
   * gateway.auth: the scheduler's calls carry an admin token of its own (signed with the shared
   * secret, here a configured one), so scheduled and manual archiving keep working.
   */
  @Test
  void theArchiveJobGetsPastTheStoragesAdminCheck() throws Exception {
    JsonObject config = config("300ms");
    config.getJsonObject("gateway").getJsonObject("auth").put("jwt", new JsonObject().put("secret", "sixteen-or-more-chars"));
    config.getJsonObject("scheduler").getJsonObject("jobs").put("archive", new JsonObject().put("every", "300ms")
        .put("service", "storage").put("method", "post").put("path", "/api/v1/storage/archive"));
    config.put("storage", new JsonObject().put("http", new JsonObject().put("host", "0.0.0.0").put("port", 0)));
    Storage storage = new Storage();
    vertx.deployVerticle(storage, new DeploymentOptions().setConfig(config)).await(10, TimeUnit.SECONDS);
    // the storage refuses a caller without credentials
    assertThat(client.post(storage.actualPort(), "127.0.0.1", "/api/v1/storage/archive").send()
        .await(5, TimeUnit.SECONDS).statusCode()).isEqualTo(401);
    int port = deploy(config);
    long deadline = System.currentTimeMillis() + 10_000;
    while (storage.archives.get() < 2 && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
    }
    assertThat(storage.archives.get()).isGreaterThanOrEqualTo(2);
    var manual = run(port, "archive").send().await(5, TimeUnit.SECONDS);
    assertThat(manual.statusCode()).as(manual.bodyAsString()).isEqualTo(200);
    var runs = client.get(port, "127.0.0.1", "/api/v1/scheduler/jobs/archive/runs").send().await(5, TimeUnit.SECONDS)
        .bodyAsJsonObject().getJsonArray("runs");
    assertThat(runs.stream().map(r -> ((JsonObject) r).getString("status"))).containsOnly("succeeded");
  }
}
