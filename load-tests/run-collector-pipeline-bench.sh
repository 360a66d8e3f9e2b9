#!/usr/bin/env bash
# The whole pipeline on this machine: simulator (market model) -> collector (WebSocket, books,
# normalizing) -> JetStream (nats-server) -> storage -> ClickHouse 18.16, all started here on free
# ports. Prints records/s published and committed, receive->ack and receive->commit latencies and
# the per-instrument trade no-loss check.
# Usage: load-tests/run-collector-pipeline-bench.sh [RATES=2000,5000] [SECONDS=60] [TRADE_SHARE=0.18]
#   (each rate runs MP_BENCH_WARMUP_SECONDS=60 first, then measures; latencies are the last minute's;
#   MP_BENCH_SERVICE_JAVA_OPTS sets the collector and storage JVMs' options, bin/marketprism's by default;
#   MP_BENCH_FLUSH_INTERVAL_MS the storage's flush_interval_ms, 1000 as in conf/; MP_BENCH_BUFFER_SECONDS its
#   storage.hot.buffer_seconds, 60 as in server mode, 0: no ClickHouse buffers; the last lines give the servers'
#   disk writes per 1,000 records)
#   RATES: simulator events per second per exchange (comma separated)
#   TRADE_SHARE: share of events that are trade bursts (0.18: the default mix; near 1: trade-heavy)
# Needs nats-server and clickhouse-server (apt-get install nats-server clickhouse-server).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bench-env.sh"
java ${MP_BENCH_JAVA_OPTS:--Xmx2g} "$LOGBACK" -cp "$CP" io.marketprism.loadtest.pipeline.CollectorPipelineBenchmark "${1:-2000,5000}" "${2:-60}" "${3:-0.18}"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
