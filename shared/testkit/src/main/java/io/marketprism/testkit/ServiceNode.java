package io.marketprism.testkit;

import io.marketprism.platform.service.ServiceVerticle;
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
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One service (a {@link ServiceVerticle}) in a JVM of its own, as it runs in production: so that
 * the garbage collections and threads of the collector, the storage and the exchange simulator
 * do not share a JVM in the pipeline benchmarks, and so that a test can SIGKILL a service
 * ({@link #kill}) as a crash would. The child gets the verticle class and its configuration as
 * arguments and this JVM's class path, prints its HTTP port on its standard output (everything
 * else it writes goes to its standard error: its log), and stops when its input closes (when the
 * test or benchmark ends or dies).
 */
public final class ServiceNode implements AutoCloseable {

  private final Process process;
  private final BufferedReader out;
  private final int port;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private ServiceNode(Process process, BufferedReader out) throws IOException {
    this.process = process;
    this.out = out;
    this.port = readPort();
  }

  private int readPort() throws IOException {
    String line = out.readLine();
    for (; line != null && !line.startsWith("port "); line = out.readLine()) {
      System.err.println(line); // the JVM's own messages (a flight recording, a warning)
    }
    if (line == null) {
      process.destroyForcibly();
      throw new IOException("the service did not start");
    }
    return Integer.parseInt(line.substring(5).trim());
  }

  /**
   * A child whose log (its standard error) goes to this JVM's.
   *
   * @param verticle the service's class
   * @param config its configuration
   * @param jvmOptions the child's JVM options (heap, collector)
   * @return a started node
   * @throws IOException when the child does not start
   */
  public static ServiceNode start(Class<? extends ServiceVerticle> verticle, JsonObject config,
      List<String> jvmOptions) throws IOException {
    return start(verticle, config, jvmOptions, ProcessBuilder.Redirect.INHERIT);
  }

  /**
   * @param verticle the service's class
   * @param config its configuration
   * @param jvmOptions the child's JVM options (heap, collector)
   * @param log where the child's standard error (its log) goes: a test's forked JVM passes a file
   *     ({@code Redirect.appendTo}), as writing to its own streams from a child corrupts the test runner's
   * @return a started node, serving
   * @throws IOException when the child does not start
   */
  public static ServiceNode start(Class<? extends ServiceVerticle> verticle, JsonObject config,
      List<String> jvmOptions, ProcessBuilder.Redirect log) throws IOException {
    List<String> cmd = new java.util.ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java")));
    cmd.addAll(jvmOptions);
    cmd.addAll(List.of("-Dlogback.configurationFile=" + System.getProperty("logback.configurationFile", ""),
        "-cp", System.getProperty("java.class.path"), ServiceNode.class.getName(), verticle.getName(), config.encode()));
    Process p = new ProcessBuilder(cmd).redirectError(log).start();
    return new ServiceNode(p, new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)));
  }

  /** @return the service's HTTP port on 127.0.0.1 */
  public int port() {
    return port;
  }

  /**
   * @param path a route of the service
   * @return its JSON answer
   */
  public JsonObject json(String path) throws IOException, InterruptedException {
    return new JsonObject(get(path));
  }

  /** @return the service's Prometheus text */
  public String metrics() throws IOException, InterruptedException {
    return get("/metrics");
  }

  private String get(String path) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString()).body();
  }

  /** Kills the child with SIGKILL, as a crash would (no stop hook runs, batches stay half done), and waits for it. */
  public void kill() throws InterruptedException {
    process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
  }

  /** @return whether the child runs */
  public boolean isAlive() {
    return process.isAlive();
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
   * @param args the verticle class and its configuration as JSON
   * @throws Exception when the service does not start
   */
  public static void main(String[] args) throws Exception {
    // standard output is the port line alone: the parent reads no more of it, and a log written there
    // (a test's console appender) would fill the pipe and stall the service
    java.io.PrintStream portLine = System.out;
    System.setOut(System.err);
    Vertx vertx = Vertx.vertx(io.marketprism.platform.node.NativeTransport.prefer(new io.vertx.core.VertxOptions()));
    io.marketprism.platform.node.NativeTransport.report(vertx);
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    ServiceVerticle service = (ServiceVerticle) Class.forName(args[0]).getDeclaredConstructor().newInstance();
    vertx.deployVerticle(service, new DeploymentOptions().setConfig(new JsonObject(args[1])))
        .toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    portLine.println("port " + service.actualPort());
    portLine.flush();
    // runs until the parent closes our input
    while (in.readLine() != null) {
      // nothing is asked on it
    }
    vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    System.exit(0);
  }
}
