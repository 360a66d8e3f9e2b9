#!/usr/bin/env bash
# Normalize throughput beside tardis-dev on the same fixture messages, book maintenance with
# checksums on, and book memory for 300 instruments. Single-threaded: msgs/s are per core.
# Both sides warm up every case, then run ROUNDS round-robin rounds of SECONDS per case and
# report the median (range in brackets); rates are messages per CPU second of the whole process.
#   load-tests/run-normalize-bench.sh [SECONDS] [ROUNDS] [CASE_REGEX]
#   (env: FIXTURES=dir, default ../shared/fixtures)
set -euo pipefail
seconds="${1:-1}"
rounds="${2:-5}"
only="${3:-.*}"
given_fixtures="${FIXTURES:-}"
source "$(dirname "$0")/bench-env.sh"
here="$ROOT/load-tests"
fixtures="${given_fixtures:-$FIXTURES}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
[ -d "$here/peers/node_modules/tardis-dev" ] \
  || npm install --prefix "$here/peers" --no-audit --no-fund --silent >/dev/null
jvm=(java -XX:+UseParallelGC -Xms1g -Xmx1g -cp "$CP")

"${jvm[@]}" io.marketprism.loadtests.NormalizeBench "$fixtures" "$work/cases" "$seconds" "$rounds" "$only" \
  > "$work/mp.tsv"
node "$here/peers/tardis-normalize.js" "$work/cases/cases.tsv" "$seconds" "$rounds" > "$work/peer.tsv"
echo "load average after:  $(cut -d' ' -f1-3 /proc/loadavg)"

# columns: ours (mp.tsv) then the peer's (peer.tsv), joined by case name in the same order
printf '\n%-24s %-8s %-13s %6s %26s %26s %6s  %-22s %s\n' case exchange channel msgs "MarketPrism msg/s" \
  "tardis-dev msg/s" ratio "check" "records/pass ours|tardis"
paste "$work/mp.tsv" "$work/peer.tsv" | awk -F'\t' '
  function k(x) { return sprintf("%.0fk", x / 1000) }
  {
    name = $1; ex = $2; ch = $3; msgs = $4; records = $5; levels = $6; med = $7; lo = $8; hi = $9
    if ($10 != name) { print "peer output out of order: " $10 " vs " name > "/dev/stderr"; exit 1 }
    pmed = $14; plo = $15; phi = $16; poutputs = $13
    if (levels > 0) {
      check = sprintf("%.2fM level upd/s", med * levels / msgs / 1e6)
    } else if (ch ~ /trade/) {
      check = (med >= 1e6 ? ">=1M ok" : "<1M")
    } else {
      check = "-"
    }
    printf "%-24s %-8s %-13s %6d %9s [%6s-%6s] %9s [%6s-%6s] %5.1fx  %-22s %s|%s\n", name, ex, ch, msgs, k(med), k(lo), k(hi),
      k(pmed), k(plo), k(phi), med / pmed, check, records, poutputs
  }'

printf '\n%-28s %9s %14s %34s\n' "book workload (checksum on)" messages "level updates" "level updates/s/core [range]"
"${jvm[@]}" io.marketprism.loadtests.BookBench "$fixtures" "$seconds" "$rounds" \
  | awk -F'\t' '{ printf "%-28s %9s %14s %10.2fM [%5.2fM-%5.2fM]\n", $1, $2, $3, $4 / 1e6, $5 / 1e6, $6 / 1e6 }'

printf '\nbook memory (300 instruments, 400 levels per side, -Xmx512m):\n'
java -Xmx512m -cp "$CP" io.marketprism.loadtests.MemoryBench 100 400
