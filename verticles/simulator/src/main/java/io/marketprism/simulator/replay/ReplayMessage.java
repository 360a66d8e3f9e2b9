package io.marketprism.simulator.replay;

/**
 * One captured WebSocket message to replay.
 *
 * @param exchange {@code binance}, {@code okx} or {@code deribit}
 * @param topic    what a client subscribes to get it: Binance stream name, OKX {@code channel:instId}
 *                 (or {@code channel:instType}), Deribit channel
 * @param text     the message as the exchange sent it (Binance: the {@code data} part)
 * @param envelope Binance combined-stream envelope as captured, else null
 * @param tsNanos  receive time in the capture, epoch ns (synthetic 1 ms steps where the capture has none)
 */
public record ReplayMessage(String exchange, String topic, String text, String envelope, long tsNanos) {
}
