package io.marketprism.collector.feed;

/**
 * Where one venue of an exchange is reached.
 *
 * @param ws the WebSocket base URL, e.g. {@code wss://stream.binance.com:9443}
 * @param rest the REST base URL, e.g. {@code https://api.binance.com}
 */
public record Endpoint(String ws, String rest) {
}
