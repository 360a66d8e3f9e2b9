#!/usr/bin/env bash
# Normalize throughput beside tardis-dev on the same fixture messages, book maintenance with
# checksums on, and book memory for 300 instruments. Single-threaded: msgs/s are per core.
# MarketPrism (NormalizeBench) and tardis-dev (peers/tardis-normalize.js) run side by side and
# are measured alternately, case by case: every case warmed up on both (two sweeps), then ROUNDS
# rounds of SECONDS per case and side; the median is reported with the range in brackets. Rates
# are messages per CPU second of each whole process, so other load on the machine costs both
# sides alike as far as it can (it still widens the ranges: check the load averages printed).
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
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT
[ -d "$here/peers/node_modules/tardis-dev" ] \
  || npm install --prefix "$here/peers" --no-audit --no-fund --silent >/dev/null
jvm=(java -XX:+UseParallelGC -Xms1g -Xmx1g -cp "$CP")

# both sides serve "<case index> <seconds>" requests on stdin (fds 3/4: ours, 5/6: tardis-dev)
mkfifo "$work/mp.in" "$work/mp.out" "$work/td.in" "$work/td.out"
"${jvm[@]}" io.marketprism.loadtests.NormalizeBench "$fixtures" "$work/cases" "$only" \
  < "$work/mp.in" > "$work/mp.out" &
pids+=($!)
exec 3> "$work/mp.in" 4< "$work/mp.out"
: > "$work/mp.cases"
while read -r line <&4 && [ "$line" != ready ]; do echo "$line" >> "$work/mp.cases"; done
node "$here/peers/tardis-normalize.js" "$work/cases/cases.tsv" < "$work/td.in" > "$work/td.out" &
pids+=($!)
exec 5> "$work/td.in" 6< "$work/td.out"
: > "$work/td.cases"
while read -r line <&6 && [ "$line" != ready ]; do echo "$line" >> "$work/td.cases"; done
ncases=$(wc -l < "$work/mp.cases")

# prints "<case> <side> <rate>" into rates.txt (round >= 1 only; rounds -1 and 0 warm up)
: > "$work/rates.txt"
for round in $(seq -1 "$rounds"); do
  for ((i = 0; i < ncases; i++)); do
    echo "$i $seconds" >&3; read -r ours <&4
    echo "$i $seconds" >&5; read -r peer <&6
    if [ "$round" -ge 1 ]; then
      echo "$i mp $ours" >> "$work/rates.txt"
      echo "$i td $peer" >> "$work/rates.txt"
    fi
  done
done
echo quit >&3; echo quit >&5
wait "${pids[@]}"
echo "load average after:  $(cut -d' ' -f1-3 /proc/loadavg)"

# median, lowest, highest of one case and side
stats() { grep "^$1 $2 " "$work/rates.txt" | cut -d' ' -f3 | sort -n \
  | awk '{ v[NR] = $1 } END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; print m, v[1], v[NR] }'; }

printf '\n%-24s %-8s %-13s %6s %26s %26s %6s  %-22s %s\n' case exchange channel msgs "MarketPrism msg/s" \
  "tardis-dev msg/s" ratio "check" "records/pass ours|tardis"
for ((i = 0; i < ncases; i++)); do
  IFS=$'\t' read -r _ name ex ch msgs records levels < <(sed -n "$((i + 1))p" "$work/mp.cases")
  IFS=$'\t' read -r _ pname _ _ poutputs < <(sed -n "$((i + 1))p" "$work/td.cases")
  [ "$pname" = "$name" ] || { echo "peer case $pname is not $name" >&2; exit 1; }
  echo "$name $ex $ch $msgs $records $levels $poutputs $(stats "$i" mp) $(stats "$i" td)"
done | awk '
  function k(x) { return sprintf("%.0fk", x / 1000) }
  {
    name = $1; ex = $2; ch = $3; msgs = $4; records = $5; levels = $6; poutputs = $7
    med = $8; lo = $9; hi = $10; pmed = $11; plo = $12; phi = $13
    if (levels > 0) {
      check = sprintf("%.2fM level upd/s", med * levels / msgs / 1e6)
    } else if (ch ~ /trade/) {
      check = (med >= 1e6 ? ">=1M ok" : "<1M")
    } else {
      check = "-"
    }
    printf "%-24s %-8s %-13s %6d %9s [%6s-%6s] %9s [%6s-%6s] %5.1fx  %-22s %s|%s\n", name, ex, ch, msgs, k(med),
      k(lo), k(hi), k(pmed), k(plo), k(phi), med / pmed, check, records, poutputs
  }'

printf '\n%-28s %9s %14s %34s\n' "book workload (checksum on)" messages "level updates" "level updates/s/core [range]"
"${jvm[@]}" io.marketprism.loadtests.BookBench "$fixtures" "$seconds" "$rounds" \
  | awk -F'\t' '{ printf "%-28s %9s %14s %10.2fM [%5.2fM-%5.2fM]\n", $1, $2, $3, $4 / 1e6, $5 / 1e6, $6 / 1e6 }'

printf '\nbook memory (300 instruments, 400 levels per side, -Xmx512m):\n'
java -Xmx512m -cp "$CP" io.marketprism.loadtests.MemoryBench 100 400
