package io.marketprism.testkit;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;

import static org.assertj.core.api.Assertions.assertThat;

class NatsServerTest {

  @Test
  void greetsOnItsOwnPortAndKeepsItsStoreAcrossRestart() {
    try (NatsServer nats = NatsServer.start()) {
      assertThat(nats.port()).isNotEqualTo(4222);
      assertThat(nats.url()).isEqualTo("nats://127.0.0.1:" + nats.port());
      assertThat(Files.isDirectory(nats.dir().resolve("jetstream"))).isTrue();
      nats.stop();
      assertThat(nats.isRunning()).isFalse();
      nats.restart();
      assertThat(nats.isRunning()).isTrue();
      assertThat(nats.answers(nats.port())).isTrue();
    }
  }
}
