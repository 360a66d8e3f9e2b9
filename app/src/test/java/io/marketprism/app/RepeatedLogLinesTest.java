package io.marketprism.app;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLHandshakeException;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class RepeatedLogLinesTest {

  @Test
  void aLibrarysRepeatedErrorIsLoggedOnceAPeriodWithHowManyWereLeftOut() throws Exception {
    LoggerContext context = new LoggerContext();
    RepeatedLogLines filter = new RepeatedLogLines();
    filter.addLoggerPrefix("io.vertx");
    filter.setPeriodMs(500);
    filter.setContext(context);
    filter.start();
    context.addTurboFilter(filter);
    ListAppender<ILoggingEvent> lines = new ListAppender<>();
    lines.setContext(context);
    lines.start();
    Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.setLevel(Level.INFO);
    root.addAppender(lines);

    Logger vertx = context.getLogger("io.vertx.core.net.impl.ConnectionBase");
    for (int i = 0; i < 1000; i++) {
      vertx.error("javax.net.ssl.SSLHandshakeException: Received fatal alert: certificate_unknown",
          new SSLHandshakeException("Received fatal alert: certificate_unknown"));
    }
    vertx.error("another problem", new IllegalStateException("x"));
    for (int i = 0; i < 3; i++) {
      vertx.info("a connection");
      context.getLogger("io.marketprism.storage.StorageVerticle").error("our own error");
    }
    assertThat(lines.list).extracting(ILoggingEvent::getFormattedMessage).containsExactly(
        "javax.net.ssl.SSLHandshakeException: Received fatal alert: certificate_unknown", "another problem",
        "a connection", "our own error", "a connection", "our own error", "a connection", "our own error");

    // the storm has ended: its size is said once the period is over, without waiting for its next line
    lines.list.clear();
    Thread.sleep(900);
    String handshake = "io.vertx.core.net.impl.ConnectionBase - javax.net.ssl.SSLHandshakeException: Received fatal alert:"
        + " certificate_unknown (javax.net.ssl.SSLHandshakeException: Received fatal alert: certificate_unknown)";
    assertThat(lines.list).extracting(ILoggingEvent::getFormattedMessage).containsExactly(
        "999 more lines like this one were left out since it was logged: " + handshake);

    // after a quiet period the first line is whole again; a storm that goes on is summed up each period
    lines.list.clear();
    Thread.sleep(600);
    long end = System.currentTimeMillis() + 1_300;
    int sent = 0;
    while (System.currentTimeMillis() < end) {
      vertx.error("javax.net.ssl.SSLHandshakeException: Received fatal alert: certificate_unknown",
          new SSLHandshakeException("Received fatal alert: certificate_unknown"));
      sent++;
      Thread.sleep(1);
    }
    filter.stop(); // what was left out before the stop is said too
    List<String> said = lines.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    String whole = "javax.net.ssl.SSLHandshakeException: Received fatal alert: certificate_unknown";
    String summary = "[1-9][0-9]* more lines like this one were left out since it was logged: " + java.util.regex.Pattern.quote(handshake);
    assertThat(said.get(0)).isEqualTo(whole);
    assertThat(said).allMatch(line -> line.equals(whole) || line.matches(summary));
    long passed = said.stream().filter(whole::equals).count();
    long leftOut = said.stream().filter(line -> !line.equals(whole)).mapToLong(line -> Long.parseLong(line.split(" ")[0])).sum();
    assertThat(passed).isBetween(2L, 4L); // at most one a period (500 ms) of the 1.3 s
    assertThat(passed + leftOut).isEqualTo(sent); // every line is logged or counted once, the last ones at the stop
  }
}
