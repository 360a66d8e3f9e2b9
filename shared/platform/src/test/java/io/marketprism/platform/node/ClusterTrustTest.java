package io.marketprism.platform.node;

import io.marketprism.platform.config.ConfigException;
import io.marketprism.platform.config.ConfigReader;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.marketprism.platform.discovery.ServiceDirectory;
import io.marketprism.platform.discovery.ServiceRegistry;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.servicediscovery.Record;
import io.vertx.servicediscovery.types.HttpEndpoint;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ClusterTrustTest {

  @TempDir
  Path dir;

  private final List<MarketPrismNode> nodes = new ArrayList<>();

  @AfterEach
  void stop() {
    nodes.forEach(MarketPrismNode::stopAndWait);
  }

  @Test
  void aKeystoreThatCannotBeUsedStopsTheStartNamingTheKey() throws Exception {
    Path good = keystore("good", "secret1");
    assertThat(trust(null, null)).isNull();
    assertThat(trust(good.toString(), "secret1")).isNotNull();
    assertThatThrownBy(() -> trust(dir.resolve("nothing.p12").toString(), "secret1"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("cluster.tls.keystore: no such file");
    assertThatThrownBy(() -> trust(good.toString(), "wrong"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("cluster.tls.keystore: cannot open")
        .hasMessageContaining("cluster.tls.password");
    Path text = Files.writeString(dir.resolve("text.p12"), "not a keystore");
    assertThatThrownBy(() -> trust(text.toString(), "secret1")).isInstanceOf(ConfigException.class)
        .hasMessageContaining("cannot open").hasMessageNotContaining("(null)");
    assertThatThrownBy(() -> trust(null, "secret1")).isInstanceOf(ConfigException.class)
        .hasMessageContaining("cluster.tls.keystore: is required when cluster.tls.password is set");
  }

  @Test
  void onlyTheClustersOwnKeySignsWhatItsKeyVerifies() throws Exception {
    ClusterTrust a = trust(keystore("a", "pass-a").toString(), "pass-a");
    ClusterTrust a2 = trust(dir.resolve("a.p12").toString(), "pass-a");
    ClusterTrust b = trust(keystore("b", "pass-b").toString(), "pass-b");
    String sig = a.sign("storage 10.0.0.1:8083");
    assertThat(a2.verify("storage 10.0.0.1:8083", sig)).isTrue();
    assertThat(a2.verify("storage 10.0.0.9:8083", sig)).isFalse();
    assertThat(b.verify("storage 10.0.0.1:8083", sig)).isFalse();
    assertThat(a.verify("storage 10.0.0.1:8083", null)).isFalse();
    assertThat(a.verify("storage 10.0.0.1:8083", "not base64 !")).isFalse();
  }

  /**
   * While keys change, a keystore holds its own key and the next key's certificate: it takes the
   * signatures of both, so nodes with the old key and nodes with the new one trust each other.
   */
  @Test
  void aKeystoreWithTheNextKeysCertificateTrustsBothKeys() throws Exception {
    Path oldKey = keystore("old", "pass-old");
    Path newKey = keystore("new", "pass-old");
    java.security.KeyStore both = java.security.KeyStore.getInstance("PKCS12");
    try (var in = Files.newInputStream(oldKey)) {
      both.load(in, "pass-old".toCharArray());
    }
    java.security.KeyStore next = java.security.KeyStore.getInstance("PKCS12");
    try (var in = Files.newInputStream(newKey)) {
      next.load(in, "pass-old".toCharArray());
    }
    both.setCertificateEntry("next", next.getCertificate("marketprism"));
    Path bothFile = dir.resolve("both.p12");
    try (var out = Files.newOutputStream(bothFile)) {
      both.store(out, "pass-old".toCharArray());
    }
    ClusterTrust oldOnly = trust(oldKey.toString(), "pass-old");
    ClusterTrust newOnly = trust(newKey.toString(), "pass-old");
    ClusterTrust changing = trust(bothFile.toString(), "pass-old");
    assertThat(changing.verify("r", newOnly.sign("r"))).isTrue();
    assertThat(changing.verify("r", oldOnly.sign("r"))).isTrue();
    assertThat(oldOnly.verify("r", changing.sign("r"))).as("it signs with its own (old) key").isTrue();
    assertThat(oldOnly.verify("r", newOnly.sign("r"))).isFalse();
    // the ids of the keys a node takes, which its cluster record carries
    assertThat(changing.ownKeyId()).isEqualTo(oldOnly.ownKeyId()).isNotEqualTo(newOnly.ownKeyId()).hasSize(32);
    assertThat(changing.trustedKeyIds()).containsExactlyInAnyOrder(oldOnly.ownKeyId(), newOnly.ownKeyId());
    assertThat(oldOnly.trustedKeyIds()).containsExactly(oldOnly.ownKeyId());
  }

  /**
   * Four processes' worth of nodes in one Hazelcast cluster: two with the cluster's key, one with
   * another key and one with none. Hazelcast lets all four join; the key decides who can use the
   * event bus and whose service records the gateway's directory routes to.
   */
  @Test
  void withoutTheClustersKeyANodeThatJoinsCanNeitherUseTheEventBusNorRegisterAService() throws Exception {
    String cluster = "trust-test-" + UUID.randomUUID();
    int port = freePort();
    Path key = keystore("cluster", "cluster-pw");
    Path other = keystore("other", "cluster-pw");
    MarketPrismNode a1 = node(cluster, port, key);
    MarketPrismNode a2 = node(cluster, port, key);
    MarketPrismNode b = node(cluster, port, other);
    MarketPrismNode c = node(cluster, port, null);
    assertThat(a1.platform().registry().isMember(c.platform().registry().nodeId())).isTrue();
    InetAddress elsewhere = nonLoopbackAddress();
    if (elsewhere != null) {
      // Hazelcast listens on cluster.host only, not on every interface
      try (Socket s = new Socket()) {
        assertThatThrownBy(() -> s.connect(new InetSocketAddress(elsewhere, port), 2000))
            .isInstanceOf(IOException.class);
      }
    }

    a2.vertx().eventBus().<String>consumer("trust.a2", m -> m.reply("pong from a2"))
        .completion().await(10, TimeUnit.SECONDS);
    List<String> seenByOutsiders = new CopyOnWriteArrayList<>();
    for (MarketPrismNode outsider : List.of(b, c)) {
      outsider.vertx().eventBus().<String>consumer("trust.outsider", m -> {
        seenByOutsiders.add(m.body());
        m.reply("pong from an outsider");
      }).completion().await(10, TimeUnit.SECONDS);
    }
    DeliveryOptions shortWait = new DeliveryOptions().setSendTimeout(2000);

    // the first TLS connection may take a while on a loaded machine
    assertThat(a1.vertx().eventBus().<String>request("trust.a2", "ping", new DeliveryOptions().setSendTimeout(20_000))
        .await(30, TimeUnit.SECONDS).body()).isEqualTo("pong from a2");
    for (MarketPrismNode outsider : List.of(b, c)) {
      assertThatThrownBy(() -> outsider.vertx().eventBus().request("trust.a2", "ping", shortWait)
          .await(10, TimeUnit.SECONDS)).as("an outsider's request reaches no one").isNotNull();
    }
    for (int i = 0; i < 2; i++) {
      // the address has a handler on each outsider only: for a keyed node it has none (at once, no handshake tried)
      assertThatThrownBy(() -> a1.vertx().eventBus().request("trust.outsider", "secret", shortWait)
          .await(10, TimeUnit.SECONDS)).isInstanceOfSatisfying(ReplyException.class,
              e -> assertThat(e.failureType()).isEqualTo(ReplyFailure.NO_HANDLERS));
    }
    a1.vertx().eventBus().publish("trust.outsider", "published secret");
    // an address with a handler on a2 and on each outsider: every send goes to a2, none is lost to an outsider
    a2.vertx().eventBus().<String>consumer("trust.shared", m -> m.reply("shared pong from a2"))
        .completion().await(10, TimeUnit.SECONDS);
    for (MarketPrismNode outsider : List.of(b, c)) {
      outsider.vertx().eventBus().<String>consumer("trust.shared", m -> {
        seenByOutsiders.add(m.body());
        m.reply("shared pong from an outsider");
      }).completion().await(10, TimeUnit.SECONDS);
    }
    for (int i = 0; i < 12; i++) {
      assertThat(a1.vertx().eventBus().<String>request("trust.shared", "shared secret " + i, shortWait)
          .await(10, TimeUnit.SECONDS).body()).isEqualTo("shared pong from a2");
    }
    Thread.sleep(500);
    assertThat(seenByOutsiders).isEmpty();
    assertThat(a1.platform().meters().get("mp.cluster.untrusted.members").gauge().value()).isEqualTo(2);
    // a keyed node that sent nothing to them knows them too (each member is judged when it joins)
    long judged = System.currentTimeMillis() + 10_000;
    while (a2.platform().meters().get("mp.cluster.untrusted.members").gauge().value() < 2
        && System.currentTimeMillis() < judged) {
      Thread.sleep(100);
    }
    assertThat(a2.platform().meters().get("mp.cluster.untrusted.members").gauge().value()).isEqualTo(2);

    Logger registryLog = (Logger) LoggerFactory.getLogger(ServiceRegistry.class);
    ListAppender<ILoggingEvent> lines = new ListAppender<>();
    lines.start();
    registryLog.addAppender(lines);
    ServiceDirectory dir = a1.platform().directory().await(10, TimeUnit.SECONDS);
    ServiceDirectory keyless = c.platform().directory().await(10, TimeUnit.SECONDS);
    // every node runs a service, as a MarketPrism process does
    a1.platform().registry().publishHttp("scheduler", "127.0.0.1", 1000, null).await(10, TimeUnit.SECONDS);
    a2.platform().registry().publishHttp("storage", "127.0.0.1", 1001, null).await(10, TimeUnit.SECONDS);
    b.platform().registry().publishHttp("storage", "127.0.0.1", 6666, null).await(10, TimeUnit.SECONDS);
    c.platform().registry().publishHttp("storage", "127.0.0.1", 7777, null).await(10, TimeUnit.SECONDS);
    // a copy of the signed record with another address, written straight into discovery's map
    Record signed = a2.platform().registry().discovery().getRecord(r -> r.getLocation().getInteger("port") == 1001)
        .await(10, TimeUnit.SECONDS);
    Record forged = HttpEndpoint.createRecord("storage", "127.0.0.1", 8888, "/", signed.getMetadata().copy());
    c.platform().registry().discovery().publish(forged).await(10, TimeUnit.SECONDS);

    // the directory's periodic reload (5 s) has read the map as well as the announcements
    long deadline = System.currentTimeMillis() + 15_000;
    while (a1.platform().registry().refusedRecords() < 3 * 2 && System.currentTimeMillis() < deadline) {
      Thread.sleep(100);
    }
    assertThat(dir.instances("storage")).extracting(i -> i.port()).containsExactly(1001);
    assertThat(a1.platform().registry().refusedRecords()).isGreaterThanOrEqualTo(3 * 2);
    assertThat(a1.platform().meters().get("mp.discovery.refused.records").functionCounter().count())
        .isGreaterThanOrEqualTo(6);
    registryLog.detachAppender(lines);
    // the refusal names the record (each node logs it at most once a minute); the node without a key says what it lacks
    assertThat(lines.list).filteredOn(e -> e.getLevel() == Level.WARN).extracting(ILoggingEvent::getFormattedMessage)
        .anyMatch(m -> m.startsWith("ignoring the discovery record") && m.contains("\"service\":\"storage\""));
    assertThat(lines.list).filteredOn(e -> e.getLevel() == Level.ERROR).extracting(ILoggingEvent::getFormattedMessage)
        .filteredOn(m -> m.contains("this node has no cluster.tls.keystore")).hasSize(1);
    // (that node itself routes to every record, as a node without cluster.tls always does)
    assertThat(keyless.instances("storage")).hasSizeGreaterThanOrEqualTo(3);

    // a node without the key that joins later and runs no directory (a storage, a collector) says it lacks it too
    MarketPrismNode late = node(cluster, port, null);
    assertThat(late.platform().registry().clustered()).isTrue();
    long lateDeadline = System.currentTimeMillis() + 15_000;
    while (late.platform().registry().clusterKeyProblem() == null && System.currentTimeMillis() < lateDeadline) {
      Thread.sleep(100);
    }
    assertThat(late.platform().registry().clusterKeyProblem()).contains("this node has no cluster.tls.keystore");
    // the node with another keystore (its look at the join above) finds that no other node's records carry its key
    while (b.platform().registry().clusterKeyProblem() == null && System.currentTimeMillis() < lateDeadline) {
      Thread.sleep(100);
    }
    assertThat(b.platform().registry().clusterKeyProblem()).contains("its keystore is not the others'");
    assertThat(a1.platform().registry().clusterKeyProblem()).isNull();
    assertThat(a2.platform().registry().clusterKeyProblem()).isNull();

    // a keystore left from the key change's first step after its last (its own old key, and the cluster's
    // certificate): it takes the others' records, they ignore its; it runs no service, and still knows
    Path stale = keystore("stale", "cluster-pw");
    importCertificate(key, stale, "cluster-pw");
    Logger membersLog = (Logger) LoggerFactory.getLogger(TrustedMembers.class);
    ListAppender<ILoggingEvent> memberLines = new ListAppender<>();
    memberLines.start();
    membersLog.addAppender(memberLines);
    MarketPrismNode old = node(cluster, port, stale);
    long staleDeadline = System.currentTimeMillis() + 15_000;
    while (old.platform().registry().clusterKeyProblem() == null && System.currentTimeMillis() < staleDeadline) {
      Thread.sleep(100);
    }
    membersLog.detachAppender(memberLines);
    assertThat(old.platform().registry().clusterKeyProblem()).contains("no other cluster member takes this node's cluster key");
    assertThat(memberLines.list).filteredOn(e -> e.getLevel() == Level.ERROR).extracting(ILoggingEvent::getFormattedMessage)
        .anyMatch(m -> m.startsWith("no other cluster member takes this node's cluster key"));
    assertThat(a1.platform().registry().clusterKeyProblem()).isNull();
    // and nothing reaches it: a1 ignores its handlers
    old.vertx().eventBus().<String>consumer("trust.old", m -> m.reply("pong from the old key"))
        .completion().await(10, TimeUnit.SECONDS);
    assertThatThrownBy(() -> a1.vertx().eventBus().request("trust.old", "secret", shortWait)
        .await(10, TimeUnit.SECONDS)).isInstanceOf(ReplyException.class);
  }

  private MarketPrismNode node(String cluster, int port, Path keystore) throws Exception {
    JsonObject tls = keystore == null ? new JsonObject()
        : new JsonObject().put("keystore", keystore.toString()).put("password", "cluster-pw");
    JsonObject config = new JsonObject().put("cluster", new JsonObject().put("name", cluster)
        .put("members", new JsonArray().add("127.0.0.1:" + port)).put("host", "127.0.0.1").put("port", port)
        .put("tls", tls));
    MarketPrismNode node = MarketPrismNode.start(config, true).await(60, TimeUnit.SECONDS);
    nodes.add(node);
    return node;
  }

  private ClusterTrust trust(String keystore, String password) {
    JsonObject tls = new JsonObject();
    if (keystore != null) {
      tls.put("keystore", keystore);
    }
    if (password != null) {
      tls.put("password", password);
    }
    return ClusterTrust.from(ConfigReader.root(new JsonObject().put("cluster", new JsonObject().put("tls", tls)), "cluster"));
  }

  /** A keystore made as the README says, with the JDK's keytool. */
  private Path keystore(String name, String password) throws IOException, InterruptedException {
    Path file = dir.resolve(name + ".p12");
    Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
        "-genkeypair", "-alias", "marketprism", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "3650",
        "-storetype", "PKCS12", "-keystore", file.toString(), "-storepass", password,
        "-dname", "CN=marketprism-cluster").redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor()).as(out).isZero();
    return file;
  }

  /** Adds the certificate of {@code from}'s key to {@code to}, as the README's key change does. */
  private void importCertificate(Path from, Path to, String password) throws IOException, InterruptedException {
    Path pem = dir.resolve(from.getFileName() + ".pem");
    String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
    for (List<String> cmd : List.of(
        List.of(keytool, "-exportcert", "-rfc", "-alias", "marketprism", "-keystore", from.toString(), "-storepass",
            password, "-file", pem.toString()),
        List.of(keytool, "-importcert", "-noprompt", "-alias", "next", "-file", pem.toString(), "-keystore",
            to.toString(), "-storepass", password))) {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes());
      assertThat(p.waitFor()).as(out).isZero();
    }
  }

  private static InetAddress nonLoopbackAddress() throws IOException {
    for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
      for (InetAddress a : Collections.list(nic.getInetAddresses())) {
        if (a instanceof Inet4Address && !a.isLoopbackAddress()) {
          return a;
        }
      }
    }
    return null;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
