package io.marketprism.scheduler;

import io.marketprism.platform.auth.Principal;
import io.marketprism.platform.discovery.ServiceDirectory;
import io.marketprism.platform.discovery.ServiceInstance;
import io.marketprism.platform.http.ApiError;
import io.marketprism.platform.service.ServiceVerticle;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import io.vertx.ext.healthchecks.Status;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs the jobs of {@code scheduler.jobs} on their intervals and on demand, keeping the last
 * runs of each. Several scheduler instances may run in a cluster: a cluster-wide lock per job
 * and the start time of its last run in a cluster map make a scheduled job run once per
 * interval across all of them (a manual run always runs, but never twice at once).
 */
public class SchedulerVerticle extends ServiceVerticle {

  private static final Logger LOG = LoggerFactory.getLogger(SchedulerVerticle.class);
  private static final int HISTORY = 100;
  /**
   * Who the scheduler's calls are from: a job calls an admin route (the archive) straight on a
   * service's port, which checks {@code gateway.auth} like the gateway does.
   */
  private static final Principal SELF = new Principal("scheduler", List.of(Principal.ADMIN), "internal");
  /** Lifetime of the token a call carries: it is checked when the call arrives, not while it runs. */
  private static final long TOKEN_TTL_SECONDS = 60;

  private final Map<String, JobSpec> jobs = new LinkedHashMap<>();
  private final Map<String, Deque<JobRun>> history = new LinkedHashMap<>();
  private final Map<String, Long> nextRun = new LinkedHashMap<>();
  /** The start time this instance wrote to {@link #lastStarts} for each job, to tell its own runs from others'. */
  private final Map<String, Long> ownStarts = new ConcurrentHashMap<>();
  private final AtomicLong runIds = new AtomicLong();
  private WebClient client;
  private ServiceDirectory directory;
  private AsyncMap<String, Long> lastStarts;

  @Override
  public String serviceName() {
    return "scheduler";
  }

  @Override
  public void validate(JsonObject root) {
    super.validate(root);
    SchedulerOptions.from(root);
  }

  @Override
  protected Future<?> startService(Router router) {
    new java.util.TreeMap<>(SchedulerOptions.from(rootConfig()).jobs()).forEach(jobs::put);
    client = WebClient.create(vertx, toServices(new WebClientOptions().setKeepAlive(true)));
    router.get("/api/v1/scheduler/jobs").handler(ctx -> ctx.json(new JsonObject().put("jobs", listJobs())));
    router.post("/api/v1/scheduler/jobs/:name/run").handler(ctx -> {
      JobSpec job = job(ctx.pathParam("name"));
      run(job, "manual").onSuccess(r -> ctx.response().setStatusCode("failed".equals(r.status()) ? 502 : 200)
          .putHeader("Content-Type", "application/json").end(r.toJson().encode())).onFailure(ctx::fail);
    });
    router.get("/api/v1/scheduler/jobs/:name/runs").handler(ctx -> {
      JobSpec job = job(ctx.pathParam("name"));
      JsonArray runs = new JsonArray();
      synchronized (history) {
        history.get(job.name()).descendingIterator().forEachRemaining(r -> runs.add(r.toJson()));
      }
      ctx.json(new JsonObject().put("job", job.name()).put("runs", runs));
    });
    health.register("jobs", p -> p.complete(Status.OK(new JsonObject().put("jobs", jobs.size()))));
    jobs.values().forEach(j -> history.put(j.name(), new ArrayDeque<>()));
    return platform.directory()
        .compose(dir -> {
          directory = dir;
          return vertx.sharedData().<String, Long>getAsyncMap("mp.scheduler.last-start");
        })
        .onSuccess(map -> {
          lastStarts = map;
          jobs.values().stream().filter(JobSpec::enabled)
              .forEach(j -> schedule(j, System.currentTimeMillis()
                  + (j.initialDelayMs() > 0 ? j.initialDelayMs() : j.everyMs())));
        });
  }

  @Override
  protected Future<?> stopService() {
    if (client != null) {
      client.close();
    }
    return Future.succeededFuture();
  }

  private JobSpec job(String name) {
    JobSpec job = jobs.get(name);
    if (job == null) {
      throw ApiError.notFound("no job named '" + name + "' (jobs: " + String.join(", ", jobs.keySet()) + ")");
    }
    return job;
  }

  private JsonArray listJobs() {
    JsonArray out = new JsonArray();
    synchronized (history) {
      for (JobSpec j : jobs.values()) {
        JsonObject o = j.toJson();
        Deque<JobRun> runs = history.get(j.name());
        o.put("next_run_ms", nextRun.get(j.name()));
        o.put("last_run", runs.isEmpty() ? null : runs.peekLast().toJson());
        out.add(o);
      }
    }
    return out;
  }

  /**
   * Schedules the run of a job due at {@code dueMs}; after it, the job is due again {@code every}
   * after that (at a fixed rate: a run's own duration does not shift the next ones).
   */
  private void schedule(JobSpec job, long dueMs) {
    synchronized (history) {
      nextRun.put(job.name(), dueMs);
    }
    vertx.setTimer(Math.max(1, dueMs - System.currentTimeMillis()), id -> run(job, "schedule")
        .onComplete(ar -> schedule(job, nextDue(dueMs, job.everyMs(), System.currentTimeMillis()))));
  }

  /**
   * @return the first time after {@code now} that is a whole number of intervals after {@code dueMs}:
   *     a run that took longer than the interval skips the runs it overlapped, it does not queue them
   */
  static long nextDue(long dueMs, long everyMs, long now) {
    long next = dueMs + everyMs;
    return next > now ? next : next + ((now - next) / everyMs + 1) * everyMs;
  }

  /**
   * Runs a job once, holding its cluster lock; a scheduled run is skipped if another instance
   * ran it within the interval.
   */
  Future<JobRun> run(JobSpec job, String trigger) {
    long started = System.currentTimeMillis();
    long runId = runIds.incrementAndGet();
    return vertx.sharedData().getLockWithTimeout("mp.scheduler.job." + job.name(), 1000)
        .compose(lock -> lastStarts.get(job.name())
            .compose(last -> {
              boolean ranHere = last != null && last.equals(ownStarts.get(job.name()));
              if ("schedule".equals(trigger) && last != null && !ranHere && started - last < job.everyMs() * 9 / 10) {
                return Future.succeededFuture(finish(job, runId, trigger, started, "skipped", 0,
                    "ran at " + last + " on another instance"));
              }
              return lastStarts.put(job.name(), started).compose(v -> {
                ownStarts.put(job.name(), started);
                return call(job, runId, trigger, started);
              });
            })
            .eventually(() -> {
              lock.release();
              return Future.succeededFuture();
            }))
        .recover(err -> Future.succeededFuture(finish(job, runId, trigger, started, "skipped", 0,
            "another run holds the job lock: " + err.getMessage())));
  }

  private Future<JobRun> call(JobSpec job, long runId, String trigger, long started) {
    List<ServiceInstance> targets = directory.instances(job.service());
    if (targets.isEmpty()) {
      return Future.succeededFuture(finish(job, runId, trigger, started, "failed", 0,
          "no instance of " + job.service() + " is running"));
    }
    ServiceInstance target = targets.get((int) (runId % targets.size()));
    return client.request(job.method(), target.port(), target.host(), job.path())
        .ssl(target.ssl())
        .timeout(job.timeoutMs())
        .putHeader("X-Request-Id", "scheduler-" + job.name() + "-" + runId)
        .putHeader("Authorization", "Bearer " + access.authenticator().issue(SELF, TOKEN_TTL_SECONDS))
        .sendJsonObject(job.body())
        .map(resp -> finish(job, runId, trigger, started,
            resp.statusCode() < 300 && !listsFailures(resp.bodyAsString()) ? "succeeded" : "failed",
            resp.statusCode(), abbreviate(resp.bodyAsString()) + (resp.statusCode() == 401
                ? " (the scheduler signs its calls with gateway.auth.jwt.secret: a node in another process"
                    + " accepts them only when every node has the same secret configured)" : "")))
        .recover(err -> Future.succeededFuture(finish(job, runId, trigger, started, "failed", 0,
            String.valueOf(err.getMessage()))));
  }

  /**
   * Whether a job's answer lists failures: a JSON object with a non-empty {@code failed} array, as
   * the storage's archive answers 200 when some days could not be moved (they stay hot and the
   * next run tries again). Such a run is a failed one: counted as succeeded, a scheduled archive
   * that kept failing (the cold store full, records of the day still arriving) left hot growing
   * past its days with every run in the history saying it succeeded.
   */
  static boolean listsFailures(String body) {
    if (body == null || !body.stripLeading().startsWith("{")) {
      return false;
    }
    try {
      Object failed = new JsonObject(body).getValue("failed");
      return failed instanceof JsonArray a && !a.isEmpty();
    } catch (RuntimeException notJson) {
      return false;
    }
  }

  private JobRun finish(JobSpec job, long runId, String trigger, long started, String status, int http, String msg) {
    JobRun run = new JobRun(job.name(), runId, trigger, started, System.currentTimeMillis(), status, http, msg,
        registry().nodeId());
    synchronized (history) {
      Deque<JobRun> runs = history.get(job.name());
      runs.addLast(run);
      while (runs.size() > HISTORY) {
        runs.removeFirst();
      }
    }
    Counter.builder("marketprism_scheduler_runs_total").tag("job", job.name()).tag("status", status)
        .register(platform.meters()).increment();
    if ("failed".equals(status)) {
      LOG.warn("job {} run {} failed: {}", job.name(), runId, msg);
    } else {
      LOG.info("job {} run {} {}", job.name(), runId, status);
    }
    return run;
  }

  private static String abbreviate(String s) {
    if (s == null) {
      return "";
    }
    return s.length() <= 500 ? s : s.substring(0, 500) + "…";
  }
}
