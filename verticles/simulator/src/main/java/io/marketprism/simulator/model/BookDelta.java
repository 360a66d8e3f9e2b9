package io.marketprism.simulator.model;

import java.util.List;

/**
 * One book update message worth of changes, with its sequence numbers: Binance {@code U}/{@code u}/{@code pu},
 * OKX {@code seqId}/{@code prevSeqId}, Deribit {@code change_id}/{@code prev_change_id}.
 *
 * @param firstId first update id of this message ({@code U})
 * @param lastId  last update id ({@code u}, {@code seqId}, {@code change_id})
 * @param prevId  last update id of the previous message ({@code pu}, {@code prevSeqId}, {@code prev_change_id})
 * @param ts      event time, epoch ms
 * @param bids    changed bids, best first
 * @param asks    changed asks, best first
 */
public record BookDelta(long firstId, long lastId, long prevId, long ts, List<LevelChange> bids, List<LevelChange> asks) {
}
