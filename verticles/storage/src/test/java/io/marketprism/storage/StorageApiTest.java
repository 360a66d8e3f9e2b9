package io.marketprism.storage;

import io.marketprism.model.Exchange;
import io.marketprism.model.LiquidationRecord;
import io.marketprism.model.MarketRecord;
import io.marketprism.model.MarketType;
import io.marketprism.model.RecordJson;
import io.marketprism.model.TradeRecord;
import io.marketprism.platform.auth.ApiKey;
import io.marketprism.platform.bus.BusOptions;
import io.marketprism.platform.bus.RecordBus;
import io.marketprism.storage.hot.ExpectedBars;
import io.marketprism.storage.query.RecordQuery;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The storage's query API, archive and stats over each hot store and its cold tier (records from
 * the event bus): a subclass names the store. The same records read the same, page by page, from
 * DuckDB and Parquet as from ClickHouse and its cold database.
 */
abstract class StorageApiTest {

  @TempDir
  Path dir;
  Vertx vertx;
  StorageVerticle storage;
  WebClient http;
  JsonObject config;
  /** The admin API key of gateway.auth, which the storage checks on its own port for the archive. */
  static final String ADMIN_KEY = "storage-test-admin-key";

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    config = new JsonObject()
        .put("bus", new JsonObject().put("type", "eventbus"))
        .put("storage", new JsonObject().put("http", new JsonObject().put("port", 0))
            .put("batch_size", 500).put("flush_interval_ms", 50)
            .put("archive", new JsonObject().put("interval_minutes", 0)))
        .put("cache", new JsonObject().put("type", "memory"))
        .put("gateway", new JsonObject().put("auth", new JsonObject().put("api_keys", new JsonArray()
            .add(new JsonObject().put("name", "ops").put("sha256", ApiKey.sha256Hex(ADMIN_KEY))
                .put("roles", new JsonArray().add("admin"))))));
    config.getJsonObject("storage").mergeIn(stores(dir));
    deploy();
  }

  /** @return the storage config's {@code hot} and {@code cold} sections, empty stores of this test's own */
  abstract JsonObject stores(Path dir);

  /** Asserts that the cold tier holds the first day's trades (beyond what {@code stats} says). */
  abstract void assertFirstDayIsCold(Path dir) throws Exception;

  void deploy() throws Exception {
    storage = new StorageVerticle();
    vertx.deployVerticle(storage, new io.vertx.core.DeploymentOptions().setConfig(config))
        .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    http = WebClient.create(vertx);
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  /** A POST to the storage's port with the admin key (the archive is an admin route there too). */
  HttpRequest<Buffer> adminPost(String uri) {
    return http.post(storage.actualPort(), "127.0.0.1", uri).putHeader("X-API-Key", ADMIN_KEY);
  }

  HttpResponse<Buffer> get(String uri) throws Exception {
    return await(http.get(storage.actualPort(), "127.0.0.1", uri).send());
  }

  void publishAll(List<MarketRecord> records) throws Exception {
    RecordBus bus = RecordBus.create(vertx, BusOptions.from(config));
    await(bus.start());
    List<Future<Void>> acks = new ArrayList<>();
    for (MarketRecord r : records) {
      acks.add(bus.publish(r));
    }
    await(Future.all(acks));
  }

  void awaitCommitted(long n) throws Exception {
    long deadline = System.currentTimeMillis() + 30_000;
    while (System.currentTimeMillis() < deadline) {
      if (get("/api/v1/storage/status").bodyAsJsonObject().getLong("committed") >= n) {
        return;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("not committed: " + get("/api/v1/storage/status").bodyAsString());
  }

  /** Reads every page of a query and returns the records' JSON. */
  List<String> readAll(String type, String query, int limit) throws Exception {
    List<String> out = new ArrayList<>();
    String cursor = null;
    do {
      HttpResponse<Buffer> r = get("/api/v1/storage/" + type + "?" + query + "&limit=" + limit
          + (cursor == null ? "" : "&cursor=" + cursor));
      assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
      JsonObject page = r.bodyAsJsonObject();
      page.getJsonArray("data").forEach(o -> out.add(((JsonObject) o).encode()));
      cursor = page.getString("next_cursor");
    } while (cursor != null);
    return out;
  }

  /** The ranges every data type is read in: all, the first day, the second, and across the day boundary. */
  private static final List<String> RANGES = List.of(
      "start=" + (Fixtures.DAY0 - EveryType.DAY) + "&end=" + (Fixtures.DAY0 + 3 * EveryType.DAY),
      "start=" + Fixtures.DAY0 + "&end=" + EveryType.D1,
      "start=" + EveryType.D1 + "&end=" + (Fixtures.DAY0 + 3 * EveryType.DAY),
      "start=" + (EveryType.D1 - 1) + "&end=" + (EveryType.D1 + 1),
      "start=2024-01-01T23:59:59.999Z&end=2024-01-02T00:00:00.001Z",
      "start=" + (EveryType.D1 - 60_000) + "&end=" + EveryType.D1);

  /**
   * What every read answers: the records of each data type in each of {@link #RANGES} (also per
   * instrument), the same in pages of one record as in one page (each range of all instruments); the bars of each trade instrument at every interval;
   * latest of each instrument from the store (restarted, the memory cache is empty); and the rows
   * of each table summed over the tiers.
   */
  java.util.Map<String, Object> everyRead(List<MarketRecord> records) throws Exception {
    java.util.Map<String, Object> out = new java.util.concurrent.ConcurrentSkipListMap<>();
    List<String[]> instruments = EveryType.instruments(records);
    List<java.util.concurrent.Callable<Void>> reads = new ArrayList<>();
    for (io.marketprism.model.DataType t : io.marketprism.model.DataType.values()) {
      List<String> queries = new ArrayList<>(RANGES);
      instruments.stream().filter(i -> i[0].equals(t.wire())).forEach(i -> queries.add(RANGES.get(0) + "&exchange=" + i[1]
          + "&market_type=" + i[2] + "&symbol=" + i[3]));
      for (String q : queries) {
        reads.add(() -> {
          List<String> all = readAll(t.wire(), q, 1000);
          if (RANGES.contains(q)) {
            // one a page: a page ends after every record, on every tier boundary too
            assertThat(readAll(t.wire(), q, 1)).as(t.wire() + "?" + q + " limit 1").isEqualTo(all);
          }
          out.put(t.wire() + "?" + q, all);
          return null;
        });
      }
    }
    for (String[] i : instruments) {
      if (!i[0].equals("trade")) {
        continue;
      }
      String instrument = "exchange=" + i[1] + "&market_type=" + i[2] + "&symbol=" + i[3];
      for (String interval : io.marketprism.storage.query.KlineQuery.INTERVALS.keySet()) {
        for (String range : List.of(RANGES.get(0), "start=" + (EveryType.D1 - 120_000) + "&end=" + (EveryType.D1 + 120_000))) {
          String uri = "/api/v1/storage/kline?" + instrument + "&interval=" + interval + "&" + range;
          reads.add(() -> {
            HttpResponse<Buffer> r = get(uri);
            assertThat(r.statusCode()).as(uri + " " + r.bodyAsString()).isEqualTo(200);
            out.put(uri, r.bodyAsJsonObject());
            return null;
          });
        }
      }
    }
    inParallel(reads);
    await(vertx.undeploy(vertx.deploymentIDs().iterator().next()));
    deploy();
    for (String[] i : instruments) {
      String uri = "/api/v1/storage/latest/" + i[0] + "?exchange=" + i[1] + "&market_type=" + i[2] + "&symbol=" + i[3];
      HttpResponse<Buffer> r = get(uri);
      out.put(uri, r.statusCode() + " " + r.bodyAsString());
    }
    java.util.Map<String, Long> rows = new java.util.TreeMap<>();
    get("/api/v1/storage/stats").bodyAsJsonObject().getJsonArray("tables").forEach(o -> {
      JsonObject table = (JsonObject) o;
      rows.merge(table.getString("table"), table.getLong("rows"), Long::sum);
    });
    for (io.marketprism.model.DataType t : io.marketprism.model.DataType.values()) {
      out.put("rows of " + t.wire(), rows.get(t.wire()));
    }
    return out;
  }

  /**
   * Runs independent reads a few at a time, as several clients would (the storage serves them
   * concurrently); the first failure is thrown as it was.
   */
  static <T> List<T> inParallel(List<java.util.concurrent.Callable<T>> reads) throws Exception {
    java.util.concurrent.ExecutorService clients = java.util.concurrent.Executors.newFixedThreadPool(4);
    try {
      List<T> out = new ArrayList<>();
      for (java.util.concurrent.Future<T> f : clients.invokeAll(reads)) {
        try {
          out.add(f.get());
        } catch (java.util.concurrent.ExecutionException e) {
          if (e.getCause() instanceof Error err) {
            throw err;
          }
          throw (Exception) e.getCause();
        }
      }
      return out;
    } finally {
      clients.shutdownNow();
    }
  }

  /** A record's JSON with its decimals as every store gives them back: no trailing zeros, zero as "0". */
  private static Object canonical(Object v) {
    if (v instanceof JsonObject o) {
      JsonObject out = new JsonObject();
      o.forEach(e -> out.put(e.getKey(), e.getKey().endsWith("_id") || e.getKey().equals("symbol") ? e.getValue()
          : canonical(e.getValue())));
      return out;
    }
    if (v instanceof JsonArray a) {
      JsonArray out = new JsonArray();
      a.forEach(x -> out.add(canonical(x)));
      return out;
    }
    if (v instanceof String text && text.matches("-?[0-9]+(\\.[0-9]+)?")) {
      return io.marketprism.model.Decimals.isZero(text) ? "0" : io.marketprism.model.Decimals.canonical(text);
    }
    return v;
  }

  /** Asserts two {@link #everyRead} answers are the same, read by read. */
  static void assertSameReads(java.util.Map<String, Object> actual, java.util.Map<String, Object> expected, String when) {
    assertThat(actual.keySet()).isEqualTo(expected.keySet());
    for (String k : expected.keySet()) {
      assertThat(actual.get(k)).as(when + ": " + k).isEqualTo(expected.get(k));
    }
  }

  JsonObject archive(long before) throws Exception {
    JsonObject report = await(adminPost("/api/v1/storage/archive")
        .sendJsonObject(new JsonObject().put("before", before))).bodyAsJsonObject();
    assertThat(report.getJsonArray("failed")).as(report.encode()).isEmpty();
    return report;
  }

  /**
   * Records of every data type around a day boundary read exactly the same, every query, page
   * size, bar interval, latest and row count, before archiving, with their first day archived
   * (also resuming pages fetched before the archive ran), with late records of that day in a
   * second tier, after the day is archived again, and with everything archived.
   */
  @Test
  void everyReadOfEveryTypeIsTheSameWhereverTheRecordsLive() throws Exception {
    List<MarketRecord> sent = EveryType.records();
    publishAll(sent);
    awaitCommitted(sent.size());
    java.util.Map<String, Object> hot = everyRead(sent);
    String all = RANGES.get(0);
    for (io.marketprism.model.DataType t : io.marketprism.model.DataType.values()) {
      Set<String> expected = new HashSet<>();
      // as the bus carries them: decimals canonical
      sent.stream().filter(r -> r.dataType() == t)
          .forEach(r -> expected.add(((JsonObject) canonical(new JsonObject(RecordJson.toJson(r)))).encode()));
      @SuppressWarnings("unchecked")
      List<String> read = (List<String>) hot.get(t.wire() + "?" + all);
      assertThat(read).as(t.wire()).doesNotHaveDuplicates();
      assertThat(new HashSet<>(read)).as(t.wire()).isEqualTo(expected);
    }
    // the cursor after each record of each type, taken while every record is hot
    java.util.Map<String, List<String>> cursors = new java.util.HashMap<>();
    for (io.marketprism.model.DataType t : io.marketprism.model.DataType.values()) {
      List<String> after = new ArrayList<>();
      String cursor = null;
      do {
        JsonObject page = get("/api/v1/storage/" + t.wire() + "?" + all + "&limit=1"
            + (cursor == null ? "" : "&cursor=" + cursor)).bodyAsJsonObject();
        cursor = page.getString("next_cursor");
        if (cursor != null) {
          after.add(cursor);
        }
      } while (cursor != null);
      cursors.put(t.wire(), after);
    }

    archive(EveryType.D1);
    assertSameReads(everyRead(sent), hot, "first day archived");
    for (io.marketprism.model.DataType t : io.marketprism.model.DataType.values()) {
      @SuppressWarnings("unchecked")
      List<String> expected = (List<String>) hot.get(t.wire() + "?" + all);
      List<String> after = cursors.get(t.wire());
      List<java.util.concurrent.Callable<Void>> resumes = new ArrayList<>();
      for (int i = 0; i < after.size(); i++) {
        int from = i;
        resumes.add(() -> {
          List<String> rest = new ArrayList<>();
          String cursor = after.get(from);
          do {
            HttpResponse<Buffer> r = get("/api/v1/storage/" + t.wire() + "?" + all + "&limit=1000&cursor=" + cursor);
            assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
            r.bodyAsJsonObject().getJsonArray("data").forEach(o -> rest.add(((JsonObject) o).encode()));
            cursor = r.bodyAsJsonObject().getString("next_cursor");
          } while (cursor != null);
          assertThat(rest).as(t.wire() + " resumed after record " + from + " across the archive")
              .isEqualTo(expected.subList(from + 1, expected.size()));
          return null;
        });
      }
      inParallel(resumes);
    }

    List<MarketRecord> withLate = new ArrayList<>(sent);
    withLate.addAll(EveryType.late());
    long committed = get("/api/v1/storage/status").bodyAsJsonObject().getLong("committed");
    publishAll(EveryType.late());
    awaitCommitted(committed + EveryType.late().size());
    java.util.Map<String, Object> late = everyRead(withLate);
    // the first day's bar counts its late trades, wherever they were stored (DuckDB: hot; ClickHouse: cold)
    JsonObject dayBars = (JsonObject) late.get("/api/v1/storage/kline?exchange=binance&market_type=spot&symbol=BTC-USDT"
        + "&interval=1d&" + RANGES.get(0));
    assertThat(dayBars.getJsonArray("data").getJsonObject(0).getLong("trade_count")).isEqualTo(withLate.stream()
        .filter(r -> r instanceof TradeRecord t && t.exchange() == Exchange.BINANCE && t.tsMs() < EveryType.D1).count());
    archive(EveryType.D1);
    assertSameReads(everyRead(withLate), late, "the first day, partly in cold, archived again");
    archive(EveryType.D1 + EveryType.DAY);
    assertSameReads(everyRead(withLate), late, "both days archived");
  }

  /**
   * Real captures of every exchange, normalized by the collector, read back through the query API
   * as the exchanges sent them: every record the normalizer made that is not a copy of another
   * (nothing dropped, nothing merged that differs), each field as the raw message has it (read here,
   * not by the product's parser), books best first within their depth, {@code latest} the newest
   * of each instrument; all the same once everything is archived to cold.
   */
  @Test
  void recordedCapturesReadBackAsTheExchangesSentThem() throws Exception {
    List<MarketRecord> normalized = RecordedCaptures.normalized();
    java.util.Map<String, List<JsonObject>> expected = RecordedCaptures.mustBeStored(normalized, StorageApiTest::canonical);
    List<JsonObject> sent = RecordedCaptures.sentByExchange();
    publishAll(normalized);
    awaitCommitted(normalized.size());
    java.util.Map<String, List<JsonObject>> hot = readEveryCaptured(expected);
    RecordedCaptures.assertSentIsRead(sent, hot, "hot");
    JsonObject report = archive(4_102_444_800_000L);
    JsonObject stats = get("/api/v1/storage/stats").bodyAsJsonObject();
    assertThat(stats.getJsonArray("tables").stream().map(o -> (JsonObject) o)
        .filter(t -> t.getString("tier").equals("hot") && expected.containsKey(t.getString("table"))).mapToLong(t -> t.getLong("rows")).sum())
        .as("everything archived: " + stats + " " + report).isZero();
    java.util.Map<String, List<JsonObject>> cold = readEveryCaptured(expected);
    assertThat(cold).as("the same once archived").isEqualTo(hot);
    RecordedCaptures.assertSentIsRead(sent, cold, "cold");
  }

  /** Reads every data type of {@link #recordedCapturesReadBackAsTheExchangesSentThem} and asserts it is {@code expected}. */
  private java.util.Map<String, List<JsonObject>> readEveryCaptured(java.util.Map<String, List<JsonObject>> expected)
      throws Exception {
    java.util.Map<String, List<JsonObject>> out = new java.util.TreeMap<>();
    for (String type : expected.keySet()) {
      List<JsonObject> read = new ArrayList<>();
      readAll(type, "start=0&end=4102444800000", 10_000).forEach(j -> read.add(new JsonObject(j)));
      java.util.Map<String, Long> want = new java.util.HashMap<>();
      expected.get(type).forEach(j -> want.merge(j.encode(), 1L, Long::sum));
      java.util.Map<String, Long> got = new java.util.HashMap<>();
      read.forEach(j -> got.merge(((JsonObject) canonical(j)).encode(), 1L, Long::sum));
      List<String> lost = want.keySet().stream().filter(k -> !got.containsKey(k)).limit(3).toList();
      List<String> extra = got.keySet().stream().filter(k -> !want.containsKey(k)).limit(3).toList();
      assertThat(read).as(type + ": " + want.size() + " records expected, read " + read.size() + "; lost e.g. " + lost
          + "; not expected e.g. " + extra).hasSize(expected.get(type).size());
      assertThat(got).as(type).isEqualTo(want);
      for (int i = 1; i < read.size(); i++) {
        assertThat(read.get(i).getLong("ts_ms")).as(type + " oldest first").isGreaterThanOrEqualTo(read.get(i - 1).getLong("ts_ms"));
      }
      if (type.equals("orderbook")) {
        java.util.Map<String, Set<Long>> ids = RecordedCaptures.bookUpdateIds();
        for (JsonObject book : read) {
          assertBestFirst(book);
          assertThat(ids.getOrDefault(book.getString("exchange_symbol"), Set.of()))
              .as("a book update id the exchange sent: " + book.encode()).contains(book.getLong("last_update_id"));
        }
      }
      out.put(type, read);
      java.util.Map<String, JsonObject> newest = new java.util.HashMap<>();
      for (JsonObject j : read) {
        newest.merge(j.getString("exchange") + "&market_type=" + j.getString("market_type") + "&symbol="
            + j.getString("symbol"), j, (a, b) -> b.getLong("ts_ms") >= a.getLong("ts_ms") ? b : a);
      }
      for (java.util.Map.Entry<String, JsonObject> e : newest.entrySet()) {
        HttpResponse<Buffer> r = get("/api/v1/storage/latest/" + type + "?exchange=" + e.getKey());
        assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
        JsonObject latest = r.bodyAsJsonObject();
        assertThat(latest.getLong("ts_ms")).as("latest " + type + " " + e.getKey()).isEqualTo(e.getValue().getLong("ts_ms"));
        assertThat(read).as("latest " + type + " " + e.getKey() + " is a stored record").contains(latest);
      }
    }
    return out;
  }

  /**
   * Asserts a book's sides are best first (bids down, asks up, no level twice) and within its depth.
   * (Not that it is uncrossed: tardis's test author trimmed some books, a bid above the asks.)
   */
  private static void assertBestFirst(JsonObject book) {
    JsonArray bids = book.getJsonArray("bids");
    JsonArray asks = book.getJsonArray("asks");
    assertThat(bids.size()).as(book.encode()).isLessThanOrEqualTo(book.getInteger("depth"));
    assertThat(asks.size()).as(book.encode()).isLessThanOrEqualTo(book.getInteger("depth"));
    for (int i = 1; i < bids.size(); i++) {
      assertThat(new java.math.BigDecimal(bids.getJsonArray(i).getString(0)))
          .as(book.encode()).isLessThan(new java.math.BigDecimal(bids.getJsonArray(i - 1).getString(0)));
    }
    for (int i = 1; i < asks.size(); i++) {
      assertThat(new java.math.BigDecimal(asks.getJsonArray(i).getString(0)))
          .as(book.encode()).isGreaterThan(new java.math.BigDecimal(asks.getJsonArray(i - 1).getString(0)));
    }
  }

  @Test
  void storesEachRecordOnceAndPagesThroughThemOldestFirst() throws Exception {
    List<MarketRecord> sent = Fixtures.mixed(Fixtures.DAY0, 2000);
    publishAll(sent);
    publishAll(sent.subList(0, 700)); // redelivered records are absorbed by identity
    awaitCommitted(sent.size() + 700);

    List<String> trades = readAll("trade", "exchange=binance&market_type=spot&symbol=BTC-USDT", 333);
    assertThat(trades).hasSize(2000);
    Set<String> expected = new HashSet<>();
    sent.stream().filter(r -> r.dataType().wire().equals("trade")).forEach(r -> expected.add(RecordJson.toJson(r)));
    assertThat(new HashSet<>(trades)).isEqualTo(expected);
    assertThat(trades.get(0)).contains("\"ts_ms\":" + Fixtures.DAY0);
    assertThat(readAll("orderbook", "exchange=okx", 50)).hasSize(200);
    String tradeCursor = get("/api/v1/storage/trade?limit=10").bodyAsJsonObject().getString("next_cursor");
    HttpResponse<Buffer> crossed = get("/api/v1/storage/orderbook?limit=10&cursor=" + tradeCursor);
    assertThat(crossed.statusCode()).as(crossed.bodyAsString()).isEqualTo(400);
    assertThat(crossed.bodyAsJsonObject().getJsonObject("error").getString("message"))
        .contains("cursor is from a query of trade");
    String okxCursor = get("/api/v1/storage/orderbook?exchange=okx&limit=10").bodyAsJsonObject().getString("next_cursor");
    assertThat(get("/api/v1/storage/orderbook?exchange=okx&limit=10&cursor=" + okxCursor).statusCode()).isEqualTo(200);
    HttpResponse<Buffer> refiltered = get("/api/v1/storage/orderbook?exchange=okx&symbol=BTC-USDT&limit=10&cursor="
        + okxCursor);
    assertThat(refiltered.statusCode()).as(refiltered.bodyAsString()).isEqualTo(400);
    assertThat(refiltered.bodyAsJsonObject().getJsonObject("error").getString("message"))
        .contains("cursor is from a query with exchange=okx, not with exchange=okx&symbol=BTC-USDT");
    assertThat(readAll("funding_rate", "start=2024-01-01T00:00:00Z&end=" + (Fixtures.DAY0 + 50_000), 1000))
        .hasSize(100);

    String latestUri = "/api/v1/storage/latest/trade?exchange=binance&market_type=spot&symbol=BTC-USDT";
    JsonObject latest = get(latestUri).bodyAsJsonObject();
    assertThat(latest.getString("trade_id")).isEqualTo("1001999");

    // restarted, the memory cache is empty: the newest stored record answers, until a newer one arrives
    await(vertx.undeploy(vertx.deploymentIDs().iterator().next()));
    deploy();
    HttpResponse<Buffer> fromStore = get(latestUri);
    assertThat(fromStore.statusCode()).as(fromStore.bodyAsString()).isEqualTo(200);
    assertThat(fromStore.bodyAsJsonObject()).isEqualTo(latest);
    HttpResponse<Buffer> none = get("/api/v1/storage/latest/trade?exchange=binance&market_type=spot&symbol=DOGE-USDT");
    assertThat(none.statusCode()).isEqualTo(404);
  }

  /**
   * A page's {@code next_cursor} is null exactly when no record follows it: a walk whose limit
   * divides the records ends with a full page and no empty one after it, each page before carries
   * a cursor, and a page holding every record of its range has none.
   */
  @Test
  void aWalkEndsWithItsLastRecordsPageEvenAFullOne() throws Exception {
    List<MarketRecord> sent = Fixtures.mixed(Fixtures.DAY0, 2000);
    publishAll(sent);
    awaitCommitted(sent.size());
    String trades = "exchange=binance&market_type=spot&symbol=BTC-USDT";
    String funding = "start=2024-01-01T00:00:00Z&end=" + (Fixtures.DAY0 + 50_000);
    Object[][] walks = {{"trade", trades, 500, 2000}, {"trade", trades, 400, 2000}, {"trade", trades, 2000, 2000},
        {"trade", trades, 2001, 2000}, {"trade", trades, 333, 2000}, {"orderbook", "exchange=okx", 50, 200},
        {"funding_rate", funding, 100, 100}, {"funding_rate", funding, 1, 100},
        {"trade", trades + "&start=" + Fixtures.DAY0 + "&end=" + (Fixtures.DAY0 + 10), 1, -1}};
    for (Object[] w : walks) {
      String query = w[1] + "&limit=" + w[2];
      int limit = (Integer) w[2];
      List<Integer> sizes = new ArrayList<>();
      String cursor = null;
      do {
        HttpResponse<Buffer> r = get("/api/v1/storage/" + w[0] + "?" + query + (cursor == null ? "" : "&cursor=" + cursor));
        assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
        sizes.add(r.bodyAsJsonObject().getJsonArray("data").size());
        cursor = r.bodyAsJsonObject().getString("next_cursor");
        assertThat(cursor == null || sizes.get(sizes.size() - 1) == limit).as(w[0] + "?" + query + ": a cursor after a short page")
            .isTrue();
      } while (cursor != null);
      int total = sizes.stream().mapToInt(Integer::intValue).sum();
      if ((Integer) w[3] >= 0) {
        assertThat(total).as(w[0] + "?" + query).isEqualTo(w[3]);
      }
      assertThat(sizes).as(w[0] + "?" + query + ": pages").hasSize(Math.max(1, (total + limit - 1) / limit))
          .doesNotContain(0);
    }
  }

  /**
   * Every kind of poison among records on the bus: each is rejected alone (counted in the status
   * and {@code /metrics}), every good record is stored once and read back, and the consumer goes on.
   */
  @Test
  void poisonMessagesOnTheBusAreRejectedAloneAndTheRestIsStored() throws Exception {
    List<MarketRecord> sent = Fixtures.trades(Fixtures.DAY0, 1500, 13_000_000);
    List<String[]> poison = Fixtures.poison();
    RecordBus bus = RecordBus.create(vertx, BusOptions.from(config));
    await(bus.start());
    for (int i = 0; i < sent.size(); i++) {
      if (i % 100 == 50 && i / 100 < poison.size()) {
        String[] p = poison.get(i / 100);
        await(bus.publish(p[0], "poison-" + i, p[1].getBytes(java.nio.charset.StandardCharsets.UTF_8)));
      }
      await(bus.publish(sent.get(i)));
    }
    awaitCommitted(sent.size());
    JsonObject status = get("/api/v1/storage/status").bodyAsJsonObject();
    assertThat(status.getLong("rejected")).as(status.encode()).isEqualTo(poison.size());
    assertThat(status.getLong("committed")).isEqualTo(sent.size());
    assertThat(get("/metrics").bodyAsString()).contains("mp_storage_records_rejected_total " + poison.size() + ".0");
    Set<String> expected = new HashSet<>();
    sent.forEach(r -> expected.add(RecordJson.toJson(r)));
    assertThat(new HashSet<>(readAll("trade", "exchange=binance", 1000))).isEqualTo(expected);
    assertThat(readAll("orderbook", "exchange=okx", 1000)).isEmpty();
    HttpResponse<Buffer> bars = get("/api/v1/storage/kline?exchange=binance&market_type=spot&symbol=BTC-USDT"
        + "&interval=1h&start=" + Fixtures.DAY0 + "&end=" + (Fixtures.DAY0 + 3_600_000));
    assertThat(bars.statusCode()).as(bars.bodyAsString()).isEqualTo(200);
    assertThat(bars.bodyAsJsonObject().getJsonArray("data").getJsonObject(0).getLong("trade_count")).isEqualTo(1500);
  }

  @Test
  void rejectsBadParametersWith400() throws Exception {
    for (String uri : List.of("/api/v1/storage/nonsense", "/api/v1/storage/trade?exchange=kraken",
        "/api/v1/storage/trade?market_type=swap", "/api/v1/storage/trade?symbol=btc'--",
        "/api/v1/storage/trade?start=yesterday", "/api/v1/storage/trade?limit=0",
        "/api/v1/storage/trade?limit=10001", "/api/v1/storage/trade?start=2000&end=1000",
        "/api/v1/storage/trade?cursor=garbage", "/api/v1/storage/kline?exchange=binance&market_type=spot&symbol=BTC-USDT&interval=7m",
        "/api/v1/storage/kline?exchange=binance&interval=1m",
        "/api/v1/storage/kline?exchange=binance&market_type=spot&symbol=BTC-USDT&interval=1m&limit=10",
        "/api/v1/storage/kline?exchange=binance&market_type=spot&symbol=BTC-USDT&interval=1h&cursor=abc",
        "/api/v1/storage/trade?end=1969-12-31T00:00Z",
        "/api/v1/storage/latest/trade?exchange=binance&market_type=spot")) {
      HttpResponse<Buffer> r = get(uri);
      assertThat(r.statusCode()).as(uri).isEqualTo(400);
      assertThat(r.bodyAsJsonObject().getJsonObject("error").getString("message")).as(uri).isNotBlank();
    }
    HttpResponse<Buffer> archiveByGet = get("/api/v1/storage/archive");
    assertThat(archiveByGet.statusCode()).isEqualTo(405);
    assertThat(archiveByGet.getHeader("Allow")).isEqualTo("POST");
  }

  /**
   * A parameter a route does not take is a 400 naming it and what the route takes: a misspelt
   * filter ({@code simbol}) was ignored and the answer held every symbol.
   */
  @Test
  void unknownParametersAreRefusedNamingThemAndWhatTheRouteTakes() throws Exception {
    publishAll(Fixtures.trades(Fixtures.DAY0, 5, 1));
    awaitCommitted(5);
    String records = "exchange, market_type, symbol, start, end, limit, cursor";
    java.util.Map<String, String> cases = new java.util.LinkedHashMap<>();
    cases.put("/api/v1/storage/trade?exchange=binance&simbol=ETH-USDT", "'simbol' for GET /api/v1/storage/trade; it takes "
        + records);
    cases.put("/api/v1/storage/trade?symbol=BTC-USDT&_=1700000000000", "'_' for GET /api/v1/storage/trade");
    cases.put("/api/v1/storage/kline?exchange=binance&intervall=1m", "'intervall' for GET /api/v1/storage/kline without"
        + " interval");
    cases.put("/api/v1/storage/kline?exchange=binance&market_type=spot&symbol=BTC-USDT&interval=1m&from=0",
        "'from' for GET /api/v1/storage/kline; it takes exchange, market_type, symbol, interval, start, end");
    cases.put("/api/v1/storage/latest/trade?exchange=binance&market_type=spot&symbol=BTC-USDT&fresh=1",
        "'fresh' for GET /api/v1/storage/latest/trade; it takes exchange, market_type, symbol");
    cases.put("/api/v1/storage/stats?tier=hot", "'tier' for GET /api/v1/storage/stats; it takes none");
    cases.put("/api/v1/storage/status?verbose", "'verbose' for GET /api/v1/storage/status; it takes none");
    for (var c : cases.entrySet()) {
      HttpResponse<Buffer> r = get(c.getKey());
      assertThat(r.statusCode()).as(c.getKey() + " " + r.bodyAsString()).isEqualTo(400);
      assertThat(r.bodyAsJsonObject().getJsonObject("error").getString("message")).as(c.getKey())
          .contains("unknown parameter " + c.getValue());
    }
    HttpResponse<Buffer> typo = await(adminPost("/api/v1/storage/archive")
        .sendJsonObject(new JsonObject().put("befor", "2100-01-01")));
    assertThat(typo.statusCode()).as(typo.bodyAsString()).isEqualTo(400);
    assertThat(typo.bodyAsJsonObject().getJsonObject("error").getString("message"))
        .contains("unknown body field 'befor' for POST /api/v1/storage/archive; it takes before");
    HttpResponse<Buffer> inQuery = await(adminPost("/api/v1/storage/archive?before=2100-01-01").sendJsonObject(new JsonObject()));
    assertThat(inQuery.statusCode()).as(inQuery.bodyAsString()).isEqualTo(400);
    assertThat(inQuery.bodyAsJsonObject().getJsonObject("error").getString("message"))
        .contains("unknown parameter 'before' for POST /api/v1/storage/archive; it takes none");
    // what the routes take still works, the archive's JSON body also when curl -d sends it as a form
    assertThat(readAll("trade", "exchange=binance&market_type=spot&symbol=BTC-USDT&start=0", 2)).hasSize(5);
    HttpResponse<Buffer> form = await(adminPost("/api/v1/storage/archive")
        .putHeader("Content-Type", "application/x-www-form-urlencoded")
        .sendBuffer(Buffer.buffer("{\"before\":\"" + java.time.LocalDate.ofEpochDay(Fixtures.DAY0 / 86_400_000L)
            + "\"}")));
    assertThat(form.statusCode()).as(form.bodyAsString()).isEqualTo(200);
    assertThat(await(adminPost("/api/v1/storage/archive")
        .sendJsonObject(new JsonObject())).statusCode()).as("the scheduler's job sends {}").isEqualTo(200);
    assertThat(get("/api/v1/storage/trade?exchange=binance&market_type=spot&symbol=BTC-USDT").bodyAsJsonObject()
        .getJsonArray("data")).hasSize(5);
  }

  /** A parameter given twice is a 400 naming it: only its first value was read, the others were dropped. */
  @Test
  void aRepeatedParameterIsRefusedNamingIt() throws Exception {
    for (String uri : List.of("/api/v1/storage/trade?exchange=binance&symbol=BTC-USDT&symbol=ETH-USDT",
        "/api/v1/storage/trade?limit=5&limit=5",
        "/api/v1/storage/kline?exchange=binance&market_type=spot&symbol=BTC-USDT&interval=1m&interval=1h",
        "/api/v1/storage/latest/trade?exchange=binance&market_type=spot&symbol=BTC-USDT&symbol=ETH-USDT")) {
      HttpResponse<Buffer> r = get(uri);
      assertThat(r.statusCode()).as(uri + " " + r.bodyAsString()).isEqualTo(400);
      String name = uri.substring(uri.lastIndexOf('&') + 1, uri.lastIndexOf('='));
      assertThat(r.bodyAsJsonObject().getJsonObject("error").getString("message")).as(uri)
          .contains("parameter '" + name + "' is given 2 times").contains("give it once");
    }
  }

  /** An ISO time's {@code +} offset sent unencoded in the URL arrives as a space, and reads as the {@code +}. */
  @Test
  void anUnencodedPlusOffsetInTheUrlReadsAsTheOffset() throws Exception {
    publishAll(Fixtures.trades(Fixtures.DAY0, 5, 1)); // 2024-01-01T00:00:00Z, one a second
    awaitCommitted(5);
    String range = "exchange=binance&market_type=spot&symbol=BTC-USDT&start=2024-01-01T02:00:02";
    assertThat(readAll("trade", range + "%2B02:00", 100)).hasSize(3);
    assertThat(readAll("trade", range + "+02:00", 100)).hasSize(3);
    HttpResponse<Buffer> r = get("/api/v1/storage/trade?start=2024-01-01T02:00+0200");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.bodyAsJsonObject().getJsonObject("error").getString("message"))
        .contains("start '2024-01-01T02:00 0200'", "a '+' in a URL's query arrives as a space unless it is sent as %2B");
  }

  @Test
  void archiveRejectsABodyThatIsNotAnObjectAndKeepsTodayHot() throws Exception {
    for (String body : List.of("[1]", "\"2024-01-02\"", "123", "not json", "{\"before\":\"soon\"}")) {
      HttpResponse<Buffer> r = await(adminPost("/api/v1/storage/archive")
          .sendBuffer(Buffer.buffer(body)));
      assertThat(r.statusCode()).as(body).isEqualTo(400);
      assertThat(r.bodyAsJsonObject().getJsonObject("error").getString("message")).as(body).isNotBlank();
    }
    long now = System.currentTimeMillis();
    List<MarketRecord> today = Fixtures.trades(Math.max(now - 5_000, Math.floorDiv(now, 86_400_000L) * 86_400_000L), 5, 1);
    publishAll(today);
    awaitCommitted(today.size());
    JsonObject report = await(adminPost("/api/v1/storage/archive")
        .sendJsonObject(new JsonObject().put("before", now + 2 * 86_400_000L))).bodyAsJsonObject();
    assertThat(report.getJsonArray("moved")).as("a day that has not ended stays hot").isEmpty();
    assertThat(report.getLong("before")).isEqualTo(Math.floorDiv(now, 86_400_000L) * 86_400_000L);
    assertThat(readAll("trade", "start=" + (now - 10_000), 100)).hasSize(5);
    assertThat(get("/api/v1/storage/stats").bodyAsJsonObject().getJsonArray("tables").stream()
        .map(o -> (JsonObject) o).filter(o -> o.getString("tier").equals("cold")).mapToLong(o -> o.getLong("rows"))
        .sum()).isZero();
  }

  @Test
  void latestFindsTheNewestRecordOfAnInstrumentWhoseRecordsAreAllArchived() throws Exception {
    List<MarketRecord> sent = new ArrayList<>(Fixtures.trades(Fixtures.DAY0, 100, 1));
    sent.addAll(Fixtures.trades(Fixtures.DAY0 + 86_400_000L, 100, 1000));
    publishAll(sent);
    awaitCommitted(sent.size());
    String latestUri = "/api/v1/storage/latest/trade?exchange=binance&market_type=spot&symbol=BTC-USDT";
    JsonObject newest = get(latestUri).bodyAsJsonObject();
    assertThat(newest.getString("trade_id")).isEqualTo("1099");
    assertThat(latestTimed("cache")).as("latest answered by the cache, timed").isEqualTo(1);
    JsonObject report = await(adminPost("/api/v1/storage/archive")
        .sendJsonObject(new JsonObject().put("before", Fixtures.DAY0 + 2 * 86_400_000L))).bodyAsJsonObject();
    assertThat(report.getJsonArray("moved")).hasSize(2);
    // a late record of the first day, older than the newest: DuckDB keeps it in hot, ClickHouse writes it to cold
    publishAll(Fixtures.trades(Fixtures.DAY0 + 5_000, 1, 5_000_000));
    awaitCommitted(sent.size() + 1);

    // restarted, the cache is empty (a fresh Redis likewise): the newest record is found in cold
    await(vertx.undeploy(vertx.deploymentIDs().iterator().next()));
    deploy();
    HttpResponse<Buffer> fromStore = get(latestUri);
    assertThat(fromStore.statusCode()).as(fromStore.bodyAsString()).isEqualTo(200);
    assertThat(fromStore.bodyAsJsonObject()).isEqualTo(newest);
    assertThat(latestTimed("store")).as("latest answered by the store, timed").isEqualTo(1);
  }

  /** How many {@code latest} answers the service's {@code mp_storage_latest} timer counted {@code from} the cache or the store. */
  private long latestTimed(String from) throws Exception {
    for (String line : get("/metrics").bodyAsString().split("\n")) {
      if (line.startsWith("mp_storage_latest_seconds_count{") && line.contains("from=\"" + from + "\"")) {
        return (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return 0;
  }

  @Test
  void anArchiveRequestWhileARunIsGoingIsRefusedClearly() throws Exception {
    // what a run going on this or another instance of the cluster holds
    io.vertx.core.shareddata.Lock going = await(vertx.sharedData().getLock(StorageVerticle.ARCHIVE_LOCK));
    HttpResponse<Buffer> refused = await(adminPost("/api/v1/storage/archive")
        .sendJsonObject(new JsonObject()));
    assertThat(refused.statusCode()).as(refused.bodyAsString()).isEqualTo(409);
    assertThat(refused.bodyAsJsonObject().getJsonObject("error").getString("code")).isEqualTo("archive_running");
    going.release();
    HttpResponse<Buffer> ran = await(adminPost("/api/v1/storage/archive")
        .sendJsonObject(new JsonObject()));
    assertThat(ran.statusCode()).as(ran.bodyAsString()).isEqualTo(200);
    assertThat(ran.bodyAsJsonObject().getJsonArray("failed")).isEmpty();
  }

  @Test
  void archivedDaysReadTheSameAndArchiveIsIdempotent() throws Exception {
    List<MarketRecord> sent = new ArrayList<>(Fixtures.trades(Fixtures.DAY0 + 3_600_000, 1500, 1));
    sent.addAll(Fixtures.trades(Fixtures.DAY0 + 86_400_000L + 60_000, 1500, 10_000));
    publishAll(sent);
    awaitCommitted(sent.size());
    String range = "exchange=binance&market_type=spot&symbol=BTC-USDT&start=" + Fixtures.DAY0 + "&end="
        + (Fixtures.DAY0 + 3 * 86_400_000L);
    List<String> before = readAll("trade", range, 700);
    String klineUri = "/api/v1/storage/kline?" + range + "&interval=1h";
    JsonArray barsBefore = get(klineUri).bodyAsJsonObject().getJsonArray("data");
    assertThat(barsBefore).isNotEmpty();
    JsonObject firstBar = barsBefore.getJsonObject(0);
    assertThat(firstBar.getLong("open_time_ms")).isEqualTo(Fixtures.DAY0 + 3_600_000);
    assertThat(firstBar.getLong("close_time_ms")).isEqualTo(Fixtures.DAY0 + 2 * 3_600_000 - 1);
    assertThat(firstBar.getString("interval")).isEqualTo("1h");
    assertThat(firstBar.getBoolean("closed")).isTrue();
    assertThat(firstBar.getString("open")).isEqualTo("60000.01");
    assertThat(firstBar.getLong("trade_count")).isEqualTo(1500);
    assertThat(new java.math.BigDecimal(firstBar.getString("quote_volume"))).isEqualByComparingTo(
        Fixtures.quoteVolume(sent.subList(0, 1500)));

    // archive the first day only
    JsonObject report = await(adminPost("/api/v1/storage/archive")
        .sendJsonObject(new JsonObject().put("before", Fixtures.DAY0 + 86_400_000L))).bodyAsJsonObject();
    assertThat(report.getJsonArray("moved")).hasSize(1);
    assertThat(report.getJsonArray("moved").getJsonObject(0).getLong("rows")).isEqualTo(1500);
    assertFirstDayIsCold(dir);

    assertThat(readAll("trade", range, 700)).isEqualTo(before);
    assertThat(get(klineUri).bodyAsJsonObject().getJsonArray("data")).isEqualTo(barsBefore);

    JsonObject again = await(adminPost("/api/v1/storage/archive")
        .sendJsonObject(new JsonObject().put("before", Fixtures.DAY0 + 86_400_000L))).bodyAsJsonObject();
    assertThat(again.getJsonArray("moved")).isEmpty();
    assertThat(readAll("trade", range, 10_000)).isEqualTo(before);

    // records of the archived day redelivered (DuckDB keeps them in hot until the next run, ClickHouse writes
    // them to cold: the day is closed): reads stay the same, and so they do after the next run
    publishAll(Fixtures.trades(Fixtures.DAY0 + 3_600_000, 10, 1));
    awaitCommitted(sent.size() + 10);
    assertThat(readAll("trade", range, 700)).isEqualTo(before);
    JsonObject resumed = await(adminPost("/api/v1/storage/archive")
        .sendJsonObject(new JsonObject().put("before", Fixtures.DAY0 + 86_400_000L))).bodyAsJsonObject();
    assertThat(resumed.getJsonArray("failed")).isEmpty();
    assertThat(readAll("trade", range, 700)).isEqualTo(before);

    // a late record for the archived day, stored after its archive: a query of that day alone finds it
    // (in DuckDB's hot tier until the next run moves it to cold, in ClickHouse's cold database at once)
    MarketRecord late = Fixtures.trades(Fixtures.DAY0 + 7_200_500, 1, 5_000_000).get(0);
    publishAll(List.of(late));
    awaitCommitted(sent.size() + 11);
    String firstDay = "exchange=binance&market_type=spot&symbol=BTC-USDT&start=" + Fixtures.DAY0 + "&end="
        + (Fixtures.DAY0 + 86_400_000L);
    List<String> withLate = readAll("trade", firstDay, 700);
    assertThat(withLate).hasSize(1501).contains(RecordJson.toJson(late));
    await(adminPost("/api/v1/storage/archive")
        .sendJsonObject(new JsonObject().put("before", Fixtures.DAY0 + 86_400_000L)));
    assertThat(readAll("trade", firstDay, 700)).isEqualTo(withLate);

    // ClickHouse counts the rows of its parts: the redelivered ones written to cold until a merge absorbs them
    JsonArray stats = get("/api/v1/storage/stats").bodyAsJsonObject().getJsonArray("tables");
    assertThat(stats.stream().map(o -> (JsonObject) o)
        .filter(o -> o.getString("table").equals("trade") && o.getString("tier").equals("cold")).findFirst()
        .orElseThrow().getLong("rows")).isBetween(1501L, 1511L);
  }

  private static MarketRecord liquidation(long ts, String side, String price, String quantity) {
    return new LiquidationRecord(Exchange.OKX, MarketType.PERPETUAL, "BTC-USDT", "BTC-USDT-SWAP", ts, ts * 1000 + 7,
        side, price, quantity, null);
  }

  /**
   * Several liquidations of one instrument in one millisecond (OKX's details of one message) are
   * each stored, a repeat of one is stored once (also with its price written otherwise), and pages
   * of one record walk through them exactly, from hot, from cold and from both.
   */
  @Test
  void liquidationsOfOneMillisecondAreEachStoredOnceAndPagedExactlyInEveryTier() throws Exception {
    long t0 = Fixtures.DAY0 + 3_600_000;
    long t1 = Fixtures.DAY0 + 86_400_000L + 3_600_000;
    List<MarketRecord> day0 = List.of(liquidation(t0, "buy", "61000.5", "13"), liquidation(t0, "sell", "60990.1", "13"),
        liquidation(t0, "buy", "61001", "2"), liquidation(t0, null, "61001", "2"));
    List<MarketRecord> day1 = List.of(liquidation(t1, "buy", "61000.5", "13"), liquidation(t1, "sell", "1", "1"),
        liquidation(t1, "sell", "1", "2"));
    // first a part, then the rest with repeats of stored ones: the second batch's times equal the newest stored
    publishAll(List.of(day0.get(0), day0.get(1), day1.get(0)));
    awaitCommitted(3);
    publishAll(List.of(day0.get(2), day0.get(3), day1.get(1), day1.get(2), day0.get(0),
        liquidation(t0, "buy", "61000.50", "13.0"), day1.get(0)));
    awaitCommitted(10);

    Set<String> expected0 = new HashSet<>();
    day0.forEach(r -> expected0.add(RecordJson.toJson(r)));
    Set<String> expected = new HashSet<>(expected0);
    day1.forEach(r -> expected.add(RecordJson.toJson(r)));
    String all = "exchange=okx&market_type=perpetual&symbol=BTC-USDT&start=" + Fixtures.DAY0 + "&end="
        + (Fixtures.DAY0 + 3 * 86_400_000L);
    String first = "exchange=okx&start=" + Fixtures.DAY0 + "&end=" + (Fixtures.DAY0 + 86_400_000L);
    List<String> hot = readAll("liquidation", all, 1000);
    assertThat(hot).hasSize(7).doesNotHaveDuplicates();
    assertThat(new HashSet<>(hot)).isEqualTo(expected);
    assertThat(hot.subList(0, 4)).allMatch(j -> j.contains("\"ts_ms\":" + t0));
    for (int limit : new int[] {1, 2, 3}) {
      assertThat(readAll("liquidation", all, limit)).as("hot, limit " + limit).isEqualTo(hot);
    }

    JsonObject report = await(adminPost("/api/v1/storage/archive")
        .sendJsonObject(new JsonObject().put("before", Fixtures.DAY0 + 86_400_000L))).bodyAsJsonObject();
    assertThat(report.getJsonArray("failed")).isEmpty();
    assertThat(report.getJsonArray("moved").stream().map(o -> (JsonObject) o)
        .filter(o -> "liquidation".equals(o.getString("table"))).findFirst().orElseThrow().getLong("rows"))
        .isEqualTo(4);
    List<String> cold = readAll("liquidation", first, 1);
    assertThat(cold).isEqualTo(hot.subList(0, 4));
    assertThat(new HashSet<>(cold)).isEqualTo(expected0);
    for (int limit : new int[] {1, 2, 3, 1000}) {
      assertThat(readAll("liquidation", all, limit)).as("both tiers, limit " + limit).isEqualTo(hot);
    }
  }

  /**
   * Liquidations of one millisecond whose identity keys' text order is not the stores' order
   * (price 999.5 before 1000, quantity 9.5 before 10, a missing side after any side), each in a
   * batch of its own: latest names the one the store holds last in that millisecond, before a
   * restart (from the cache) and after it (the cache empty: from the store). With the keys compared
   * as text the cache named another.
   */
  @Test
  void latestOfLiquidationsOfOneMillisecondIsTheStoresNewestBeforeAndAfterARestart() throws Exception {
    latestOfLiquidationsOfOneMillisecondAgreesWithTheStore(() -> {
      await(vertx.undeploy(vertx.deploymentIDs().iterator().next()));
      deploy();
    });
  }

  /**
   * A millisecond that holds more trades than a page of records (RecordQuery.MAX_LIMIT): after a
   * restart (the cache empty) latest reads them all and names the last, not the first page's last.
   */
  @Test
  void latestAfterARestartFindsTheNewestOfAMillisecondOfMoreRecordsThanAPage() throws Exception {
    long t = Fixtures.DAY0 + 3_600_000;
    int n = RecordQuery.MAX_LIMIT + 50;
    List<MarketRecord> trades = new ArrayList<>(n);
    for (int i = 1; i <= n; i++) {
      trades.add(trade(t, Integer.toString(i)));
    }
    publishAll(trades);
    awaitCommitted(n);
    String latestUri = "/api/v1/storage/latest/trade?exchange=binance&market_type=spot&symbol=BTC-USDT";
    assertThat(get(latestUri).bodyAsJsonObject().getString("trade_id")).as("from the cache").isEqualTo(
        Integer.toString(n));
    await(vertx.undeploy(vertx.deploymentIDs().iterator().next()));
    deploy();
    assertThat(get(latestUri).bodyAsJsonObject().getString("trade_id")).as("from the store").isEqualTo(
        Integer.toString(n));
  }

  /** A step that empties the latest cache (a restart of a memory cache, a flushed Redis). */
  interface CacheEmptying {
    void run() throws Exception;
  }

  void latestOfLiquidationsOfOneMillisecondAgreesWithTheStore(CacheEmptying emptyCache) throws Exception {
    long t = Fixtures.DAY0 + 7_200_000;
    List<MarketRecord> priced = List.of(liquidation(t, "buy", "1000", "1"), liquidation(t, "buy", "1000", "10"),
        liquidation(t, "buy", "999.5", "1"), liquidation(t, "buy", "1000", "9.5"), liquidation(t, "buy", "-1", "99"));
    List<MarketRecord> sided = new ArrayList<>();
    for (String side : new String[] {null, "sell", "buy"}) {
      sided.add(new LiquidationRecord(Exchange.OKX, MarketType.PERPETUAL, "ETH-USDT", "ETH-USDT-SWAP", t, t * 1000,
          side, "5", "1", null));
    }
    long n = 0;
    for (List<MarketRecord> records : List.of(priced, sided)) {
      for (MarketRecord r : records) {
        publishAll(List.of(r)); // one batch each: the cache, not the batch, picks the newest
        awaitCommitted(++n);
      }
    }
    for (String symbol : List.of("BTC-USDT", "ETH-USDT")) {
      String query = "exchange=okx&market_type=perpetual&symbol=" + symbol + "&start=" + t + "&end=" + (t + 1);
      List<String> stored = readAll("liquidation", query, 1000);
      assertThat(stored).hasSize(symbol.equals("BTC-USDT") ? priced.size() : sided.size());
      JsonObject storesNewest = new JsonObject(stored.get(stored.size() - 1));
      String latestUri = "/api/v1/storage/latest/liquidation?exchange=okx&market_type=perpetual&symbol=" + symbol;
      assertThat(storesNewest).as("the stores' order").isEqualTo(new JsonObject(RecordJson.toJson(
          symbol.equals("BTC-USDT") ? priced.get(1) : sided.get(0))));
      assertThat(get(latestUri).bodyAsJsonObject()).as(symbol + ", from the cache").isEqualTo(storesNewest);
    }
    emptyCache.run();
    for (MarketRecord newest : List.of(priced.get(1), sided.get(0))) {
      String latestUri = "/api/v1/storage/latest/liquidation?exchange=okx&market_type=perpetual&symbol="
          + newest.symbol();
      assertThat(get(latestUri).bodyAsJsonObject()).as(newest.symbol() + ", from the store")
          .isEqualTo(new JsonObject(RecordJson.toJson(newest)));
    }
  }

  /** Lets the store merge what it holds, as it may at any time (ClickHouse: {@code OPTIMIZE ... FINAL}); nothing elsewhere. */
  void mergeAll() throws Exception {
  }

  private static MarketRecord tradeCopy(long ts, String id, long recvLagUs, String price) {
    return new TradeRecord(Exchange.BINANCE, MarketType.SPOT, "BTC-USDT", "BTCUSDT", ts, ts * 1000 + recvLagUs, id, price,
        "0.01", "buy");
  }

  /** A mark price: its identity is its time (a ticker's is its time and content, so its copies never differ). */
  private static MarketRecord markCopy(long ts, long recvLagUs, String mark) {
    return new io.marketprism.model.MarkPriceRecord(Exchange.BINANCE, MarketType.SPOT, "BTC-USDT", "BTCUSDT", ts,
        ts * 1000 + recvLagUs, mark, "2");
  }

  /** Asserts that trades and mark prices read as expected, all at once and page by page, and latest names the last ones. */
  private void assertCopies(List<MarketRecord> trades, List<MarketRecord> marks, String when) throws Exception {
    String all = "exchange=binance&market_type=spot&symbol=BTC-USDT&start=" + Fixtures.DAY0 + "&end="
        + (Fixtures.DAY0 + 3 * 86_400_000L);
    for (var expected : List.of(trades, marks)) {
      String type = expected.get(0).dataType().wire();
      List<JsonObject> json = expected.stream().map(r -> new JsonObject(RecordJson.toJson(r))).toList();
      for (int limit : new int[] {1, 1000}) {
        assertThat(readAll(type, all, limit).stream().map(JsonObject::new).toList()).as(type + ", " + when + ", limit "
            + limit).isEqualTo(json);
      }
      assertThat(get("/api/v1/storage/latest/" + type + "?exchange=binance&market_type=spot&symbol=BTC-USDT")
          .bodyAsJsonObject()).as("latest " + type + ", " + when).isEqualTo(json.get(json.size() - 1));
    }
  }

  /**
   * Two copies of one identity that differ (a trade fetched again after a reconnect, a mark price sent
   * again corrected): every read answers the copy received first (smallest {@code recv_ts_us}),
   * whichever was stored first, in hot, across a merge, in cold, with late copies of an archived
   * day, and latest (cache, then the store after a restart) names the same copy.
   */
  @Test
  void ofCopiesOfOneIdentityTheOneReceivedFirstIsReadEverywhereAndAlways() throws Exception {
    long t0 = Fixtures.DAY0 + 3_600_000;
    long t1 = t0 + 86_400_000L;
    // trade 1 and the mark price at t0: the copy received first is stored second; trade 2: first
    publishAll(List.of(tradeCopy(t0, "1", 500, "100"), tradeCopy(t0, "2", 100, "200"), tradeCopy(t1, "3", 500, "300"),
        markCopy(t0, 500, "10"), markCopy(t1, 500, "30")));
    awaitCommitted(5);
    publishAll(List.of(tradeCopy(t0, "1", 100, "101"), tradeCopy(t0, "2", 900, "201"), tradeCopy(t1, "3", 100, "301"),
        markCopy(t0, 100, "11"), markCopy(t1, 900, "31")));
    awaitCommitted(10);
    List<MarketRecord> trades = List.of(tradeCopy(t0, "1", 100, "101"), tradeCopy(t0, "2", 100, "200"),
        tradeCopy(t1, "3", 100, "301"));
    List<MarketRecord> marks = List.of(markCopy(t0, 100, "11"), markCopy(t1, 500, "30"));
    assertCopies(trades, marks, "hot");
    mergeAll();
    assertCopies(trades, marks, "hot, merged");

    JsonObject report = archive(EveryType.D1);
    assertThat(report.getJsonArray("failed")).isEmpty();
    assertCopies(trades, marks, "first day archived");
    mergeAll();
    assertCopies(trades, marks, "first day archived, merged");

    // late copies of the archived day: received earlier (trades 1, 2) or later (the mark price) than the stored ones
    publishAll(List.of(tradeCopy(t0, "1", 50, "102"), tradeCopy(t0, "2", 50, "202"), markCopy(t0, 900, "12")));
    awaitCommitted(13);
    List<MarketRecord> late = List.of(tradeCopy(t0, "1", 50, "102"), tradeCopy(t0, "2", 50, "202"), trades.get(2));
    assertCopies(late, marks, "late copies of the archived day");
    mergeAll();
    assertCopies(late, marks, "late copies of the archived day, merged");
    report = archive(EveryType.D1);
    assertThat(report.getJsonArray("failed")).isEmpty();
    assertCopies(late, marks, "late copies archived");
    mergeAll();
    assertCopies(late, marks, "late copies archived, merged");

    await(vertx.undeploy(vertx.deploymentIDs().iterator().next()));
    deploy();
    assertCopies(late, marks, "after a restart (latest from the store)");
  }

  /** Asserts that the trades of BTC-USDT in the first three days read as expected in pages of each size. */
  private void assertTradePages(List<MarketRecord> expected, String when, int... limits) throws Exception {
    String all = "exchange=binance&market_type=spot&symbol=BTC-USDT&start=" + Fixtures.DAY0 + "&end="
        + (Fixtures.DAY0 + 3 * 86_400_000L);
    List<JsonObject> json = expected.stream().map(r -> new JsonObject(RecordJson.toJson(r))).toList();
    for (int limit : limits) {
      assertThat(readAll("trade", all, limit).stream().map(JsonObject::new).toList()).as(when + ", limit " + limit)
          .isEqualTo(json);
    }
  }

  /**
   * A day in both tiers, each trade in each (late copies of an archived day, unmerged in ClickHouse's
   * cold database, in hot next to the Parquet files in DuckDB): the first rows of a page's range hold
   * fewer trades than a page, each twice, and the page is still full, each trade once, the copy
   * received first; page by page as in one page.
   */
  @Test
  void aPageOfTradesCopiedInBothTiersIsFullAndHoldsEachOnce() throws Exception {
    long t0 = Fixtures.DAY0 + 3_600_000;
    List<MarketRecord> first = new ArrayList<>();
    List<MarketRecord> again = new ArrayList<>();
    List<MarketRecord> expected = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      MarketRecord a = tradeCopy(t0 + i * 1000L, String.valueOf(5000 + i), 500, "100");
      // the even ones received earlier the second time, the odd ones later
      MarketRecord b = tradeCopy(t0 + i * 1000L, String.valueOf(5000 + i), i % 2 == 0 ? 100 : 900, "200");
      first.add(a);
      again.add(b);
      expected.add(i % 2 == 0 ? b : a);
    }
    publishAll(first);
    awaitCommitted(500);
    archive(EveryType.D1);
    publishAll(again);
    awaitCommitted(1000);
    // pages of 200: the first rows a page reads (a few more than 200 in ClickHouse, 256 in DuckDB) hold fewer trades
    assertTradePages(expected, "a day in both tiers", 1000, 200, 7);
  }

  /**
   * Trades dense, then an hour without any, then dense again: a page after a cursor reads first a
   * window after it of about the span its page covered (ClickHouse), which holds part of the page
   * or none of it at the gap; the page then reads on to the range's end and is full all the same.
   */
  @Test
  void pagesAcrossAGapInTheTradesAreFull() throws Exception {
    long t0 = Fixtures.DAY0 + 3_600_000;
    List<MarketRecord> trades = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      long ts = t0 + i + (i >= 25 ? 3_600_000L : 0) + (i >= 40 ? 7_200_000L : 0);
      trades.add(tradeCopy(ts, String.valueOf(7000 + i), 100, "100"));
    }
    publishAll(trades);
    awaitCommitted(50);
    assertTradePages(trades, "across gaps", 1000, 10, 5, 15);
  }

  /**
   * A dense minute and more of trades (a first page of 1000 is found in the range's first minute),
   * with bursts in one millisecond and copies received earlier, just later or a minute and a half
   * later: pages of any size read what one page of all of them reads, each trade id once, the copy
   * received first, in hot, with the day archived, with late copies of it (received earlier) in a
   * second tier, and merged. Seeded: a failure repeats. (Copies at another time are not here: a page
   * after a cursor does not see a copy before it, README "Not covered yet".)
   */
  @Test
  void denseTradesWithCopiesNearAndFarReadTheSameInPagesOfAnySize() throws Exception {
    java.util.Random rnd = new java.util.Random(20261128);
    long t0 = Fixtures.DAY0 + 3_600_000;
    List<MarketRecord> first = new ArrayList<>();
    List<MarketRecord> copies = new ArrayList<>();
    List<MarketRecord> late = new ArrayList<>();
    java.util.Map<String, String> priceOfFirstReceived = new java.util.HashMap<>();
    long ts = t0;
    for (int i = 0; i < 2000; i++) {
      ts += rnd.nextInt(5) == 0 ? 0 : 1 + rnd.nextInt(80);
      String id = String.valueOf(100_000 + i);
      long recv = ts * 1000 + 500;
      first.add(trade(ts, id, recv, "100"));
      int kind = rnd.nextInt(10);
      if (kind == 0) {
        boolean earlier = rnd.nextBoolean();
        copies.add(trade(ts, id, earlier ? recv - 400 : recv + 400, "101"));
        priceOfFirstReceived.put(id, earlier ? "101" : "100");
      } else if (kind == 1) {
        // sent again a minute and a half later (a REST backfill after a reconnect)
        copies.add(trade(ts, id, recv + 90_000_000L, "102"));
        priceOfFirstReceived.put(id, "100");
      } else if (kind == 2) {
        late.add(trade(ts, id, recv - 100, "103"));
        priceOfFirstReceived.put(id, "100");
      } else {
        priceOfFirstReceived.put(id, "100");
      }
    }
    publishAll(first);
    publishAll(copies);
    awaitCommitted(first.size() + copies.size());
    String fromT0 = "exchange=binance&market_type=spot&symbol=BTC-USDT&start=" + t0 + "&end=" + (t0 + 86_400_000L);
    String fromDay = "exchange=binance&market_type=spot&symbol=BTC-USDT&start=" + Fixtures.DAY0 + "&end="
        + (Fixtures.DAY0 + 3 * 86_400_000L);
    assertDensePages(fromT0, fromDay, priceOfFirstReceived, "hot");
    archive(EveryType.D1);
    assertDensePages(fromT0, fromDay, priceOfFirstReceived, "archived");
    publishAll(late);
    awaitCommitted(first.size() + copies.size() + late.size());
    late.forEach(r -> priceOfFirstReceived.put(((TradeRecord) r).tradeId(), "103"));
    assertDensePages(fromT0, fromDay, priceOfFirstReceived, "late copies of the archived day");
    mergeAll();
    assertDensePages(fromT0, fromDay, priceOfFirstReceived, "late copies, merged");
  }

  /** Asserts {@link #denseTradesWithCopiesNearAndFarReadTheSameInPagesOfAnySize}'s reads. */
  private void assertDensePages(String fromT0, String fromDay, java.util.Map<String, String> priceOfFirstReceived,
      String when) throws Exception {
    for (String range : List.of(fromT0, fromDay)) {
      List<String> whole = readAll("trade", range, RecordQuery.MAX_LIMIT);
      assertThat(whole).as(when + ": one page").hasSizeLessThan(RecordQuery.MAX_LIMIT);
      List<String> ids = whole.stream().map(j -> new JsonObject(j).getString("trade_id")).toList();
      assertThat(ids).as(when + ": each id once").doesNotHaveDuplicates();
      for (String j : whole) {
        JsonObject t = new JsonObject(j);
        String expected = priceOfFirstReceived.get(t.getString("trade_id"));
        if (expected != null) {
          assertThat(t.getString("price")).as(when + ": the copy received first of " + j).isEqualTo(expected);
        }
      }
      if (range.equals(fromDay)) {
        assertThat(ids).as(when + ": every id").hasSize(2000);
      }
      for (int limit : new int[] {1000, 97}) {
        List<String> paged = readAll("trade", range, limit);
        int at = 0;
        while (at < Math.min(paged.size(), whole.size()) && paged.get(at).equals(whole.get(at))) {
          at++;
        }
        String difference = when + ", limit " + limit + ", " + range + ": " + paged.size() + " read, " + whole.size()
            + " in one page, first difference at " + at + ": " + (at < paged.size() ? paged.get(at) : "none")
            + " instead of " + (at < whole.size() ? whole.get(at) : "none");
        assertThat(paged).as(difference).hasSameSizeAs(whole);
        assertThat(at).as(difference).isEqualTo(whole.size());
      }
    }
  }

  private static MarketRecord trade(long ts, String id, long recvUs, String price) {
    return new TradeRecord(Exchange.BINANCE, MarketType.SPOT, "BTC-USDT", "BTCUSDT", ts, recvUs, id, price, "0.01", "buy");
  }

  /** A Binance USDⓈ-M bookTicker change: best bid {@code bid}, received {@code recvLagUs} after its millisecond began. */
  private static MarketRecord ticker(long ts, String bid, long recvLagUs) {
    return new io.marketprism.model.TickerRecord(Exchange.BINANCE, MarketType.PERPETUAL, "BTC-USDT", "BTCUSDT", ts,
        ts * 1000 + recvLagUs, bid, "3.101", "101.5", "6.863", null, null, null, null, null);
  }

  /** Asserts that the tickers read in this order, in pages of 1, 2 and 1000, and latest names the last. */
  private void assertTickers(List<MarketRecord> expected, String when) throws Exception {
    String all = "exchange=binance&market_type=perpetual&symbol=BTC-USDT&start=" + Fixtures.DAY0 + "&end="
        + (Fixtures.DAY0 + 3 * 86_400_000L);
    List<String> json = expected.stream().map(RecordJson::toJson).toList();
    for (int limit : new int[] {1, 2, 1000}) {
      assertThat(readAll("ticker", all, limit)).as(when + ", limit " + limit).isEqualTo(json);
    }
    assertThat(get("/api/v1/storage/latest/ticker?exchange=binance&market_type=perpetual&symbol=BTC-USDT")
        .bodyAsJsonObject()).as("latest, " + when).isEqualTo(new JsonObject(json.get(json.size() - 1)));
  }

  /**
   * Tickers of one millisecond (a Binance bookTicker's changes: best bid 100, then 101, then 99) read
   * in the order they arrived, not the order of their fields (99, 100, 101), page by page exactly,
   * in hot, cold and both; latest is the one received last (99), from the cache and from the store;
   * and a later copy of the first one (published again) keeps its place, also unmerged in ClickHouse,
   * as a late copy of an archived day, and when it comes while a page's cursor is past it.
   */
  @Test
  void tickersOfOneMillisecondReadInTheOrderTheyArrivedAndLatestIsTheLastReceivedInEveryTier() throws Exception {
    long t0 = Fixtures.DAY0 + 3_600_000;
    long t1 = t0 + 86_400_000L;
    List<MarketRecord> tickers = List.of(ticker(t0, "100", 100), ticker(t0, "101", 200), ticker(t0, "99", 300),
        ticker(t1, "100", 100), ticker(t1, "101", 200), ticker(t1, "99", 300));
    long n = 0;
    for (MarketRecord r : tickers) {
      publishAll(List.of(r)); // one batch each: the cache, not the batch, picks the newest
      awaitCommitted(++n);
    }
    assertTickers(tickers, "hot");

    // a page's cursor past the first ticker of t1 when a later copy of it comes: the next pages do not answer it again
    String all = "exchange=binance&market_type=perpetual&symbol=BTC-USDT&start=" + Fixtures.DAY0 + "&end="
        + (Fixtures.DAY0 + 3 * 86_400_000L);
    JsonObject page = get("/api/v1/storage/ticker?" + all + "&limit=4").bodyAsJsonObject();
    publishAll(List.of(ticker(t0, "100", 900), ticker(t1, "100", 900)));
    awaitCommitted(n += 2);
    List<String> rest = new ArrayList<>();
    page.getJsonArray("data").forEach(o -> rest.add(((JsonObject) o).encode()));
    for (String cursor = page.getString("next_cursor"); cursor != null; ) {
      JsonObject next = get("/api/v1/storage/ticker?" + all + "&limit=1&cursor=" + cursor).bodyAsJsonObject();
      next.getJsonArray("data").forEach(o -> rest.add(((JsonObject) o).encode()));
      cursor = next.getString("next_cursor");
    }
    assertThat(rest).as("pages around a later copy").isEqualTo(tickers.stream().map(RecordJson::toJson).toList());
    assertTickers(tickers, "later copies of the first ones");
    mergeAll();
    assertTickers(tickers, "later copies, merged");
    await(vertx.undeploy(vertx.deploymentIDs().iterator().next()));
    deploy();
    assertTickers(tickers, "after a restart (latest from the store)");

    assertThat(archive(EveryType.D1).getJsonArray("failed")).isEmpty();
    assertTickers(tickers, "first day archived");
    String first = "exchange=binance&start=" + Fixtures.DAY0 + "&end=" + EveryType.D1;
    for (int limit : new int[] {1, 2}) {
      assertThat(readAll("ticker", first, limit)).as("cold, limit " + limit)
          .isEqualTo(tickers.subList(0, 3).stream().map(RecordJson::toJson).toList());
    }
    publishAll(List.of(ticker(t0, "100", 950))); // a late copy of the archived day, in hot
    awaitCommitted(++n);
    assertTickers(tickers, "a late copy of the archived day");
    assertThat(archive(Fixtures.DAY0 + 2 * 86_400_000L).getJsonArray("failed")).isEmpty();
    await(vertx.undeploy(vertx.deploymentIDs().iterator().next()));
    deploy();
    assertTickers(tickers, "all archived, after a restart (latest from cold)");
  }

  private static MarketRecord trade(long ts, String id) {
    return new TradeRecord(Exchange.BINANCE, MarketType.SPOT, "BTC-USDT", "BTCUSDT", ts, ts * 1000 + 7, id, "60000.5",
        "0.01", "buy");
  }

  private static List<String> ids(List<String> records) {
    return records.stream().map(j -> new JsonObject(j).getString("trade_id")).toList();
  }

  /**
   * Trades of one millisecond whose ids cross a digit boundary (999, 1000), stored in another order,
   * read in the order of their ids' numbers, page by page exactly, from hot, cold and both; and
   * after a restart (the cache empty) latest answers from the store the trade the cache answered.
   */
  @Test
  void tradesOfOneMillisecondReadInTheirIdsNumberOrderInEveryTierAndLatestAgreesAfterARestart() throws Exception {
    long t0 = Fixtures.DAY0 + 3_600_000;
    long t1 = Fixtures.DAY0 + 86_400_000L + 3_600_000;
    publishAll(List.of(trade(t0, "1000"), trade(t0, "998"), trade(t0, "1001"), trade(t0, "999"),
        trade(t1, "10001"), trade(t1, "9999"), trade(t1, "10000"), trade(t1, "9998")));
    awaitCommitted(8);
    String all = "exchange=binance&market_type=spot&symbol=BTC-USDT&start=" + Fixtures.DAY0 + "&end="
        + (Fixtures.DAY0 + 3 * 86_400_000L);
    String first = "exchange=binance&start=" + Fixtures.DAY0 + "&end=" + (Fixtures.DAY0 + 86_400_000L);
    List<String> order = List.of("998", "999", "1000", "1001", "9998", "9999", "10000", "10001");
    for (int limit : new int[] {1, 2, 3, 1000}) {
      assertThat(ids(readAll("trade", all, limit))).as("hot, limit " + limit).isEqualTo(order);
    }
    String latestUri = "/api/v1/storage/latest/trade?exchange=binance&market_type=spot&symbol=BTC-USDT";
    JsonObject cached = get(latestUri).bodyAsJsonObject();
    assertThat(cached.getString("trade_id")).isEqualTo("10001");
    await(vertx.undeploy(vertx.deploymentIDs().iterator().next()));
    deploy();
    assertThat(get(latestUri).bodyAsJsonObject()).as("hot, after a restart").isEqualTo(cached);

    JsonObject report = await(adminPost("/api/v1/storage/archive")
        .sendJsonObject(new JsonObject().put("before", Fixtures.DAY0 + 86_400_000L))).bodyAsJsonObject();
    assertThat(report.getJsonArray("failed")).isEmpty();
    for (int limit : new int[] {1, 3}) {
      assertThat(ids(readAll("trade", first, limit))).as("cold, limit " + limit).isEqualTo(order.subList(0, 4));
      assertThat(ids(readAll("trade", all, limit))).as("both tiers, limit " + limit).isEqualTo(order);
    }

    // all archived, restarted: the newest is found in cold
    report = await(adminPost("/api/v1/storage/archive")
        .sendJsonObject(new JsonObject().put("before", Fixtures.DAY0 + 2 * 86_400_000L))).bodyAsJsonObject();
    assertThat(report.getJsonArray("failed")).isEmpty();
    await(vertx.undeploy(vertx.deploymentIDs().iterator().next()));
    deploy();
    assertThat(get(latestUri).bodyAsJsonObject()).as("cold, after a restart").isEqualTo(cached);
    assertThat(ids(readAll("trade", all, 1))).as("cold, limit 1").isEqualTo(order);
  }

  /**
   * The bars of every interval of the recorded trades as the route answers them for a range,
   * against {@link RecordedTrades#bars}: the bars opening in {@code [start, end)}, each whole (a
   * range starting mid-bar leaves that bar out, one ending mid-bar has the last bar with all its
   * trades), no bar where no trade is.
   */
  void assertRecordedBars(List<TradeRecord> written, long start, long end, String when) throws Exception {
    for (var iv : new java.util.TreeMap<>(io.marketprism.storage.query.KlineQuery.INTERVALS).entrySet()) {
      String uri = "/api/v1/storage/kline?exchange=binance&market_type=spot&symbol=BTC-USDT&interval=" + iv.getKey()
          + "&start=" + start + "&end=" + end;
      HttpResponse<Buffer> r = get(uri);
      assertThat(r.statusCode()).as(uri + " " + r.bodyAsString()).isEqualTo(200);
      List<ExpectedBars.Bar> got = new ArrayList<>();
      for (Object o : r.bodyAsJsonObject().getJsonArray("data")) {
        JsonObject bar = (JsonObject) o;
        assertThat(bar.getLong("close_time_ms")).isEqualTo(bar.getLong("open_time_ms") + iv.getValue() - 1);
        assertThat(bar.getString("interval")).isEqualTo(iv.getKey());
        got.add(RecordedTrades.of(bar));
      }
      List<ExpectedBars.Bar> want = ExpectedBars.of(written, iv.getValue()).values().stream()
          .filter(b -> b.openMs() >= start && b.openMs() < end).map(RecordedTrades::canonical).toList();
      assertThat(got).as(when + ": " + uri).isEqualTo(want);
    }
  }

  /**
   * Real recorded trades (moved to run across a midnight) give exact bars at every interval:
   * stored, for ranges starting and ending mid-bar, after late trades (a new open, close and high
   * of a minute whose bar was computed and flushed, a trade in an empty hour) and redeliveries,
   * with their first day archived (both tiers), with late trades and repeats into the archived
   * day, and with everything archived.
   */
  @Test
  void barsOfRecordedTradesAreExactAtEveryIntervalThroughLateTradesRepeatsAndArchiving() throws Exception {
    List<TradeRecord> trades = RecordedTrades.binanceSpot();
    long midnight = RecordedTrades.MIDNIGHT;
    assertThat(trades.get(0).tsMs()).isLessThan(midnight - 30_000);
    assertThat(trades.get(trades.size() - 1).tsMs()).isGreaterThan(midnight + 60_000);
    List<TradeRecord> written = new ArrayList<>(trades);
    publishAll(new ArrayList<>(trades));
    long sent = trades.size();
    awaitCommitted(sent);
    long from = midnight - 86_400_000L;
    long to = midnight + 86_400_000L;
    assertRecordedBars(written, from, to, "stored");
    assertRecordedBars(written, trades.get(100).tsMs(), trades.get(trades.size() - 100).tsMs(), "mid-bar range");
    assertRecordedBars(written, midnight - 1, midnight + 1, "around midnight");

    // a minute whose bar is computed, flushed by the storage's own timer too
    Thread.sleep(io.marketprism.storage.hot.Bars.FLUSH_DELAY_MS + 1_000);
    long minute = trades.get(500).tsMs() - Math.floorMod(trades.get(500).tsMs(), 60_000L);
    List<TradeRecord> ofMinute = trades.stream().filter(t -> t.tsMs() >= minute && t.tsMs() < minute + 60_000)
        .sorted(ExpectedBars.ORDER).toList();
    TradeRecord first = ofMinute.get(0);
    TradeRecord last = ofMinute.get(ofMinute.size() - 1);
    List<TradeRecord> late = new ArrayList<>(List.of(
        lateTrade(first.tsMs(), "1", "61000.00000001", "0.00000001"), // a shorter id: the minute's new open
        lateTrade(last.tsMs(), "99999999999", "99999.99", "1.23456789"), // a longer one: its close and high
        lateTrade(midnight - 3 * 3_600_000L + 1, "2", "60000.5", "0.5"))); // an hour without trades
    late.addAll(trades.subList(0, 300)); // redelivered
    publishAll(new ArrayList<>(late));
    written.addAll(late);
    awaitCommitted(sent += late.size());
    assertRecordedBars(written, from, to, "after late trades and repeats");
    JsonObject changed = get("/api/v1/storage/kline?exchange=binance&market_type=spot&symbol=BTC-USDT&interval=1m&start="
        + minute + "&end=" + (minute + 60_000)).bodyAsJsonObject().getJsonArray("data").getJsonObject(0);
    assertThat(changed.getString("open")).isEqualTo("61000.00000001");
    assertThat(changed.getString("close")).isEqualTo("99999.99");
    assertThat(changed.getString("high")).isEqualTo("99999.99");
    assertThat(changed.getLong("trade_count")).isEqualTo(ofMinute.size() + 2);
    Thread.sleep(io.marketprism.storage.hot.Bars.FLUSH_DELAY_MS + 1_000);
    assertRecordedBars(written, from, to, "after late trades, flushed again");

    archive(midnight);
    assertRecordedBars(written, from, to, "first day archived");
    List<TradeRecord> intoCold = new ArrayList<>(List.of(lateTrade(first.tsMs(), "3", "1", "100.00000001")));
    intoCold.addAll(trades.subList(200, 400));
    publishAll(new ArrayList<>(intoCold));
    written.addAll(intoCold);
    awaitCommitted(sent += intoCold.size());
    assertRecordedBars(written, from, to, "late trades and repeats into the archived day");
    archive(midnight + 86_400_000L);
    assertRecordedBars(written, from, to, "everything archived");
    assertRecordedBars(written, trades.get(100).tsMs(), trades.get(trades.size() - 100).tsMs(),
        "mid-bar range, everything archived");
  }

  private static TradeRecord lateTrade(long ts, String id, String price, String qty) {
    return new TradeRecord(Exchange.BINANCE, MarketType.SPOT, "BTC-USDT", "BTCUSDT", ts, ts * 1000 + 5, id, price, qty,
        "buy");
  }

  /**
   * Pages of real recorded trades held partly in each tier, with late trades of the archived day
   * sharing milliseconds with archived ones: with {@code limit=1} and others, every page
   * concatenated is every record once in the documented order; while trades are written between
   * page reads, those after the cursor are read once in their place, those behind it never, and
   * no record is repeated or skipped.
   */
  @Test
  void pagesOfRecordedTradesHoldEveryRecordOnceInOrderWhileTradesAreWritten() throws Exception {
    List<TradeRecord> trades = RecordedTrades.binanceSpot();
    publishAll(new ArrayList<>(trades));
    long sent = trades.size();
    awaitCommitted(sent);
    archive(RecordedTrades.MIDNIGHT);
    String q = "exchange=binance&market_type=spot&symbol=BTC-USDT&start=" + (RecordedTrades.MIDNIGHT - 86_400_000L)
        + "&end=" + (RecordedTrades.MIDNIGHT + 86_400_000L);
    // late trades of the archived day sharing milliseconds with archived ones (DuckDB keeps them hot)
    List<TradeRecord> inOrder = trades.stream().sorted(ExpectedBars.ORDER).toList();
    int firstOfDay = (int) inOrder.stream().filter(t -> t.tsMs() < RecordedTrades.MIDNIGHT).count();
    TradeRecord archived = inOrder.get(Math.max(0, firstOfDay - 50));
    assertThat(archived.tsMs()).isLessThan(RecordedTrades.MIDNIGHT);
    List<TradeRecord> lateOnes = List.of(lateTrade(archived.tsMs(), "7", "61000.3", "0.00000003"),
        lateTrade(archived.tsMs(), "99999999999", "61000.4", "0.00000004"));
    publishAll(new ArrayList<>(lateOnes));
    awaitCommitted(sent += lateOnes.size());
    trades = new ArrayList<>(trades);
    trades.addAll(lateOnes);
    List<String> want = trades.stream().sorted(ExpectedBars.ORDER).map(TradeRecord::tradeId).toList();
    for (int limit : new int[] {1000, 10_000}) {
      assertThat(ids(readAll("trade", q, limit))).as("limit " + limit).isEqualTo(want);
    }
    // small pages over about 300 trades around midnight, the late ones and the tier boundary among
    // them (every trade a page of one: an HTTP request each, a minute for the whole day on ClickHouse)
    long from = inOrder.get(Math.max(0, firstOfDay - 150)).tsMs();
    long to = inOrder.get(Math.min(inOrder.size() - 1, firstOfDay + 150)).tsMs() + 1;
    String around = "exchange=binance&market_type=spot&symbol=BTC-USDT&start=" + from + "&end=" + to;
    List<String> wantAround = trades.stream().filter(t -> t.tsMs() >= from && t.tsMs() < to)
        .sorted(ExpectedBars.ORDER).map(TradeRecord::tradeId).toList();
    assertThat(wantAround).hasSizeGreaterThan(200).contains("7", "99999999999");
    for (int limit : new int[] {1, 7}) {
      assertThat(ids(readAll("trade", around, limit))).as("limit " + limit).isEqualTo(wantAround);
    }

    List<TradeRecord> read = new ArrayList<>();
    List<TradeRecord> ahead = new ArrayList<>();
    List<TradeRecord> behind = new ArrayList<>();
    List<TradeRecord> sorted = trades.stream().sorted(ExpectedBars.ORDER).toList();
    String cursor = null;
    int page = 0;
    do {
      HttpResponse<Buffer> r = get("/api/v1/storage/trade?" + q + "&limit=97" + (cursor == null ? "" : "&cursor=" + cursor));
      assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
      r.bodyAsJsonObject().getJsonArray("data").forEach(o -> read.add((TradeRecord) RecordJson.parse(((JsonObject) o).encode())));
      cursor = r.bodyAsJsonObject().getString("next_cursor");
      if (cursor != null) {
        // between page reads: a trade in the same millisecond as an unread one, and one behind the cursor
        page++;
        TradeRecord done = read.get(read.size() - 1);
        TradeRecord next = sorted.stream().skip(read.size() + 30L).filter(t -> t.tsMs() > done.tsMs()).findFirst()
            .orElse(null);
        TradeRecord b = lateTrade(done.tsMs() - 1, "B" + page, "61000.2", "0.00000002");
        behind.add(b);
        List<MarketRecord> between = new ArrayList<>(List.of(b, sorted.get(read.size() / 2)));
        if (next != null) {
          TradeRecord a = lateTrade(next.tsMs(), "A" + page, "61000.1", "0.00000001");
          ahead.add(a);
          between.add(a);
        }
        publishAll(between);
        awaitCommitted(sent += between.size());
      }
    } while (cursor != null);
    List<TradeRecord> expected = new ArrayList<>(trades);
    expected.addAll(ahead);
    expected.sort(ExpectedBars.ORDER);
    assertThat(read.stream().map(TradeRecord::tradeId).toList()).as("written between pages")
        .isEqualTo(expected.stream().map(TradeRecord::tradeId).toList());
    assertThat(read).extracting(TradeRecord::tradeId).doesNotContainAnyElementsOf(
        behind.stream().map(TradeRecord::tradeId).toList());
  }
}
