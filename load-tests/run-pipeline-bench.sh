#!/usr/bin/env bash
# Pipeline benchmark: normalized records from the fixture captures published at fixed rates through
# RecordBus -> JetStream (nats-server) -> StorageVerticle -> ClickHouse 18.16, all started here on
# free ports; zero-loss check, receive->ack and receive->commit latencies, and the raw jnats
# publishAsync ceiling and raw publish + consume + ack (nothing stored) in the same run.
# Usage: load-tests/run-pipeline-bench.sh [RATES=10000,20000,30000] [SECONDS=15] [CEILING_MSGS=300000] [BATCH_SIZE=20000, the storage default]
# (MP_BENCH_BUFFER_SECONDS: the storage's storage.hot.buffer_seconds, 60 as in server mode; 0: no ClickHouse buffers)
# Needs nats-server and clickhouse-server (apt-get install nats-server clickhouse-server) and ../shared/fixtures.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bench-env.sh"
java -Xmx2g "$LOGBACK" -cp "$CP" io.marketprism.loadtest.pipeline.PipelineBenchmark "$FIXTURES" \
  "${1:-10000,20000,30000}" "${2:-15}" "${3:-300000}" "${4:-20000}"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
