package io.marketprism.collector.normalize;

import io.marketprism.collector.book.BookStats;
import io.marketprism.collector.capture.CaptureLine;
import io.marketprism.collector.capture.CaptureReader;
import io.marketprism.model.DataType;
import io.marketprism.model.Exchange;
import io.marketprism.model.MarketRecord;
import io.marketprism.model.MarketType;
import io.marketprism.model.RecordJson;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code marketprism normalize}: reads a capture of raw exchange messages (CONTRACT §2 capture
 * formats, several files merged by timestamp), writes the normalized records as NDJSON and
 * returns the summary of CONTRACT §6. Books are rebuilt exactly as live (snapshot + diffs with
 * the exchange's sequence rules and checksums) and an {@code orderbook} record is written on every
 * change of a synced book. Each rejected message is logged at WARN with its file, line and reason.
 *
 * <pre>{@code
 * Summary s = new NormalizeJob().run(new NormalizeJob.Options(Exchange.BINANCE, MarketType.SPOT,
 *     Set.of(), NormalizeJob.DEFAULT_DEPTH, List.of(ws, rest), System.out));
 * System.err.println(s.toJson());
 * }</pre>
 */
public final class NormalizeJob {

  /** Levels per side of the {@code orderbook} records when not told otherwise (as on the bus). */
  public static final int DEFAULT_DEPTH = 20;

  private static final Logger LOG = LoggerFactory.getLogger(NormalizeJob.class);

  /**
   * What to normalize.
   *
   * @param exchange the exchange the capture comes from
   * @param marketType for Binance the type of plain symbols ({@code SPOT} or {@code PERPETUAL};
   *     {@code null} means spot); elsewhere may be {@code null}, the instrument names tell it; when
   *     given for OKX or Deribit, records of other market types are left out
   * @param symbols keep only these instruments (normalized like {@code BTC-USDT} or exchange names
   *     like {@code BTCUSDT}, case-insensitive); empty keeps all
   * @param depth levels per side in {@code orderbook} records, at least 1
   * @param inputs capture files of one capture, merged by their timestamps
   * @param output where the NDJSON records go (flushed, not closed)
   */
  public record Options(Exchange exchange, MarketType marketType, Set<String> symbols, int depth,
      List<Path> inputs, OutputStream output) {

    /** Validates the options. */
    public Options {
      if (exchange == null) {
        throw new IllegalArgumentException("exchange is required");
      }
      if (depth < 1) {
        throw new IllegalArgumentException("depth must be at least 1, got " + depth);
      }
      if (inputs == null || inputs.isEmpty()) {
        throw new IllegalArgumentException("at least one input is required");
      }
      if (output == null) {
        throw new IllegalArgumentException("output is required");
      }
      symbols = symbols == null ? Set.of()
          : symbols.stream().map(s -> s.toUpperCase(Locale.ROOT)).collect(Collectors.toUnmodifiableSet());
      inputs = List.copyOf(inputs);
    }
  }

  /**
   * The outcome of a run (CONTRACT §6).
   *
   * @param messages exchange messages read (WebSocket frames and REST responses; recorder
   *     bookkeeping lines and blank lines are not messages)
   * @param records records written, per data type
   * @param rejected messages that could not be parsed or belong to no known channel
   * @param checksumOk book messages whose exchange checksum matched
   * @param checksumFailed book messages whose exchange checksum did not match
   * @param gaps sequence breaks
   * @param resyncs books rebuilt from a later snapshot after losing sync
   */
  public record Summary(long messages, Map<DataType, Long> records, long rejected, long checksumOk,
      long checksumFailed, long gaps, long resyncs) {

    /**
     * @param type a data type
     * @return records written of that type
     */
    public long records(DataType type) {
      return records.getOrDefault(type, 0L);
    }

    /** @return the one-line JSON summary, e.g. {@code {"messages":15000,"records":{"trade":2744},...}} */
    public String toJson() {
      StringBuilder sb = new StringBuilder("{\"messages\":").append(messages).append(",\"records\":{");
      boolean first = true;
      for (Map.Entry<DataType, Long> e : records.entrySet()) {
        if (!first) {
          sb.append(',');
        }
        first = false;
        sb.append('"').append(e.getKey().wire()).append("\":").append(e.getValue());
      }
      return sb.append("},\"rejected\":").append(rejected).append(",\"books\":{\"checksum_ok\":").append(checksumOk)
          .append(",\"checksum_failed\":").append(checksumFailed).append(",\"gaps\":").append(gaps)
          .append(",\"resyncs\":").append(resyncs).append("}}").toString();
    }
  }

  /**
   * Runs the normalization.
   *
   * @param options what to read and where to write
   * @return the summary (the caller prints {@link Summary#toJson()} to stderr)
   * @throws IOException if an input cannot be read or the output cannot be written
   */
  public Summary run(Options options) throws IOException {
    Map<DataType, Long> counts = new EnumMap<>(DataType.class);
    Writer writer = new BufferedWriter(new OutputStreamWriter(options.output(), StandardCharsets.UTF_8), 1 << 16);
    StringBuilder line = new StringBuilder(512);
    Predicate<String> wanted = options.symbols().isEmpty() ? s -> true
        : s -> options.symbols().contains(s.toUpperCase(Locale.ROOT));
    MarketType only = options.exchange() == Exchange.BINANCE ? null : options.marketType();
    Normalizer normalizer = new Normalizer(options.exchange(), options.marketType(), options.depth(), wanted,
        r -> {
          if (only != null && r.marketType() != only) {
            return;
          }
          line.setLength(0);
          RecordJson.write(r, line);
          line.append('\n');
          try {
            writer.append(line);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
          counts.merge(r.dataType(), 1L, Long::sum);
        }, null);
    long messages = 0;
    long rejected = 0;
    List<CaptureLine> bareSnapshots = new ArrayList<>();
    try (CaptureReader reader = new CaptureReader(options.inputs())) {
      CaptureLine l;
      while ((l = reader.next()) != null) {
        if (l.kind() == CaptureLine.Kind.SKIP) {
          continue;
        }
        messages++;
        if (l.kind() == CaptureLine.Kind.UNREADABLE) {
          rejected++;
          LOG.warn("rejected {}: {}", l.source(), l.payload());
          continue;
        }
        if (isBareBinanceSnapshot(options, l)) {
          bareSnapshots.add(l);
        } else if (!process(normalizer, l)) {
          rejected++;
        }
        if (!bareSnapshots.isEmpty() && !captureSymbols(options, normalizer).isEmpty()) {
          for (CaptureLine s : bareSnapshots) {
            if (!processBareSnapshot(options, normalizer, s)) {
              rejected++;
            }
          }
          bareSnapshots.clear();
        }
      }
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
    for (CaptureLine s : bareSnapshots) {
      rejected++;
      LOG.warn("rejected {}: depth snapshot of a capture whose symbol is unknown", s.source());
    }
    writer.flush();
    BookStats b = normalizer.bookStats();
    return new Summary(messages, counts, rejected, b.checksumOk(), b.checksumFailed(), b.gaps(), b.resyncs());
  }

  private static boolean process(Normalizer normalizer, CaptureLine l) {
    try {
      if (l.kind() == CaptureLine.Kind.REST) {
        normalizer.onRest(l.url(), l.payload(), l.recvTsUs());
      } else {
        normalizer.onMessage(l.payload(), l.recvTsUs());
      }
      return true;
    } catch (ParseException e) {
      LOG.warn("rejected {}: {}", l.source(), e.getMessage());
      return false;
    }
  }

  /** CONTRACT §2 format 4: a bare REST depth snapshot line in a single-symbol Binance capture. */
  private static boolean isBareBinanceSnapshot(Options options, CaptureLine l) {
    return options.exchange() == Exchange.BINANCE && l.kind() == CaptureLine.Kind.MESSAGE
        && l.payload().startsWith("{") && l.payload().contains("\"lastUpdateId\"")
        && !l.payload().contains("\"stream\"");
  }

  private static Set<String> captureSymbols(Options options, Normalizer normalizer) {
    return normalizer.instrumentsSeen();
  }

  private static boolean processBareSnapshot(Options options, Normalizer normalizer, CaptureLine l) {
    Set<String> seen = captureSymbols(options, normalizer);
    if (seen.size() != 1) {
      LOG.warn("rejected {}: bare depth snapshot in a capture of {} symbols", l.source(), seen.size());
      return false;
    }
    String symbol = seen.iterator().next();
    boolean spot = options.marketType() == null || options.marketType() == MarketType.SPOT;
    String path = spot ? "/api/v3/depth" : symbol.contains("_") && symbol.contains("USD_") ? "/dapi/v1/depth"
        : "/fapi/v1/depth";
    return process(normalizer, new CaptureLine(CaptureLine.Kind.REST, l.recvTsUs(), path + "?symbol=" + symbol,
        l.payload(), l.source()));
  }
}
