package io.marketprism.collector.normalize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.marketprism.collector.book.BookUpdate;
import io.marketprism.collector.book.LevelList;
import io.marketprism.collector.capture.CaptureLine;
import io.marketprism.model.MarketRecord;
import io.marketprism.model.TradeRecord;
import io.marketprism.model.RecordJson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Test helper: feeds the same messages to a parser's full path (fast path first) and to its
 * general reader alone, and asserts that both give the same records and book messages, or both
 * reject. Real captures give the common shapes; mutations of them (cut, retyped, duplicated,
 * spaced) give the odd ones the fast path must hand over.
 */
public final class FastPathDifferential {

  /** One way of parsing a message. */
  @FunctionalInterface
  public interface Parse {
    /**
     * @param message the frame
     * @param recv receive time
     * @param sink output
     * @throws ParseException when rejected
     */
    void parse(String message, long recv, RecordSink sink) throws ParseException;
  }

  private FastPathDifferential() {
  }

  /**
   * @param relative fixture path under the shared fixtures directory
   * @return the capture's message payloads (skipped when the fixtures are absent)
   * @throws IOException on read errors
   */
  public static List<String> messages(String relative) throws IOException {
    String dir = System.getProperty("mp.shared.dir");
    assumeTrue(dir != null, "mp.shared.dir not set");
    Path p = Path.of(dir, "fixtures", relative);
    assumeTrue(Files.exists(p), "fixture absent: " + p);
    List<String> out = new ArrayList<>();
    for (String line : Files.readAllLines(p)) {
      CaptureLine c = CaptureLine.parse(line, 0, relative);
      if (c.kind() == CaptureLine.Kind.MESSAGE) {
        out.add(c.payload());
      }
    }
    return out;
  }

  /**
   * Asserts that both paths agree on every message and on mutations of it.
   *
   * @param messages real messages
   * @param full the parser's public path
   * @param general the general reader alone
   * @return how many messages (originals and mutations) were compared
   */
  public static int assertSame(List<String> messages, Parse full, Parse general) {
    Random random = new Random(7);
    int compared = 0;
    for (String m : messages) {
      compare(m, full, general);
      compared++;
      // long frames (REST-sized snapshots) cost much in the general reader: fewer mutations there
      int mutations = m.length() > 4096 ? 1 : 4;
      for (int k = 0; k < mutations; k++) {
        compare(mutate(m, random), full, general);
        compared++;
      }
    }
    return compared;
  }

  private static void compare(String message, Parse full, Parse general) {
    String a = outcome(message, full);
    String b = outcome(message, general);
    if (!a.equals(b)) {
      assertThat(a).as("fast path vs general reader on %s", message).isEqualTo(b);
    }
  }

  /**
   * @param message a frame
   * @param p a parser
   * @return what it gives for it, one line per record or update ({@code rejected} when it rejects)
   */
  public static String outcome(String message, Parse p) {
    StringBuilder sb = new StringBuilder();
    try {
      p.parse(message, 1_700_000_000_000_000L, new RecordSink() {
        @Override
        public void record(MarketRecord record) {
          RecordJson.write(record, sb);
          sb.append('\n');
        }

        @Override
        public void trade(TradeRecord trade, long first, long sequence) {
          RecordJson.write(trade, sb);
          sb.append(" seq=").append(first).append("..").append(sequence).append('\n');
        }

        @Override
        public void book(BookUpdate u) {
          sb.append(u.snapshot()).append(' ').append(u.exchangeSymbol()).append(' ').append(u.instrument())
              .append(' ').append(u.tsMs()).append(' ').append(u.recvTsUs()).append(' ').append(u.firstId())
              .append(' ').append(u.lastId()).append(' ').append(u.prevId()).append(' ').append(u.checksum())
              .append(' ').append(u.hasChecksum());
          levels(sb.append(" b"), u.bids());
          levels(sb.append(" a"), u.asks());
          sb.append('\n');
        }
      });
    } catch (ParseException e) {
      return "rejected";
    }
    return sb.toString();
  }

  private static void levels(StringBuilder sb, LevelList l) {
    for (int i = 0; i < l.size(); i++) {
      sb.append('[').append(l.price(i)).append(',').append(l.quantity(i)).append(']');
    }
  }

  private static final String[] INSERTS = {" ", "\"", "\\", ",", "}", "]", "[", "{", "0", "-", ".", "e", "null",
      "true", "\"x\"", "\\u0041", "\t", "1e5", "\"\"", ":"};

  private static String mutate(String m, Random r) {
    if (m.length() < 2) {
      return m + " ";
    }
    int at = r.nextInt(m.length());
    switch (r.nextInt(6)) {
      case 0:
        return m.substring(0, at);
      case 1:
        return m.substring(0, at) + INSERTS[r.nextInt(INSERTS.length)] + m.substring(at);
      case 2:
        return m.substring(0, at) + m.substring(at + 1);
      case 3: {
        // a repeated field: the general reader keeps the first
        int comma = m.indexOf(",\"", at);
        int next = comma < 0 ? -1 : m.indexOf(",\"", comma + 2);
        return comma < 0 || next < 0 ? m : m.substring(0, next) + m.substring(comma, next) + m.substring(next);
      }
      case 4: {
        // a string value turned into a number or the other way round
        int q = m.indexOf("\":\"", at);
        if (q >= 0) {
          int e = m.indexOf('"', q + 3);
          return e < 0 ? m : m.substring(0, q + 2) + m.substring(q + 3, e) + m.substring(e + 1);
        }
        return m.replaceFirst(":(\\d+)", ":\"$1\"");
      }
      default:
        return m.replace(",", " , ").replace(":", " : ");
    }
  }
}
