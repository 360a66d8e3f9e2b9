package io.marketprism.platform.node;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

/**
 * Hazelcast for a MarketPrism cluster: TCP-IP join on the configured members only (multicast,
 * auto-detection and Kubernetes off), a listening socket on {@code cluster.host} alone, and short
 * heartbeats so a killed node leaves fast.
 */
public final class ClusterSetup {

  private ClusterSetup() {
  }

  /** Hazelcast's cluster manager; with the cluster's key, one that signs this node's record and trusts only signed members ({@link TrustedMembers}). */
  public static ClusterManager clusterManager(NodeOptions options) {
    HazelcastClusterManager hazelcast = new HazelcastClusterManager(hazelcastConfig(options));
    return options.trust() == null ? hazelcast : new TrustedMembers(hazelcast, options.trust());
  }

  public static Config hazelcastConfig(NodeOptions options) {
    Config cfg = ConfigUtil.loadConfig();
    cfg.setClusterName(options.clusterName());
    cfg.setProperty("hazelcast.max.wait.seconds.before.join", "0");
    cfg.setProperty("hazelcast.wait.seconds.before.join", "0");
    cfg.setProperty("hazelcast.heartbeat.interval.seconds", String.valueOf(options.heartbeatSeconds()));
    cfg.setProperty("hazelcast.max.no.heartbeat.seconds", String.valueOf(options.maxNoHeartbeatSeconds()));
    cfg.setProperty("hazelcast.logging.type", "slf4j");
    cfg.setProperty("hazelcast.phone.home.enabled", "false");
    cfg.setProperty("hazelcast.shutdownhook.enabled", "false");
    // listen on cluster.host only (Hazelcast's default listens on every interface)
    cfg.setProperty("hazelcast.socket.bind.any", "false");
    cfg.getNetworkConfig().setPort(options.clusterPort()).setPortAutoIncrement(true);
    cfg.getNetworkConfig().getInterfaces().setEnabled(true).clear().addInterface(options.host());
    JoinConfig join = cfg.getNetworkConfig().getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getKubernetesConfig().setEnabled(false);
    join.getAwsConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true).setMembers(options.members());
    return cfg;
  }
}
