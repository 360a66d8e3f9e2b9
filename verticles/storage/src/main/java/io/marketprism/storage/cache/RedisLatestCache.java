package io.marketprism.storage.cache;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The server-mode latest cache: Redis hashes {@code mp:latest:{subject}} with fields {@code ts},
 * {@code key} (the identity key), {@code json} and {@code recv} (its {@code recv_ts_us}), replaced atomically by a Lua script only when
 * the offered record is at least as new, so several storage instances can feed one cache. Reads
 * go to Redis (one round trip on loopback, well under a millisecond); the local copy of what this
 * instance has seen answers when Redis is unreachable, does not answer within the read timeout (a
 * hung server), or holds an older record than the copy. A write that fails or times out marks the
 * cache degraded; the first write that succeeds again also writes the copy, so that the other
 * instances read what Redis missed meanwhile.
 */
public final class RedisLatestCache implements LatestCache {

  private static final Logger LOG = LoggerFactory.getLogger(RedisLatestCache.class);
  private static final String PREFIX = "mp:latest:";
  /**
   * {@link Latest#newerOrSame} in Lua: ARGV ts, key, json, the key's fields
   * ({@link Latest#keyFields}), the receive time (of two copies of one identity the one received
   * first stays; a hash without it, of an earlier version, takes any) and {@code 1} where the type
   * is ordered by arrival ({@link Latest#arrivalOrdered}: of two tickers of one millisecond the one
   * received later is newer, their keys compared only when received in one microsecond; the hash
   * remembers each key of its millisecond, field {@code s:key}, with its first copy's receive time,
   * so that a later copy stays where the first was, and forgets them when a newer millisecond comes); a hash of
   * an older version, without its key, sorts first. Keys of
   * one millisecond compare as {@link Latest#compareKeys(String, String, String)} does: an id by its
   * length in bytes, then byte by byte (not Lua's {@code <}, which follows the collation locale);
   * a key of fields ({@code ts_ms:side:price:quantity}) field by field, text by its bytes, decimals
   * as numbers (compared as digit strings: a Lua number holds 15 digits, a price 38), an empty
   * (null) field after any value, a key not of that form first.
   */
  private static final String SET_IF_NEWER = String.join("\n",
      "local function bytes(a, b)",
      "  for i = 1, math.min(#a, #b) do local x, y = a:byte(i), b:byte(i)",
      "    if x ~= y then return x < y and -1 or 1 end end",
      "  if #a == #b then return 0 end return #a < #b and -1 or 1",
      "end",
      "local function mag(s)",
      "  local i, f = s:match('^(%d*)%.?(%d*)$')",
      "  if not i then return nil end",
      "  return (i:gsub('^0+', '')), (f:gsub('0+$', ''))",
      "end",
      "local function dec(a, b)",
      "  local na, nb = a:sub(1, 1) == '-', b:sub(1, 1) == '-'",
      "  local ai, af = mag(na and a:sub(2) or a)",
      "  local bi, bf = mag(nb and b:sub(2) or b)",
      "  if not ai or not bi then return bytes(a, b) end",
      "  if ai == '' and af == '' then na = false end",
      "  if bi == '' and bf == '' then nb = false end",
      "  if na ~= nb then return na and -1 or 1 end",
      "  local c = 0",
      "  if #ai ~= #bi then c = #ai < #bi and -1 or 1 else c = bytes(ai, bi) if c == 0 then c = bytes(af, bf) end end",
      "  if na then return -c end return c",
      "end",
      "local function fields(k, n)",
      "  local f = {} for p in (k .. ':'):gmatch('([^:]*):') do f[#f + 1] = p end",
      "  if #f ~= n + 1 then return nil end return f",
      "end",
      "local function cmp(a, b, kinds)",
      "  if kinds == '' then if #a ~= #b then return #a < #b and -1 or 1 end return bytes(a, b) end",
      "  local x, y = fields(a, #kinds), fields(b, #kinds)",
      "  if not x or not y then if x then return 1 elseif y then return -1 end return cmp(a, b, '') end",
      "  for i = 1, #kinds do",
      "    local p, q, c = x[i + 1], y[i + 1], 0",
      "    if p == '' or q == '' then c = (p == '' and 1 or 0) - (q == '' and 1 or 0)",
      "    elseif kinds:sub(i, i) == 'd' then c = dec(p, q) else c = bytes(p, q) end",
      "    if c ~= 0 then return c end",
      "  end",
      "  return 0",
      "end",
      "local cur = redis.call('HMGET', KEYS[1], 'ts', 'key', 'recv')",
      "local ticker, seen, recv = ARGV[6] == '1', 's:' .. ARGV[2], tonumber(ARGV[5])",
      "if cur[1] then",
      "  local ts, old = tonumber(ARGV[1]), tonumber(cur[1])",
      "  if old > ts then return 0 end",
      "  if old == ts and ticker then",
      "    local first = redis.call('HGET', KEYS[1], seen)",
      "    if not first and cur[2] == ARGV[2] then first = cur[3] end",
      "    if first and tonumber(first) <= recv then return 0 end",
      "    redis.call('HSET', KEYS[1], seen, ARGV[5])",
      "  elseif ticker then",
      "    for _, f in ipairs(redis.call('HKEYS', KEYS[1])) do",
      "      if f:sub(1, 2) == 's:' then redis.call('HDEL', KEYS[1], f) end",
      "    end",
      "  end",
      "  if old == ts then",
      "    local c = cmp(ARGV[2], cur[2] or '', ARGV[4] or '')",
      "    if c == 0 then",
      "      if cur[3] and recv > tonumber(cur[3]) then return 0 end",
      "    elseif ticker and cur[3] and recv ~= tonumber(cur[3]) then",
      "      if recv < tonumber(cur[3]) then return 0 end",
      "    elseif c < 0 then return 0 end",
      "  end",
      "end",
      "if ticker then redis.call('HSET', KEYS[1], seen, ARGV[5]) end",
      "redis.call('HSET', KEYS[1], 'ts', ARGV[1], 'key', ARGV[2], 'json', ARGV[3], 'recv', ARGV[5]) return 1");

  /** While writes fail, Redis is asked this often whether it is back, records flowing or not. */
  static final long RECHECK_MS = 1_000;
  /**
   * Redis is asked this often which server it is ({@code run_id}): a Redis restarted from an older
   * snapshot, or a replica promoted in its place, answers every write and read as if nothing
   * happened, and holds older records than the store until each instrument's next record.
   */
  public static final long RESTART_CHECK_MS = 1_000;
  /** The check at start waits at least this long: the first connection of a cold JVM takes longer than a read. */
  private static final long START_CHECK_MS = 2_000;

  private final Vertx vertx;
  private final Redis redis;
  private final String url;
  private final long readTimeoutMs;
  private final Runnable onError;
  private final MemoryLatestCache local = new MemoryLatestCache();
  private volatile String problem;
  private long recheckTimer = -1;
  private final long restartTimer;
  /** The {@code run_id} of the Redis server last seen, null before the first answer. */
  private String runId;
  private volatile boolean closed;

  /**
   * @param vertx Vert.x
   * @param url e.g. {@code redis://127.0.0.1:6379}
   * @param readTimeout how long a read may take (a batch of writes: ten times that)
   */
  public RedisLatestCache(Vertx vertx, String url, Duration readTimeout) {
    this(vertx, url, readTimeout, () -> { });
  }

  /**
   * @param vertx Vert.x
   * @param url e.g. {@code redis://127.0.0.1:6379}
   * @param readTimeout how long a read may take (a batch of writes: ten times that)
   * @param onError called on every failed write batch and failed read (a counter): only the first
   *     failure of an outage and the recovery are logged
   */
  public RedisLatestCache(Vertx vertx, String url, Duration readTimeout, Runnable onError) {
    this.vertx = vertx;
    this.url = url;
    this.readTimeoutMs = readTimeout.toMillis();
    this.onError = onError;
    this.redis = Redis.createClient(vertx, new RedisOptions().setConnectionString(url).setMaxPoolSize(8)
        .setMaxPoolWaiting(1024));
    this.restartTimer = vertx.setPeriodic(RESTART_CHECK_MS, t -> checkRestart());
  }

  /**
   * Writes again what this instance saw when the Redis that answers is another server than before
   * (restarted, failed over): it may have lost any write since its snapshot, and no write failed
   * to say so. Other instances do the same with what they saw.
   */
  private void checkRestart() {
    if (closed) {
      return;
    }
    redis.send(Request.cmd(Command.INFO).arg("server")).timeout(readTimeoutMs, TimeUnit.MILLISECONDS)
        .onSuccess(info -> {
          String id = runId(info == null ? "" : info.toString());
          if (id == null) {
            return;
          }
          String before = runId;
          runId = id;
          if (before != null && !before.equals(id)) {
            LOG.info("latest cache: Redis {} is another server than before (restarted or failed over: run_id {} -> {}); "
                + "writing the newest of the {} instruments this instance saw", url, before, id, local.entries().size());
            catchUp();
          }
        });
  }

  /** @return the {@code run_id} line's value of an {@code INFO server} answer, or null */
  static String runId(String info) {
    for (String line : info.split("\r?\n")) {
      if (line.startsWith("run_id:")) {
        return line.substring("run_id:".length()).trim();
      }
    }
    return null;
  }

  @Override
  public Future<Void> offer(List<Latest> records) {
    local.offer(records);
    return write(records);
  }

  /**
   * Only a subject this instance has seen a record of, or has offered the store's newest of, is
   * answered from Redis without asking the store: Redis may have been restarted from a snapshot
   * older than the store (or lost writes of an instance gone since), and its record of an
   * instrument with no new one for hours would be answered all that time.
   */
  @Override
  public boolean vouchesFor(String subject) {
    return local.entry(subject) != null;
  }

  private Future<Void> write(List<Latest> records) {
    List<Request> batch = new ArrayList<>(records.size());
    for (Latest r : records) {
      batch.add(setIfNewer(r));
    }
    if (batch.isEmpty()) {
      return Future.succeededFuture();
    }
    return redis.batch(batch).timeout(10 * readTimeoutMs, TimeUnit.MILLISECONDS).<Void>mapEmpty()
        .onSuccess(v -> {
          if (problem != null) {
            catchUp();
          }
        })
        .onFailure(e -> {
          onError.run();
          if (problem == null) {
            LOG.warn("latest cache: Redis {} write failed ({}); latest answers from this instance's memory and the "
                + "store until it is back (counted in mp_storage_cache_errors)", url, e.getMessage());
          }
          problem = "Redis " + url + " write failed: " + e.getMessage();
          scheduleRecheck();
        });
  }

  /**
   * Writes what this instance saw while Redis refused its writes (other instances read it from
   * Redis; a Redis restarted empty or from an old snapshot holds it again, also for instruments
   * with no new record for hours), and only then calls the cache well.
   */
  private Future<Void> catchUp() {
    List<Latest> missed = local.entries();
    List<Request> batch = new ArrayList<>(missed.size());
    for (Latest r : missed) {
      batch.add(setIfNewer(r));
    }
    Future<Void> written = batch.isEmpty() ? Future.succeededFuture()
        : redis.batch(batch).timeout(10 * readTimeoutMs, TimeUnit.MILLISECONDS).mapEmpty();
    return written.onSuccess(v -> {
      if (problem != null) {
        LOG.info("latest cache: Redis {} takes writes again; wrote the newest of {} instruments it missed", url,
            missed.size());
        problem = null;
      }
    }).onFailure(e -> {
      onError.run();
      problem = "Redis " + url + " write failed: " + e.getMessage();
      scheduleRecheck();
    });
  }

  /** While writes fail, asks Redis every {@link #RECHECK_MS} whether it is back, then catches up. */
  private void scheduleRecheck() {
    if (closed || recheckTimer >= 0) {
      return;
    }
    recheckTimer = vertx.setTimer(RECHECK_MS, t -> {
      recheckTimer = -1;
      if (problem == null || closed) {
        return;
      }
      redis.send(Request.cmd(Command.PING)).timeout(readTimeoutMs, TimeUnit.MILLISECONDS)
          .compose(pong -> catchUp())
          .onFailure(e -> scheduleRecheck());
    });
  }

  private static Request setIfNewer(Latest r) {
    return Request.cmd(Command.EVAL).arg(SET_IF_NEWER).arg(1).arg(PREFIX + r.subject()).arg(r.tsMs())
        .arg(r.key()).arg(r.json()).arg(Latest.keyFields(r.subject())).arg(r.recvTsUs())
        .arg(Latest.arrivalOrdered(r.subject()) ? "1" : "0");
  }

  /**
   * A failed write, else whether Redis answers a PING within the read timeout: without the PING a
   * Redis that was never reachable (a wrong {@code cache.redis_url}) looked healthy until the first
   * record came to be cached, and nothing at start said it was missing.
   */
  @Override
  public Future<String> problem() {
    return ping(readTimeoutMs);
  }

  @Override
  public Future<String> startProblem() {
    return ping(Math.max(readTimeoutMs, START_CHECK_MS));
  }

  private Future<String> ping(long timeoutMs) {
    if (problem != null) {
      return Future.succeededFuture(problem);
    }
    return redis.send(Request.cmd(Command.PING)).timeout(timeoutMs, TimeUnit.MILLISECONDS)
        .map(r -> (String) null)
        .otherwise(e -> "Redis " + url + " (cache.redis_url) does not answer: " + e.getMessage());
  }

  /**
   * Redis's record, unless this instance has seen a newer one: Redis may be behind after it refused
   * or lost writes (out of memory, a restart from an older snapshot, a failover) until the
   * instrument's next record, which for a funding rate is hours away.
   */
  @Override
  public Future<String> get(String subject) {
    return redis.send(Request.cmd(Command.HMGET).arg(PREFIX + subject).arg("ts").arg("key").arg("json").arg("recv"))
        .timeout(readTimeoutMs, TimeUnit.MILLISECONDS)
        .map(r -> {
          Latest mine = local.entry(subject);
          if (r == null || r.size() < 3 || r.get(0) == null || r.get(2) == null) {
            return mine == null ? null : mine.json();
          }
          // a hash of an earlier version has no receive time: taken as received last
          Latest shared = new Latest(subject, r.get(0).toLong(), r.get(1) == null ? "" : r.get(1).toString(),
              r.get(2).toString(), r.size() < 4 || r.get(3) == null ? Long.MAX_VALUE : r.get(3).toLong());
          return mine != null && mine.newerOrSame(shared) ? mine.json() : shared.json();
        })
        .recover(e -> {
          onError.run();
          return Future.succeededFuture(local.peek(subject));
        });
  }

  @Override
  public Future<Void> close() {
    closed = true;
    vertx.cancelTimer(restartTimer);
    if (recheckTimer >= 0) {
      vertx.cancelTimer(recheckTimer);
    }
    redis.close();
    return Future.succeededFuture();
  }
}
