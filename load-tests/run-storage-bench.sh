#!/usr/bin/env bash
# Storage benchmark: normalized fixture captures written through the ClickHouse (18.16, started
# here on free ports) and DuckDB hot stores, bytes on disk vs raw exchange JSON, then a 1-day
# 1-minute kline query over 10M synthetic trades.
# Usage: load-tests/run-storage-bench.sh [TRADE_ROWS=2000000] [BOOK_ROWS=300000] [KLINE_TRADES=10000000] [RUNS=5]
# Needs clickhouse-server (apt-get install clickhouse-server) and the fixtures in ../shared/fixtures.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bench-env.sh"
java -Xmx3g "$LOGBACK" -cp "$CP" io.marketprism.loadtest.storage.StorageBenchmark "$FIXTURES" \
  "${1:-2000000}" "${2:-300000}" "${3:-10000000}" "${4:-5}"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
