#!/usr/bin/env bash
# Latest benchmark: GET /api/v1/storage/latest of a storage in embedded mode (event bus, DuckDB),
# memory cache then Redis (started here on a free port), while trades update the cache; what a
# client sees (closed-loop HTTP, HdrHistogram) and the service's own mp_storage_latest timer.
# Usage: load-tests/run-latest-bench.sh [INSTRUMENTS=200] [RATE=5000] [SECONDS=15] [CONCURRENCY=8]
# Needs redis-server (apt-get install redis-server).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bench-env.sh"
java -Xmx1g "$LOGBACK" -cp "$CP" io.marketprism.loadtest.storage.LatestBenchmark \
  "${1:-200}" "${2:-5000}" "${3:-15}" "${4:-8}"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
