package io.marketprism.storage.query;

import java.util.List;

/**
 * One page of records.
 *
 * @param records record JSON texts, oldest first
 * @param next the cursor of the next page, or null when no record follows this one's
 */
public record Page(List<String> records, Cursor next) {
}
