package io.marketprism.platform.node;

import io.marketprism.platform.config.ConfigException;
import io.marketprism.platform.config.ConfigReader;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.net.PfxOptions;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;

/**
 * The cluster's shared key pair ({@code cluster.tls}): one PKCS#12 keystore that every node of a
 * cluster holds. With it the event bus between processes is TLS with client certificates (a
 * process without the key can neither send to the nodes nor receive from them); the services' own
 * HTTP ports (not the gateway's) are HTTPS with its certificate, which their callers (gateway,
 * scheduler, monitoring) alone trust; and every service record a node publishes in discovery is
 * signed, so a process that joins Hazelcast without the key cannot route the gateway's traffic to
 * an address of its own.
 *
 * <p>Every certificate in the keystore is trusted, for TLS and for signatures, and the first
 * private key is the node's own: to change keys, add the new key's certificate to every node's
 * keystore first, then give every node the new key (with the old certificate), then drop the old
 * certificate; the cluster stays whole throughout.
 *
 * <p>Make one with the JDK's keytool and copy it to every node:
 * {@code keytool -genkeypair -alias marketprism -keyalg EC -groupname secp256r1 -validity 3650
 * -storetype PKCS12 -keystore cluster.p12 -dname CN=marketprism-cluster}.
 */
public final class ClusterTrust {

  private final Path keystore;
  private final String password;
  private final PrivateKey key;
  private final PublicKey ownKey;
  private final List<PublicKey> trusted;

  private ClusterTrust(Path keystore, String password, PrivateKey key, PublicKey ownKey, List<PublicKey> trusted) {
    this.keystore = keystore;
    this.password = password;
    this.key = key;
    this.ownKey = ownKey;
    this.trusted = trusted;
  }

  /** A short id of a public key: the first 16 bytes of its SHA-256, hex. */
  static String keyId(PublicKey k) {
    try {
      return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
          .digest(k.getEncoded()), 0, 16);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The id of the key this node signs with. */
  public String ownKeyId() {
    return keyId(ownKey);
  }

  /** The ids of the keys whose signatures this node takes (its own and any other certificate's in the keystore). */
  public List<String> trustedKeyIds() {
    return trusted.stream().map(ClusterTrust::keyId).toList();
  }

  private static String algorithm(java.security.Key key) {
    return "EC".equals(key.getAlgorithm()) ? "SHA256withECDSA" : "SHA256with" + key.getAlgorithm();
  }

  /**
   * @param cluster the {@code cluster} section
   * @return the trust of {@code cluster.tls}, or null when no keystore is set
   * @throws ConfigException when the keystore is set but cannot be used, naming the key and why
   */
  public static ClusterTrust from(ConfigReader cluster) {
    ConfigReader tls = cluster.section("tls");
    String file = tls.string("keystore", "");
    String password = tls.string("password", "");
    if (file.isBlank()) {
      if (!password.isEmpty()) {
        throw new ConfigException(tls.key("keystore"), "is required when " + tls.key("password") + " is set");
      }
      return null;
    }
    Path path = Path.of(file);
    if (!Files.isRegularFile(path)) {
      throw new ConfigException(tls.key("keystore"), (Files.isDirectory(path) ? "a directory, not a keystore: "
          : "no such file: ") + path.toAbsolutePath());
    }
    KeyStore store;
    try (InputStream in = Files.newInputStream(path)) {
      store = KeyStore.getInstance("PKCS12");
      store.load(in, password.toCharArray());
    } catch (IOException | GeneralSecurityException e) {
      throw new ConfigException(tls.key("keystore"), "cannot open " + path + " as a PKCS#12 keystore with "
          + tls.key("password") + " (" + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()) + ")");
    }
    PrivateKey key = null;
    PublicKey ownKey = null;
    List<PublicKey> trusted = new ArrayList<>();
    try {
      for (String alias : Collections.list(store.aliases())) {
        Certificate cert = store.getCertificate(alias);
        if (cert == null) {
          continue;
        }
        // the key entry's certificate and any other certificate (the next key's, while keys change)
        trusted.add(cert.getPublicKey());
        if (key == null && store.isKeyEntry(alias)) {
          key = (PrivateKey) store.getKey(alias, password.toCharArray());
          ownKey = cert.getPublicKey();
        }
      }
    } catch (GeneralSecurityException e) {
      throw new ConfigException(tls.key("keystore"), "cannot read the private key of " + path + " (" + e.getMessage() + ")");
    }
    if (key == null) {
      throw new ConfigException(tls.key("keystore"), path + " holds no private key with its certificate");
    }
    return new ClusterTrust(path, password, key, ownKey, List.copyOf(trusted));
  }

  /** Turns on TLS with required client certificates, both sides from the keystore. */
  public EventBusOptions secure(EventBusOptions options) {
    return options.setSsl(true).setKeyCertOptions(pfx()).setTrustOptions(pfx()).setClientAuth(ClientAuth.REQUIRED);
  }

  /** A service's own HTTP server (not the gateway's public one): HTTPS with the cluster's certificate. */
  public HttpServerOptions secure(HttpServerOptions options) {
    return options.setSsl(true).setKeyCertOptions(pfx());
  }

  /**
   * A client of the services' own ports: a request made with {@code ssl} trusts only the cluster's
   * certificate, whatever the host name (the certificate names the cluster, not a machine).
   */
  public HttpClientOptions trusting(HttpClientOptions options) {
    return options.setTrustOptions(pfx()).setVerifyHost(false);
  }

  /** As {@link #trusting(HttpClientOptions)}, for WebSockets. */
  public WebSocketClientOptions trusting(WebSocketClientOptions options) {
    return options.setTrustOptions(pfx()).setVerifyHost(false);
  }

  private PfxOptions pfx() {
    return new PfxOptions().setPath(keystore.toAbsolutePath().toString()).setPassword(password);
  }

  /** A signature of {@code text} by the cluster's key, base64. */
  public String sign(String text) {
    try {
      Signature s = Signature.getInstance(algorithm(key));
      s.initSign(key);
      s.update(text.getBytes(StandardCharsets.UTF_8));
      return Base64.getEncoder().encodeToString(s.sign());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot sign with the cluster key: " + e.getMessage(), e);
    }
  }

  /**
   * Whether {@code signature} (base64, may be null) is a signature of {@code text} by the key of
   * any certificate the keystore holds (its own, and the next key's while keys change).
   */
  public boolean verify(String text, String signature) {
    if (signature == null) {
      return false;
    }
    byte[] sig;
    try {
      sig = Base64.getDecoder().decode(signature);
    } catch (IllegalArgumentException e) {
      return false;
    }
    for (PublicKey k : trusted) {
      try {
        Signature s = Signature.getInstance(algorithm(k));
        s.initVerify(k);
        s.update(text.getBytes(StandardCharsets.UTF_8));
        if (s.verify(sig)) {
          return true;
        }
      } catch (GeneralSecurityException e) {
        // not this key's kind of signature
      }
    }
    return false;
  }
}
