package io.marketprism.platform.bus;

import org.junit.jupiter.api.Test;

import java.net.ConnectException;
import java.util.concurrent.TimeoutException;

import static org.assertj.core.api.Assertions.assertThat;

class NatsProblemsTest {

  @Test
  void aServerThatIsNotNatsIsSaidToBeSo() {
    // a port where something else listens (ClickHouse's HTTP port): jnats times out waiting for
    // the NATS greeting, and the health said only "java.util.concurrent.TimeoutException"
    NatsProblems p = new NatsProblems("nats://127.0.0.1:8123");
    p.exceptionOccurred(null, new TimeoutException());
    assertThat(p.describe(false)).startsWith("NATS nats://127.0.0.1:8123 is not reachable: no NATS greeting in time")
        .contains("is the server at that address NATS?", "bus.nats.url");
  }

  @Test
  void nothingListeningSaysWhatToDo() {
    NatsProblems p = new NatsProblems("nats://127.0.0.1:1");
    p.exceptionOccurred(null, new ConnectException("Connection refused"));
    assertThat(p.describe(false)).isEqualTo("NATS nats://127.0.0.1:1 is not reachable: ConnectException: "
        + "Connection refused: nothing listens there; start nats-server -js or fix bus.nats.url");
    assertThat(p.describe(true)).isNull();
  }
}
