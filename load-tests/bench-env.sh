# Sourced by the storage and pipeline benchmark scripts: builds load-tests and what it needs, sets
# ROOT (the repository), FIXTURES (MP_FIXTURES or ../shared/fixtures) and CP (the class path).
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
FIXTURES=${MP_FIXTURES:-$ROOT/../shared/fixtures}
# one reactor build: the project's own modules resolve to this checkout's jars, not to ~/.m2 (which
# other checkouts on the machine may have installed); load-tests is built last, so its class path wins
mvn -B -q -DskipTests -Dmaven.test.skip=true -pl load-tests -am package dependency:build-classpath \
  -Dmdep.outputFile="$ROOT/load-tests/target/classpath.txt" >&2
CP="load-tests/target/classes:$(cat load-tests/target/classpath.txt)"
LOGBACK=-Dlogback.configurationFile=load-tests/bench-logback.xml
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
