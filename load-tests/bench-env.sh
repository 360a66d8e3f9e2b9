# Sourced by the benchmark scripts: builds load-tests and what it needs, sets ROOT (the
# repository), FIXTURES (MP_FIXTURES or ../shared/fixtures) and CP (the class path).
# The class path names this checkout's own module jars (reactor build, nothing installed): the
# local Maven repository is shared with other checkouts, whose installs would replace ours.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
FIXTURES=${MP_FIXTURES:-$ROOT/../shared/fixtures}
# one reactor build, nothing installed: the project's own modules resolve to this checkout's jars, not to
# ~/.m2 (which other checkouts on the machine may have installed); each module writes its own class path
mvn -B -q -DskipTests -Dmaven.test.skip=true -pl load-tests -am package dependency:build-classpath \
  '-Dmdep.outputFile=${project.build.directory}/classpath.txt' >&2
CP="load-tests/target/classes:$(cat load-tests/target/classpath.txt)"
LOGBACK=-Dlogback.configurationFile=load-tests/bench-logback.xml
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
