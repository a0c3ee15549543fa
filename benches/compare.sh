#!/usr/bin/env bash
# Reproduces the baseline comparison in BENCHMARKS.md: snaptriage on a generated ~200 MB waagent.log set
# (directory and zip) against the floor of reading the same data (unzip -p, zcat) and a plain search (rg -z).
# Needs: hyperfine, ripgrep, zip, unzip (Debian: apt-get install hyperfine ripgrep zip unzip).
set -euo pipefail
cd "$(dirname "$0")/.."
size="${1:-200M}"
work="${TMPDIR:-/tmp}/snaptriage-compare"
rm -rf "$work" && mkdir -p "$work"
cargo build --release --locked -q -p snaptriage -p snaptriage-fixtures
target/release/gen-samples large --out "$work/set" --size "$size" --seed 7
(cd "$work/set" && zip -q -r "$work/set.zip" .)
bin=target/release/snaptriage
hyperfine -N -i -w 1 -r 10 --export-markdown "$work/results.md" \
  "$bin analyze $work/set -f json -o /dev/null" \
  "$bin analyze $work/set.zip -f json -o /dev/null" \
  "unzip -p $work/set.zip" \
  "rg -z -c -i '168\.63\.129\.16|Non-zero exit code|FIFREEZE|python version unknown' $work/set"
for run in dir zip; do
  input="$work/set"; [ "$run" = zip ] && input="$work/set.zip"
  /usr/bin/time -f "$run: wall %e s, peak RSS %M KiB" "$bin" analyze "$input" -f json -o /dev/null || true
done
cat "$work/results.md"
