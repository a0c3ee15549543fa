#!/usr/bin/env bash
# Runs examples/spark/triage_fleet.py on PySpark in local mode over the samples plus a corrupt bundle, a file
# that is no bundle and a nested folder, and checks that the lines and fleet counts it collects equal a plain
# `snaptriage batch` over the same inputs. Skips, saying why, only when PySpark or Java cannot be had.
#
#   bash examples/spark/test.sh            # builds the debug binary if needed
#   SNAPTRIAGE_BIN=target/release/snaptriage SPARK_VENV=/tmp/venv bash examples/spark/test.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)

target_dir=$(cargo metadata --format-version 1 --no-deps --locked \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
bin=${SNAPTRIAGE_BIN:-}
if [ -z "$bin" ]; then
    cargo build --locked --quiet --bin snaptriage
    bin="$target_dir/debug/snaptriage"
fi
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")

if ! command -v java >/dev/null; then
    echo "skipped: no java on PATH (PySpark needs Java 17 or later)"
    exit 0
fi
venv=${SPARK_VENV:-$target_dir/spark-venv}
if ! "$venv/bin/python" -c 'import pyspark' 2>/dev/null; then
    echo "installing PySpark into $venv"
    if ! { python3 -m venv "$venv" && "$venv/bin/pip" install --quiet --disable-pip-version-check 'pyspark>=3.5,<5'; }; then
        echo "skipped: PySpark could not be installed (pip install pyspark failed; see above)"
        exit 0
    fi
fi
python="$venv/bin/python"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/uploads/nested/deeper"
printf 'PK\003\004garbage' > "$work/uploads/corrupt.zip"
echo "not a bundle" > "$work/uploads/notes.txt"
cp samples/linux/linux-fsfreeze-failed.tar.gz "$work/uploads/nested/deeper/copy-of-fsfreeze.tar.gz"
inputs=("$root/samples" "$work/uploads")

echo "== plain batch"
"$bin" batch "${inputs[@]}" --jobs 2 --progress never --quiet --summary "$work/plain-summary.json" \
    > "$work/plain.jsonl"

echo "== the Spark driver, local[2]"
export SPARK_LOCAL_IP=127.0.0.1 PYSPARK_PYTHON="$python"
"$python" examples/spark/triage_fleet.py --master 'local[2]' --snaptriage "$bin" --partitions 5 \
    --results "$work/spark.jsonl" --fleet "$work/spark-fleet.json" "${inputs[@]}" \
    > "$work/driver.out" 2> "$work/driver.err" || {
    cat "$work/driver.err" >&2
    echo "the Spark driver failed" >&2
    exit 1
}

echo "== compare"
"$python" - "$work" <<'PY'
import json, sys

work = sys.argv[1]

def lines(name):
    out = []
    for text in open(f"{work}/{name}", encoding="utf-8"):
        line = json.loads(text)
        line.pop("elapsed_ms")  # wall time differs from run to run
        out.append(line)
    return out

plain, spark = lines("plain.jsonl"), lines("spark.jsonl")
failures = []
if len(plain) != len(spark):
    failures.append(f"{len(plain)} plain lines, {len(spark)} from Spark")
for p, s in zip(plain, spark):
    if p != s:
        failures.append(f"line of {p['id']} differs:\n  plain {p}\n  spark {s}")
statuses = [line["status"] for line in plain]
if statuses.count("error") != 1 or len(plain) < 39:
    failures.append(f"expected every sample, the copy and one error line: {statuses}")

summary = json.load(open(f"{work}/plain-summary.json"))
fleet = json.load(open(f"{work}/spark-fleet.json"))
compared = ["lines", "analysed", "failed", "findings", "error_codes"]
for key in ("os", "agent_version", "extension_version"):
    compared += [f"findings_by_{key}", f"bundles_by_{key}", f"standing_out_by_{key}"]
for key in compared:
    if summary.get(key) != fleet.get(key):
        failures.append(f"{key}: plain {summary.get(key)!r} != spark {fleet.get(key)!r}")
causes = {}
for line in plain:
    if line["root_cause"]:
        causes[line["root_cause"]] = causes.get(line["root_cause"], 0) + 1
if causes != fleet["root_causes"]:
    failures.append(f"root causes: plain {causes} != spark {fleet['root_causes']}")

if failures:
    print("\n".join(failures))
    sys.exit(1)
print(f"the Spark run equals the plain batch: {len(plain)} lines, {len(summary['findings'])} finding ids, "
      f"{len(summary['error_codes'])} error codes, {len(compared) + 1} fleet counts")
PY
