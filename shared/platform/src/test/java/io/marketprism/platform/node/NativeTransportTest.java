package io.marketprism.platform.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class NativeTransportTest {

  /** A node on Linux x86-64 runs its event loops on epoll: the library ships with the platform and loads. */
  @Test
  void aNodeOnLinuxX8664RunsOnTheNativeTransport() throws Exception {
    assumeTrue(System.getProperty("os.name").startsWith("Linux") && System.getProperty("os.arch").equals("amd64"),
        "the platform ships the native transport for Linux x86-64 only");
    assumeTrue(!"false".equalsIgnoreCase(System.getenv("MP_NATIVE_TRANSPORT")), "MP_NATIVE_TRANSPORT=false");
    MarketPrismNode node = MarketPrismNode.start(new JsonObject(), false).await(30, TimeUnit.SECONDS);
    try {
      assertThat(node.vertx().unavailableNativeTransportCause()).isNull();
      assertThat(node.vertx().isNativeTransportEnabled()).isTrue();
    } finally {
      node.vertx().close().await(30, TimeUnit.SECONDS);
    }
  }
}
