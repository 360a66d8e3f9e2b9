package io.marketprism.loadtest.gateway;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import org.HdrHistogram.Histogram;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Closed-loop HTTP load at a fixed concurrency: {@code concurrency} requests are always in flight
 * over as many keep-alive connections; each completion records its latency (HdrHistogram, µs)
 * and starts the next request.
 */
public final class LoadGenerator {

  /** What one run measured. */
  public record Result(String target, long requests, long errors, double seconds, Histogram latencyUs) {
    public double rps() {
      return requests / seconds;
    }
  }

  private final Vertx vertx;
  private final int concurrency;

  public LoadGenerator(Vertx vertx, int concurrency) {
    this.vertx = vertx;
    this.concurrency = concurrency;
  }

  public Result run(String target, String host, int port, String uri, long warmupMs, long measureMs) throws InterruptedException {
    HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true),
        new PoolOptions().setHttp1MaxSize(concurrency));
    RequestOptions req = new RequestOptions().setMethod(HttpMethod.GET).setHost(host).setPort(port).setURI(uri);
    Histogram hist = new Histogram(60_000_000L, 3);
    AtomicLong ok = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    long start = System.nanoTime();
    long measureFrom = start + TimeUnit.MILLISECONDS.toNanos(warmupMs);
    long end = measureFrom + TimeUnit.MILLISECONDS.toNanos(measureMs);
    CountDownLatch done = new CountDownLatch(concurrency);
    for (int i = 0; i < concurrency; i++) {
      loop(client, req, hist, ok, errors, measureFrom, end, done);
    }
    done.await(warmupMs + measureMs + 30_000, TimeUnit.MILLISECONDS);
    client.close();
    return new Result(target, ok.get(), errors.get(), measureMs / 1000.0, hist);
  }

  private void loop(HttpClient client, RequestOptions req, Histogram hist, AtomicLong ok, AtomicLong errors,
                    long measureFrom, long end, CountDownLatch done) {
    long t0 = System.nanoTime();
    if (t0 >= end) {
      done.countDown();
      return;
    }
    client.request(req)
        .compose(r -> r.send().compose(resp -> resp.body().map(b -> resp.statusCode())))
        .onComplete(ar -> {
          long t1 = System.nanoTime();
          if (t0 >= measureFrom && t1 < end) {
            if (ar.succeeded() && ar.result() == 200) {
              synchronized (hist) {
                hist.recordValue(Math.max(1, (t1 - t0) / 1000));
              }
              ok.incrementAndGet();
            } else {
              errors.incrementAndGet();
            }
          }
          loop(client, req, hist, ok, errors, measureFrom, end, done);
        });
  }
}
