package io.marketprism.app;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLHandshakeException;

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

    lines.list.clear();
    Thread.sleep(600);
    vertx.error("javax.net.ssl.SSLHandshakeException: Received fatal alert: certificate_unknown",
        new SSLHandshakeException("Received fatal alert: certificate_unknown"));
    assertThat(lines.list).extracting(ILoggingEvent::getFormattedMessage).containsExactly(
        "999 more lines like the next one were left out since it was last logged",
        "javax.net.ssl.SSLHandshakeException: Received fatal alert: certificate_unknown");
  }
}
