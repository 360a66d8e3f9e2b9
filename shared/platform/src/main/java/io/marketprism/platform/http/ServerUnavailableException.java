package io.marketprism.platform.http;

import java.io.IOException;

/**
 * A server this service needs could not be reached or did not answer in time, named: its
 * message says which server ("ClickHouse at http://127.0.0.1:8123") and what happened. A request
 * that fails with it answers 503 {@code unavailable} with that message ({@link Http#renderFailure}).
 */
public final class ServerUnavailableException extends IOException {

  /**
   * @param server what the server is and where, e.g. {@code ClickHouse at http://127.0.0.1:8123}
   * @param cause the connection failure or timeout
   */
  public ServerUnavailableException(String server, Throwable cause) {
    super(server + ": " + cause.getMessage(), cause);
  }

  /**
   * @param server what the server is and where
   * @param err a failure of a request to it
   * @return the failure naming the server when the server could not be reached or did not answer
   *     ({@link Http#unreachable}), else {@code err} as it is
   */
  public static Throwable naming(String server, Throwable err) {
    return Http.unreachable(err) != null ? new ServerUnavailableException(server, err) : err;
  }
}
