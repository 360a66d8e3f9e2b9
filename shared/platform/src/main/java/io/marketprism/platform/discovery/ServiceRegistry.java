package io.marketprism.platform.discovery;

import io.marketprism.platform.metrics.LogThrottle;
import io.marketprism.platform.node.ClusterTrust;
import io.marketprism.platform.node.TrustedMembers;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonObject;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.servicediscovery.Record;
import io.vertx.servicediscovery.ServiceDiscovery;
import io.vertx.servicediscovery.ServiceDiscoveryOptions;
import io.vertx.servicediscovery.types.HttpEndpoint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Publishes this process's service records and removes the records of processes that left the
 * cluster.
 *
 * <p>vertx-service-discovery never removes the records of a node that crashed, so every record
 * carries the cluster node id of its publisher in its metadata and each node reconciles once a
 * second: when the cluster membership changed (or every 30 s regardless), records whose node is
 * no longer a member are unpublished. The unpublish announces them DOWN, which every
 * {@link ServiceDirectory} applies at once. In a single JVM without a cluster nothing can crash
 * apart, so no reconciliation runs.
 *
 * <p>With the cluster's key ({@code cluster.tls}) every HTTP endpoint record carries a signature
 * of its service, address and node, and {@link #trusted} refuses a record without a valid one:
 * Hazelcast's open-source edition lets any process that reaches its port join and write the
 * records, and the key keeps such a process from sending the gateway's traffic elsewhere.
 */
public final class ServiceRegistry {

  private static final Logger LOG = LoggerFactory.getLogger(ServiceRegistry.class);
  private static final long RECONCILE_PERIOD_MS = 1000;
  private static final long FULL_RECONCILE_MS = 30_000;
  /** Where an endpoint record keeps the cluster key's signature. */
  static final String META_SIGNATURE = "signature";

  private final Vertx vertx;
  private final ServiceDiscovery discovery;
  private final ClusterManager cluster;
  private final String nodeId;
  private final ClusterTrust trust;
  private final AtomicLong refused = new AtomicLong();
  private final AtomicBoolean signedElsewhere = new AtomicBoolean();
  /** Set by the last look when other nodes' records were all refused: this node's key is not theirs. */
  private volatile boolean otherKey;
  private final LogThrottle refusedLog = new LogThrottle(60_000);
  private final Set<String> published = ConcurrentHashMap.newKeySet();
  // instances of one service verticle share one server port: one record per endpoint, refcounted
  private final Map<String, Future<String>> byEndpoint = new HashMap<>();
  private final Map<String, Integer> endpointUsers = new HashMap<>();
  private final Map<String, String> endpointOfRegistration = new HashMap<>();
  private Set<String> lastMembers = Set.of();
  private long lastFullReconcile;
  private long timer = -1;

  /**
   * @param trust the cluster's key: records are signed and checked with it; null: neither
   */
  public ServiceRegistry(Vertx vertx, ClusterTrust trust) {
    this.vertx = vertx;
    this.trust = trust;
    this.discovery = ServiceDiscovery.create(vertx, new ServiceDiscoveryOptions().setName("marketprism"));
    this.cluster = ((VertxInternal) vertx).clusterManager();
    this.nodeId = cluster == null ? "local-" + Long.toHexString(System.nanoTime()) : cluster.getNodeId();
    if (cluster != null) {
      timer = vertx.setPeriodic(RECONCILE_PERIOD_MS, id -> reconcile());
    }
  }

  public ServiceDiscovery discovery() {
    return discovery;
  }

  /** The cluster node id of this process (a local id when not clustered). */
  public String nodeId() {
    return nodeId;
  }

  /**
   * @return whether the node is this process or a member of its cluster now (a process that stopped
   *     or crashed is not, once the cluster has seen it leave)
   */
  public boolean isLiveNode(String node) {
    return nodeId.equals(node) || cluster != null && cluster.getNodes().contains(node);
  }

  /**
   * Publishes the HTTP endpoint of an instance of {@code service}; returns its registration id.
   * Verticle instances sharing one server port (one per event loop) share one record: it is
   * published by the first and unpublished when the last one unpublishes.
   */
  public Future<String> publishHttp(String service, String host, int port, JsonObject extraMeta) {
    return publishHttp(service, host, port, false, extraMeta);
  }

  /** As {@link #publishHttp(String, String, int, JsonObject)}, for a port that speaks HTTPS when {@code ssl}. */
  public synchronized Future<String> publishHttp(String service, String host, int port, boolean ssl, JsonObject extraMeta) {
    String endpoint = service + "@" + host + ":" + port;
    Future<String> existing = byEndpoint.get(endpoint);
    if (existing != null) {
      endpointUsers.merge(endpoint, 1, Integer::sum);
      return existing;
    }
    JsonObject meta = new JsonObject().put(ServiceInstance.META_SERVICE, service)
        .put(ServiceInstance.META_NODE, nodeId).put("started_ms", System.currentTimeMillis());
    if (extraMeta != null) {
      meta.mergeIn(extraMeta);
    }
    if (trust != null) {
      meta.put(META_SIGNATURE, trust.sign(signed(service, host, port, ssl, nodeId)));
    }
    Record record = HttpEndpoint.createRecord(service, ssl, host, port, "/", meta);
    Future<String> registration = publish(record).onSuccess(id -> {
      synchronized (this) {
        endpointOfRegistration.put(id, endpoint);
      }
    }).onFailure(err -> {
      synchronized (this) {
        byEndpoint.remove(endpoint);
        endpointUsers.remove(endpoint);
      }
    });
    byEndpoint.put(endpoint, registration);
    endpointUsers.put(endpoint, 1);
    return registration;
  }

  /** Publishes any record (e.g. an event-bus service) owned by this node. */
  public Future<String> publish(Record record) {
    record.getMetadata().put(ServiceInstance.META_NODE, nodeId);
    return discovery.publish(record).map(r -> {
      published.add(r.getRegistration());
      return r.getRegistration();
    });
  }

  public Future<Void> unpublish(String registration) {
    synchronized (this) {
      String endpoint = registration == null ? null : endpointOfRegistration.get(registration);
      if (endpoint != null) {
        int left = endpointUsers.merge(endpoint, -1, Integer::sum);
        if (left > 0) {
          return Future.succeededFuture();
        }
        endpointUsers.remove(endpoint);
        byEndpoint.remove(endpoint);
        endpointOfRegistration.remove(registration);
      }
    }
    if (registration == null || !published.remove(registration)) {
      return Future.succeededFuture();
    }
    return discovery.unpublish(registration).recover(err -> {
      LOG.warn("could not unpublish {}: {}", registration, err.getMessage());
      return Future.succeededFuture();
    });
  }

  /** Unpublishes every record this node still has, then closes discovery. */
  public Future<Void> close() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    List<Future<Void>> all = published.stream().map(this::unpublish).toList();
    return Future.join(all).<Void>mapEmpty().eventually(() -> {
      discovery.close();
      return Future.succeededFuture();
    });
  }

  /**
   * Whether the directory may route to the endpoint of {@code record}: always without the cluster's
   * key; with it, only when the record carries the key's signature of what it says. A refused
   * record is counted ({@link #refusedRecords}) and logged (at most once a minute).
   */
  public boolean trusted(Record record) {
    if (trust == null) {
      if (record.getMetadata().getString(META_SIGNATURE) != null && signedElsewhere.compareAndSet(false, true)) {
        LOG.error("{}. First such record: {}", NO_KEY, record.toJson().encode());
      }
      return true;
    }
    ServiceInstance i;
    try {
      i = ServiceInstance.of(record);
      if (trust.verify(signed(i.service(), i.host(), i.port(), i.ssl(), i.node()),
          record.getMetadata().getString(META_SIGNATURE))) {
        return true;
      }
    } catch (RuntimeException malformed) {
      i = null;
    }
    refused.incrementAndGet();
    String more = refusedLog.admit();
    if (more != null) {
      LOG.warn("ignoring the discovery record {}: it lacks the signature of this node's cluster key; the process"
          + " that published it has no cluster.tls.keystore, or another one{}",
          i == null ? record.toJson().encode() : i.toJson().encode(), more);
    }
    return false;
  }

  private static final String NO_KEY = "the service records of other nodes are signed with a cluster key and this"
      + " node has no cluster.tls.keystore: its event bus cannot reach theirs (TLS), and their directories ignore its"
      + " services; give it the cluster's keystore";
  private static final String OTHER_KEY = "no other node's service records carry the signature of this node's"
      + " cluster key (cluster.tls.keystore): its keystore is not the others' (an old one after the key changed?), so"
      + " its event bus cannot reach theirs and their directories ignore its services";

  /**
   * @return why this node cannot work with the others, or null: they sign their service records
   *     with a cluster key and it has none; or it has one, and no other node's records carry its
   *     signature (its keystore is not theirs); or the members it trusts do not take its key
   *     ({@link TrustedMembers#keyProblem}: an old keystore after the key changed, say)
   */
  public String clusterKeyProblem() {
    if (signedElsewhere.get()) {
      return NO_KEY;
    }
    if (otherKey) {
      return OTHER_KEY;
    }
    return cluster instanceof TrustedMembers members ? members.keyProblem() : null;
  }

  /** Whether this node is in a cluster (false: a single JVM). */
  public boolean clustered() {
    return cluster != null;
  }

  /** Service records refused for a missing or wrong signature since start. */
  public long refusedRecords() {
    return refused.get();
  }

  /** What an endpoint record's signature covers. */
  private static String signed(String service, String host, int port, boolean ssl, String node) {
    return "marketprism service record\n" + service + "\n" + host + "\n" + port + "\n" + ssl + "\n" + node;
  }

  /** Whether {@code node} is a current cluster member (always true without a cluster). */
  public boolean isMember(String node) {
    return cluster == null || node == null || cluster.getNodes().contains(node);
  }

  private void reconcile() {
    Set<String> members = new HashSet<>(cluster.getNodes());
    long now = System.currentTimeMillis();
    if (members.equals(lastMembers) && now - lastFullReconcile < FULL_RECONCILE_MS) {
      return;
    }
    lastMembers = members;
    lastFullReconcile = now;
    discovery.getRecords(r -> true).onSuccess(records -> {
      // every node, not only those with a directory, says when a record, or the node itself, lacks the cluster's key
      Set<String> trustedNodes = new HashSet<>();
      Set<String> refusedNodes = new HashSet<>();
      for (Record r : records) {
        String node = r.getMetadata().getString(ServiceInstance.META_NODE);
        if (HttpEndpoint.TYPE.equals(r.getType()) && node != null && !node.equals(nodeId) && members.contains(node)) {
          (trusted(r) ? trustedNodes : refusedNodes).add(node);
        }
        if (node != null && !members.contains(node)) {
          LOG.info("removing {} record {} of node {} which left the cluster", r.getName(), r.getRegistration(), node);
          discovery.unpublish(r.getRegistration());
        }
      }
      boolean odd = trust != null && trustedNodes.isEmpty() && !refusedNodes.isEmpty();
      if (odd && !otherKey) {
        LOG.error("{}; nodes whose records were refused: {}", OTHER_KEY, refusedNodes);
      }
      otherKey = odd;
    });
  }
}
