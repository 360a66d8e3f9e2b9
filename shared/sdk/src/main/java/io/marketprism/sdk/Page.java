package io.marketprism.sdk;

import io.marketprism.model.MarketRecord;

import java.util.List;

/**
 * One page of stored records.
 *
 * @param records    oldest first
 * @param nextCursor where the next page starts, or null after the last
 */
public record Page(List<MarketRecord> records, String nextCursor) {
}
