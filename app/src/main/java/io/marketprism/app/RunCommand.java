package io.marketprism.app;

import io.marketprism.platform.config.ConfigLoader;
import io.vertx.core.json.JsonObject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code run [--config FILE] [--cluster] [SERVICE...]}. */
@Command(name = "run", mixinStandardHelpOptions = true,
    description = "Run the listed services (default: all) in this process.")
final class RunCommand implements Callable<Integer> {

  @Option(names = "--config", paramLabel = "FILE",
      description = "YAML config merged over the embedded defaults (default: conf/marketprism.yaml when present)")
  Path config;

  @Option(names = "--cluster", description = "Join the Hazelcast cluster named in the config")
  boolean cluster;

  @Parameters(paramLabel = "SERVICE", arity = "0..*",
      description = "gateway collector storage scheduler monitoring broker simulator")
  List<String> services = new ArrayList<>();

  @Override
  public Integer call() {
    List<String> names;
    try {
      names = ServiceCatalog.resolve(services);
    } catch (IllegalArgumentException e) {
      throw new Main.UsageException(e.getMessage());
    }
    Path file = config;
    if (file == null && Files.isRegularFile(Path.of("conf/marketprism.yaml"))) {
      file = Path.of("conf/marketprism.yaml");
    }
    JsonObject root = ConfigLoader.load(file);
    return NodeRunner.runUntilStopped(root, cluster, names, null);
  }
}
