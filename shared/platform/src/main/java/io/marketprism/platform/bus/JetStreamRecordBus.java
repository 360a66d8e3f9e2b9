package io.marketprism.platform.bus;

import io.marketprism.model.MarketRecord;
import io.marketprism.model.Micros;
import io.marketprism.model.RecordJson;
import io.marketprism.model.SubjectPattern;
import io.nats.client.Connection;
import io.nats.client.ConnectionListener;
import io.nats.client.Dispatcher;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.PullSubscribeOptions;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.DeliverPolicy;
import io.nats.client.impl.Headers;
import io.nats.client.support.NatsJetStreamConstants;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;

/**
 * The server-mode bus: NATS JetStream through jnats.
 *
 * <p>Publishing is asynchronous with a bounded window of unacknowledged records
 * ({@code bus.publish.max_in_flight}); each carries its identity as {@code Nats-Msg-Id}, so a
 * record sent twice (after a lost ack, a reconnect) is stored once within the stream's
 * duplicate window. While NATS is away, or the window is full, records wait in a bounded buffer
 * ({@code bus.publish.buffer_max}) that drains when the connection returns; records beyond it
 * are dropped and counted. The JSON bytes held unacknowledged, buffered or in the window, are
 * bounded too ({@code bus.publish.buffer_max_bytes}): with order books in the mix the record bound
 * alone would let an outage fill the heap, and the OutOfMemoryError would lose everything held.
 * A record's bytes are counted when it is taken and released when its ack arrives; moving between
 * buffer and window (a failed or overdue ack puts it back) leaves them counted. Beyond either bound
 * the new record is dropped and counted alike (a warning every 10,000 drops names the bounds).
 * jnats' own reconnect buffer is off so this buffer is the only one.
 * {@link #publish} sends from the caller's thread only when the buffer is empty and the window
 * has room (jnats' outgoing queue, four times the window, then never fills, so the call never
 * blocks); otherwise it enqueues, and one sender thread moves records from the buffer into the
 * window as room frees up. A record whose ack fails or times out goes back to the buffer, ahead of
 * the records never sent and in publish order with the others sent again ({@link SendQueue}), to
 * be sent again with the same id, so a replay after a reconnect is absorbed by the stream's
 * duplicate window and catches up in the order the records were published.
 *
 * <p>A durable consumer is a pull subscription read by its own thread: fetch a batch (size and
 * time bounded; a consumer that gets under a quarter of a batch per wait instead sleeps through
 * the wait and takes what the stream gathered meanwhile in one burst), hand it to the handler on
 * the Vert.x context and fetch the next while it commits (up to {@code batchesInFlight} open
 * batches), keep the messages alive with in-progress acks while a commit takes long, then ack
 * each message (or nak the batch on failure). Acks are explicit per message: an "ack all" would
 * also acknowledge older deliveries still waiting for their redelivery after a crash. A crash
 * anywhere before the acks means JetStream delivers the batch again after the ack wait.
 * The worker waits while the connection is not {@code CONNECTED} instead of calling jnats
 * (with no reconnect buffer, a fetch or ack during a reconnect fails); acks that are lost in a
 * disconnect only cause a redelivery, which the store absorbs by identity.
 */
public final class JetStreamRecordBus implements RecordBus {

  private static final Logger LOG = LoggerFactory.getLogger(JetStreamRecordBus.class);
  /** JetStream's API error code for a consumer that does not exist. */
  private static final int CONSUMER_NOT_FOUND = 10014;
  private static final long RETRY_BACKOFF_MS = 200;
  private static final long IDLE_PARK_MS = 50;
  private static final long STOP_WAIT_MS = 10_000;
  private static final byte[] ERROR = "\"error\"".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  private static final byte[] SEQ = "\"seq\"".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  private static final byte[] DUPLICATE = "\"duplicate\"".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

  private final Vertx vertx;
  private final BusOptions options;
  private final ExecutorService blocking;
  private final Object lock = new Object();
  private final SendQueue<Pending> buffer = new SendQueue<>(p -> p.seq);
  /** Sends awaiting their ack, oldest first (added by any sending thread, expired by the sender thread). */
  private final Queue<Pending> window = new ConcurrentLinkedQueue<>();
  /** Sends awaiting their ack by the token that ends their reply subject. */
  private final ConcurrentHashMap<Long, Pending> awaiting = new ConcurrentHashMap<>();
  /** The reply subjects of this bus's publishes: this prefix and a token. */
  private final String ackPrefix = "_MPACK." + io.nats.client.NUID.nextGlobal() + ".";
  private final AtomicLong tokens = new AtomicLong();
  /** receive→ack, µs: recorded wait-free by the ack threads, filed when stats are read */
  private final LatencyWindow ackLatency = new LatencyWindow(System.currentTimeMillis());
  /** publish call→ack, µs */
  private final LatencyWindow busLatency = new LatencyWindow(System.currentTimeMillis());
  /** receive→publish call, µs (recorded by the publishing threads) */
  private final LatencyWindow publishLatency = new LatencyWindow(System.currentTimeMillis());
  /** Reads the latencies every slot, so that the last minute's are exact to a slot. */
  private long latencyTimer = -1;
  private final List<PullWorker> workers = new ArrayList<>();
  private volatile Connection connection;
  /** Live subscriptions waiting for the first connect; its monitor also orders them with setting {@link #connection}. */
  private final List<LiveSubscription> liveSubscriptions = new ArrayList<>();
  /** Set once the stream exists and the ack subscription is open; null while JetStream is not usable. */
  private volatile Connection publishing;
  private Dispatcher acks;
  private volatile boolean connected;
  /** Who is told of each change of {@link #connected}, and on which context. */
  private final List<Map.Entry<Context, Handler<Boolean>>> connectionHandlers = new CopyOnWriteArrayList<>();
  private final NatsProblems problems;
  private int inFlight;
  private long backoffUntil;
  private long published;
  private long acked;
  private long duplicates;
  private long retried;
  private long dropped;
  /** JSON bytes of the records taken and not yet acknowledged (buffered or in flight). */
  private long pendingBytes;
  private volatile boolean closing;
  private volatile boolean senderParked;
  private final Thread sender;

  JetStreamRecordBus(Vertx vertx, BusOptions options) {
    this.vertx = vertx;
    this.options = options;
    this.problems = new NatsProblems(options.natsUrl());
    this.blocking = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "mp-nats-bus");
      t.setDaemon(true);
      return t;
    });
    this.sender = new Thread(this::sendLoop, "mp-nats-publisher");
    this.sender.setDaemon(true);
  }

  @Override
  public String problem() {
    return problems.describe(connected);
  }

  /** @return the NATS connection, or {@code null} before the first connect */
  public Connection connection() {
    return connection;
  }

  @Override
  public Future<Void> start() {
    Options natsOptions = new Options.Builder().servers(options.natsUrl().split(","))
        .connectionTimeout(options.connectTimeout()).reconnectWait(options.reconnectWait()).maxReconnects(-1)
        .pingInterval(BusOptions.PING_INTERVAL).maxPingsOut(2).reconnectBufferSize(0).maxMessagesInOutgoingQueue(Math.max(65_536, options.maxInFlight() * 4))
        .connectionListener(this::onConnectionEvent).errorListener(problems).build();
    Promise<Void> first = Promise.promise();
    blocking.execute(() -> {
      try {
        Nats.connectAsynchronously(natsOptions, true);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    sender.start();
    latencyTimer = vertx.setPeriodic(LatencyWindow.SLOT_MS, t -> stats());
    // a bus that cannot reach NATS still starts: it buffers and connects when NATS is there
    long waitMs = options.connectTimeout().toMillis() * 2;
    long poll = vertx.setPeriodic(20, t -> {
      if (connected) {
        first.tryComplete();
      }
    });
    vertx.setTimer(waitMs, t -> first.tryComplete());
    return first.future().onComplete(ar -> vertx.cancelTimer(poll));
  }

  private void onConnectionEvent(Connection conn, ConnectionListener.Events event) {
    switch (event) {
      case CONNECTED, RECONNECTED, RESUBSCRIBED -> {
        if (connection != conn) {
          openLiveSubscriptions(conn);
        }
        blocking.execute(() -> {
          try {
            new StreamManager(conn).apply(options.streams(), false);
            if (acks == null) {
              // jnats subscribes it again by itself after each reconnect
              acks = conn.createDispatcher(this::onAck);
              acks.subscribe(ackPrefix + "*");
            }
            publishing = conn;
            boolean was = connected;
            connected = true;
            if (!was) {
              tellConnection(true);
            }
            problems.clear();
            LOG.info("NATS {} ({})", event.toString().toLowerCase(java.util.Locale.ROOT), conn.getConnectedUrl());
            wakeSender();
          } catch (Exception e) {
            LOG.warn("NATS connected but JetStream is not usable yet: {}", e.toString());
          }
        });
      }
      case DISCONNECTED, CLOSED -> {
        boolean was = connected;
        connected = false;
        if (was) {
          LOG.warn("NATS {}", event.toString().toLowerCase(java.util.Locale.ROOT));
          tellConnection(false);
        }
        // answers to sends in flight are lost with the connection: send them again when it returns
        // (the stream absorbs those it had stored by their id)
        for (Long token : awaiting.keySet()) {
          Pending p = awaiting.remove(token);
          if (p != null) {
            answered(p, false, new CancellationException("NATS disconnected"));
          }
        }
      }
      default -> {
      }
    }
  }

  @Override
  public Future<Void> publish(String subject, String messageId, byte[] json) {
    return publishAwaitingAck(new Pending(subject, messageId, json, 0, new CompletableFuture<>()));
  }

  @Override
  public Future<Void> publish(MarketRecord record) {
    return publishAwaitingAck(new Pending(record.subject(), record.identity(), RecordJson.toBytes(record),
        record.recvTsUs(), new CompletableFuture<>()));
  }

  private Future<Void> publishAwaitingAck(Pending p) {
    if (!enqueue(p)) {
      return Future.failedFuture(new BusOverflowException(options.bufferMax(), options.bufferMaxBytes()));
    }
    return Future.fromCompletionStage(p.done, vertx.getOrCreateContext());
  }

  @Override
  public boolean offer(MarketRecord record) {
    return enqueue(new Pending(record.subject(), record.identity(), RecordJson.toBytes(record), record.recvTsUs(),
        null));
  }

  /**
   * Sends at once from the caller's thread when nothing waits before it and the window has room
   * (one thread hop less on the way to the ack: jnats' own queue is far larger than the window, so
   * this never blocks); otherwise buffers for the sender thread.
   *
   * @return false when the buffer is full and the record was dropped (and counted)
   */
  private boolean enqueue(Pending p) {
    if (p.recvUs > 0) {
      publishLatency.record(Math.max(0, Micros.now() - p.recvUs));
    }
    Connection c = null;
    int size = p.json.length;
    synchronized (lock) {
      p.seq = published++;
      boolean bytesFull = pendingBytes + size > options.bufferMaxBytes();
      if (!bytesFull && buffer.isEmpty() && canSend()) {
        inFlight++;
        c = publishing;
      } else if (bytesFull || buffer.size() >= options.bufferMax()) {
        if (dropped++ % 10_000 == 0) {
          logDrop(bytesFull);
        }
        return false;
      } else {
        buffer.add(p);
      }
      pendingBytes += size;
    }
    if (c == null) {
      wakeSender();
    } else if (!send(c, p)) {
      synchronized (lock) {
        buffer.sendAgain(p);
        inFlight--;
        backoffUntil = System.currentTimeMillis() + RETRY_BACKOFF_MS;
      }
    }
    return true;
  }

  /** Caller holds the lock; runs for one drop in 10,000, so a stalled NATS does not flood the log. */
  private void logDrop(boolean bytesFull) {
    LOG.warn("publish buffer full ({}: {} records buffered, {} in flight, {} bytes held; bounds bus.publish.buffer_max "
        + "{}, buffer_max_bytes {}): dropping new records, {} so far", bytesFull ? "bytes" : "records", buffer.size(),
        inFlight, pendingBytes, options.bufferMax(), options.bufferMaxBytes(), dropped);
  }

  /**
   * Publishes one record with its {@code Nats-Msg-Id} and a reply subject of this bus's ack
   * subscription (a plain publish: jnats' request machinery, a future and a JSON parse per ack,
   * cost more than the rest of the send); the stream's answer comes back in {@link #onAck}, or
   * the sender's timeout fails it. The caller counted it in flight.
   *
   * @return false when jnats refused it (disconnected meanwhile): the caller puts it back
   */
  private boolean send(Connection c, Pending p) {
    long token = tokens.incrementAndGet();
    p.token = token;
    p.sentNanos = System.nanoTime();
    awaiting.put(token, p);
    try {
      Headers h = new Headers();
      h.put(NatsJetStreamConstants.MSG_ID_HDR, p.messageId);
      c.publish(p.subject, ackPrefix + token, h, p.json);
    } catch (RuntimeException e) {
      awaiting.remove(token);
      return false;
    }
    window.add(p);
    return true;
  }

  /** Wakes the sender only when it sleeps: an unpark is a system call, too dear for every record. */
  private void wakeSender() {
    if (senderParked) {
      senderParked = false;
      LockSupport.unpark(sender);
    }
  }

  /** Caller holds the lock. */
  private boolean canSend() {
    return connected && publishing != null && inFlight < options.maxInFlight()
        && System.currentTimeMillis() >= backoffUntil;
  }

  /**
   * The sender thread: moves buffered records into the in-flight window whenever there is room,
   * and fails the oldest sends whose ack is overdue (they go back to the buffer to be sent again).
   */
  private void sendLoop() {
    List<Pending> batch = new ArrayList<>();
    long ackTimeoutNanos = options.ackTimeout().toNanos();
    while (!closing) {
      expireOverdue(ackTimeoutNanos);
      batch.clear();
      Connection c;
      synchronized (lock) {
        c = publishing;
        while (!buffer.isEmpty() && canSend() && batch.size() < 1024) {
          batch.add(buffer.poll());
          inFlight++;
        }
        // parked is set under the lock that publishers take to enqueue: a record added after this
        // check sees the flag and wakes us
        senderParked = batch.isEmpty();
      }
      if (batch.isEmpty()) {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(IDLE_PARK_MS));
        senderParked = false;
        continue;
      }
      for (int i = 0; i < batch.size(); i++) {
        if (!send(c, batch.get(i))) {
          // disconnected between the check and the send: the rest goes back, in order, for the next round
          synchronized (lock) {
            for (int j = batch.size() - 1; j >= i; j--) {
              buffer.sendAgain(batch.get(j));
              inFlight--;
            }
            backoffUntil = System.currentTimeMillis() + RETRY_BACKOFF_MS;
          }
          break;
        }
      }
    }
  }

  /**
   * Acks mostly come back in the order of the sends, so only the head of the window needs a look:
   * answered sends leave it, an overdue one is failed with a timeout (which re-buffers its record).
   * A record sent again is in the window twice; its older entry reads the newer send's token and
   * time, so it waits for that send or fails it when it is overdue, never an answered one.
   */
  private void expireOverdue(long ackTimeoutNanos) {
    long now = System.nanoTime();
    for (Pending head = window.peek(); head != null; head = window.peek()) {
      if (awaiting.get(head.token) == head) {
        if (now - head.sentNanos < ackTimeoutNanos) {
          return;
        }
        if (awaiting.remove(head.token, head)) {
          answered(head, false, new TimeoutException("no JetStream ack"));
        }
      }
      window.poll();
    }
  }

  /**
   * The stream's answer to one publish: {@code {"stream":..,"seq":..[,"duplicate": true]}}, an
   * {@code {"error":..}}, or a no-responders status (no stream takes the subject). Runs on the
   * ack dispatcher's thread.
   */
  private void onAck(Message m) {
    String subject = m.getSubject();
    long token;
    try {
      token = Long.parseLong(subject, ackPrefix.length(), subject.length(), 10);
    } catch (NumberFormatException e) {
      return;
    }
    Pending p = awaiting.remove(token);
    if (p == null) {
      return; // answered late, after its timeout: it was sent again
    }
    byte[] body = m.getData();
    if (m.isStatusMessage() || body == null || contains(body, ERROR) || !contains(body, SEQ)) {
      String why = m.isStatusMessage() ? "status " + m.getStatus().getCode() + " " + m.getStatus().getMessage()
          : new String(body == null ? new byte[0] : body, java.nio.charset.StandardCharsets.UTF_8);
      answered(p, false, new IllegalStateException("JetStream refused the publish: " + why));
    } else {
      answered(p, duplicate(body), null);
    }
  }

  /** Whether an ack says {@code "duplicate": true} (nats-server writes a space after the colon). */
  private static boolean duplicate(byte[] ack) {
    int i = indexOf(ack, DUPLICATE);
    if (i < 0) {
      return false;
    }
    i += DUPLICATE.length;
    while (i < ack.length && (ack[i] == ' ' || ack[i] == ':')) {
      i++;
    }
    return i + 4 <= ack.length && ack[i] == 't' && ack[i + 1] == 'r' && ack[i + 2] == 'u' && ack[i + 3] == 'e';
  }

  private static boolean contains(byte[] hay, byte[] needle) {
    return indexOf(hay, needle) >= 0;
  }

  private static int indexOf(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0, last = hay.length - needle.length; i <= last; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  private void answered(Pending p, boolean duplicate, Throwable err) {
    synchronized (lock) {
      inFlight--;
      if (err == null) {
        acked++;
        pendingBytes -= p.json.length;
        if (duplicate) {
          duplicates++;
        }
      } else {
        retried++;
        buffer.sendAgain(p);
        if (!(err instanceof TimeoutException || err instanceof CancellationException)) {
          backoffUntil = System.currentTimeMillis() + RETRY_BACKOFF_MS;
        }
      }
    }
    wakeSender();
    if (err == null) {
      long busMicros = (System.nanoTime() - p.enqueuedNanos) / 1000;
      busLatency.record(busMicros);
      ackLatency.record(p.recvUs > 0 ? Math.max(0, Micros.now() - p.recvUs) : busMicros);
      if (p.done != null) {
        p.done.complete(null);
      }
    }
  }

  @Override
  public Future<RecordConsumer> consume(ConsumerSpec spec, BatchHandler handler) {
    return Future.succeededFuture(start(new PullWorker(vertx.getOrCreateContext(), spec, handler, -1)));
  }

  @Override
  public Future<Replay> replay(ConsumerSpec spec, long sinceMs, long untilSeq, String owner, BatchHandler handler) {
    ConsumerSpec one = new ConsumerSpec(spec.stream(), spec.durable(), spec.filterSubject(), spec.batchSize(),
        spec.maxWait(), spec.ackWait(), 1);
    PullWorker w = new PullWorker(vertx.getOrCreateContext(), one, handler, Math.max(0, sinceMs));
    w.owner = owner;
    // the target is at most the stream's end now: records published from here on are the live consumer's; the
    // consumer is made here, so that a filter the stream refuses is the caller's error
    return vertx.executeBlocking(() -> {
      Connection c = connection;
      if (!connected || c == null) {
        throw new IllegalStateException("NATS is not connected: a replay reads the stream, try again once it is back");
      }
      io.nats.client.api.StreamInfo stream = c.jetStreamManagement().getStreamInfo(spec.stream());
      long last = stream.getStreamState().getLastSequence();
      w.targetSeq = untilSeq > 0 ? Math.min(untilSeq, last) : last;
      w.forgetAfter = replayForgetAfter(stream);
      try {
        c.jetStreamManagement().addOrUpdateConsumer(spec.stream(), w.config());
      } catch (io.nats.client.JetStreamApiException e) {
        throw new IllegalArgumentException("NATS refused a consumer of " + spec.filterSubject() + " on "
            + spec.stream() + ": " + e.getErrorDescription());
      }
      return w;
    }, false).onFailure(e -> w.replies.shutdownNow()).map(this::startReplay);
  }

  @Override
  public Future<List<Replay>> resumeReplays(ConsumerSpec spec, String owner, Predicate<String> alive,
      BatchHandler handler) {
    Context context = vertx.getOrCreateContext();
    return vertx.executeBlocking(() -> {
      io.nats.client.JetStreamManagement jsm = connectionOrFail().jetStreamManagement();
      List<PullWorker> found = new ArrayList<>();
      List<ReplayConsumer> replays = replayConsumers(jsm, spec);
      Duration forgetAfter = replays.isEmpty() ? REPLAY_FORGET : replayForgetAfter(jsm.getStreamInfo(spec.stream()));
      for (ReplayConsumer r : replays) {
        if (alive.test(r.runBy())) {
          if (!r.runBy().equals(owner)) {
            LOG.info("replay {}: left to {}, which runs it", r.name(), r.runBy());
          }
          continue;
        }
        // a consumer cannot be handed over in place (nats-server 2.9 refuses any change to one with a start
        // time): a new one reads on from its acknowledged floor, everything before which is committed
        PullWorker w = new PullWorker(context, new ConsumerSpec(spec.stream(), spec.durable()
            + System.currentTimeMillis() + "_" + found.size(), r.subjects(), spec.batchSize(), spec.maxWait(),
            spec.ackWait(), 1), handler, r.sinceMs());
        w.owner = owner;
        w.forgetAfter = forgetAfter;
        w.targetSeq = r.targetSeq();
        w.startSeq = r.ackedSeq() == 0 ? 0 : r.ackedSeq() + 1;
        try {
          jsm.addOrUpdateConsumer(spec.stream(), w.config());
          found.add(w);
          LOG.info("replay {}: its owner {} stopped; {} goes on with it from {}", r.name(), r.runBy(),
              w.spec.durable(), w.startSeq == 0 ? "its start time" : "stream sequence " + w.startSeq);
          jsm.deleteConsumer(spec.stream(), r.name());
        } catch (Exception e) {
          // made but the old one not removed: the new one is read all the same, and the next scan takes the old one over
          // again (the work done twice, absorbed); not made: the old one is looked at again at the next scan
          LOG.warn("replay {}: not taken over whole ({})", r.name(), e.toString());
        } finally {
          if (!found.contains(w)) {
            w.replies.shutdownNow();
          }
        }
      }
      return found;
    }, false).map(ws -> ws.stream().map(this::startReplay).toList());
  }

  @Override
  public Future<ConsumerPosition> position(ConsumerSpec spec) {
    return vertx.executeBlocking(() -> {
      io.nats.client.JetStreamManagement jsm = connectionOrFail().jetStreamManagement();
      io.nats.client.api.ConsumerInfo info;
      try {
        info = jsm.getConsumerInfo(spec.stream(), spec.durable());
      } catch (io.nats.client.JetStreamApiException e) {
        if (e.getApiErrorCode() == CONSUMER_NOT_FOUND) {
          return new ConsumerPosition(0, -1, 0); // not created yet: it has read nothing
        }
        throw e;
      }
      long floor = info.getAckFloor().getStreamSequence();
      long floorMs = -1;
      if (floor > 0) {
        try {
          floorMs = jsm.getMessage(spec.stream(), floor).getTime().toInstant().toEpochMilli();
        } catch (io.nats.client.JetStreamApiException gone) {
          // removed by the stream's limits (or by hand): its time is not known
        }
      }
      return new ConsumerPosition(floor, floorMs, info.getDelivered().getStreamSequence());
    }, false);
  }

  @Override
  public Future<List<JsonObject>> replays(ConsumerSpec spec) {
    return vertx.executeBlocking(() -> replayConsumers(connectionOrFail().jetStreamManagement(), spec).stream()
        .map(r -> new JsonObject().put("durable", r.name()).put("subjects", r.subjects()).put("since_ms", r.sinceMs())
            .put("target_seq", r.targetSeq()).put("acked_seq", r.ackedSeq()).put("run_by", r.runBy()))
        .toList(), false);
  }

  private Connection connectionOrFail() {
    Connection c = connection;
    if (!connected || c == null) {
      throw new IllegalStateException("NATS is not connected");
    }
    return c;
  }

  /**
   * A replay's consumer as the stream has it: what its description says ({@link #REPLAY_DESCRIPTION})
   * and its acknowledged floor, everything up to which is committed.
   */
  private record ReplayConsumer(String name, String subjects, long sinceMs, long targetSeq, long ackedSeq,
      String runBy) {
  }

  /**
   * @return the stream's unfinished replay consumers: named {@code spec.durable()} and more, with a
   *     replay's description, their target not acknowledged yet (a finished one whose removal failed
   *     at its end is removed here: it would stand for a running replay for a day)
   */
  private static List<ReplayConsumer> replayConsumers(io.nats.client.JetStreamManagement jsm, ConsumerSpec spec)
      throws java.io.IOException, io.nats.client.JetStreamApiException {
    List<ReplayConsumer> out = new ArrayList<>();
    for (io.nats.client.api.ConsumerInfo info : jsm.getConsumers(spec.stream())) {
      ConsumerConfiguration cc = info.getConsumerConfiguration();
      java.util.regex.Matcher m = REPLAY_DESCRIPTION.matcher(String.valueOf(cc.getDescription()));
      if (!info.getName().startsWith(spec.durable()) || !m.matches()) {
        continue;
      }
      ReplayConsumer r = new ReplayConsumer(info.getName(), cc.getFilterSubject(), Long.parseLong(m.group(1)),
          Long.parseLong(m.group(2)), info.getAckFloor().getStreamSequence(), m.group(3));
      if (r.ackedSeq() < r.targetSeq()) {
        out.add(r);
      } else {
        jsm.deleteConsumer(spec.stream(), r.name());
        LOG.info("replay {}: finished (committed up to its target, stream sequence {}); its consumer removed", r.name(),
            r.targetSeq());
      }
    }
    return out;
  }

  private Replay startReplay(PullWorker w) {
    LOG.info("replay {}: reading {} from {} up to stream sequence {}", w.spec.durable(), w.spec.filterSubject(),
        java.time.Instant.ofEpochMilli(w.sinceMs), w.targetSeq);
    start(w);
    w.done.future().onComplete(ar -> {
      synchronized (workers) {
        workers.remove(w);
      }
    });
    return w;
  }

  private PullWorker start(PullWorker w) {
    synchronized (workers) {
      workers.add(w);
    }
    w.thread.start();
    return w;
  }

  @Override
  public Future<RecordConsumer> subscribe(String pattern, Handler<BusMessage> handler, Handler<LiveDrops> dropHandler) {
    // records only: a subscription to ">" on NATS would also get every JetStream ack and reply
    LiveSubscription s = new LiveSubscription(pattern, SubjectPattern.parse(pattern).recordSubjects(),
        vertx.getOrCreateContext(), handler, dropHandler);
    return vertx.executeBlocking(() -> {
      Connection c;
      synchronized (liveSubscriptions) {
        c = connection;
        if (c == null) {
          liveSubscriptions.add(s);
        }
      }
      if (c != null) {
        s.open(c);
        // the subscription travels to the server after this returns: a record published from
        // another connection meanwhile would not reach it, so the caller learns it is live only
        // once the server answered a ping sent behind it
        if (c.getStatus() == Connection.Status.CONNECTED) {
          try {
            c.flush(options.connectTimeout());
          } catch (TimeoutException | IllegalStateException notNow) {
            // lost meanwhile: jnats sends the subscription again when it reconnects
          }
        }
      }
      return s;
    });
  }

  /** Opens the live subscriptions asked for before the first connect (jnats renews them itself after reconnects). */
  private void openLiveSubscriptions(Connection c) {
    List<LiveSubscription> waiting;
    synchronized (liveSubscriptions) {
      connection = c;
      waiting = new ArrayList<>(liveSubscriptions);
      liveSubscriptions.clear();
    }
    waiting.forEach(s -> s.open(c));
  }

  /**
   * A live subscription: its dispatcher is created at once when NATS is connected, else at the
   * first connect, so a service subscribing while NATS is away starts and receives records once
   * it is there.
   */
  private final class LiveSubscription implements RecordConsumer {
    private final String pattern;
    private final List<String> subjects;
    /** Bounded by {@code bus.nats.live_max_pending_bytes}: jnats's dispatcher only hands records on to the loop. */
    private final BoundedHandOff handOff;
    private Connection conn;
    private Dispatcher dispatcher;
    private boolean closed;

    LiveSubscription(String pattern, List<String> subjects, Context context, Handler<BusMessage> handler,
        Handler<LiveDrops> dropHandler) {
      this.pattern = pattern;
      this.subjects = subjects;
      this.handOff = BoundedHandOff.live(pattern, context, handler, options.liveMaxPendingBytes(),
          "bus.nats.live_max_pending_bytes", dropHandler);
    }

    synchronized void open(Connection c) {
      if (closed) {
        return;
      }
      conn = c;
      dispatcher = c.createDispatcher(m -> handOff.offer(m.getSubject(), m.getData()));
      subjects.forEach(dispatcher::subscribe);
    }

    @Override
    public JsonObject stats() {
      return handOff.liveStats(pattern);
    }

    @Override
    public Future<Void> close() {
      synchronized (liveSubscriptions) {
        liveSubscriptions.remove(this);
      }
      return vertx.executeBlocking(() -> {
        synchronized (this) {
          closed = true;
          if (dispatcher != null) {
            conn.closeDispatcher(dispatcher);
          }
        }
        return null;
      });
    }
  }

  @Override
  public boolean connected() {
    return connected;
  }

  @Override
  public void connectionHandler(Handler<Boolean> handler) {
    connectionHandlers.add(Map.entry(vertx.getOrCreateContext(), handler));
  }

  private void tellConnection(boolean up) {
    connectionHandlers.forEach(h -> h.getKey().runOnContext(v -> h.getValue().handle(up)));
  }

  @Override
  public BusStats stats() {
    long now = System.currentTimeMillis();
    long[] ack = ackLatency.read(now, 50, 99);
    long[] bus = busLatency.read(now, 99);
    long[] pub = publishLatency.read(now, 99);
    BusStats.Latency sinceStart = new BusStats.Latency(ack[0], ack[1], bus[0], pub[0]);
    BusStats.Latency lastMinute = new BusStats.Latency(ack[2], ack[3], bus[1], pub[1]);
    synchronized (lock) {
      return new BusStats(connected, published, acked, duplicates, retried, dropped, buffer.size(), inFlight,
          pendingBytes, sinceStart, lastMinute);
    }
  }


  @Override
  public Future<Void> close() {
    vertx.cancelTimer(latencyTimer);
    List<Future<Void>> stops = new ArrayList<>();
    synchronized (workers) {
      for (PullWorker w : workers) {
        stops.add(w.close());
      }
    }
    return Future.join(stops).transform(ar -> vertx.executeBlocking(() -> {
      long deadline = System.currentTimeMillis() + 3_000;
      while (System.currentTimeMillis() < deadline) {
        synchronized (lock) {
          if (inFlight == 0 && (buffer.isEmpty() || !connected)) {
            break;
          }
        }
        Thread.sleep(10);
      }
      synchronized (lock) {
        if (!buffer.isEmpty() || inFlight > 0) {
          LOG.warn("closing the bus with {} records unsent and {} unacknowledged", buffer.size(), inFlight);
        }
      }
      closing = true;
      LockSupport.unpark(sender);
      Connection c = connection;
      if (c != null) {
        c.close();
      }
      blocking.shutdownNow();
      return null;
    }));
  }

  /** A batch handed to the handler and not yet answered. */
  private static final class OpenBatch {
    final List<Message> msgs;
    final SettledClock.Fetch fetch;
    volatile long touchedMs;

    OpenBatch(List<Message> msgs, SettledClock.Fetch fetch, long touchedMs) {
      this.msgs = msgs;
      this.fetch = fetch;
      this.touchedMs = touchedMs;
    }
  }

  /** One record on its way; {@code done} is null when nobody waits for its ack. */
  private static final class Pending {
    final String subject;
    final String messageId;
    final byte[] json;
    final long recvUs;
    final CompletableFuture<Void> done;
    final long enqueuedNanos = System.nanoTime();
    /** Its place in publish order, the order in which it is sent again after a failed send. */
    long seq;
    long sentNanos;
    long token;

    Pending(String subject, String messageId, byte[] json, long recvUs, CompletableFuture<Void> done) {
      this.subject = subject;
      this.messageId = messageId;
      this.json = json;
      this.recvUs = recvUs;
      this.done = done;
    }
  }

  /**
   * How long a fetch of a lightly loaded consumer waits for the messages the stream gathered for it
   * (they come in a burst; the wait only ends the pull).
   */
  private static final long GATHER_MS = 30;

  /**
   * How long the server keeps a replay's durable consumer that nobody reads (its storage died), at
   * least: as long as the stream keeps the records it reads ({@link #replayForgetAfter}).
   */
  private static final Duration REPLAY_FORGET = Duration.ofHours(24);

  /**
   * @return how long a replay's consumer outlives its last reader: the stream's max age, so that a
   *     replay is forgotten only with the records it was to read (at least {@link #REPLAY_FORGET});
   *     zero for a stream that keeps its records for ever (the consumer stays until it is finished)
   */
  static Duration replayForgetAfter(io.nats.client.api.StreamInfo stream) {
    Duration maxAge = stream.getConfiguration().getMaxAge();
    if (maxAge == null || maxAge.isZero() || maxAge.isNegative()) {
      return Duration.ZERO;
    }
    return maxAge.compareTo(REPLAY_FORGET) > 0 ? maxAge : REPLAY_FORGET;
  }

  /** A replay's consumer says what it reads up to, and who runs it: a storage that starts knows whether to go on with it. */
  private static final java.util.regex.Pattern REPLAY_DESCRIPTION =
      java.util.regex.Pattern.compile("marketprism replay from (\\d+) up to stream sequence (\\d+), run by (\\S+)");

  /**
   * One durable consumer: a thread that fetches batches and hands them over while up to
   * {@link ConsumerSpec#batchesInFlight()} earlier ones are still committing, and a reply thread
   * that acknowledges each batch once its commit succeeded (or naks it), and keeps the open
   * batches alive with in-progress acks while their commit takes long. A replay's worker reads from
   * a start time, ends once it has acknowledged the stream's last sequence of when it began (or
   * found nothing left to read), and then removes its durable.
   */
  private final class PullWorker implements Replay {
    private final Context context;
    private final ConsumerSpec spec;
    private final BatchHandler handler;
    private final Thread thread;
    private final ScheduledExecutorService replies;
    private final Semaphore room;
    private final Set<OpenBatch> open = ConcurrentHashMap.newKeySet();
    private final SettledClock settled = new SettledClock();
    private final long keepAliveMs;
    private final Promise<Void> stopped = Promise.promise();
    private volatile boolean running = true;
    private final AtomicLong batches = new AtomicLong();
    private final AtomicLong acks = new AtomicLong();
    private final AtomicLong redelivered = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private JetStreamSubscription sub;
    private Connection subConnection;
    private long nextFetchMs;
    private boolean gathering;
    /** A replay's first record time; -1 for a durable consumer of everything. */
    private final long sinceMs;
    /** A replay's target: the stream's last sequence when it was asked for, or a lower one asked for. */
    private volatile long targetSeq = -1;
    /** The highest stream sequence acknowledged. */
    private volatile long ackedSeq;
    /**
     * A replay's messages whose batch failed (asked again): until each has been acknowledged, the
     * target is not reached, however far later batches went.
     */
    private final Set<Long> owed = ConcurrentHashMap.newKeySet();
    /** Set once a replay reached its target: it stops fetching and removes its durable. */
    private volatile boolean reached;
    /** Who runs a replay (a node id), written on its consumer. */
    private String owner;
    /** How long a replay's consumer stays on the server unread ({@link #replayForgetAfter}; zero: until finished). */
    private Duration forgetAfter = REPLAY_FORGET;
    /** A replay gone on with after its owner stopped: the stream sequence it reads on from; 0 for one read by time. */
    private long startSeq;
    private final Promise<Void> done = Promise.promise();

    PullWorker(Context context, ConsumerSpec spec, BatchHandler handler, long sinceMs) {
      this.context = context;
      this.spec = spec;
      this.handler = handler;
      this.sinceMs = sinceMs;
      this.room = new Semaphore(spec.batchesInFlight());
      this.keepAliveMs = Math.max(200, spec.ackWait().toMillis() / 3);
      this.thread = new Thread(this::run, "mp-consumer-" + spec.durable());
      this.thread.setDaemon(true);
      this.replies = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "mp-consumer-acks-" + spec.durable());
        t.setDaemon(true);
        return t;
      });
      replies.scheduleWithFixedDelay(this::keepAlive, keepAliveMs / 2, keepAliveMs / 2, TimeUnit.MILLISECONDS);
    }

    private void run() {
      try {
        while (running) {
          try {
            step();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
          } catch (Exception e) {
            if (running) {
              LOG.warn("consumer {}: {}; retrying", spec.durable(), e.toString());
              dropSubscription();
              Thread.sleep(500);
            }
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        finishOpenBatches();
        if (replaying()) {
          endReplay();
        }
        stopped.tryComplete();
      }
    }

    private boolean replaying() {
      return sinceMs >= 0;
    }

    /** @return the durable's configuration: everything from the start, or a replay's from its time */
    ConsumerConfiguration config() {
      long maxAckPending = Math.max(1000L, (long) spec.batchSize() * (spec.batchesInFlight() + 2));
      ConsumerConfiguration.Builder cb = ConsumerConfiguration.builder().durable(spec.durable())
          .filterSubject(spec.filterSubject()).ackPolicy(AckPolicy.Explicit).deliverPolicy(DeliverPolicy.All)
          .ackWait(spec.ackWait()).maxDeliver(-1).maxAckPending(maxAckPending);
      if (replaying()) {
        cb.description("marketprism replay from " + sinceMs + " up to stream sequence " + targetSeq + ", run by " + owner);
        if (!forgetAfter.isZero()) {
          cb.inactiveThreshold(forgetAfter);
        }
        if (startSeq > 0) {
          cb.deliverPolicy(DeliverPolicy.ByStartSequence).startSequence(startSeq);
        } else {
          cb.deliverPolicy(DeliverPolicy.ByStartTime).startTime(java.time.ZonedDateTime.ofInstant(
              java.time.Instant.ofEpochMilli(sinceMs), java.time.ZoneOffset.UTC));
        }
      }
      return cb.build();
    }

    /**
     * Ends a replay: one that reached its target removes its durable (best effort: else the next
     * listing of replays does); one stopped before leaves it, for a storage that starts within
     * {@link #forgetAfter} to go on with ({@link #resumeReplays}).
     */
    private void endReplay() {
      dropSubscription();
      if (!reached) {
        done.tryFail("stopped before it reached stream sequence " + targetSeq + " (committed up to " + ackedSeq
            + "); its consumer stays " + (forgetAfter.isZero() ? "until then" : forgetAfter.toHours() + " h")
            + " for a storage to go on with it, else run it again: records already stored are absorbed by their identity");
        return;
      }
      Connection c = connection;
      try {
        if (c != null && c.getStatus() == Connection.Status.CONNECTED) {
          c.jetStreamManagement().deleteConsumer(spec.stream(), spec.durable());
        }
      } catch (Exception e) {
        LOG.info("replay {}: its consumer was not removed ({}); the next listing of replays removes it", spec.durable(),
            e.toString());
      }
      LOG.info("replay {}: done, every record from {} up to stream sequence {} committed", spec.durable(),
          java.time.Instant.ofEpochMilli(sinceMs), targetSeq);
      done.tryComplete();
    }

    private void step() throws Exception {
      Connection c = connection;
      if (!connected || c == null || c.getStatus() != Connection.Status.CONNECTED) {
        Thread.sleep(50);
        return;
      }
      if (sub == null || subConnection != c) {
        dropSubscription();
        // create the durable, or update it in place when the batch size or ack wait changed since it was made
        c.jetStreamManagement().addOrUpdateConsumer(spec.stream(), config());
        sub = c.jetStream().subscribe(null, PullSubscribeOptions.bind(spec.stream(), spec.durable()));
        subConnection = c;
        LOG.info("consumer {} reading {} from {}", spec.durable(), spec.filterSubject(), spec.stream());
      }
      long wait = nextFetchMs - System.currentTimeMillis();
      if (wait > 0) {
        Thread.sleep(Math.min(wait, 100));
        return;
      }
      if (!room.tryAcquire(100, TimeUnit.MILLISECONDS)) {
        return; // every slot is committing
      }
      if (!running) {
        room.release(); // stopped while waiting for room (a replay that reached its target)
        return;
      }
      long begun = System.currentTimeMillis();
      boolean handedOver = false;
      try {
        List<Message> msgs;
        try {
          msgs = gathering ? gathered() : sub.fetch(spec.batchSize(), spec.maxWait());
        } catch (IllegalStateException e) {
          // the connection dropped between the status check and the pull: wait for it to come back
          if (c.getStatus() == Connection.Status.CONNECTED) {
            throw e;
          }
          return;
        }
        // under a quarter of a batch per wait: let the stream gather the next messages and fetch them
        // in one burst when the wait is over, rather than have them trickle in one by one (a write
        // by nats-server and a wake-up here for each); busier, fetch the next batch at once
        gathering = msgs.size() < spec.batchSize() / 4;
        nextFetchMs = gathering ? begun + spec.maxWait().toMillis() : 0;
        boolean drained = (msgs.isEmpty() || pending(msgs) == 0) && othersHoldNone(msgs.size());
        if (msgs.isEmpty()) {
          if (drained) {
            settled.idle(begun);
          }
          if (replaying() && (targetSeq == 0 || open.isEmpty() && nothingLeft() && owed.isEmpty())) {
            reached = true; // nothing left to read: the stream holds nothing more from the start time on
            running = false;
          }
          return;
        }
        handOver(msgs, settled.fetched(begun, drained));
        handedOver = true;
      } finally {
        if (!handedOver) {
          room.release();
        }
      }
    }

    /** @return what the stream gathered for this consumer since the last fetch, up to a batch */
    private List<Message> gathered() {
      long waitMs = Math.min(GATHER_MS, spec.maxWait().toMillis());
      List<Message> msgs = new ArrayList<>(sub.fetch(spec.batchSize(), waitMs));
      while (msgs.size() < spec.batchSize() && pending(msgs) > 0 && running) {
        List<Message> more = sub.fetch(spec.batchSize() - msgs.size(), waitMs);
        if (more.isEmpty()) {
          break;
        }
        msgs.addAll(more);
      }
      return msgs;
    }

    /**
     * Whether no other instance reading the same durable holds messages it has not acknowledged
     * (committing them still): only then does an empty stream mean everything before is stored.
     *
     * @param fetched the messages of the fetch just made, not yet among the open batches
     */
    private boolean othersHoldNone(int fetched) {
      long ours = fetched;
      for (OpenBatch b : open) {
        ours += b.msgs.size();
      }
      try {
        return sub.getConsumerInfo().getNumAckPending() <= ours;
      } catch (Exception e) {
        return false; // not known: the settled time waits for the next fetch
      }
    }

    /**
     * @return whether the consumer has nothing to deliver and nothing delivered waits for its ack. A
     *     replay's consumer the server no longer has (removed after {@link #forgetAfter} without a
     *     fetch, while a batch kept failing; or by hand) answers empty fetches without an error: it is
     *     made again, from the start time (what it reads again is absorbed by identity)
     */
    private boolean nothingLeft() {
      try {
        io.nats.client.api.ConsumerInfo info = sub.getConsumerInfo(); // null (or a not-found error): gone
        if (info != null) {
          return info.getNumPending() == 0 && info.getNumAckPending() == 0;
        }
        gone("not found");
        return false;
      } catch (io.nats.client.JetStreamApiException e) {
        gone(e.getErrorDescription());
        return false;
      } catch (Exception e) {
        return false; // not known: asked again after the next empty fetch
      }
    }

    private void gone(String why) {
      LOG.warn("replay {}: its consumer is gone from NATS ({}); making it again, from {}", spec.durable(), why,
          startSeq > 0 ? "stream sequence " + startSeq : java.time.Instant.ofEpochMilli(sinceMs));
      dropSubscription();
    }

    /** @return the messages the consumer still held for delivery when the last of {@code msgs} was sent */
    private static long pending(List<Message> msgs) {
      Message last = msgs.isEmpty() ? null : msgs.get(msgs.size() - 1);
      return last != null && last.isJetStream() ? last.metaData().pendingCount() : 0;
    }

    private void handOver(List<Message> msgs, SettledClock.Fetch fetch) {
      List<BusMessage> batch = new ArrayList<>(msgs.size());
      for (Message m : msgs) {
        if (replaying() && m.isJetStream() && m.metaData().streamSequence() > targetSeq) {
          continue; // past the replay's end: the live consumer's, acknowledged with the batch, not stored again
        }
        boolean again = m.isJetStream() && m.metaData().deliveredCount() > 1;
        if (again) {
          redelivered.incrementAndGet();
        }
        batch.add(new BusMessage(m.getSubject(), m.getData(), again));
      }
      batches.incrementAndGet();
      OpenBatch b = new OpenBatch(msgs, fetch, System.currentTimeMillis());
      open.add(b);
      if (batch.isEmpty()) {
        try {
          replies.execute(() -> finish(b, null));
        } catch (RejectedExecutionException stoppedMeanwhile) {
          open.remove(b);
          room.release();
        }
        return;
      }
      context.runOnContext(v -> {
        Future<Void> f;
        try {
          f = handler.handle(batch);
        } catch (RuntimeException e) {
          f = Future.failedFuture(e);
        }
        f.onComplete(ar -> {
          try {
            replies.execute(() -> finish(b, ar.cause()));
          } catch (RejectedExecutionException stoppedMeanwhile) {
            // the consumer gave up waiting at stop: JetStream delivers this batch again
          }
        });
      });
    }

    /** On the reply thread: acknowledges a committed batch, or asks for it again. */
    private void finish(OpenBatch b, Throwable failure) {
      try {
        if (failure == null) {
          reply(b.msgs, Message::ack, "acks");
          acks.addAndGet(b.msgs.size());
          settled.committed(b.fetch);
          long last = 0;
          for (Message m : b.msgs) {
            long seq = m.isJetStream() ? m.metaData().streamSequence() : 0;
            last = Math.max(last, seq);
            if (replaying()) {
              owed.remove(seq);
            }
          }
          ackedSeq = Math.max(ackedSeq, last);
          if (replaying() && ackedSeq >= targetSeq && owed.isEmpty()) {
            reached = true;
            running = false;
          }
        } else {
          failed.incrementAndGet();
          LOG.warn("consumer {}: batch of {} not committed ({}); delivering again", spec.durable(), b.msgs.size(),
              failure.toString());
          if (replaying()) {
            for (Message m : b.msgs) {
              if (m.isJetStream()) {
                owed.add(m.metaData().streamSequence());
              }
            }
          }
          reply(b.msgs, m -> m.nakWithDelay(Duration.ofMillis(500)), "naks");
          settled.failed(b.fetch);
        }
      } finally {
        open.remove(b);
        room.release();
      }
    }

    /** On the reply thread: batches still committing (a store that is down) stay ours. */
    private void keepAlive() {
      long now = System.currentTimeMillis();
      for (OpenBatch b : open) {
        if (now - b.touchedMs >= keepAliveMs) {
          b.touchedMs = now;
          reply(b.msgs, Message::inProgress, "in-progress acks");
        }
      }
    }

    /** After the last fetch: waits (bounded) for the open batches' commits and their acks. */
    private void finishOpenBatches() {
      long deadline = System.currentTimeMillis() + STOP_WAIT_MS;
      try {
        while (!open.isEmpty() && System.currentTimeMillis() < deadline) {
          Thread.sleep(10);
        }
        replies.shutdown();
        replies.awaitTermination(1, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        if (!open.isEmpty()) {
          LOG.warn("consumer {}: stopped with {} batches uncommitted; they will be delivered again", spec.durable(),
              open.size());
        }
        replies.shutdownNow();
      }
    }

    /**
     * Sends one reply per message. While NATS is away replies cannot be queued (no reconnect
     * buffer): they are skipped, which at worst makes JetStream deliver the batch again.
     */
    private void reply(List<Message> msgs, java.util.function.Consumer<Message> how, String what) {
      try {
        for (Message m : msgs) {
          how.accept(m);
        }
      } catch (IllegalStateException e) {
        LOG.debug("consumer {}: {} not sent while NATS is away ({})", spec.durable(), what, e.getMessage());
      }
    }

    private void dropSubscription() {
      JetStreamSubscription old = sub;
      sub = null;
      if (old != null) {
        try {
          old.unsubscribe();
        } catch (RuntimeException e) {
          // the old connection is gone with it
        }
      }
    }

    @Override
    public JsonObject stats() {
      JsonObject out = new JsonObject().put("durable", spec.durable()).put("stream", spec.stream())
          .put("batches", batches.get()).put("acked", acks.get()).put("redelivered", redelivered.get())
          .put("failed_batches", failed.get()).put("settled_ms", settled.settledMs());
      if (replaying()) {
        out.put("since_ms", sinceMs).put("subjects", spec.filterSubject()).put("target_seq", targetSeq)
            // records past the target come along in the last batches, acknowledged and not stored: not shown
            .put("acked_seq", Math.min(ackedSeq, targetSeq)).put("state", !done.future().isComplete() ? "running"
                : done.future().succeeded() ? "done" : "stopped");
      }
      return out;
    }

    @Override
    public Future<Void> done() {
      return done.future();
    }

    @Override
    public long settledMs() {
      return settled.settledMs();
    }

    @Override
    public Future<Void> close() {
      running = false;
      // a batch the store never commits must not hold the stop forever: JetStream redelivers it
      vertx.setTimer(STOP_WAIT_MS + 2_000, t -> stopped.tryComplete());
      return stopped.future();
    }
  }
}
