package io.marketprism.sdk;

/**
 * A time the {@link LiveStream} was disconnected, told once it is connected and subscribed again,
 * or the gateway's own bus was, told once it is back, or the gateway dropped records because it was
 * behind its bus, told once it caught up ({@link LiveStream#gapHandler}): records published between
 * {@code lostAtMs} and {@code restoredAtMs} did not come through it (all of them, or some). Fetch them from the storage API
 * ({@link MarketPrismClient#records}, with the range of the gap and some margin before it:
 * records in flight when the connection broke are lost too) and drop the duplicates, e.g. by
 * trade id or timestamp.
 *
 * @param lostAtMs     when the client saw the connection end (epoch ms, its clock), or when the
 *                     gateway lost its bus, or dropped the first record (its clock)
 * @param restoredAtMs when the gateway acknowledged the resubscription, or had its bus back, or
 *                     dropped the last record: records from then on come through
 * @param attempts     the connection attempts it took (0 for the gateway's bus and its drops)
 * @param cause        how the connection ended: its close status (1001 gateway stopping, 1006
 *                     lost, 1008 slow consumer, 4401 token expired, ...) and reason; status 0 and
 *                     code {@code bus_down} for the gateway's bus, {@code gateway_behind} for its
 *                     drops (records of any subject, so maybe none of this stream's), with the
 *                     gateway's message
 */
public record StreamGap(long lostAtMs, long restoredAtMs, int attempts, MarketPrismException cause) {
}
