package io.marketprism.simulator;

import io.marketprism.simulator.fault.FaultSpec;
import io.marketprism.simulator.fault.FaultStats;
import io.marketprism.simulator.replay.ReplayStore;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.ext.web.RoutingContext;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What every exchange server of one simulator shares.
 *
 * @param vertx        the Vert.x instance
 * @param options      the simulator options
 * @param faults       parsed fault spec
 * @param faultStats   injection counters
 * @param replay       captured REST answers when replaying, else null
 * @param stateHandler the {@code /sim/state} route
 * @param onSubscribe  told whenever a client subscribes (starts a waiting replay)
 * @param sessionIds   session number source
 * @param onClient     told of every request and WebSocket handshake (wakes a market idle until its first client)
 */
public record ServerContext(Vertx vertx, SimulatorOptions options, FaultSpec faults, FaultStats faultStats,
                            ReplayStore replay, Handler<RoutingContext> stateHandler, Runnable onSubscribe,
                            AtomicLong sessionIds, Runnable onClient) {
}
