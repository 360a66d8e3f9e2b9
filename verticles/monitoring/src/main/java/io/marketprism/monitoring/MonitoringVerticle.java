package io.marketprism.monitoring;

import io.marketprism.model.SubjectPattern;
import io.marketprism.platform.bus.BusMessage;
import io.marketprism.platform.bus.BusOptions;
import io.marketprism.platform.bus.RecordBus;
import io.marketprism.platform.bus.RecordConsumer;
import io.marketprism.platform.discovery.ServiceDirectory;
import io.marketprism.platform.discovery.ServiceInstance;
import io.marketprism.platform.service.ServiceVerticle;
import io.micrometer.core.instrument.Gauge;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.Status;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Watches the whole deployment: polls every discovered instance's {@code /health}, tracks the
 * freshness of every data stream (newest record per subject), and evaluates the alert rules of
 * {@code monitoring.alerts}. Firing alerts are logged, published on the event bus address
 * {@code mp.alerts} and listed, with the resolved ones, at {@code /api/v1/monitoring/alerts}.
 */
public class MonitoringVerticle extends ServiceVerticle {

  /** Event bus address where alert transitions (firing / resolved) are published. */
  public static final String ALERTS_ADDRESS = "mp.alerts";
  private static final Logger LOG = LoggerFactory.getLogger(MonitoringVerticle.class);
  private static final int HISTORY = 500;
  private static final Pattern PERIOD = Pattern.compile("(\\d{1,6})(s|m|h|H|d|D|w|W)");

  private final Map<String, InstanceHealth> instances = new ConcurrentHashMap<>();
  /**
   * subject → {last received ms, records, ms between its last two records (0 until there are two),
   * the sampling period its records declare, ms (0 if none)}
   */
  private final Map<String, long[]> streams = new ConcurrentHashMap<>();
  private final Map<String, JsonObject> firing = new LinkedHashMap<>();
  private final Deque<JsonObject> past = new ArrayDeque<>();
  private final Map<String, Long> pendingSince = new HashMap<>();
  private List<AlertRule> rules;
  private ServiceDirectory directory;
  private WebClient client;
  private RecordBus bus;
  private RecordConsumer freshness;
  private long pollMs;
  private long healthTimeoutMs;

  @Override
  public String serviceName() {
    return "monitoring";
  }

  @Override
  public void validate(JsonObject root) {
    super.validate(root);
    MonitoringOptions.from(root);
    BusOptions.from(root);
  }

  /** Records that a record on {@code subject}, of no declared period, arrived now. */
  public void recordSeen(String subject) {
    recordSeen(subject, 0);
  }

  /**
   * Records that a record on {@code subject} arrived now (called by the bus subscription).
   *
   * @param periodMs the sampling period the record declares (its {@code period}: 5 minutes for
   *                 long/short ratios), ms; 0 if none or not known (it then keeps the one seen before)
   */
  public void recordSeen(String subject, long periodMs) {
    long now = System.currentTimeMillis();
    streams.compute(subject, (k, v) -> {
      if (v == null) {
        return new long[] {now, 1, 0, periodMs};
      }
      v[2] = now - v[0];
      v[0] = now;
      v[1]++;
      if (periodMs > 0) {
        v[3] = periodMs;
      }
      return v;
    });
  }

  /** Freshness of the record's stream; its period is read from the first record of a stream only. */
  private void onRecord(BusMessage msg) {
    recordSeen(msg.subject(), streams.containsKey(msg.subject()) ? 0 : periodMs(msg.json()));
  }

  /**
   * @param json a record's JSON
   * @return the sampling period it declares in {@code period} ({@code 5m}, {@code 1H}, {@code 1d}),
   *         ms; 0 if it has none or it cannot be read
   */
  static long periodMs(byte[] json) {
    try {
      Object period = new JsonObject(Buffer.buffer(json)).getValue("period");
      if (!(period instanceof String p)) {
        return 0;
      }
      Matcher m = PERIOD.matcher(p);
      if (!m.matches()) {
        return 0;
      }
      long unit = switch (m.group(2)) {
        case "s" -> 1000;
        case "m" -> 60_000;
        case "h", "H" -> 3_600_000;
        case "d", "D" -> 86_400_000;
        default -> 7 * 86_400_000L;
      };
      return Long.parseLong(m.group(1)) * unit;
    } catch (RuntimeException e) {
      return 0;
    }
  }

  @Override
  protected Future<?> startService(Router router) {
    eventBusAddress("monitoring-alerts", ALERTS_ADDRESS);
    MonitoringOptions options = MonitoringOptions.from(rootConfig());
    rules = options.rules();
    pollMs = options.pollIntervalMs();
    healthTimeoutMs = options.healthTimeoutMs();
    client = WebClient.create(vertx, toServices(new WebClientOptions()));
    router.get("/api/v1/monitoring/overview").handler(ctx -> ctx.json(overview()));
    router.get("/api/v1/monitoring/alerts").handler(ctx -> ctx.json(alerts()));
    health.register("rules", p -> p.complete(Status.OK(new JsonObject().put("rules", rules.size()))));
    Gauge.builder("marketprism_alerts_firing", firing, Map::size).register(platform.meters());
    bus = RecordBus.create(vertx, BusOptions.from(rootConfig()));
    return platform.directory()
        .compose(dir -> {
          directory = dir;
          vertx.setPeriodic(10, pollMs, id -> poll());
          return bus.start();
        })
        // freshness per stream: a live (non-durable) subscription to every subject
        .compose(v -> bus.subscribe(">", this::onRecord))
        .onSuccess(sub -> freshness = sub);
  }

  @Override
  protected Future<?> stopService() {
    if (client != null) {
      client.close();
    }
    Future<Void> sub = freshness == null ? Future.succeededFuture() : freshness.close();
    return sub.eventually(() -> bus == null ? Future.succeededFuture() : bus.close());
  }

  private void poll() {
    Map<String, ServiceInstance> live = new HashMap<>();
    for (String service : directory.services()) {
      for (ServiceInstance i : directory.instances(service)) {
        live.put(i.registration(), i);
      }
    }
    instances.keySet().retainAll(live.keySet());
    List<Future<?>> checks = new java.util.ArrayList<>();
    for (ServiceInstance i : live.values()) {
      InstanceHealth h = instances.computeIfAbsent(i.registration(), k -> new InstanceHealth(i));
      long t0 = System.nanoTime();
      checks.add(client.get(i.port(), i.host(), "/health").ssl(i.ssl()).timeout(healthTimeoutMs).send()
          .onSuccess(r -> {
            JsonObject body = safeJson(r.bodyAsString());
            h.update(r.statusCode() == 200 ? "UP" : "DOWN", (System.nanoTime() - t0) / 1_000_000, body,
                System.currentTimeMillis());
          })
          .onFailure(err -> h.update("UNREACHABLE", (System.nanoTime() - t0) / 1_000_000,
              new JsonObject().put("error", String.valueOf(err.getMessage())), System.currentTimeMillis())));
    }
    Future.join(checks).onComplete(ar -> evaluate(live));
  }

  private static JsonObject safeJson(String s) {
    try {
      return s == null ? new JsonObject() : new JsonObject(s);
    } catch (RuntimeException e) {
      return new JsonObject().put("body", s.length() > 200 ? s.substring(0, 200) : s);
    }
  }

  private void evaluate(Map<String, ServiceInstance> live) {
    long now = System.currentTimeMillis();
    Map<String, JsonObject> active = new LinkedHashMap<>();
    for (AlertRule rule : rules) {
      switch (rule.kind()) {
        case "instance_down" -> instances.values().stream()
            .filter(h -> rule.service() == null || rule.service().equals(h.instance.service()))
            .filter(h -> h.downSinceMs > 0)
            .forEach(h -> active.put(rule.name() + "/" + h.instance.registration(), alert(rule,
                h.instance.service() + " instance " + h.instance.baseUrl() + " is " + h.status, h.downSinceMs)));
        case "service_missing" -> {
          boolean present = live.values().stream().anyMatch(i -> i.service().equals(rule.service()));
          if (!present) {
            active.put(rule.name(), alert(rule, "no instance of " + rule.service() + " is running", now));
          }
        }
        default -> {
          SubjectPattern p = SubjectPattern.parse(rule.subject());
          streams.forEach((subject, v) -> {
            long maxAge = staleAfterMs(rule, v);
            if (p.matches(subject) && now - v[0] > maxAge) {
              active.put(rule.name() + "/" + subject, alert(rule, "no " + subject + " for "
                  + (now - v[0]) / 1000 + " s", v[0] + maxAge));
            }
          });
        }
      }
    }
    synchronized (firing) {
      pendingSince.keySet().retainAll(active.keySet());
      active.forEach((key, a) -> {
        long since = pendingSince.computeIfAbsent(key, k -> now);
        long forMs = a.getLong("for_ms");
        if (!firing.containsKey(key) && now - since >= forMs) {
          a.put("state", "firing").put("fired_ms", now);
          firing.put(key, a);
          LOG.warn("ALERT {} [{}]: {}", a.getString("rule"), a.getString("severity"), a.getString("message"));
          vertx.eventBus().publish(ALERTS_ADDRESS, a.copy());
        }
      });
      for (String key : List.copyOf(firing.keySet())) {
        if (!active.containsKey(key)) {
          JsonObject a = firing.remove(key).put("state", "resolved").put("resolved_ms", now);
          past.addFirst(a);
          while (past.size() > HISTORY) {
            past.removeLast();
          }
          LOG.info("resolved {}: {}", a.getString("rule"), a.getString("message"));
          vertx.eventBus().publish(ALERTS_ADDRESS, a.copy());
        }
      }
    }
  }

  /**
   * A stream is stale after the rule's {@code max_age_ms}, or after three times the gap between its
   * last two records, or three times the sampling period its records declare, when that is longer:
   * data that comes every few minutes by nature (long/short ratios are 5-minute points) is not late
   * after two, even when only one record was seen yet.
   */
  static long staleAfterMs(AlertRule rule, long[] stream) {
    return Math.max(rule.maxAgeMs(), 3 * Math.max(stream[2], stream[3]));
  }

  private static JsonObject alert(AlertRule rule, String message, long sinceMs) {
    return new JsonObject().put("rule", rule.name()).put("kind", rule.kind()).put("severity", rule.severity())
        .put("message", message).put("since_ms", sinceMs).put("for_ms", rule.forMs());
  }

  private JsonObject overview() {
    Map<String, JsonArray> byService = new java.util.TreeMap<>();
    instances.values().forEach(h -> byService.computeIfAbsent(h.instance.service(), k -> new JsonArray()).add(h.toJson()));
    JsonObject services = new JsonObject();
    byService.forEach(services::put);
    long now = System.currentTimeMillis();
    JsonArray fresh = new JsonArray();
    new java.util.TreeMap<>(streams).forEach((subject, v) -> fresh.add(new JsonObject().put("subject", subject)
        .put("last_received_ms", v[0]).put("age_ms", now - v[0]).put("records", v[1])));
    int firingCount;
    synchronized (firing) {
      firingCount = firing.size();
    }
    boolean allUp = instances.values().stream().allMatch(h -> "UP".equals(h.status) || "UNKNOWN".equals(h.status));
    return new JsonObject().put("status", allUp && firingCount == 0 ? "OK" : "DEGRADED").put("services", services)
        .put("streams", fresh).put("alerts_firing", firingCount).put("generated_ms", now);
  }

  private JsonObject alerts() {
    synchronized (firing) {
      return new JsonObject().put("firing", new JsonArray(List.copyOf(firing.values())))
          .put("past", new JsonArray(List.copyOf(past)))
          .put("rules", new JsonArray(rules.stream().map(AlertRule::toJson).toList()));
    }
  }
}
