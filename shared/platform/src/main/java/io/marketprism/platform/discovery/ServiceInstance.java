package io.marketprism.platform.discovery;

import io.vertx.core.json.JsonObject;
import io.vertx.servicediscovery.Record;

/**
 * One running instance of a service as its HTTP endpoint record says.
 *
 * @param registration the instance id: {@code host:port} of its HTTP endpoint. (Discovery's own
 *                     registration ids are not in its announcements, so they cannot key a view
 *                     that announcements update; an address is unique per running instance.)
 * @param service      the service name (gateway, collector, storage, ...)
 * @param host         where its HTTP server listens
 * @param port         its HTTP port
 * @param node         the cluster node id of the process that runs it
 * @param ssl          whether its port speaks HTTPS (a service's own port with {@code cluster.tls})
 */
public record ServiceInstance(String registration, String service, String host, int port, String node, boolean ssl) {

  public static final String META_SERVICE = "service";
  public static final String META_NODE = "node";

  static ServiceInstance of(Record record) {
    JsonObject loc = record.getLocation();
    JsonObject meta = record.getMetadata();
    String host = loc.getString("host");
    int port = loc.getInteger("port");
    return new ServiceInstance(host + ":" + port, meta.getString(META_SERVICE, record.getName()), host, port,
        meta.getString(META_NODE), loc.getBoolean("ssl", false));
  }

  public String baseUrl() {
    return (ssl ? "https://" : "http://") + host + ":" + port;
  }

  public JsonObject toJson() {
    return new JsonObject().put("id", registration).put("service", service).put("host", host)
        .put("port", port).put("node", node);
  }
}
