package io.marketprism.platform.node;

import io.vertx.core.Completable;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import io.vertx.core.shareddata.Counter;
import io.vertx.core.shareddata.Lock;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.core.spi.cluster.NodeInfo;
import io.vertx.core.spi.cluster.NodeListener;
import io.vertx.core.spi.cluster.RegistrationInfo;
import io.vertx.core.spi.cluster.RegistrationListener;
import io.vertx.core.spi.cluster.RegistrationUpdateEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The cluster manager of a node that holds the cluster's key ({@code cluster.tls}). It signs this
 * node's event bus address (node id, host, port) in the node's cluster record, and shows the event
 * bus only the handlers of members whose record carries a valid signature.
 *
 * <p>Without it, a process that joined Hazelcast without the key could register handlers: Vert.x
 * would pick it for a point-to-point send now and then (the message lost, as the TLS handshake
 * fails) and try a new connection to it for every message it had for it (about 55 failed handshakes
 * a second in an audit, a quarter of a core). With it, such a member's handlers are not there for
 * this node: a send goes to a trusted handler, or fails at once with no handlers.
 *
 * <p>The record also says which keys the node takes (their ids, signed with the rest), so a node
 * whose key none of the members it trusts takes (an old keystore after the key changed) knows that
 * they ignore it: {@link #keyProblem}, an ERROR, and its {@code cluster_key} health check DOWN.
 *
 * <p>Each member's record is read when it joins (those there before, when this node joins) or
 * when its handlers are first seen, whichever comes first, and its verdict kept until it leaves:
 * every keyed node names each outsider in a WARN and counts it ({@link #untrustedMembers}),
 * whether it has anything to send it or not. A member whose record is not readable yet is left
 * out and looked at again each second (a minute at most), the event bus then told of its handlers.
 */
public final class TrustedMembers implements ClusterManager {

  static final String SIGNATURE = "mp_signature";
  /** The ids of the keys the node takes ({@link ClusterTrust#trustedKeyIds}), signed with its address. */
  static final String TRUSTS = "mp_trusts";
  private static final Logger LOG = LoggerFactory.getLogger(TrustedMembers.class);
  private static final long RECHECK_MS = 1_000;
  private static final int RECHECKS = 60;

  private final ClusterManager delegate;
  private final ClusterTrust trust;
  /** Member id to whether its record carries the cluster key's signature; members that left are removed. */
  private final Map<String, Boolean> verdicts = new ConcurrentHashMap<>();
  /** The trusted members whose record says they take this node's key. */
  private final Set<String> trustingMe = ConcurrentHashMap.newKeySet();
  private boolean reportedProblem;
  private volatile Vertx vertx;
  private volatile RegistrationListener listener;
  private volatile NodeListener nodeListener;

  TrustedMembers(ClusterManager delegate, ClusterTrust trust) {
    this.delegate = delegate;
    this.trust = trust;
    delegate.nodeListener(new Members());
  }

  /** The members seen so far whose record is not signed by the cluster's key, and still in the cluster. */
  public int untrustedMembers() {
    return (int) verdicts.values().stream().filter(v -> !v).count();
  }

  /**
   * @return why the other members ignore this node, or null: they are trusted by it, and none of
   *     them takes its key (an old keystore after the key changed, say)
   */
  public String keyProblem() {
    return verdicts.containsValue(true) && trustingMe.isEmpty() ? "no other cluster member takes this node's"
        + " cluster key (cluster.tls.keystore): they send it nothing and ignore its services; its keystore is an"
        + " old one (after the key changed?) or one whose certificate they lack" : null;
  }

  static String signed(String nodeId, String host, int port, List<String> trusts) {
    return "node|" + nodeId + '|' + host + '|' + port + '|' + String.join(",", trusts);
  }

  @Override
  public void setNodeInfo(NodeInfo info, Completable<Void> promise) {
    JsonObject metadata = info.metadata() == null ? new JsonObject() : info.metadata().copy();
    List<String> trusts = trust.trustedKeyIds();
    metadata.put(TRUSTS, new JsonArray(trusts));
    metadata.put(SIGNATURE, trust.sign(signed(delegate.getNodeId(), info.host(), info.port(), trusts)));
    delegate.setNodeInfo(new NodeInfo(info.host(), info.port(), metadata), promise);
  }

  @Override
  public void getRegistrations(String address, Completable<List<RegistrationInfo>> promise) {
    delegate.getRegistrations(address, (list, failure) -> {
      if (failure != null) {
        promise.fail(failure);
        return;
      }
      judge(list).onComplete(x -> {
        promise.succeed(trusted(list));
        if (hasUnjudged(list)) {
          recheck(address, RECHECKS);
        }
      });
    });
  }

  @Override
  public void registrationListener(RegistrationListener registrationListener) {
    this.listener = registrationListener;
    delegate.registrationListener(new RegistrationListener() {
      @Override
      public void registrationsUpdated(RegistrationUpdateEvent event) {
        List<RegistrationInfo> list = event.registrations();
        if (!hasUnjudged(list)) {
          registrationListener.registrationsUpdated(new RegistrationUpdateEvent(event.address(), trusted(list)));
        } else {
          // told later, from a fresh read: an event of the same address may come in the meantime
          judge(list).onComplete(x -> recheck(event.address(), RECHECKS));
        }
      }

      @Override
      public void registrationsLost() {
        registrationListener.registrationsLost();
      }

      @Override
      public boolean wantsUpdatesFor(String address) {
        return registrationListener.wantsUpdatesFor(address);
      }
    });
  }

  @Override
  public void nodeListener(NodeListener nodeListener) {
    this.nodeListener = nodeListener; // Vert.x's (with HA), told through this one's
  }

  /** Judges each member that joins and forgets each that leaves; Vert.x sets a listener of its own only with HA. */
  private final class Members implements NodeListener {
    @Override
    public void nodeAdded(String nodeId) {
      judgeMember(nodeId, RECHECKS);
      NodeListener l = nodeListener;
      if (l != null) {
        l.nodeAdded(nodeId);
      }
    }

    @Override
    public void nodeLeft(String nodeId) {
      verdicts.remove(nodeId);
      trustingMe.remove(nodeId);
      reportKeyProblem();
      NodeListener l = nodeListener;
      if (l != null) {
        l.nodeLeft(nodeId);
      }
    }
  }

  /** Logs an ERROR when the other members stop taking this node's key, and when they take it again. */
  private synchronized void reportKeyProblem() {
    String problem = keyProblem();
    if (problem != null && !reportedProblem) {
      LOG.error("{}; the members it trusts: {}", problem,
          verdicts.entrySet().stream().filter(Map.Entry::getValue).map(Map.Entry::getKey).toList());
    } else if (problem == null && reportedProblem) {
      LOG.info("a cluster member takes this node's cluster key again");
    }
    reportedProblem = problem != null;
  }

  /** Reads the handlers of {@code address} again and tells the event bus, looking again later while a member is unjudged. */
  private void recheck(String address, int left) {
    RegistrationListener l = listener;
    if (l == null || !l.wantsUpdatesFor(address)) {
      return;
    }
    delegate.getRegistrations(address, (list, failure) -> {
      if (failure != null) {
        LOG.warn("cannot read the event bus handlers of {} again: {}", address, failure.toString());
        return;
      }
      judge(list).onComplete(x -> {
        l.registrationsUpdated(new RegistrationUpdateEvent(address, trusted(list)));
        Vertx v = vertx;
        if (hasUnjudged(list) && left > 1 && v != null) {
          v.setTimer(RECHECK_MS, t -> recheck(address, left - 1));
        }
      });
    });
  }

  private boolean hasUnjudged(List<RegistrationInfo> list) {
    String own = delegate.getNodeId();
    for (RegistrationInfo r : list) {
      if (!r.nodeId().equals(own) && !verdicts.containsKey(r.nodeId())) {
        return true;
      }
    }
    return false;
  }

  private List<RegistrationInfo> trusted(List<RegistrationInfo> list) {
    String own = delegate.getNodeId();
    List<RegistrationInfo> kept = null;
    for (int i = 0; i < list.size(); i++) {
      RegistrationInfo r = list.get(i);
      boolean keep = r.nodeId().equals(own) || Boolean.TRUE.equals(verdicts.get(r.nodeId()));
      if (!keep && kept == null) {
        kept = new ArrayList<>(list.subList(0, i));
      } else if (keep && kept != null) {
        kept.add(r);
      }
    }
    return kept == null ? list : kept;
  }

  /** Reads the record of each member of {@code list} not judged yet; completes when all were read (or could not be). */
  private Future<Void> judge(List<RegistrationInfo> list) {
    Set<String> ids = new HashSet<>();
    for (RegistrationInfo r : list) {
      ids.add(r.nodeId());
    }
    return judge(ids);
  }

  /** Judges a member that joined (or was there at this node's join), looking again while its record is not readable. */
  private void judgeMember(String id, int left) {
    judge(Set.of(id)).onComplete(x -> {
      Vertx v = vertx;
      if (!verdicts.containsKey(id) && left > 1 && v != null && delegate.getNodes().contains(id)) {
        v.setTimer(RECHECK_MS, t -> judgeMember(id, left - 1));
      }
    });
  }

  private Future<Void> judge(Set<String> members) {
    String own = delegate.getNodeId();
    Set<String> ids = new HashSet<>();
    for (String id : members) {
      if (!id.equals(own) && !verdicts.containsKey(id)) {
        ids.add(id);
      }
    }
    if (ids.isEmpty()) {
      return Future.succeededFuture();
    }
    List<Future<Void>> reads = new ArrayList<>();
    for (String id : ids) {
      Promise<Void> read = Promise.promise();
      reads.add(read.future());
      delegate.getNodeInfo(id, (info, failure) -> {
        if (info != null && delegate.getNodes().contains(id)) {
          JsonObject metadata = info.metadata() == null ? new JsonObject() : info.metadata();
          List<String> trusts = new ArrayList<>();
          metadata.getJsonArray(TRUSTS, new JsonArray()).forEach(k -> trusts.add(String.valueOf(k)));
          boolean ok = trust.verify(signed(id, info.host(), info.port(), trusts), metadata.getString(SIGNATURE));
          if (ok && trusts.contains(trust.ownKeyId())) {
            trustingMe.add(id);
          }
          if (verdicts.put(id, ok) == null && !ok) {
            LOG.warn("ignoring the event bus handlers of cluster member {} at {}:{}: its record is not signed by the"
                + " cluster's key (cluster.tls.keystore), so it has no keystore or another one; nothing is sent to it",
                id, info.host(), info.port());
          }
          reportKeyProblem();
        }
        read.complete();
      });
    }
    return Future.join(reads).mapEmpty();
  }

  // the rest is Hazelcast's, as it is

  @Override
  public void init(Vertx vertx) {
    this.vertx = vertx;
    delegate.init(vertx);
  }

  @Override
  public <K, V> void getAsyncMap(String name, Completable<AsyncMap<K, V>> promise) {
    delegate.getAsyncMap(name, promise);
  }

  @Override
  public <K, V> Map<K, V> getSyncMap(String name) {
    return delegate.getSyncMap(name);
  }

  @Override
  public void getLockWithTimeout(String name, long timeout, Completable<Lock> promise) {
    delegate.getLockWithTimeout(name, timeout, promise);
  }

  @Override
  public void getCounter(String name, Completable<Counter> promise) {
    delegate.getCounter(name, promise);
  }

  @Override
  public String getNodeId() {
    return delegate.getNodeId();
  }

  @Override
  public List<String> getNodes() {
    return delegate.getNodes();
  }

  @Override
  public NodeInfo getNodeInfo() {
    return delegate.getNodeInfo();
  }

  @Override
  public void getNodeInfo(String nodeId, Completable<NodeInfo> promise) {
    delegate.getNodeInfo(nodeId, promise);
  }

  @Override
  public void join(Completable<Void> promise) {
    delegate.join((v, failure) -> {
      if (failure == null) {
        for (String id : delegate.getNodes()) {
          judgeMember(id, RECHECKS);
        }
      }
      promise.complete(v, failure);
    });
  }

  @Override
  public void leave(Completable<Void> promise) {
    delegate.leave(promise);
  }

  @Override
  public boolean isActive() {
    return delegate.isActive();
  }

  @Override
  public void addRegistration(String address, RegistrationInfo registrationInfo, Completable<Void> promise) {
    delegate.addRegistration(address, registrationInfo, promise);
  }

  @Override
  public void removeRegistration(String address, RegistrationInfo registrationInfo, Completable<Void> promise) {
    delegate.removeRegistration(address, registrationInfo, promise);
  }

  @Override
  public String clusterHost() {
    return delegate.clusterHost();
  }

  @Override
  public String clusterPublicHost() {
    return delegate.clusterPublicHost();
  }
}
