package io.marketprism.platform.bus;

import io.nats.client.Connection;
import io.nats.client.ErrorListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a NATS connection last reported as wrong, for health checks and the log: each different
 * problem is logged once (jnats' own listener would log every reconnect attempt, in
 * java.util.logging's format), and a health check reads it while the connection is down.
 */
public final class NatsProblems implements ErrorListener {

  private static final Logger LOG = LoggerFactory.getLogger(NatsProblems.class);

  private final String url;
  private volatile String last;

  /** @param url the servers the connection is for, as configured */
  public NatsProblems(String url) {
    this.url = url;
  }

  @Override
  public void errorOccurred(Connection conn, String error) {
    note(error);
  }

  @Override
  public void exceptionOccurred(Connection conn, Exception exp) {
    note(explain(exp));
  }

  /**
   * @return the exception in words, with what to do where the cause is plain: nothing listening
   *     (refused), or a server that accepts the connection but never greets as NATS does (jnats'
   *     bare {@code java.util.concurrent.TimeoutException}: something else on that port)
   */
  static String explain(Exception exp) {
    if (exp instanceof java.util.concurrent.TimeoutException) {
      return "no NATS greeting in time (TimeoutException): is the server at that address NATS? "
          + "Check bus.nats.url (NATS listens on 4222 by default)";
    }
    String text = exp.getMessage() == null ? exp.toString() : exp.getClass().getSimpleName() + ": " + exp.getMessage();
    if (exp instanceof java.net.ConnectException) {
      return text + ": nothing listens there; start nats-server -js or fix bus.nats.url";
    }
    return text;
  }

  private void note(String problem) {
    if (!problem.equals(last)) {
      LOG.warn("NATS {}: {}", url, problem);
    }
    last = problem;
  }

  /** Forgets the last problem: the connection is up again. */
  public void clear() {
    last = null;
  }

  /**
   * @param connected whether the connection is up now
   * @return null when it is, else what is wrong, naming the servers (e.g. {@code NATS
   *     nats://127.0.0.1:4222 is not reachable: ConnectException: Connection refused: nothing listens there; ...})
   */
  public String describe(boolean connected) {
    if (connected) {
      return null;
    }
    String p = last;
    return "NATS " + url + " is not reachable" + (p == null ? "" : ": " + p);
  }
}
