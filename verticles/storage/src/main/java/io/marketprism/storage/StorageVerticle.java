package io.marketprism.storage;

import io.marketprism.model.SubjectPattern;
import io.marketprism.model.Subjects;
import io.marketprism.platform.bus.BusMessage;
import io.marketprism.platform.bus.ConsumerSpec;
import io.marketprism.platform.bus.RecordBus;
import io.marketprism.platform.bus.RecordConsumer;
import io.marketprism.platform.bus.Replay;
import io.marketprism.platform.http.ApiError;
import io.marketprism.platform.http.ServerUnavailableException;
import io.marketprism.platform.metrics.LogThrottle;
import io.marketprism.platform.service.ServiceVerticle;
import io.marketprism.storage.archive.ArchiveJob;
import io.marketprism.storage.cache.LatestCache;
import io.marketprism.storage.cache.MemoryLatestCache;
import io.marketprism.storage.cache.RedisLatestCache;
import io.marketprism.storage.hot.Batch;
import io.marketprism.storage.hot.ClickHouseHotStore;
import io.marketprism.storage.hot.DuckDbHotStore;
import io.marketprism.storage.hot.HotStore;
import io.marketprism.storage.query.KlineQuery;
import io.marketprism.storage.query.Params;
import io.marketprism.storage.query.RecordQuery;
import io.marketprism.storage.query.TierPlan;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.Status;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.core.Handler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The storage service (CONTRACT §1, §5): reads the bus with a durable consumer, commits batches
 * to the hot store and acknowledges them only after the commit (a batch that cannot be stored is
 * retried, never skipped), keeps the latest cache, archives old days to the cold tier on a
 * schedule, and answers the {@code /api/v1/storage/...} queries.
 */
public class StorageVerticle extends ServiceVerticle {

  private static final Logger LOG = LoggerFactory.getLogger(StorageVerticle.class);
  private static final long MAX_BACKOFF_MS = 5_000;
  /** How long after its event time a trade may reach the bus: the exchange's latency and the collector's. */
  static final long LATE_TRADE_MS = 2_000;
  /** The hot store's health check waits this long for an answer (within the health procedure's own second). */
  private static final long PING_TIMEOUT_MS = 700;
  /** A hot store whose server did not answer at start (or refused the login) is started again this often. */
  static final long HOT_RETRY_MS = 2_000;
  /** How often a storage looks whether the hot store's server restarted (see {@link RestartWatch}). */
  private static final long RESTART_LOOK_MS = 5_000;
  /** How often a storage looks for replays whose storage stopped, to go on with them. */
  private static final long REPLAY_SCAN_MS = 30_000;
  /** What the storage does without its latest cache (the service is degraded, not down). */
  private static final String LATEST_WITHOUT_CACHE = "; latest answers from memory and the stored records";
  /** Held by the archive run going: cluster-wide in a cluster, so runs of several instances never interleave. */
  static final String ARCHIVE_LOCK = "mp.storage.archive";
  /**
   * Held, cluster-wide, while an instance looks at the stream's replays and starts or takes one
   * over: two instances looking at the same instant would each take over a stopped one, or each
   * start the replay owed after one restart of the hot store (the work done twice, absorbed).
   * Hazelcast frees it when its holder leaves the cluster.
   */
  static final String REPLAY_LOCK = "mp.storage.replays";
  /** The parameters of {@code GET /api/v1/storage/latest/{data_type}} (CONTRACT §5), each required. */
  private static final List<String> LATEST_PARAMS = List.of("exchange", "market_type", "symbol");
  private static final String ARCHIVE = "POST /api/v1/storage/archive";
  private static final String REPLAY = "POST /api/v1/storage/replay";
  /** A replay's durable consumer is the live one's name, this, and when it was asked for. */
  private static final String REPLAY_DURABLE = "_replay_";

  /** A flood of bad messages logs one a second (the rejected counter sees every one). */
  private final LogThrottle rejectLog = new LogThrottle(1_000);
  private StorageOptions options;
  private HotStore hot;
  private LatestCache cache;
  private RecordBus bus;
  private RecordConsumer consumer;
  /** The replay this instance runs or ran last, or null. */
  private Replay replay;
  /** The replays this instance runs: its own and those it went on with (a storage may start with more than one). */
  private final Set<Replay> replays = java.util.concurrent.ConcurrentHashMap.newKeySet();
  /** Whether a replay asked for is starting (its stream's end being read): a second one meanwhile is a 409 too. */
  private boolean replayStarting;
  /** Whether the replays stopped storages left are being looked for. */
  private boolean scanningReplays;
  /** Null when the hot store syncs what it commits, the bus keeps nothing to replay, or it is configured off. */
  private RestartWatch restartWatch;
  /** What the restarts of the hot store's server left to read again, until a replay of it starts; or null. */
  private RestartWatch.Owed owedReplay;
  private boolean lookingForRestart;
  private long restartTimer = -1;
  private ArchiveJob archive;
  private long archiveTimer = -1;
  private long replayScanTimer = -1;
  private volatile boolean stopping;
  private volatile String lastWriteError;
  /** Why the hot store has not started (its server did not answer or refused the login), or null once it has. */
  private volatile String hotProblem;
  private long hotRetryTimer = -1;
  private Counter committed;
  private Counter replayed;
  private Counter rejected;
  private Counter retries;
  private Counter cacheErrors;
  private Counter hotRestarts;
  private Timer receiveToCommit;
  /** {@code latest} from its request to its answer, in this service: answered by the cache, or by the store. */
  private Timer latestFromCache;
  private Timer latestFromStore;

  @Override
  public String serviceName() {
    return "storage";
  }

  @Override
  public void validate(JsonObject root) {
    super.validate(root);
    StorageOptions.from(root);
  }

  @Override
  protected Future<?> startService(Router router) {
    options = StorageOptions.from(rootConfig());
    hot = "clickhouse".equals(options.hotType()) ? new ClickHouseHotStore(vertx, options)
        : new DuckDbHotStore(vertx, options.duckDbFile(), options.coldDir());
    cacheErrors = Counter.builder("mp_storage_cache_errors")
        .description("latest cache (Redis) writes and reads that failed or timed out").register(platform.meters());
    cache = "redis".equals(options.cacheType())
        ? new RedisLatestCache(vertx, options.redisUrl(), options.cacheTimeout(), cacheErrors::increment)
        : new MemoryLatestCache();
    bus = RecordBus.create(vertx, options.bus());
    committed = Counter.builder("mp_storage_records_committed").register(platform.meters());
    replayed = Counter.builder("mp_storage_records_replayed")
        .description("records read again from the stream by a replay and stored (copies absorbed by identity)")
        .register(platform.meters());
    rejected = Counter.builder("mp_storage_records_rejected").register(platform.meters());
    hotRestarts = Counter.builder("mp_storage_hot_restarts")
        .description("restarts seen of the hot store's server, which does not sync what it commits: each is followed "
            + "by a replay of what it committed shortly before").register(platform.meters());
    retries = Counter.builder("mp_storage_write_retries").register(platform.meters());
    receiveToCommit = Timer.builder("mp_storage_receive_to_commit").publishPercentiles(0.5, 0.99)
        .register(platform.meters());
    latestFromCache = latestTimer("cache");
    latestFromStore = latestTimer("store");
    mountRoutes(router);
    // a write that failed says why; a server that hangs is seen by the ping long before a write times out
    health.register("hot_store", p -> {
      if (hotProblem != null) {
        p.complete(status(hotProblem));
      } else if (lastWriteError != null) {
        p.complete(status(lastWriteError));
      } else {
        hot.ping(PING_TIMEOUT_MS).onComplete(ar -> p.complete(status(ar.succeeded() ? null
            : ar.cause().getMessage())));
      }
    });
    // without its cache the service still serves latest (from memory and the stored records): degraded, not down
    health.register("latest_cache", p -> cache.problem().onComplete(ar -> p.complete(ar.result() == null
        ? Status.OK() : Status.OK(new JsonObject().put("degraded", ar.result() + LATEST_WITHOUT_CACHE)))));
    health.register("bus", p -> p.complete(status(bus.problem())));
    return hot.start().transform(ar -> {
      if (ar.succeeded()) {
        return consume();
      }
      if (!unreachable(ar.cause())) {
        return Future.failedFuture(ar.cause());
      }
      // the other services of this node (a collector buffering for it) keep running: start once it answers (or,
      // when it refused the login, once its users are fixed)
      hotProblem = ar.cause().getMessage();
      LOG.error("{}; storage consumes nothing and answers 503 until its start succeeds (tried again every {} ms)",
          hotProblem, HOT_RETRY_MS);
      retryHotStart();
      return Future.succeededFuture();
    });
  }

  /** Tries the hot store's start again until it succeeds (the server answers), then starts consuming. */
  private void retryHotStart() {
    hotRetryTimer = vertx.setTimer(HOT_RETRY_MS, t -> hot.start().onSuccess(v -> {
      LOG.info("the hot store answers now: storage starts consuming");
      hotProblem = null;
      consume().onFailure(e -> LOG.error("storage could not start consuming: {}", e.getMessage()));
    }).onFailure(e -> {
      hotProblem = e.getMessage();
      if (!stopping) {
        retryHotStart();
      }
    }));
  }

  private static boolean unreachable(Throwable e) {
    for (Throwable c = e; c != null; c = c.getCause()) {
      if (c instanceof ServerUnavailableException) {
        return true;
      }
    }
    return false;
  }

  /** Starts the bus and the durable consumer, once the hot store has started. */
  private Future<?> consume() {
    ConsumerSpec spec = new ConsumerSpec(options.stream(), options.durable(), ">", options.batchSize(),
        options.flushInterval(), options.ackWait(), options.batchesInFlight());
    if (!options.restartReplay().isZero() && "nats".equals(options.bus().type())) {
      restartWatch = new RestartWatch(options.restartReplay().toMillis());
    }
    // the first look before consuming: the commits the consumer shows are all a previous run's
    return bus.start()
        .compose(v -> lookForRestart(spec))
        .compose(v -> bus.consume(spec, this::commit))
        .onSuccess(c -> {
          consumer = c;
          restartTimer = vertx.setPeriodic(RESTART_LOOK_MS, t -> lookForRestart(spec));
          archive = new ArchiveJob(hot);
          if (!options.archiveInterval().isZero()) {
            archiveTimer = vertx.setPeriodic(options.archiveInterval().toMillis(), t -> runArchive(retentionCutoff())
                .onFailure(e -> LOG.info("scheduled archive not run: {}", e.getMessage())));
          }
          LOG.info("storage: {} hot store, {} cache, {} bus", options.hotType(), options.cacheType(), options.bus().type());
          // the first look a random moment into the start: storages started together rarely look at the same instant
          // (when they do, the one that does not get REPLAY_LOCK looks again at its next turn)
          replayScanTimer = vertx.setPeriodic(1 + java.util.concurrent.ThreadLocalRandom.current().nextLong(5_000),
              REPLAY_SCAN_MS, t -> resumeReplays());
          cache.startProblem().onSuccess(problem -> {
            if (problem != null) {
              LOG.warn("latest cache: {}{} until it does", problem, LATEST_WITHOUT_CACHE);
            }
          });
        });
  }

  /**
   * Goes on with the replays a storage stopped before they ended (their consumers stay on the server
   * as long as the stream keeps the records they read), unless the node that ran one is still in the cluster: at start, and every
   * {@link #REPLAY_SCAN_MS} after (a killed node leaves the cluster some seconds after it died, and a
   * storage that runs on takes over a replay of one that died).
   */
  private void resumeReplays() {
    if (scanningReplays || stopping) {
      return;
    }
    scanningReplays = true;
    resumeReplaysNow()
        .onComplete(ar -> scanningReplays = false)
        .onFailure(e -> LOG.debug("replays a stopped storage left were not looked for ({}); again in {} ms",
            e.getMessage(), REPLAY_SCAN_MS));
  }

  /** @return the replays this instance took over (none while another instance looks at them: it takes them) */
  Future<List<Replay>> resumeReplaysNow() {
    return withReplayLock(100, () -> bus.resumeReplays(replaySpec(options.durable() + REPLAY_DURABLE, ">"),
        registry().nodeId(), registry()::isLiveNode, this::storeReplayed))
        .onSuccess(found -> found.forEach(this::track));
  }

  /**
   * Runs {@code work} holding {@link #REPLAY_LOCK}, released when its future completes.
   *
   * @param waitMs how long to wait for an instance that holds it
   */
  private <T> Future<T> withReplayLock(long waitMs, java.util.function.Supplier<Future<T>> work) {
    return vertx.sharedData().getLockWithTimeout(REPLAY_LOCK, waitMs)
        .recover(busy -> Future.failedFuture(new ApiError(409, "replay_running", "another storage instance is "
            + "starting a replay or taking one over; ask again in a moment")))
        .compose(lock -> work.get().onComplete(ar -> lock.release()));
  }

  /**
   * Looks whether the hot store's server restarted (see {@link RestartWatch}) and, when it did, owes
   * a replay of what it committed shortly before, and starts it at once (beside any other replay,
   * unless one reads all of it already). A server or NATS that does not answer is looked at again later.
   * Until this storage commits, the consumer's commits are a previous run's (or other instances'):
   * the first look then also asks whether the server started after them.
   */
  private Future<Void> lookForRestart(ConsumerSpec live) {
    RestartWatch watch = restartWatch;
    if (watch == null || lookingForRestart || stopping) {
      return Future.succeededFuture();
    }
    lookingForRestart = true;
    long now = System.currentTimeMillis();
    for (Replay r : replays) {
      watch.replayRan(now, r.stats().getLong("since_ms"));
    }
    // at the start, the replays a stopped storage left on the stream stored records too
    Future<?> left = watch.serverStartMs() < 0 && committed.count() == 0
        ? bus.replays(replaySpec(options.durable() + REPLAY_DURABLE, ">"))
            .onSuccess(found -> found.forEach(r -> watch.replayRan(now, r.getLong("since_ms"))))
        : Future.succeededFuture();
    return left.compose(v -> bus.position(live)).compose(pos -> hot.unsyncedServerStartMs(PING_TIMEOUT_MS)
        .onFailure(away -> watch.unanswered(pos)).map(start -> {
          if (start == null) {
            restartWatch = null; // the store syncs what it commits
            return null;
          }
          return watch.observe(System.currentTimeMillis(), start, pos, committed.count() == 0);
        }))
        .<Void>map(owed -> {
          if (owed != null) {
            hotRestarts.increment();
            owedReplay = owedReplay == null ? owed : owedReplay.and(owed);
            LOG.warn("{}: it does not sync what it commits, so what it committed in the {} ms before may be lost; "
                + "the stream is read again from {} up to stream sequence {}", owed.why(),
                options.restartReplay().toMillis(), java.time.Instant.ofEpochMilli(owedReplay.sinceMs()),
                owedReplay.untilSeq());
          }
          return null;
        })
        .recover(e -> {
          LOG.debug("no look at the hot store's server start ({}); again in {} ms", e.getMessage(), RESTART_LOOK_MS);
          return Future.succeededFuture();
        })
        .compose(v -> startOwedReplay())
        .onComplete(ar -> lookingForRestart = false);
  }

  private Future<Void> startOwedReplay() {
    RestartWatch.Owed owed = owedReplay;
    if (owed == null || consumer == null || stopping) {
      return Future.succeededFuture(); // at the look before consuming: at the next one
    }
    // a replay another instance runs may read all of it already (it saw the same restart)
    return withReplayLock(2_000, () -> bus.replays(replaySpec(options.durable() + REPLAY_DURABLE, ">")).compose(running -> {
      for (JsonObject r : running) {
        if (">".equals(r.getString("subjects")) && r.getLong("since_ms") <= owed.sinceMs()
            && r.getLong("target_seq") >= owed.untilSeq()) {
          LOG.info("the replay owed after the hot store's restart is read by {} (run by node {}) already",
              r.getString("durable"), r.getString("run_by"));
          return Future.succeededFuture();
        }
      }
      return startReplay(">", owed.sinceMs(), owed.untilSeq(), false).mapEmpty();
    })).<Void>map(v -> {
      if (owedReplay == owed) {
        owedReplay = null;
      }
      return null;
    }).recover(e -> {
      LOG.info("the replay owed after the hot store's restart did not start ({}); tried again in {} ms",
          e.getMessage(), RESTART_LOOK_MS);
      return Future.succeededFuture();
    });
  }

  private ConsumerSpec replaySpec(String durable, String subjects) {
    return new ConsumerSpec(options.stream(), durable, subjects, options.batchSize(), options.flushInterval(),
        options.ackWait(), 1);
  }

  private Future<Void> storeReplayed(List<BusMessage> messages) {
    return prepare(messages).compose(batch -> store(batch, true));
  }

  /**
   * Shows a replay this instance runs (the last one started), closes it at stop, and notes its end
   * in the restart watch (what it stored is read again after a restart soon after).
   */
  private void track(Replay r) {
    replay = r;
    replays.add(r);
    r.done().onComplete(ar -> {
      replays.remove(r);
      RestartWatch watch = restartWatch;
      if (watch != null) {
        watch.replayRan(System.currentTimeMillis(), r.stats().getLong("since_ms"));
      }
    })
        .onFailure(e -> LOG.warn("replay {}: {}", r.stats().getString("durable"), e.getMessage()));
  }

  private long retentionCutoff() {
    return System.currentTimeMillis() - options.retentionDays() * 86_400_000L;
  }

  /** Commits one batch from the bus: the returned future succeeds only once it is stored. */
  private Future<Void> commit(List<BusMessage> messages) {
    return prepare(messages).compose(batch -> store(batch, false));
  }

  private Future<Batch> prepare(List<BusMessage> messages) {
    // decoding thousands of records is milliseconds of CPU: a worker's job, not the event loop's (so is
    // reading the identity keys of the latest records)
    return vertx.executeBlocking(() -> {
      Batch batch = hot.prepare(messages);
      batch.latest();
      return batch;
    }, false);
  }

  /**
   * @param replay whether the batch is a replay's: counted apart, and its receive times (hours old,
   *     perhaps) kept out of the receive-to-commit timer
   */
  private Future<Void> store(Batch batch, boolean replay) {
    for (Batch.Rejected r : batch.rejected()) {
      rejected.increment();
      String more = rejectLog.admit();
      if (more != null) {
        LOG.warn("rejected a message on {}: {}{}", r.subject(), r.reason(), more);
      }
    }
    if (batch.size() == 0) {
      return Future.succeededFuture();
    }
    cache.offer(batch.latest());
    return writeUntilStored(batch, 200).onSuccess(v -> {
      if (replay) {
        replayed.increment(batch.size());
        return;
      }
      committed.increment(batch.size());
      long nowUs = System.currentTimeMillis() * 1000;
      for (int i = 0; i < batch.size(); i++) {
        receiveToCommit.record(Math.max(0, nowUs - batch.recvTsUs(i)), TimeUnit.MICROSECONDS);
      }
    });
  }

  /**
   * Writes the batch, trying again with a growing backoff until it is stored (or the storage stops).
   * Each try is a timer's own step completing one promise: tries composed on each other nested one
   * future per try, and the completion after an outage of an hour (720 tries) overflowed the stack.
   */
  private Future<Void> writeUntilStored(Batch batch, long backoffMs) {
    Promise<Void> stored = Promise.promise();
    tryWrite(batch, backoffMs, stored);
    return stored.future();
  }

  private void tryWrite(Batch batch, long backoffMs, Promise<Void> stored) {
    hot.write(batch).onComplete(ar -> {
      if (ar.succeeded()) {
        lastWriteError = null;
        stored.complete();
        return;
      }
      Throwable err = ar.cause();
      lastWriteError = err.getMessage();
      if (stopping) {
        stored.fail(err);
        return;
      }
      retries.increment();
      LOG.warn("batch of {} not stored ({}); retrying in {} ms", batch.size(), err.getMessage(), backoffMs);
      vertx.setTimer(backoffMs, t -> tryWrite(batch, Math.min(MAX_BACKOFF_MS, backoffMs * 2), stored));
    });
  }

  @Override
  protected boolean checksQueryParameters() {
    return true; // each route names the ones it takes (Params.only)
  }

  private void mountRoutes(Router router) {
    String base = "/api/v1/storage";
    // while the hot store's server has not answered since start, every route but status says so
    router.route(base + "/*").handler(ctx -> {
      String problem = hotProblem;
      if (problem != null && !ctx.request().path().equals(base + "/status")) {
        ApiError.send(ctx, 503, "unavailable", problem + " (since start; tried again every " + HOT_RETRY_MS
            + " ms)");
      } else {
        ctx.next();
      }
    });
    router.get(base + "/stats").handler(this::stats);
    router.get(base + "/status").handler(ctx -> {
      Params.only(ctx.queryParams(), "GET " + base + "/status", List.of());
      ctx.json(status());
    });
    router.get(base + "/latest/:data_type").handler(this::latest);
    router.post(base + "/archive").handler(BodyHandler.create().setBodyLimit(4096)).handler(this::archive);
    router.post(base + "/replay").handler(BodyHandler.create().setBodyLimit(4096)).handler(this::replay);
    router.get(base + "/replay").handler(ctx -> {
      Params.only(ctx.queryParams(), "GET " + base + "/replay", List.of());
      bus.replays(replaySpec(options.durable() + REPLAY_DURABLE, ">"))
          .onComplete(ar -> ctx.json(new JsonObject().put("replay", replayStatus())
              .put("replays", ar.succeeded() ? new io.vertx.core.json.JsonArray(ar.result()) : null)));
    });
    router.get(base + "/archive").handler(ctx -> {
      ctx.response().putHeader("Allow", "POST");
      ApiError.send(ctx, 405, "method_not_allowed", "archive is POST " + base + "/archive (admin)");
    });
    router.get(base + "/kline").handler(ctx -> {
      if (ctx.queryParams().contains("interval")) {
        klines(ctx);
      } else {
        ctx.next();
      }
    });
    router.get(base + "/:data_type").handler(this::records);
  }

  /** @return UP without a problem, else DOWN saying what it is */
  private static Status status(String problem) {
    return problem == null ? Status.OK() : Status.KO(new JsonObject().put("error", problem));
  }

  private static <T> Handler<Throwable> fail(RoutingContext ctx) {
    return ctx::fail;
  }

  private void records(RoutingContext ctx) {
    RecordQuery q = RecordQuery.parse(ctx.pathParam("data_type"), ctx.queryParams(), System.currentTimeMillis());
    TierPlan.read(() -> hot.cold().days(q.type()), q.startMs(), q.endMs(), plan -> hot.records(q, plan))
        .onSuccess(page -> {
          StringBuilder sb = new StringBuilder(256 * page.records().size() + 64).append("{\"data\":[");
          for (int i = 0; i < page.records().size(); i++) {
            sb.append(i == 0 ? "" : ",").append(page.records().get(i));
          }
          sb.append("],\"next_cursor\":").append(page.next() == null ? "null" : "\"" + page.next().encode() + "\"")
              .append('}');
          ctx.response().putHeader("Content-Type", "application/json").end(sb.toString());
        })
        .onFailure(fail(ctx));
  }

  private void klines(RoutingContext ctx) {
    long now = System.currentTimeMillis();
    KlineQuery q = KlineQuery.parse(ctx.queryParams(), now);
    // read before the query: what the bus held up to then is committed, so the query sees it
    long settled = consumer == null ? -1 : consumer.settledMs();
    hot.klines(q)
        .onSuccess(bars -> bars.forEach(o -> {
          // as kline records have them (CONTRACT §3): the last millisecond of the bar, and whether it is over
          JsonObject bar = (JsonObject) o;
          long close = bar.getLong("open_time_ms") + q.intervalMs() - 1;
          bar.put("interval", q.interval()).put("close_time_ms", close).put("closed", closed(close, settled));
        }))
        .onSuccess(bars -> ctx.json(new JsonObject().put("exchange", q.exchange().wire())
            .put("market_type", q.marketType().wire()).put("symbol", q.symbol()).put("interval", q.interval())
            .put("data", bars)))
        .onFailure(fail(ctx));
  }

  /**
   * A bar is closed once its trades are all stored: it ended {@link #LATE_TRADE_MS} before the
   * time up to which everything the bus held is committed. Trades that reach the bus later than
   * that (a collector catching up after a NATS outage, gaps filled over REST) can still change it.
   */
  static boolean closed(long closeTimeMs, long settledMs) {
    return settledMs >= 0 && closeTimeMs < settledMs - LATE_TRADE_MS;
  }

  private void latest(RoutingContext ctx) {
    MultiMap p = ctx.queryParams();
    var type = Params.dataType(ctx.pathParam("data_type"));
    Params.only(p, "GET /api/v1/storage/latest/" + type.wire(), LATEST_PARAMS);
    for (String required : LATEST_PARAMS) {
      if (p.get(required) == null) {
        throw ApiError.badRequest(required + " is required");
      }
    }
    RecordQuery q = new RecordQuery(type, Params.exchange(p.get("exchange")), Params.marketType(p.get("market_type")),
        Params.symbol(p.get("symbol")), 0, Long.MAX_VALUE, RecordQuery.MAX_LIMIT, null);
    String subject = Subjects.of(type, q.exchange(), q.marketType(), q.symbol());
    long startNs = System.nanoTime();
    Timer[] answeredBy = {latestFromCache};
    cache.get(subject)
        .recover(cacheDown -> Future.succeededFuture(null)) // its health check says so; the store may know
        .compose(json -> {
          if (json != null && cache.vouchesFor(subject)) {
            return Future.succeededFuture(json);
          }
          answeredBy[0] = latestFromStore;
          return newestOfStoreAndCache(subject, q, json);
        })
        .onSuccess(json -> {
          if (json == null) {
            ApiError.notFound("no " + type.wire() + " seen for " + subject).send(ctx);
          } else {
            ctx.response().putHeader("Content-Type", "application/json").end(json);
          }
          answeredBy[0].record(System.nanoTime() - startNs, TimeUnit.NANOSECONDS);
        }).onFailure(fail(ctx));
  }

  private Timer latestTimer(String from) {
    return Timer.builder("mp_storage_latest").tag("from", from)
        .description("GET latest in this service, from its request to its answer, answered by the cache or the store")
        .publishPercentiles(0.5, 0.99, 0.999).register(platform.meters());
  }

  /**
   * What {@code latest} answers when the cache does not hold the subject, or holds it in a shared
   * cache that may be behind the store (a Redis restarted from an older snapshot): the store's
   * newest, offered to the cache (so the next read is a hit, and the cache's answer is the newer of
   * the two). With the store unreachable the cache's record, if any, is answered rather than none.
   *
   * @param cached the cache's record, or null
   */
  private Future<String> newestOfStoreAndCache(String subject, RecordQuery q, String cached) {
    return NewestStored.find(hot, q)
        .compose(newest -> {
          if (newest == null) {
            return Future.succeededFuture(cached);
          }
          cache.offer(List.of(LatestCache.Latest.of(subject, newest.tsMs(), newest.json())));
          // the newer of the store's (now this instance's own) and the shared cache's
          return cached == null ? Future.succeededFuture(newest.json())
              : cache.get(subject).map(json -> json == null ? newest.json() : json);
        })
        .recover(storeDown -> cached != null ? Future.succeededFuture(cached) : Future.failedFuture(storeDown));
  }

  private void stats(RoutingContext ctx) {
    Params.only(ctx.queryParams(), "GET /api/v1/storage/stats", List.of());
    Future.all(hot.stats(), hot.cold().stats()).onSuccess(all -> {
      JsonArray tables = new JsonArray();
      ((JsonArray) all.resultAt(0)).forEach(tables::add);
      ((JsonArray) all.resultAt(1)).forEach(tables::add);
      ctx.json(new JsonObject().put("hot_engine", options.hotType()).put("retention_days", options.retentionDays())
          .put("tables", tables));
    }).onFailure(fail(ctx));
  }

  private void archive(RoutingContext ctx) {
    Params.only(ctx.queryParams(), ARCHIVE, List.of());
    long before = retentionCutoff();
    if (ctx.body() != null && ctx.body().length() > 0) {
      JsonObject body;
      try {
        body = ctx.body().asJsonObject();
      } catch (RuntimeException notAnObject) {
        throw ApiError.badRequest("the body must be a JSON object, e.g. {\"before\":\"2024-01-02\"}");
      }
      if (body != null) {
        Params.onlyFields(body, ARCHIVE, List.of("before"));
      }
      Object v = body == null ? null : body.getValue("before");
      if (v != null) {
        before = Params.time("before", v.toString());
      }
    }
    runArchive(before).onSuccess(ctx::json).onFailure(fail(ctx));
  }

  /**
   * Starts a replay (admin): the stream read again from {@code since} on, up to its end now, into the
   * hot store through the same batches as the live consumer; what the store kept is absorbed by
   * identity, what it lost (ClickHouse 18.16 does not sync its files: a power cut can lose what was
   * acknowledged) is stored again. Answers 202 with its state at once; {@code GET} follows it.
   */
  private void replay(RoutingContext ctx) {
    Params.only(ctx.queryParams(), REPLAY, List.of());
    JsonObject body;
    try {
      body = ctx.body() == null || ctx.body().length() == 0 ? null : ctx.body().asJsonObject();
    } catch (RuntimeException notAnObject) {
      body = null;
    }
    if (body == null || body.getValue("since") == null) {
      throw ApiError.badRequest("the body must be a JSON object with since (epoch ms or ISO-8601), e.g. "
          + "{\"since\":\"2024-01-02T00:00:00Z\",\"subjects\":\"trade.>\"}");
    }
    Params.onlyFields(body, REPLAY, List.of("since", "subjects"));
    long since = Params.time("since", body.getValue("since").toString());
    if (since > System.currentTimeMillis()) {
      throw ApiError.badRequest("since is in the future: the stream holds nothing after now");
    }
    String subjects = body.getValue("subjects") == null ? ">" : body.getValue("subjects").toString();
    try {
      SubjectPattern.parse(subjects).requireRecordSubjects();
    } catch (IllegalArgumentException e) {
      throw ApiError.badRequest("subjects: " + e.getMessage());
    }
    if (!subjects.equals(">") && (subjects.startsWith("*.") || subjects.startsWith(">"))) {
      // a JetStream consumer reads one filter within the stream's subjects, which are per data type
      throw ApiError.badRequest("subjects: '" + subjects + "' must start with a data type (e.g. trade.>), or be >: "
          + "a replay reads one filter of the stream, whose subjects are per data type");
    }
    startReplay(subjects, since, 0, true)
        .onSuccess(r -> {
          ctx.response().setStatusCode(202);
          ctx.json(new JsonObject().put("replay", replayStatus()));
        })
        .onFailure(e -> {
          if (e instanceof ApiError api) {
            api.send(ctx);
          } else if (e instanceof IllegalArgumentException) {
            ApiError.send(ctx, 400, "bad_request", "subjects: " + e.getMessage());
          } else {
            ApiError.send(ctx, e instanceof UnsupportedOperationException ? 409 : 503,
                e instanceof UnsupportedOperationException ? "replay_unavailable" : "unavailable", e.getMessage());
          }
        });
  }

  /**
   * Starts a replay; one asked for runs {@code alone}: not while another runs on the stream, on this
   * instance or another (behind the gateway a request reaches any of them), which is a 409 naming it.
   *
   * @param untilSeq the last stream sequence to read; 0 for the stream's end now
   * @param alone false for a replay owed after a restart of the hot store's server: it starts at once
   *     (its consumer on the stream keeps it, taken over should this storage stop), beside any other
   */
  private Future<Replay> startReplay(String subjects, long sinceMs, long untilSeq, boolean alone) {
    if (alone && (replayStarting || !replays.isEmpty())) {
      return Future.failedFuture(new ApiError(409, "replay_running",
          "a replay runs on this instance: GET /api/v1/storage/replay follows it"));
    }
    if (consumer == null) {
      return Future.failedFuture(new ApiError(503, "unavailable", "storage is starting"));
    }
    ConsumerSpec spec = replaySpec(options.durable() + REPLAY_DURABLE + System.currentTimeMillis(), subjects);
    replayStarting = true;
    // one asked for: the look at the running ones and the start under the lock the owed ones and take-overs hold
    java.util.function.Supplier<Future<Replay>> start = () -> (alone
        ? bus.replays(replaySpec(options.durable() + REPLAY_DURABLE, ">"))
        : Future.succeededFuture(List.<JsonObject>of())).compose(running -> running.isEmpty()
            ? bus.replay(spec, sinceMs, untilSeq, registry().nodeId(), this::storeReplayed)
            : Future.failedFuture(new ApiError(409, "replay_running", "a replay runs: " + running.get(0).getString("durable")
                + " (run by node " + running.get(0).getString("run_by") + ", committed up to stream sequence "
                + running.get(0).getLong("acked_seq") + " of " + running.get(0).getLong("target_seq")
                + "); GET /api/v1/storage/replay follows it")));
    return (alone ? withReplayLock(2_000, start) : start.get())
        .onComplete(ar -> replayStarting = false)
        .onSuccess(this::track);
  }

  /** @return the replay's counters and state ({@code running}, {@code done} or {@code stopped} with its error), or null */
  private JsonObject replayStatus() {
    Replay r = replay;
    if (r == null) {
      return null;
    }
    JsonObject out = r.stats();
    if (r.done().failed()) {
      out.put("error", r.done().cause().getMessage());
    }
    return out;
  }

  /**
   * Runs the archive unless a run is going, here or on another instance of the cluster (the
   * scheduler's job, a request, or a storage's own timer): that one is refused with a 409.
   */
  private Future<JsonObject> runArchive(long before) {
    return vertx.sharedData().getLockWithTimeout(ARCHIVE_LOCK, 100)
        .recover(busy -> Future.failedFuture(new ApiError(409, "archive_running",
            "an archive run is going (on this or another storage instance); ask again when it has ended")))
        .compose(lock -> (archive == null ? Future.<JsonObject>failedFuture(new ApiError(503, "unavailable",
            "storage is starting")) : archive.run(before)).eventually(() -> {
          lock.release();
          return Future.succeededFuture();
        }));
  }

  /** @return consumer and publisher counters, for operators and tests */
  public JsonObject status() {
    return new JsonObject().put("hot_engine", options.hotType()).put("cache", options.cacheType())
        .put("bus", bus.stats().toJson()).put("consumer", consumer == null ? null : consumer.stats())
        .put("committed", (long) committed.count()).put("replayed", (long) replayed.count())
        .put("rejected", (long) rejected.count())
        .put("write_retries", (long) retries.count()).put("last_write_error", lastWriteError)
        .put("hot_server_start_ms", restartWatch == null || restartWatch.serverStartMs() < 0 ? null
            : restartWatch.serverStartMs())
        .put("hot_restarts", (long) hotRestarts.count()).put("owed_replay", owedReplay == null ? null
            : new JsonObject().put("since_ms", owedReplay.sinceMs()).put("until_seq", owedReplay.untilSeq())
                .put("why", owedReplay.why()))
        .put("cache_errors", (long) cacheErrors.count());
  }

  @Override
  protected Future<?> stopService() {
    if (archiveTimer >= 0) {
      vertx.cancelTimer(archiveTimer);
    }
    if (replayScanTimer >= 0) {
      vertx.cancelTimer(replayScanTimer);
    }
    if (restartTimer >= 0) {
      vertx.cancelTimer(restartTimer);
    }
    if (hotRetryTimer >= 0) {
      vertx.cancelTimer(hotRetryTimer);
    }
    // before the consumer's stop, which waits for the batch in hand: a write retried until stored would hold it
    // forever while the store is down (the embedded bus's stop waits for it; JetStream delivers it again)
    stopping = true;
    Future<Void> c = consumer == null ? Future.succeededFuture() : consumer.close();
    for (Replay r : List.copyOf(replays)) {
      c = c.eventually(r::close);
    }
    return c.eventually(() -> bus == null ? Future.succeededFuture() : bus.close()).eventually(() -> cache == null ? Future.succeededFuture() : cache.close())
        .eventually(() -> hot == null ? Future.succeededFuture() : hot.close());
  }
}
