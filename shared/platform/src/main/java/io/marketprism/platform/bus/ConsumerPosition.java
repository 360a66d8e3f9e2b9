package io.marketprism.platform.bus;

/**
 * Where a durable consumer stands on its stream ({@link RecordBus#position}).
 *
 * @param ackFloorSeq every stream sequence up to it is acknowledged (for a storage: committed); 0 when none is
 * @param ackFloorMs the stream's receive time of that message, epoch ms; -1 when none is acknowledged or the stream
 *     no longer holds it (stream times only grow with the sequence: every later message is as new or newer)
 * @param deliveredSeq the highest stream sequence delivered: what is above it was never read
 */
public record ConsumerPosition(long ackFloorSeq, long ackFloorMs, long deliveredSeq) {
}
