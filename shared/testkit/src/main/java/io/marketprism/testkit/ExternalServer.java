package io.marketprism.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A server process a test starts for itself (redis-server, nats-server, clickhouse-server, ...):
 * on a free loopback port, with its data in a fresh temporary directory, its output in
 * {@code server.log} there, so the machine's shared servers are never used or stopped.
 *
 * <p>A subclass says how to run the server ({@link #command}) and how to tell that it answers
 * ({@link #answers}). {@link #launch} starts it and waits until it answers; when the process
 * dies during start (its port taken in the meantime) it is tried again on another port.
 * {@link #stop} terminates it politely, {@link #kill} like a crash; {@link #restart} brings it
 * back on the same port with the same directory. {@link #close} stops it and deletes the directory.
 */
public abstract class ExternalServer implements AutoCloseable {

  private static final int START_ATTEMPTS = 3;

  private final String name;
  private final Path dir;
  private int port;
  private Process process;

  /**
   * @param name the executable's name, used in messages and as the temporary directory prefix
   */
  protected ExternalServer(String name) {
    this.name = name;
    try {
      this.dir = Files.createTempDirectory("mp-" + name + "-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a directory for " + name, e);
    }
  }

  /** The command line that runs the server in the foreground on {@code port} with its data in {@code dir}. */
  protected abstract List<String> command(int port, Path dir) throws IOException;

  /** Whether the server on {@code port} answers requests yet (a cheap probe, a short timeout). */
  protected abstract boolean answers(int port);

  /** How long the server may take to answer after it was started. */
  protected Duration startTimeout() {
    return Duration.ofSeconds(15);
  }

  /** Starts the server on a free port and waits until it answers. */
  /** Launches {@code server}, closing it (temp dir included) when it does not come up. */
  protected static <S extends ExternalServer> S launched(S server) {
    try {
      server.launch();
    } catch (RuntimeException e) {
      server.close();
      throw e;
    }
    return server;
  }

  /** The Debian-installed binary at {@code path} when it is there, else {@code name} from the PATH. */
  protected static String binary(String path, String name) {
    return new java.io.File(path).canExecute() ? path : name;
  }

  protected void launch() {
    IllegalStateException last = null;
    for (int attempt = 0; attempt < START_ATTEMPTS; attempt++) {
      port = FreePorts.next();
      try {
        startOn(port);
        return;
      } catch (IllegalStateException e) {
        last = e;
      }
    }
    throw last;
  }

  /** Starts the server again on the port and with the directory it had (after {@link #stop} or {@link #kill}). */
  public synchronized void restart() {
    if (isRunning()) {
      throw new IllegalStateException(name + " is still running on port " + port);
    }
    startOn(port);
  }

  private synchronized void startOn(int p) {
    List<String> cmd;
    try {
      cmd = command(p, dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare " + name + " in " + dir, e);
    }
    Path log = dir.resolve("server.log");
    try {
      process = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + cmd.get(0) + " (is " + name + " installed?): " + e.getMessage(), e);
    }
    long deadline = System.nanoTime() + startTimeout().toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException(name + " exited with " + process.exitValue() + " on port " + p
            + ": " + tail(log));
      }
      if (answers(p)) {
        return;
      }
      sleep(20);
    }
    process.destroyForcibly();
    throw new IllegalStateException(name + " did not answer on port " + p + " within " + startTimeout()
        + ": " + tail(log));
  }

  /** The port the server listens on (127.0.0.1). */
  public int port() {
    return port;
  }

  /** The server's own temporary directory (data, log). */
  public Path dir() {
    return dir;
  }

  public synchronized boolean isRunning() {
    return process != null && process.isAlive();
  }

  /** Stops the server with SIGTERM and waits for it (SIGKILL after 10 s). */
  public synchronized void stop() {
    end(false);
  }

  /** Kills the server with SIGKILL, as a crash would, and waits until it is gone. */
  public synchronized void kill() {
    end(true);
  }

  /** Freezes the server with SIGSTOP: it keeps its connections and port but answers nothing (a hung server). */
  public synchronized void freeze() {
    signal("STOP");
  }

  /** Lets a frozen server run again (SIGCONT). */
  public synchronized void thaw() {
    signal("CONT");
  }

  private void signal(String name) {
    if (process == null || !process.isAlive()) {
      throw new IllegalStateException(this.name + " is not running");
    }
    try {
      int rc = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start().waitFor();
      if (rc != 0) {
        throw new IllegalStateException("kill -" + name + " " + process.pid() + " exited " + rc);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void end(boolean forcibly) {
    if (process == null || !process.isAlive()) {
      return;
    }
    if (!forcibly) {
      signal("CONT"); // a frozen server cannot act on SIGTERM
    }
    if (forcibly) {
      process.destroyForcibly();
    } else {
      process.destroy();
    }
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Stops the server and deletes its directory. */
  @Override
  public synchronized void close() {
    stop();
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    } catch (IOException e) {
      // a leftover temp directory is harmless; the test result is what matters
    }
  }

  @Override
  public String toString() {
    return name + " on 127.0.0.1:" + port;
  }

  private static String tail(Path log) {
    try {
      String text = Files.readString(log, StandardCharsets.UTF_8);
      return text.length() > 2000 ? text.substring(text.length() - 2000) : text;
    } catch (IOException e) {
      return "(no log)";
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for a server to start", e);
    }
  }
}
