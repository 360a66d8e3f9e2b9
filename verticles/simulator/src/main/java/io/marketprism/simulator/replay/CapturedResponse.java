package io.marketprism.simulator.replay;

/**
 * A REST response found in a capture.
 *
 * @param kind    the last path segment of its URL ({@code depth}, {@code exchangeInfo}, {@code instruments}...)
 * @param key     the instrument or family it is for ({@code BTCUSDT}, {@code SPOT}, {@code BTC}), upper case; "" when none
 * @param body    the body, verbatim
 * @param tsNanos receive time, epoch ns
 */
public record CapturedResponse(String kind, String key, String body, long tsNanos) {
}
