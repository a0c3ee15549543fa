#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each, one after the other (-max_total_time), on its corpus
# (fuzz/corpus/<target>/, seeded by fuzz/seed.sh), and prints per target the executions run and the crashes
# found. Crashing inputs land in fuzz/artifacts/<target>/ (crash-*, timeout-*, oom-*, leak-*).
#
#   fuzz/run.sh SECONDS [TARGET...]      # default: every target cargo fuzz lists
# Needs a nightly toolchain and cargo-fuzz (cargo install cargo-fuzz).
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/.."
secs="${1:?usage: fuzz/run.sh SECONDS [TARGET...]}"
shift
if [ "$#" -gt 0 ]; then targets=("$@"); else mapfile -t targets < <(cargo +nightly fuzz list); fi
[ -d "$here/corpus" ] || "$here/seed.sh"
logs="$here/artifacts/logs"
mkdir -p "$logs"
cargo +nightly fuzz build -O >/dev/null 2>&1 || cargo +nightly fuzz build -O || exit 1
printf '%-18s %8s %12s %8s\n' target seconds executions crashes
status=0
for t in "${targets[@]}"; do
    mkdir -p "$here/corpus/$t" "$here/artifacts/$t"
    before=$(find "$here/artifacts/$t" -maxdepth 1 -type f | wc -l)
    # -timeout: one input over 10 s is a hang; -rss_limit_mb: over 2 GiB is an OOM. Keep going after a
    # crash so one run reports them all (-fork with -ignore_crashes would need more cores than we have).
    cargo +nightly fuzz run -O "$t" "$here/corpus/$t" -- \
        -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        >"$logs/$t.log" 2>&1
    after=$(find "$here/artifacts/$t" -maxdepth 1 -type f | wc -l)
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$logs/$t.log" | grep -o '[0-9]*$' | tail -1)
    if [ -z "$execs" ]; then
        execs=$(grep -oE '^#[0-9]+' "$logs/$t.log" | tail -1 | tr -d '#')
    fi
    crashes=$((after - before))
    [ "$crashes" -gt 0 ] && status=1
    printf '%-18s %8s %12s %8s\n' "$t" "$secs" "${execs:-?}" "$crashes"
done
exit "$status"
