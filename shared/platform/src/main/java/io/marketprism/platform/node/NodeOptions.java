package io.marketprism.platform.node;

import io.marketprism.platform.config.ConfigReader;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * Settings of one MarketPrism process: how it joins the cluster ({@code cluster} section) and
 * how long it may take to start and to stop ({@code node} section). Reading them opens the
 * cluster keystore when one is set, so a bad one stops the start.
 *
 * @param clusterName      Hazelcast cluster name; nodes with another name never join
 * @param members          TCP-IP members to look for (host or host:port); no multicast is used
 * @param host             interface the cluster and the event bus bind to
 * @param clusterPort      first Hazelcast port tried (auto-incremented when taken)
 * @param eventBusPort     the event bus's port on {@code host} (0: any free one)
 * @param heartbeatSeconds interval of Hazelcast heartbeats
 * @param maxNoHeartbeatSeconds how long a silent member stays in the cluster (a killed node
 *                         leaves discovery after this plus one reconcile period)
 * @param shutdownMillis   the budget for a clean stop on SIGTERM
 * @param startMillis      how long joining the cluster, and then each service's deployment, may
 *                         take before start-up gives up and names what did not start
 * @param trust            the cluster's key pair ({@code cluster.tls}): TLS on the event bus and
 *                         the services' ports, signed service records; null when none is set
 */
public record NodeOptions(String clusterName, List<String> members, String host, int clusterPort,
                          int eventBusPort, int heartbeatSeconds, int maxNoHeartbeatSeconds, long shutdownMillis,
                          long startMillis, ClusterTrust trust) {

  public static NodeOptions from(JsonObject root) {
    ConfigReader cluster = ConfigReader.root(root, "cluster");
    ConfigReader node = ConfigReader.root(root, "node");
    return new NodeOptions(
        cluster.string("name", "marketprism"),
        cluster.strings("members", List.of("127.0.0.1")),
        cluster.string("host", "127.0.0.1"),
        cluster.port("port", 5701),
        cluster.port("event_bus_port", 0),
        cluster.intIn("heartbeat_seconds", 1, 60, 1),
        cluster.intIn("max_no_heartbeat_seconds", 2, 600, 5),
        node.longIn("shutdown_timeout_ms", 1000, 60_000, 8000),
        node.longIn("start_timeout_ms", 1000, 3_600_000, 300_000),
        ClusterTrust.from(cluster));
  }
}
