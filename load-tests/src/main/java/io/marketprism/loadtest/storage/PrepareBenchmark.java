package io.marketprism.loadtest.storage;

import io.marketprism.model.MarketRecord;
import io.marketprism.model.OrderBookRecord;
import io.marketprism.model.RecordJson;
import io.marketprism.model.TradeRecord;
import io.marketprism.platform.bus.BusMessage;
import io.marketprism.storage.StorageOptions;
import io.marketprism.storage.hot.Batch;
import io.marketprism.storage.hot.ClickHouseHotStore;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
/**
 * CPU and allocation per record of the storage's batch preparation for ClickHouse
 * ({@link ClickHouseHotStore#prepare}: JSON to RowBinary rows, bar cells, the latest-cache entries of
 * {@link Batch#latest()}), on this thread, for ten 20,000-message batches of the capture corpus's
 * trades and books with fresh ids, 20 records per millisecond as {@code PipelineBenchmark} sends
 * them at 20,000/s. Nothing is written: no server is needed.
 *
 * <p>Usage: {@code java -cp CP io.marketprism.loadtest.storage.PrepareBenchmark FIXTURES_DIR}
 */
public final class PrepareBenchmark {

  private PrepareBenchmark() {
  }

  /**
   * @param a the fixtures directory
   * @throws Exception on any failure
   */
  public static void main(String[] a) throws Exception {
    CaptureCorpus c = CaptureCorpus.load(java.nio.file.Path.of(a[0]));
    List<MarketRecord> mix = new ArrayList<>(c.trades()); mix.addAll(c.books());
    mix.sort(Comparator.comparingLong(MarketRecord::recvTsUs));
    List<List<BusMessage>> batches = new ArrayList<>();
    long recv = 1_764_000_000_000_000L;
    for (int b = 0; b < 10; b++) {
      List<BusMessage> batch = new ArrayList<>();
      for (int i = 0; i < 20000; i++, recv += 50) {
        MarketRecord r = mix.get((b * 20000 + i) % mix.size());
        long ts = recv / 1000;
        MarketRecord f = r instanceof TradeRecord t ? new TradeRecord(t.exchange(), t.marketType(), t.symbol(), t.exchangeSymbol(), ts, recv, b + "-" + i, t.price(), t.quantity(), t.side())
            : new OrderBookRecord(r.exchange(), r.marketType(), r.symbol(), r.exchangeSymbol(), ts, recv, ((OrderBookRecord) r).bids(), ((OrderBookRecord) r).asks(), ((OrderBookRecord) r).depth(), b * 100_000L + i, ((OrderBookRecord) r).checksumOk());
        batch.add(new BusMessage(f.subject(), RecordJson.toBytes(f), false));
      }
      batches.add(batch);
    }
    Vertx vertx = Vertx.vertx();
    JsonObject cfg = new JsonObject().put("storage", new JsonObject().put("hot", new JsonObject().put("type", "clickhouse").put("url", "http://127.0.0.1:1").put("database", "x")));
    ClickHouseHotStore store = new ClickHouseHotStore(vertx, StorageOptions.from(cfg));
    var tm = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    long sink = 0;
    for (int round = 0; round < 12; round++) {
      long a0 = tm.getCurrentThreadAllocatedBytes(); long c0 = tm.getCurrentThreadCpuTime(); int n = 0;
      for (List<BusMessage> batch : batches) { Batch bt = store.prepare(batch); sink += bt.latest().size() + bt.size(); n += batch.size(); }
      long ns = tm.getCurrentThreadCpuTime() - c0; long al = tm.getCurrentThreadAllocatedBytes() - a0;
      if (round >= 6) System.out.printf(Locale.ROOT, "prepare+latest: %.0f ns/record, %d bytes allocated/record%n", ns / (double) n, al / n);
    }
    System.out.println(sink);
    vertx.close();
  }
}
