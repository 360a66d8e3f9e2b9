package io.marketprism.simulator.replay;

import io.vertx.core.Vertx;
import java.util.List;
import java.util.function.Consumer;

/**
 * Plays a {@link ReplayStore}'s messages to a sink at a {@link ReplayPace}, on the caller's event
 * loop, starting when {@link #start()} is first called (the simulator calls it on the first
 * subscription, so the first client sees the capture from its start).
 */
public final class ReplayEngine {

  private static final int MAX_BATCH = 5_000;

  private final Vertx vertx;
  private final ReplayStore store;
  private final ReplayPace pace;
  private final boolean loop;
  private final Consumer<ReplayMessage> sink;
  private long timer = -1;
  private int next;
  private long startedWall;
  private long startedCapture;
  private volatile long sent;
  private volatile boolean finished;

  /**
   * @param vertx Vert.x, for the timer
   * @param store what to play
   * @param pace  how fast
   * @param loop  start again at the end
   * @param sink  receives each message
   */
  public ReplayEngine(Vertx vertx, ReplayStore store, ReplayPace pace, boolean loop, Consumer<ReplayMessage> sink) {
    this.vertx = vertx;
    this.store = store;
    this.pace = pace;
    this.loop = loop;
    this.sink = sink;
  }

  /** Starts playing unless already started. Call on the simulator's context. */
  public void start() {
    if (timer >= 0 || finished) {
      return;
    }
    rewind();
    timer = vertx.setPeriodic(5, t -> tick());
  }

  /** Stops playing. */
  public void stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
  }

  /** Messages sent so far. */
  public long sent() {
    return sent;
  }

  /** Whether the capture has been played to its end (never true when looping). */
  public boolean finished() {
    return finished;
  }

  private void rewind() {
    next = 0;
    startedWall = System.nanoTime();
    startedCapture = store.messages().get(0).tsNanos();
  }

  private void tick() {
    List<ReplayMessage> all = store.messages();
    long elapsed = System.nanoTime() - startedWall;
    int budget = MAX_BATCH;
    while (budget-- > 0 && next < all.size()) {
      ReplayMessage m = all.get(next);
      boolean due;
      if (pace.rate() > 0) {
        due = Double.isInfinite(pace.rate()) || next < elapsed / 1e9 * pace.rate();
      } else {
        due = m.tsNanos() - startedCapture <= elapsed * pace.speed();
      }
      if (!due) {
        break;
      }
      store.position(m.tsNanos());
      sink.accept(m);
      next++;
      sent++;
    }
    if (next >= all.size()) {
      if (loop) {
        rewind();
      } else {
        finished = true;
        stop();
      }
    }
  }
}
