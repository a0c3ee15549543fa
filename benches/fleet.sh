#!/usr/bin/env bash
# Batch throughput and memory over a generated fleet: bundles/s of `snaptriage batch` over 1,000 distinct
# bundles with 1 and with 2 threads, and peak RSS over the first 100 against all 1,000 (memory must stay
# flat however many bundles there are). Every line's findings are checked against what the generator drew.
#
#   bash benches/fleet.sh                 1,000 bundles (about 1 minute on 2 cores once generated)
#   COUNT=200 bash benches/fleet.sh       a smaller fleet, to try the script out
#
# Environment:
#   SNAPTRIAGE_BIN=PATH  time this binary instead of this checkout's release build
#   COUNT=1000 SMALL=100 SEED=7 RUNS=3   fleet size, the smaller run's size, generator seed, timed runs
#   FLEET_DIR=DIR        fleet cache (default ${TMPDIR:-/tmp}/snaptriage-fleet); REGENERATE=1 writes it again
#
# Needs cargo, jq, hyperfine and GNU time. Exits 1 when a bundle's findings differ from the generator's.
set -euo pipefail
cd "$(dirname "$0")/.."

count=${COUNT:-1000}
small=${SMALL:-100}
seed=${SEED:-7}
runs=${RUNS:-3}
dir=${FLEET_DIR:-${TMPDIR:-/tmp}/snaptriage-fleet}/n$count-s$seed
for tool in jq hyperfine /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "fleet.sh: $tool is missing" >&2; exit 2; }
done

cargo build --release --locked --quiet -p snaptriage-fixtures --bin gen-samples
if [ -z "${SNAPTRIAGE_BIN:-}" ]; then
  cargo build --release --locked --quiet --bin snaptriage
fi
bin=${SNAPTRIAGE_BIN:-target/release/snaptriage}
if [ "${REGENERATE:-0}" = 1 ] || [ ! -s "$dir/fleet.jsonl" ]; then
  rm -rf "$dir"
  target/release/gen-samples fleet --out "$dir" --count "$count" --seed "$seed" >/dev/null
fi
jq -r .bundle "$dir/fleet.jsonl" > "$dir/all.txt"
head -n "$small" "$dir/all.txt" > "$dir/first-$small.txt"
bytes=$(find "$dir" -name 'group-*' -type d -exec du -cb {} + | tail -1 | cut -f1)
echo "fleet: $count bundles, $((bytes / 1000000)) MB, in $dir"

# Correctness first: one run's lines against the generator's expectations, in input order.
"$bin" batch --stdin-jsonl --jobs 2 --progress never --quiet < "$dir/fleet.jsonl" > "$dir/lines.jsonl"
mismatches=$(jq -nr --slurpfile want "$dir/fleet.jsonl" --slurpfile got "$dir/lines.jsonl" '
  [range(0; $want | length) as $i
   | {id: $want[$i].id, want: ($want[$i].expected | sort),
      got: ([$got[$i].findings[]?.id] | sort), same_id: ($got[$i].id == $want[$i].id)}
   | select(.want != .got or (.same_id | not))]
  | .[:10][] | "\(.id): expected \(.want | join(",")), got \(.got | join(","))"')
if [ -n "$mismatches" ] || [ "$(wc -l < "$dir/lines.jsonl")" -ne "$count" ]; then
  echo "findings differ from the generator's:" >&2
  echo "$mismatches" >&2
  exit 1
fi
echo "all $count lines in input order with the expected findings"

json=$(mktemp)
trap 'rm -f "$json"' EXIT
hyperfine -N -w 1 -r "$runs" --export-json "$json" \
  -n "1 thread" "$bin batch --manifest $dir/all.txt --jobs 1 --progress never --quiet -o /dev/null" \
  -n "2 threads" "$bin batch --manifest $dir/all.txt --jobs 2 --progress never --quiet -o /dev/null" >&2
mean() { jq -r ".results[] | select(.command == \"$1\") | .mean" "$json"; }
one=$(mean "1 thread")
two=$(mean "2 threads")

# Peak RSS varies by a few MB with which bundles happen to run side by side: the median of `runs` runs.
rss() {
  for _ in $(seq "$runs"); do
    /usr/bin/time -f %M "$bin" batch --manifest "$1" --jobs 2 --progress never --quiet -o /dev/null 2>&1 | tail -1
  done | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}
rss_small=$(rss "$dir/first-$small.txt")
rss_all=$(rss "$dir/all.txt")

awk -v n="$count" -v one="$one" -v two="$two" -v small="$small" -v rs="$rss_small" -v ra="$rss_all" 'BEGIN {
  printf "\n| threads | wall (mean of runs) | bundles/s |\n|---|---|---|\n"
  printf "| 1 | %.2f s | %.0f |\n| 2 | %.2f s | %.0f |\n", one, n / one, two, n / two
  printf "\nspeed-up 1 → 2 threads: %.2f× (target ≥ 1.8×)\n", one / two
  printf "peak RSS, 2 threads, median of runs: %d bundles %.0f MB, %d bundles %.0f MB (%+.0f %%; flat within 25 %%)\n",
    small, rs * 1.024 / 1000, n, ra * 1.024 / 1000, (ra - rs) * 100 / rs
}'
echo "machine: $(nproc) cores, $(uname -sr); commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
