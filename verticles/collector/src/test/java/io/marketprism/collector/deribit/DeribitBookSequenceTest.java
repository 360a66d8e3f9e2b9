package io.marketprism.collector.deribit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.marketprism.collector.book.BookSync;
import io.marketprism.collector.normalize.Normalizer;
import io.marketprism.model.Exchange;
import io.marketprism.model.MarketRecord;
import io.marketprism.model.OrderBookRecord;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class DeribitBookSequenceTest {

  @Test
  void testnetDumpIsValidUntilTheRealSequenceBreak() throws Exception {
    String dir = System.getProperty("mp.shared.dir");
    assumeTrue(dir != null && Files.isDirectory(Path.of(dir, "fixtures")));
    Path base = Path.of(dir, "fixtures", "deribit");
    List<String> lines = Files.readAllLines(base.resolve("ssc2ce_deribit_testnet_btc-perpetual_2020-06-22.jsonl"));
    JsonNode expected = new ObjectMapper()
        .readTree(base.resolve("ssc2ce_deribit_testnet_btc-perpetual_2020-06-22.expected.json").toFile())
        .get("expected_per_line");
    List<MarketRecord> out = new ArrayList<>();
    List<String> resyncRequests = new ArrayList<>();
    Normalizer n = new Normalizer(Exchange.DERIBIT, null, 10, s -> true, out::add, resyncRequests::add);
    for (int i = 0; i < lines.size(); i++) {
      out.clear();
      n.onMessage(lines.get(i), 0);
      JsonNode e = expected.get(i);
      BookSync book = n.book("BTC-PERPETUAL");
      switch (e.get("status").asText()) {
        case "not_valid" -> assertThat(book).isNull();
        case "valid" -> {
          OrderBookRecord r = (OrderBookRecord) out.get(0);
          assertThat(new BigDecimal(r.bids().get(0).price())).isEqualByComparingTo(e.get("best_bid").decimalValue());
          assertThat(new BigDecimal(r.asks().get(0).price())).isEqualByComparingTo(e.get("best_ask").decimalValue());
          assertThat(r.lastUpdateId()).isEqualTo(e.get("change_id").asLong());
          assertThat(r.symbol()).isEqualTo("BTC-USD");
        }
        case "sequence_break" -> {
          assertThat(out).isEmpty();
          assertThat(book.synced()).isFalse();
          assertThat(book.needsResync()).isTrue();
          assertThat(resyncRequests).containsExactly("BTC-PERPETUAL");
          assertThat(n.bookStats().gaps()).isEqualTo(1);
        }
        default -> throw new AssertionError(e);
      }
    }
  }
}
