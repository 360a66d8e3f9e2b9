package io.marketprism.app;

import io.marketprism.platform.node.MarketPrismNode;
import io.marketprism.platform.node.NodeOptions;
import io.marketprism.platform.service.ServiceVerticle;
import io.vertx.core.Deployable;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Starts a node with a list of services and keeps it up until SIGTERM / Ctrl-C (or a time
 * limit), then stops it cleanly: the shutdown hook undeploys the services (leave discovery,
 * drain, flush), unpublishes the node's records and leaves the cluster.
 */
final class NodeRunner {

  private static final Logger LOG = LoggerFactory.getLogger(NodeRunner.class);

  private NodeRunner() {
  }

  /** Validates every service's configuration first, so a bad value stops start-up at once. */
  static void validate(JsonObject root, List<String> names) {
    for (String name : names) {
      Deployable d = ServiceCatalog.factory(name).get();
      if (d instanceof ServiceVerticle) {
        ((ServiceVerticle) d).validate(root);
      }
    }
  }

  /**
   * Runs until stopped. {@code onStarted} (may be null) is called with the node once every
   * service is up; {@code seconds} > 0 stops the node after that long.
   */
  static int runUntilStopped(JsonObject root, boolean clustered, List<String> names,
                             Consumer<MarketPrismNode> onStarted) {
    return runUntilStopped(root, clustered, names, onStarted, 0);
  }

  static int runUntilStopped(JsonObject root, boolean clustered, List<String> names,
                             Consumer<MarketPrismNode> onStarted, long seconds) {
    validate(root, names);
    long startMillis = NodeOptions.from(root).startMillis();
    MarketPrismNode node = await(MarketPrismNode.start(root, clustered), startMillis,
        clustered ? "joining the cluster" : "starting Vert.x");
    CountDownLatch stopped = new CountDownLatch(1);
    Thread hook = new Thread(() -> {
      LOG.info("stopping");
      node.stopAndWait();
      stopped.countDown();
    }, "marketprism-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    // SIGTERM / Ctrl-C: stop cleanly and exit 0 (the default handler would exit 143 / 130)
    for (String sig : new String[] {"TERM", "INT"}) {
      try {
        sun.misc.Signal.handle(new sun.misc.Signal(sig), s -> new Thread(() -> {
          LOG.info("SIG{}: stopping", sig);
          node.stopAndWait();
          stopped.countDown();
        }, "marketprism-sig" + sig.toLowerCase()).start());
      } catch (IllegalArgumentException unsupported) {
        LOG.debug("cannot handle SIG{} here; the shutdown hook stops the node", sig);
      }
    }
    try {
      // one after another, each with the whole limit: a loaded machine slows every start, and the
      // error names the service that did not come up
      for (String name : names) {
        Deployable probe = ServiceCatalog.factory(name).get();
        int instances = probe instanceof ServiceVerticle sv ? sv.instances(root) : 1;
        await(node.deploy(name, ServiceCatalog.factory(name), instances), startMillis, "starting " + name);
      }
    } catch (RuntimeException e) {
      Runtime.getRuntime().removeShutdownHook(hook);
      node.stopAndWait();
      throw e;
    }
    LOG.info("running {}{}", String.join(", ", names), clustered ? " (clustered)" : "");
    if (onStarted != null) {
      onStarted.accept(node);
    }
    try {
      if (seconds > 0 && !stopped.await(seconds, TimeUnit.SECONDS)) {
        LOG.info("--seconds {} elapsed: stopping", seconds);
        node.stopAndWait();
      } else {
        stopped.await();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // the JVM is already exiting through the hook
    }
    return 0;
  }

  static <T> T await(Future<T> f, long millis, String what) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(millis, TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof RuntimeException) {
        throw (RuntimeException) c;
      }
      throw new IllegalStateException(c.getMessage(), c);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException(what + " did not finish within " + millis
          + " ms (node.start_timeout_ms; a loaded machine starts slowly)");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted");
    }
  }
}
