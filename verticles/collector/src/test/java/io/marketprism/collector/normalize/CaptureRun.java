package io.marketprism.collector.normalize;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.marketprism.collector.capture.CaptureLine;
import io.marketprism.collector.capture.CaptureReader;
import io.marketprism.model.Exchange;
import io.marketprism.model.MarketRecord;
import io.marketprism.model.MarketType;
import io.marketprism.model.OrderBookRecord;
import io.marketprism.model.TickerRecord;
import io.marketprism.model.DataType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Test driver: replays a capture line by line through a {@link Normalizer}, keeping what a
 * fixture test asserts on (records per type, rejections, and the Binance bookTicker cross-check
 * of the rebuilt book wherever update ids coincide).
 */
final class CaptureRun {

  private static final Pattern BOOK_TICKER =
      Pattern.compile("\"stream\":\"[a-z0-9_]+@bookTicker\",\"data\":\\{(?:\"e\":\"bookTicker\",)?\"u\":(\\d+),\"s\":\"(\\w+)\"");

  final List<MarketRecord> records = new ArrayList<>();
  final Map<DataType, Integer> counts = new EnumMap<>(DataType.class);
  final List<String> rejections = new ArrayList<>();
  int messages;
  int crossChecked;
  int crossMatched;
  Normalizer normalizer;

  static Path fixture(String relative) {
    String dir = System.getProperty("mp.shared.dir");
    assumeTrue(dir != null, "mp.shared.dir not set");
    Path p = Path.of(dir, "fixtures", relative);
    assumeTrue(Files.exists(p), "fixture absent: " + p);
    return p;
  }

  static CaptureRun replay(Exchange ex, MarketType type, String... fixtures) throws IOException {
    CaptureRun run = new CaptureRun();
    List<Path> paths = new ArrayList<>();
    for (String f : fixtures) {
      paths.add(fixture(f));
    }
    run.go(ex, type, paths);
    return run;
  }

  private void go(Exchange ex, MarketType type, List<Path> paths) throws IOException {
    // a bookTicker and the diff with the same u may arrive in either order: pair them by (symbol, u)
    Map<String, OrderBookRecord> bookById = new HashMap<>();
    Map<String, TickerRecord> tickerById = new HashMap<>();
    List<MarketRecord> lineRecords = new ArrayList<>();
    normalizer = new Normalizer(ex, type, 20, s -> true, lineRecords::add, null);
    String pendingSnapshot = null;
    try (CaptureReader reader = new CaptureReader(paths)) {
      CaptureLine l;
      while ((l = reader.next()) != null) {
        if (l.kind() == CaptureLine.Kind.SKIP) {
          continue;
        }
        messages++;
        lineRecords.clear();
        try {
          if (l.kind() == CaptureLine.Kind.UNREADABLE) {
            throw new ParseException(l.payload());
          } else if (l.kind() == CaptureLine.Kind.REST) {
            normalizer.onRest(l.url(), l.payload(), l.recvTsUs());
          } else if (ex == Exchange.BINANCE && l.payload().startsWith("{\"lastUpdateId\"")) {
            // the single-symbol hftbacktest captures: the symbol is the one of the capture
            String sym = normalizer.instrumentsSeen().iterator().next();
            String path = type == MarketType.SPOT ? "/api/v3/depth" : "/fapi/v1/depth";
            normalizer.onRest(path + "?symbol=" + sym, l.payload(), l.recvTsUs());
          } else {
            normalizer.onMessage(l.payload(), l.recvTsUs());
          }
        } catch (ParseException e) {
          rejections.add(l.source() + ": " + e.getMessage());
        }
        for (MarketRecord r : lineRecords) {
          records.add(r);
          counts.merge(r.dataType(), 1, Integer::sum);
          if (r instanceof OrderBookRecord b) {
            String key = b.exchangeSymbol() + ':' + b.lastUpdateId();
            bookById.put(key, b);
            TickerRecord t = tickerById.remove(key);
            if (t != null) {
              crossCheck(b, t);
            }
          }
          if (r instanceof TickerRecord t && l.payload() != null) {
            Matcher m = BOOK_TICKER.matcher(l.payload());
            if (m.find()) {
              if (!Long.valueOf(m.group(1)).equals(t.updateId())) {
                throw new AssertionError("bookTicker u " + m.group(1) + " read as update_id " + t.updateId());
              }
              String key = m.group(2) + ':' + m.group(1);
              OrderBookRecord b = bookById.get(key);
              if (b != null) {
                crossCheck(b, t);
              } else {
                tickerById.put(key, t);
              }
            }
          }
        }
      }
    }
  }

  private void crossCheck(OrderBookRecord b, TickerRecord t) {
    crossChecked++;
    if (b.bids().get(0).price().equals(t.bestBid()) && b.bids().get(0).quantity().equals(t.bestBidQty())
        && b.asks().get(0).price().equals(t.bestAsk()) && b.asks().get(0).quantity().equals(t.bestAskQty())) {
      crossMatched++;
    }
  }

  int count(DataType t) {
    return counts.getOrDefault(t, 0);
  }

  static int countLines(String fixture, String needle) throws IOException {
    int n = 0;
    for (String line : Files.readAllLines(fixture(fixture))) {
      int from = 0;
      while ((from = line.indexOf(needle, from)) >= 0) {
        n++;
        from += needle.length();
      }
    }
    return n;
  }

  @Override
  public String toString() {
    return "messages=" + messages + " records=" + counts + " rejected=" + rejections.size() + " checksum_ok="
        + normalizer.bookStats().checksumOk() + " checksum_failed=" + normalizer.bookStats().checksumFailed()
        + " gaps=" + normalizer.bookStats().gaps() + " resyncs=" + normalizer.bookStats().resyncs()
        + " cross=" + crossMatched + "/" + crossChecked;
  }
}
