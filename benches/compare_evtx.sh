#!/usr/bin/env bash
# Reproduces the event-log comparison in BENCHMARKS.md: snaptriage on a bundle of the eight largest corpus EVTX
# files against `evtx_dump -o jsonl` (cargo install evtx) over the same files, back to back.
# Needs ../shared/corpus/evtx, hyperfine and evtx_dump.
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=../shared/corpus/evtx
work="${TMPDIR:-/tmp}/snaptriage-evtx"
logs="$work/bundle/Windows/System32/winevt/Logs"
rm -rf "$work" && mkdir -p "$logs"
ls -S "$corpus"/*.evtx | head -8 | while read -r f; do cp "$f" "$logs/"; done
cargo build --release --locked -q -p snaptriage
hyperfine -N -i -w 1 -r 10 --export-markdown "$work/results.md" \
  "target/release/snaptriage analyze $work/bundle -f json -o /dev/null" \
  "sh -c 'for f in $logs/*.evtx; do evtx_dump -o jsonl \"\$f\" > /dev/null; done'"
/usr/bin/time -f "snaptriage: wall %e s, peak RSS %M KiB" target/release/snaptriage analyze "$work/bundle" -f json -o /dev/null || true
for f in "$logs"/*.evtx; do /usr/bin/time -f "evtx_dump $(basename "$f"): peak RSS %M KiB" evtx_dump -o jsonl "$f" > /dev/null; done
cat "$work/results.md"
