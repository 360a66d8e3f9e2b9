package io.marketprism.collector.feed;

import io.marketprism.collector.CollectorOptions;
import io.marketprism.collector.connection.RestGate;
import io.marketprism.model.MarketType;
import io.marketprism.platform.bus.BusStats;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocketClient;

import java.util.function.Supplier;

/**
 * What the shards of one feed share.
 *
 * @param vertx the Vert.x instance
 * @param client the WebSocket client
 * @param rest the exchange's REST gate
 * @param options collector-wide options
 * @param exchange the exchange's options
 * @param marketType the feed's market
 * @param metrics the feed's counters
 * @param publisher where records go
 * @param bus the bus's counters now (which records it settled: when the trade marks may be saved)
 */
public record FeedContext(Vertx vertx, WebSocketClient client, RestGate rest, CollectorOptions options,
    CollectorOptions.ExchangeOptions exchange, MarketType marketType, FeedMetrics metrics,
    RecordPublisher publisher, Supplier<BusStats> bus) {

  /** @return the exchange's protocol */
  public ExchangeProtocol protocol() {
    return exchange.protocol();
  }
}
