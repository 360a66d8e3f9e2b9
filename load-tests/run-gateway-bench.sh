#!/usr/bin/env bash
# Gateway benchmark: the backend directly, through nginx and through the MarketPrism gateway,
# in one run on this machine. Usage: load-tests/run-gateway-bench.sh [concurrency=64] [seconds=15]
# Needs nginx (apt-get install nginx; bin/test installs it when root).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
mvn -B -q -DskipTests -Dmaven.test.skip=true -pl app,load-tests -am install >&2
mvn -B -q -pl load-tests dependency:build-classpath -Dmdep.outputFile="$ROOT/load-tests/target/classpath.txt" >&2
CP=$(cat load-tests/target/classpath.txt)
exec java -Xmx1g -cp "load-tests/target/classes:$CP" io.marketprism.loadtest.gateway.GatewayBenchmark "${1:-64}" "${2:-15}" app/target/marketprism.jar
