package io.marketprism.collector.backfill;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TradeMarkFileTest {

  private static final long NOW = 1_700_000_000_000L;

  @TempDir
  Path dir;

  private TradeMarkFile file() {
    return new TradeMarkFile(dir.resolve("state"), "binance", "spot");
  }

  @Test
  void marksRoundTripThroughTheFileInADirectoryCreatedOnFirstSave() throws Exception {
    TradeMarkFile f = file();
    assertThat(f.file()).isEqualTo(dir.resolve("state/trade-marks.binance.spot.json"));
    TradeMarkFile.Loaded none = f.load();
    assertThat(none.ok()).isFalse();
    assertThat(none.problem()).isEqualTo(TradeMarkFile.MISSING);
    assertThat(none.marks()).isEmpty();

    Map<String, TradeMarkFile.Mark> marks = Map.of("BTCUSDT", new TradeMarkFile.Mark(3_912_345_678L, NOW - 5, NOW),
        "ETHUSDT", new TradeMarkFile.Mark(0, 0));
    f.save(marks, Set.of(), 0, NOW);
    TradeMarkFile.Loaded back = new TradeMarkFile(dir.resolve("state"), "binance", "spot").load();
    assertThat(back.ok()).isTrue();
    assertThat(back.marks()).isEqualTo(marks);
    assertThat(back.savedMs()).isEqualTo(NOW);
    // plain JSON an operator can read
    JsonObject json = new JsonObject(Files.readString(f.file()));
    assertThat(json.getString("exchange")).isEqualTo("binance");
    assertThat(json.getJsonObject("marks").getJsonObject("BTCUSDT").getLong("seq")).isEqualTo(3_912_345_678L);
    assertThat(json.getJsonObject("marks").getJsonObject("BTCUSDT").getLong("watched_ms")).isEqualTo(NOW);
  }

  @Test
  void aFileWrittenBeforeMarksHadAWatchedTimeReadsItAsTheTradeTime() throws Exception {
    TradeMarkFile f = file();
    Files.createDirectories(f.file().getParent());
    Files.writeString(f.file(), "{\"format\":\"marketprism.trade-marks\",\"version\":1,\"exchange\":\"binance\","
        + "\"market_type\":\"spot\",\"saved_ms\":9,\"marks\":{\"BTCUSDT\":{\"seq\":5,\"ts_ms\":6}}}");
    assertThat(f.load().marks()).containsExactly(Map.entry("BTCUSDT", new TradeMarkFile.Mark(5, 6, 6)));
    // and a new save keeps its format: the old reader's fields are all there
    f.save(Map.of("ETHUSDT", new TradeMarkFile.Mark(7, 8, NOW)), Set.of(), 0, NOW);
    JsonObject json = new JsonObject(Files.readString(f.file()));
    assertThat(json.getInteger("version")).isEqualTo(1);
    assertThat(json.getJsonObject("marks").getJsonObject("BTCUSDT").fieldNames())
        .containsExactlyInAnyOrder("seq", "ts_ms", "watched_ms");
  }

  @Test
  void aCorruptFileReadsAsNoMarksWithTheReasonAndIsReplacedByTheNextSave() throws Exception {
    TradeMarkFile f = file();
    Files.createDirectories(f.file().getParent());
    String valid = "{\"format\":\"marketprism.trade-marks\",\"version\":1,\"exchange\":\"binance\","
        + "\"market_type\":\"spot\",\"saved_ms\":1,\"marks\":{\"BTCUSDT\":{\"seq\":5,\"ts_ms\":6}}}";
    List<String> corrupt = List.of("", "\u0000\u0000\u0000", valid.substring(0, valid.length() / 2), "[1,2]",
        valid.replace("\"version\":1", "\"version\":2"),
        valid.replace("\"exchange\":\"binance\"", "\"exchange\":\"okx\""),
        valid.replace("\"seq\":5", "\"seq\":-5"),
        valid.replace("\"seq\":5", "\"seq\":\"x\""),
        valid.replace(",\"ts_ms\":6", ""),
        valid.replace("{\"BTCUSDT\":{\"seq\":5,\"ts_ms\":6}}", "7"));
    for (String text : corrupt) {
      Files.writeString(f.file(), text, StandardCharsets.UTF_8);
      TradeMarkFile.Loaded l = f.load();
      assertThat(l.ok()).as("'%s' is not read", text).isFalse();
      assertThat(l.problem()).as("'%s'", text).startsWith("is corrupt: ");
      assertThat(l.marks()).isEmpty();
    }
    Files.writeString(f.file(), valid, StandardCharsets.UTF_8);
    assertThat(f.load().marks()).containsExactly(Map.entry("BTCUSDT", new TradeMarkFile.Mark(5, 6)));

    Files.writeString(f.file(), "{\"marks\":", StandardCharsets.UTF_8);
    f.save(Map.of("ETHUSDT", new TradeMarkFile.Mark(9, NOW)), Set.of(), 0, NOW);
    assertThat(f.load().marks()).containsExactly(Map.entry("ETHUSDT", new TradeMarkFile.Mark(9, NOW)));
  }

  @Test
  void aSaveReplacesTheFileAtomicallyAndLeavesNoTemporaryFile() throws Exception {
    TradeMarkFile f = file();
    f.save(Map.of("BTCUSDT", new TradeMarkFile.Mark(1, NOW)), Set.of(), 0, NOW);
    AtomicBoolean done = new AtomicBoolean();
    ExecutorService reader = Executors.newSingleThreadExecutor();
    try {
      // a reader polling all along never sees a part of a file: each read is one whole save
      Future<Integer> reads = reader.submit(() -> {
        int n = 0;
        while (!done.get()) {
          TradeMarkFile.Loaded l = new TradeMarkFile(dir.resolve("state"), "binance", "spot").load();
          assertThat(l.problem()).isNull();
          assertThat(l.marks().get("BTCUSDT").seq()).isEqualTo(l.savedMs() - NOW + 1);
          n++;
        }
        return n;
      });
      Map<String, TradeMarkFile.Mark> many = new java.util.HashMap<>();
      for (int i = 0; i < 500; i++) {
        many.put("SYM" + i, new TradeMarkFile.Mark(i, NOW));
      }
      for (int i = 1; i <= 100; i++) {
        many.put("BTCUSDT", new TradeMarkFile.Mark(i + 1, NOW));
        f.save(many, Set.of(), 0, NOW + i);
      }
      done.set(true);
      assertThat(reads.get(10, TimeUnit.SECONDS)).isPositive();
    } finally {
      reader.shutdownNow();
    }
    assertThat(f.load().marks().get("BTCUSDT")).isEqualTo(new TradeMarkFile.Mark(101, NOW));
    try (Stream<Path> files = Files.list(f.file().getParent())) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder("trade-marks.binance.spot.json", "trade-marks.binance.spot.json.lock");
    }
  }

  @Test
  void collectorsSharingTheFileKeepEachOthersInstrumentsAndDropOnlyTheirOwn() throws Exception {
    TradeMarkFile a = file();
    TradeMarkFile b = file();
    a.save(Map.of("BTCUSDT", new TradeMarkFile.Mark(10, NOW)), Set.of(), 0, NOW);
    b.save(Map.of("ETHUSDT", new TradeMarkFile.Mark(20, NOW)), Set.of(), 0, NOW);
    a.save(Map.of("BTCUSDT", new TradeMarkFile.Mark(11, NOW), "SOLUSDT", new TradeMarkFile.Mark(30, NOW)), Set.of(),
        0, NOW);
    assertThat(a.load().marks()).containsOnlyKeys("BTCUSDT", "ETHUSDT", "SOLUSDT")
        .containsEntry("BTCUSDT", new TradeMarkFile.Mark(11, NOW));
    // a stops collecting SOLUSDT; an entry of another collector last watched before the bound goes too
    b.save(Map.of("ETHUSDT", new TradeMarkFile.Mark(21, NOW)), Set.of(), NOW - 1000, NOW);
    a.save(Map.of("BTCUSDT", new TradeMarkFile.Mark(12, NOW - 5000)), Set.of("SOLUSDT"), NOW - 1000, NOW);
    assertThat(b.load().marks()).containsOnlyKeys("BTCUSDT", "ETHUSDT");
    b.save(Map.of("ETHUSDT", new TradeMarkFile.Mark(22, NOW)), Set.of(), NOW - 1000, NOW);
    assertThat(b.load().marks()).containsOnlyKeys("ETHUSDT");
    // a quiet instrument watched until recently stays, however old its trade
    a.save(Map.of("BTCUSDT", new TradeMarkFile.Mark(12, NOW - 5000, NOW)), Set.of(), NOW - 1000, NOW);
    b.save(Map.of("ETHUSDT", new TradeMarkFile.Mark(23, NOW)), Set.of(), NOW - 1000, NOW);
    assertThat(b.load().marks()).containsOnlyKeys("BTCUSDT", "ETHUSDT");
  }

  @Test
  void concurrentSavesOfDisjointInstrumentsLoseNone() throws Exception {
    int writers = 4;
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    try {
      List<Future<?>> runs = new ArrayList<>();
      for (int w = 0; w < writers; w++) {
        String sym = "SYM" + w;
        runs.add(pool.submit(() -> {
          TradeMarkFile mine = file();
          for (int i = 1; i <= 20; i++) {
            mine.save(Map.of(sym, new TradeMarkFile.Mark(i, NOW)), Set.of(), 0, NOW);
          }
          return null;
        }));
      }
      for (Future<?> r : runs) {
        r.get(30, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    Map<String, TradeMarkFile.Mark> all = file().load().marks();
    assertThat(all).hasSize(writers);
    all.values().forEach(m -> assertThat(m.seq()).isEqualTo(20));
  }
}
