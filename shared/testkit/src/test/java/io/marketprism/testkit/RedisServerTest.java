package io.marketprism.testkit;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RedisServerTest {

  @Test
  void answersPingOnItsOwnPortAndComesBackAfterAKill() {
    try (RedisServer redis = RedisServer.start()) {
      assertThat(redis.port()).isNotEqualTo(6379);
      assertThat(redis.url()).isEqualTo("redis://127.0.0.1:" + redis.port());
      assertThat(redis.isRunning()).isTrue();

      redis.kill();
      assertThat(redis.isRunning()).isFalse();
      assertThatThrownBy(() -> new Socket(InetAddress.getLoopbackAddress(), redis.port()).close())
          .isInstanceOf(IOException.class);

      redis.restart();
      assertThat(redis.isRunning()).isTrue();
    }
  }

  @Test
  void freePortsAreDistinct() {
    int[] ports = FreePorts.next(5);
    assertThat(ports).doesNotHaveDuplicates().doesNotContain(0);
  }
}
