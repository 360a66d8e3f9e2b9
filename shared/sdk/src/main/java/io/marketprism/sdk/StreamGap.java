package io.marketprism.sdk;

/**
 * A time the {@link LiveStream} was disconnected, told once it is connected and subscribed again
 * ({@link LiveStream#gapHandler}): records published between {@code lostAtMs} and
 * {@code restoredAtMs} did not come through it. Fetch them from the storage API
 * ({@link MarketPrismClient#records}, with the range of the gap and some margin before it:
 * records in flight when the connection broke are lost too) and drop the duplicates, e.g. by
 * trade id or timestamp.
 *
 * @param lostAtMs     when the client saw the connection end (epoch ms, its clock)
 * @param restoredAtMs when the gateway acknowledged the resubscription: records from then on come through
 * @param attempts     the connection attempts it took
 * @param cause        how the connection ended: its close status (1001 gateway stopping, 1006
 *                     lost, 1008 slow consumer, ...) and reason
 */
public record StreamGap(long lostAtMs, long restoredAtMs, int attempts, MarketPrismException cause) {
}
