package io.marketprism.testkit;

import java.io.IOException;
import java.nio.file.Path;

/** A cluster keystore ({@code cluster.tls.keystore}) made as the README says, with the JDK's keytool. */
public final class ClusterKeystore {

  private ClusterKeystore() {
  }

  /**
   * @param file     where to write the PKCS#12 keystore (it must not exist)
   * @param password at least 6 characters (keytool's rule)
   * @return {@code file}
   */
  public static Path create(Path file, String password) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
        "-genkeypair", "-alias", "marketprism", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "3650",
        "-storetype", "PKCS12", "-keystore", file.toString(), "-storepass", password,
        "-dname", "CN=marketprism-cluster").redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (p.waitFor() != 0) {
      throw new IOException("keytool failed: " + out);
    }
    return file;
  }
}
