package io.marketprism.loadtest.storage;

import io.marketprism.model.MarketRecord;
import io.marketprism.model.RecordJson;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * CPU and allocation per record of {@link RecordJson#toBytes} (what the bus publishes for each
 * record) against writing the JSON text and encoding it ({@code StringBuilder}, {@code toString},
 * {@code getBytes}), on this thread, over the capture corpus's trades or books.
 *
 * <p>Usage: {@code java -cp CP io.marketprism.loadtest.storage.RecordJsonBenchmark FIXTURES_DIR trades|books}
 */
public final class RecordJsonBenchmark {

  private RecordJsonBenchmark() {
  }

  /**
   * @param args the fixtures directory, and {@code trades} or {@code books}
   * @throws Exception on any failure
   */
  public static void main(String[] args) throws Exception {
    CaptureCorpus c = CaptureCorpus.load(java.nio.file.Path.of(args[0]));
    List<MarketRecord> mix = new ArrayList<>(args.length > 1 && args[1].equals("books") ? c.books() : c.trades());
    com.sun.management.ThreadMXBean tm = (com.sun.management.ThreadMXBean)
        java.lang.management.ManagementFactory.getThreadMXBean();
    StringBuilder sb = new StringBuilder(4096);
    long sink = 0;
    for (int round = 0; round < 8; round++) {
      for (int mode = 0; mode < 2; mode++) {
        long a0 = tm.getCurrentThreadAllocatedBytes();
        long c0 = tm.getCurrentThreadCpuTime();
        int n = 0;
        for (int rep = 0; rep < 40; rep++) {
          for (MarketRecord r : mix) {
            byte[] b;
            if (mode == 0) {
              sb.setLength(0);
              RecordJson.write(r, sb);
              b = sb.toString().getBytes(StandardCharsets.UTF_8);
            } else {
              b = RecordJson.toBytes(r);
            }
            sink += b.length;
            n++;
          }
        }
        long ns = tm.getCurrentThreadCpuTime() - c0;
        long allocated = tm.getCurrentThreadAllocatedBytes() - a0;
        if (round >= 4) {
          System.out.printf(Locale.ROOT, "%s: %.0f ns/record, %d bytes allocated/record%n",
              mode == 0 ? "text then getBytes" : "RecordJson.toBytes", ns / (double) n, allocated / n);
        }
      }
    }
    System.out.println("(" + sink + " bytes written)");
  }
}
