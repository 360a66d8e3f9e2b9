#!/usr/bin/env bash
# Normalize throughput beside tardis-dev on the same fixture messages, book maintenance with
# checksums on, and book memory for 300 instruments. Single-threaded: msgs/s are per core.
#   load-tests/run-normalize-bench.sh [SECONDS_PER_CASE]     (env: FIXTURES=dir, default ../shared/fixtures)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
seconds="${1:-3}"
fixtures="${FIXTURES:-$root/../shared/fixtures}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cd "$root"
mvn -B -q -pl load-tests -am install -DskipTests >/dev/null
mvn -B -q -pl load-tests dependency:build-classpath -Dmdep.outputFile="$work/cp.txt" >/dev/null
cp="$here/target/classes:$(cat "$work/cp.txt")"
[ -d "$here/peers/node_modules/tardis-dev" ] \
  || npm install --prefix "$here/peers" --no-audit --no-fund --silent >/dev/null
jvm=(java -XX:+UseParallelGC -Xms1g -Xmx1g -cp "$cp")

"${jvm[@]}" io.marketprism.loadtests.NormalizeBench "$fixtures" "$work/cases" "$seconds" > "$work/mp.tsv"

# the peer's exchange id and mapper for each case
declare -A tardis=(
  [binance-spot-trade]="binance trades" [binance-spot-bookTicker]="-" [binance-spot-depth]="binance book"
  [binance-usdm-trade]="binance-futures trades" [binance-usdm-bookTicker]="-"
  [binance-usdm-depth]="binance-futures book" [okx-trades]="okex trades" [okx-books-l2-tbt]="okex book"
  [okx-books]="okex book" [deribit-trades]="deribit trades" [deribit-book]="deribit book")

printf '\n%-24s %-8s %-13s %8s %16s %16s %7s  %s\n' case exchange channel messages "MarketPrism/s" "tardis-dev/s" ratio "tardis handled/outputs"
while IFS=$'\t' read -r name exchange channel messages records rate; do
  peer="${tardis[$name]}"
  if [ "$peer" = "-" ]; then
    printf '%-24s %-8s %-13s %8s %16s %16s %7s  %s\n' "$name" "$exchange" "$channel" "$messages" "$rate" "n/a" "-" "(no bookTicker mapper run)"
    continue
  fi
  read -r px pk <<< "$peer"
  IFS=$'\t' read -r _ handled outputs prate < <(node "$here/peers/tardis-normalize.js" "$px" "$pk" "$work/cases/$name.txt" "$seconds")
  ratio=$(awk -v a="$rate" -v b="$prate" 'BEGIN { printf "%.1fx", a / b }')
  printf '%-24s %-8s %-13s %8s %16s %16s %7s  %s\n' "$name" "$exchange" "$channel" "$messages" "$rate" "$prate" "$ratio" "$handled/$outputs"
done < "$work/mp.tsv"

printf '\n%-28s %9s %14s %22s %9s\n' "book workload (checksum on)" messages "level updates" "level updates/s/core" failures
"${jvm[@]}" io.marketprism.loadtests.BookBench "$fixtures" "$seconds" \
  | awk -F'\t' '{ printf "%-28s %9s %14s %22s %9s\n", $1, $2, $3, $4, $5 }'

printf '\nbook memory (300 instruments, 400 levels per side, -Xmx512m):\n'
java -Xmx512m -cp "$cp" io.marketprism.loadtests.MemoryBench 100 400
