package io.marketprism.loadtest.pipeline;

import io.marketprism.storage.StorageVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The storage service in a JVM of its own, as it runs in production, so that its garbage
 * collection and threads do not share the collector's JVM in the pipeline benchmarks. The child
 * gets its configuration as a JSON argument, prints its HTTP port on the first line of its
 * output, and stops when its input closes (when the benchmark ends or dies).
 */
final class StorageNode implements AutoCloseable {

  private final Process process;
  private final int port;
  private final HttpClient http = HttpClient.newHttpClient();

  private StorageNode(Process process, int port) {
    this.process = process;
    this.port = port;
  }

  /**
   * @param config the storage configuration
   * @param heap the child's -Xmx
   * @return a started node
   * @throws IOException when the child does not start
   */
  static StorageNode start(JsonObject config, String heap) throws IOException {
    Process p = new ProcessBuilder(List.of(ProcessHandle.current().info().command().orElse("java"), "-Xmx" + heap,
        "-Dlogback.configurationFile=" + System.getProperty("logback.configurationFile", ""),
        "-cp", System.getProperty("java.class.path"), StorageNode.class.getName(), config.encode()))
        .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    String line = out.readLine();
    if (line == null || !line.startsWith("port ")) {
      p.destroyForcibly();
      throw new IOException("the storage node did not start: " + line);
    }
    return new StorageNode(p, Integer.parseInt(line.substring(5).trim()));
  }

  /** @return the storage's {@code /api/v1/storage/status} */
  JsonObject status() throws IOException, InterruptedException {
    return new JsonObject(get("/api/v1/storage/status"));
  }

  /** @return the storage's Prometheus text */
  String metrics() throws IOException, InterruptedException {
    return get("/metrics");
  }

  /** @return the child's process id (for CPU accounting) */
  long pid() {
    return process.pid();
  }

  private String get(String path) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
        HttpResponse.BodyHandlers.ofString()).body();
  }

  @Override
  public void close() throws InterruptedException {
    try {
      process.getOutputStream().close(); // the child stops its services and exits
    } catch (IOException gone) {
      // it exited already
    }
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroy();
    }
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }

  /**
   * @param args the configuration as JSON
   * @throws Exception when the service does not start
   */
  public static void main(String[] args) throws Exception {
    Vertx vertx = Vertx.vertx();
    StorageVerticle storage = new StorageVerticle();
    vertx.deployVerticle(storage, new DeploymentOptions().setConfig(new JsonObject(args[0])))
        .toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    System.out.println("port " + storage.actualPort());
    System.out.flush();
    while (System.in.read() >= 0) {
      // runs until the parent closes our input
    }
    vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    System.exit(0);
  }
}
