package io.marketprism.app;

import io.marketprism.platform.node.NodeOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NodeRunnerTest {

  @Test
  void aStartThatDoesNotFinishNamesWhatAndTheSetting() {
    Promise<Void> never = Promise.promise();
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> NodeRunner.await(never.future(), 50, "starting storage"));
    assertTrue(e.getMessage().startsWith("starting storage did not finish within 50 ms"), e.getMessage());
    assertTrue(e.getMessage().contains("node.start_timeout_ms"), e.getMessage());
  }

  @Test
  void aFailedStartKeepsItsOwnReason() {
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> NodeRunner.await(Future.failedFuture(new IllegalStateException("port 8080 in use")), 1000, "starting gateway"));
    assertEquals("port 8080 in use", e.getMessage());
  }

  @Test
  void theStartLimitIsConfigAndDefaultsToFiveMinutes() {
    assertEquals(300_000, NodeOptions.from(new JsonObject()).startMillis());
    assertEquals(600_000, NodeOptions.from(new JsonObject().put("node", new JsonObject().put("start_timeout_ms", 600_000))).startMillis());
  }
}
