package io.marketprism.loadtest.storage;

import io.marketprism.collector.capture.CaptureLine;
import io.marketprism.collector.capture.CaptureReader;
import io.marketprism.collector.normalize.NormalizeJob;
import io.marketprism.model.DataType;
import io.marketprism.model.Exchange;
import io.marketprism.model.MarketRecord;
import io.marketprism.model.MarketType;
import io.marketprism.model.OrderBookRecord;
import io.marketprism.model.RecordJson;
import io.marketprism.model.TradeRecord;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The trades and book snapshots that {@link NormalizeJob} makes of real captures, with the bytes
 * of the raw exchange JSON they came from (trade messages; depth/book messages and REST
 * snapshots), and copies of them shifted in time and id to make a corpus of any size.
 *
 * @param trades normalized trades
 * @param books normalized top-N book snapshots
 * @param rawTradeBytes UTF-8 bytes of the raw trade messages
 * @param rawBookBytes UTF-8 bytes of the raw depth/book messages and snapshots
 * @param spanMs time the captures cover (the shift between copies)
 */
public record CaptureCorpus(List<MarketRecord> trades, List<MarketRecord> books, long rawTradeBytes,
    long rawBookBytes, long spanMs) {

  /** The two captures the storage benchmark reads, relative to the fixtures directory. */
  public static final String BINANCE = "binance/hftbacktest_spot_btcusdt_20240808_first15000.txt";
  /** OKX books-l2-tbt with checksums and trades. */
  public static final String OKX = "okx/cryptofeed_okx_2022-02-27_ws.txt";

  /**
   * Normalizes the Binance spot and OKX captures.
   *
   * @param fixtures the fixtures directory
   * @return the corpus
   * @throws IOException if a capture cannot be read
   */
  public static CaptureCorpus load(Path fixtures) throws IOException {
    List<MarketRecord> trades = new ArrayList<>();
    List<MarketRecord> books = new ArrayList<>();
    long[] raw = new long[2];
    long span = normalize(Exchange.BINANCE, MarketType.SPOT, fixtures.resolve(BINANCE), trades, books);
    measure(fixtures.resolve(BINANCE), m -> m.contains("@trade\""),
        m -> m.contains("@depth") || m.startsWith("{\"lastUpdateId\""), raw);
    span = Math.max(span, normalize(Exchange.OKX, null, fixtures.resolve(OKX), trades, books));
    measure(fixtures.resolve(OKX), m -> m.contains("\"channel\":\"trades\"") && !m.contains("\"event\""),
        m -> m.contains("\"channel\":\"books") && !m.contains("\"event\""), raw);
    // each capture's copies follow it in time: the shift is the longer capture's span
    return new CaptureCorpus(trades, books, raw[0], raw[1], span + 1000);
  }

  /** @return the time the capture's records span, ms */
  private static long normalize(Exchange ex, MarketType mt, Path file, List<MarketRecord> trades,
      List<MarketRecord> books) throws IOException {
    long min = Long.MAX_VALUE;
    long max = Long.MIN_VALUE;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    new NormalizeJob().run(new NormalizeJob.Options(ex, mt, Set.of(), NormalizeJob.DEFAULT_DEPTH, List.of(file), out));
    for (String line : out.toString(StandardCharsets.UTF_8).split("\n")) {
      if (line.isEmpty()) {
        continue;
      }
      MarketRecord r = RecordJson.parse(line);
      if (r.dataType() == DataType.TRADE || r.dataType() == DataType.ORDERBOOK) {
        min = Math.min(min, r.tsMs());
        max = Math.max(max, r.tsMs());
      }
      if (r.dataType() == DataType.TRADE) {
        trades.add(r);
      } else if (r.dataType() == DataType.ORDERBOOK) {
        books.add(r);
      }
    }
    return max - min;
  }

  private static void measure(Path file, Predicate<String> trade, Predicate<String> book, long[] raw)
      throws IOException {
    try (CaptureReader reader = new CaptureReader(List.of(file))) {
      for (CaptureLine l = reader.next(); l != null; l = reader.next()) {
        if (l.payload() == null || (l.kind() != CaptureLine.Kind.MESSAGE && l.kind() != CaptureLine.Kind.REST)) {
          continue;
        }
        if (trade.test(l.payload())) {
          raw[0] += l.payload().getBytes(StandardCharsets.UTF_8).length;
        } else if (book.test(l.payload())) {
          raw[1] += l.payload().getBytes(StandardCharsets.UTF_8).length;
        }
      }
    }
  }

  /**
   * @param r a trade or book record
   * @param copy the copy number, 0 for the record itself
   * @return the record shifted by {@code copy} spans in time and by a copy-specific offset in id
   */
  public MarketRecord shifted(MarketRecord r, int copy) {
    if (copy == 0) {
      return r;
    }
    long dt = copy * spanMs;
    if (r instanceof TradeRecord t) {
      String id = t.tradeId().chars().allMatch(Character::isDigit) && t.tradeId().length() < 15
          ? Long.toString(Long.parseLong(t.tradeId()) + copy * 1_000_000_000_000L) : t.tradeId() + "-" + copy;
      return new TradeRecord(t.exchange(), t.marketType(), t.symbol(), t.exchangeSymbol(), t.tsMs() + dt,
          t.recvTsUs() + dt * 1000, id, t.price(), t.quantity(), t.side());
    }
    OrderBookRecord b = (OrderBookRecord) r;
    return new OrderBookRecord(b.exchange(), b.marketType(), b.symbol(), b.exchangeSymbol(), b.tsMs() + dt,
        b.recvTsUs() + dt * 1000, b.bids(), b.asks(), b.depth(), b.lastUpdateId() + copy * 10_000_000_000_000L,
        b.checksumOk());
  }
}
