package io.marketprism.platform.discovery;

import io.marketprism.platform.Platform;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class ServiceDirectoryTest {

  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void viewFollowsPublishAndUnpublishWithoutLookups() throws Exception {
    Platform p = Platform.of(vertx, new JsonObject());
    ServiceDirectory dir = p.directory().await(5, TimeUnit.SECONDS);
    String a = p.registry().publishHttp("storage", "127.0.0.1", 1001, null).await(5, TimeUnit.SECONDS);
    p.registry().publishHttp("storage", "127.0.0.1", 1002, null).await(5, TimeUnit.SECONDS);
    awaitCount(dir, "storage", 2);
    assertThat(dir.instances("storage")).extracting(ServiceInstance::port).containsExactlyInAnyOrder(1001, 1002);
    assertThat(dir.instances("storage").get(0).node()).isEqualTo(p.registry().nodeId());

    p.registry().unpublish(a).await(5, TimeUnit.SECONDS);
    awaitCount(dir, "storage", 1);
    assertThat(dir.instances("storage").get(0).port()).isEqualTo(1002);
    assertThat(dir.instances("nothing")).isEmpty();
  }

  @Test
  void closingTheRegistryUnpublishesEverythingItPublished() throws Exception {
    Platform p = Platform.of(vertx, new JsonObject());
    ServiceDirectory dir = p.directory().await(5, TimeUnit.SECONDS);
    p.registry().publishHttp("collector", "127.0.0.1", 2001, null).await(5, TimeUnit.SECONDS);
    awaitCount(dir, "collector", 1);
    p.registry().close().await(5, TimeUnit.SECONDS);
    awaitCount(dir, "collector", 0);
  }

  private static void awaitCount(ServiceDirectory dir, String service, int n) throws InterruptedException {
    // well under the directory's 5 s full reload: the announcement must have updated the view
    long deadline = System.currentTimeMillis() + 2000;
    while (dir.instances(service).size() != n && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
    }
    assertThat(dir.instances(service)).hasSize(n);
  }
}
