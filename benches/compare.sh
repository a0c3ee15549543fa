#!/usr/bin/env bash
# Times snaptriage against the floor of each input (the cheapest standard-tool run that reads or searches
# the same data) on inputs written by this repository's generators, and prints one Markdown table with the
# targets, the machine, the commit and the tool versions. What each floor measures: benches/README.md.
#
#   bash benches/compare.sh                  full sizes (about 10 minutes on 2 cores once the inputs are cached)
#   bash benches/compare.sh --quick          small sizes, to try the script out
#   bash benches/compare.sh --generate-only  write the inputs into the cache and stop (combine with --quick)
#
# Environment:
#   SNAPTRIAGE_BIN=PATH  time this binary instead of this checkout's release build (e.g. an older build)
#   EVTX_DUMP=PATH       the evtx_dump to use (default: the one on PATH)
#   REGENERATE=1         write the inputs again even when cached
#   REUSE_INPUTS=1       use cached inputs written with the same arguments by an older gen-samples build
#   RUNS=3 WARMUP=1      hyperfine runs and warm-up runs per command
#   TIMEOUT=900          seconds a checked snaptriage run may take before that input is marked broken
#   SEED=7               generator seed
#   COMPARE_DIR=DIR      input cache (default ${TMPDIR:-/tmp}/snaptriage-compare)
#   BUNDLE_SIZE BUNDLE_FILES LOG_SIZE SMALL_LOG_SIZE EVTX_SIZE EVTX_FILES MIXED_SIZE   other sizes
#   CORPUS_EVTX=DIR      real event logs for an extra row (default ../shared/corpus/evtx; skipped if absent)
#
# Needs cargo and jq to build and generate; to time, also hyperfine, ripgrep, unzip, gzip, GNU time and
# script (Debian: apt-get install -y hyperfine ripgrep unzip jq time bsdutils) and evtx_dump (cargo install
# evtx --locked). Exits 1 if a planted failure is not found, a finding was not planted, or a floor fails;
# 2 if it cannot run.
set -euo pipefail
cd "$(dirname "$0")/.."

quick=0
generate_only=0
for arg in "$@"; do
  case "$arg" in
    --quick) quick=1 ;;
    --generate-only) generate_only=1 ;;
    -h | --help)
      sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"
      exit 0
      ;;
    *)
      echo "compare.sh: unknown argument $arg (try --help)" >&2
      exit 2
      ;;
  esac
done
if [ "$quick" = 1 ]; then
  sizes=(20M 40M 20M 20M 40M)
else
  sizes=(208M 1G 200M 650M 372M)
fi
bundle_size=${BUNDLE_SIZE:-${sizes[0]}}
bundle_files=${BUNDLE_FILES:-10}
log_size=${LOG_SIZE:-${sizes[1]}}
small_log_size=${SMALL_LOG_SIZE:-${sizes[2]}}
evtx_size=${EVTX_SIZE:-${sizes[3]}}
evtx_files=${EVTX_FILES:-10}
mixed_size=${MIXED_SIZE:-${sizes[4]}}
runs=${RUNS:-3}
warmup=${WARMUP:-1}
limit=${TIMEOUT:-900}
seed=${SEED:-7}
work=${COMPARE_DIR:-${TMPDIR:-/tmp}/snaptriage-compare}
corpus=${CORPUS_EVTX:-../shared/corpus/evtx}

# Targets: snaptriage's time as a multiple of the floor's, and its peak RSS.
bundle_target=1.3
log_target=1.5
evtx_target=0.5
rss_target_mb=150

evtx_dump=${EVTX_DUMP:-$(command -v evtx_dump || true)}
needed=(cargo jq sha256sum)
[ "$generate_only" = 1 ] || needed+=(hyperfine rg unzip gzip script timeout)
missing=()
for tool in "${needed[@]}"; do
  command -v "$tool" > /dev/null || missing+=("$tool")
done
if [ "$generate_only" = 0 ]; then
  [ -x /usr/bin/time ] || missing+=(/usr/bin/time)
  [ -n "$evtx_dump" ] && [ -x "$evtx_dump" ] || missing+=("evtx_dump (or EVTX_DUMP=PATH)")
fi
if [ "${#missing[@]}" -gt 0 ]; then
  echo "compare.sh: missing ${missing[*]} (apt-get install -y hyperfine ripgrep unzip jq time bsdutils;" \
    "cargo install evtx --locked)" >&2
  exit 2
fi

# build CARGO_ARGS...: the release executables cargo builds (wherever CARGO_TARGET_DIR puts them).
build() {
  cargo build --release --locked -q "$@" --message-format=json-render-diagnostics |
    jq -r 'select(.reason == "compiler-artifact" and .executable != null) | .executable'
}
echo "building release binaries..." >&2
gen=$(build -p snaptriage-fixtures --bin gen-samples)
[ -x "$gen" ] || { echo "compare.sh: could not build gen-samples" >&2; exit 2; }
gen_id=$(sha256sum "$gen" | cut -c1-16)
mkdir -p "$work"

# generate KEY SHAPE SIZE [FILES]: writes $work/KEY unless an identical generation is cached there, and
# leaves gen-samples' summary (input=…, members=…, text_bytes=…, records=…, planted=…) in $work/KEY.done,
# under a first line naming the arguments and the gen-samples build.
generate() {
  local key=$1 shape=$2 size=$3 files=${4:-}
  local args=(large --shape "$shape" --size "$size" --seed "$seed" --out "$work/$key")
  [ -z "$files" ] || args+=(--files "$files")
  local stamp="gen-samples ${args[*]} [$gen_id]" cached=""
  [ ! -f "$work/$key.done" ] || cached=$(head -n 1 "$work/$key.done")
  if [ "${REGENERATE:-0}" != 1 ] && [ -n "$cached" ]; then
    if [ "$cached" = "$stamp" ] || { [ "${REUSE_INPUTS:-0}" = 1 ] && [ "${cached% \[*}" = "${stamp% \[*}" ]; }; then
      echo "cached: $work/$key" >&2
      return
    fi
  fi
  rm -rf "${work:?}/$key" "$work/$key.done"
  echo "generating $key..." >&2
  local start=$SECONDS summary
  summary=$("$gen" "${args[@]}")
  printf '%s\n%s\ngenerated_in=%ss\n' "$stamp" "$summary" "$((SECONDS - start))" > "$work/$key.done"
}

# summary KEY FIELD: a field of gen-samples' summary.
summary() { sed -n "s/^$2=//p" "$work/$1.done"; }

# The inputs: key, shape, size, file count.
bundle_key=bundle-$bundle_size-$seed
small_log_key=one-log-$small_log_size-$seed
log_key=one-log-$log_size-$seed
evtx_key=evtx-$evtx_size-$seed
mixed_key=mixed-$mixed_size-$seed
generate "$bundle_key" bundle "$bundle_size" "$bundle_files"
generate "$small_log_key" one-log "$small_log_size"
generate "$log_key" one-log "$log_size"
generate "$evtx_key" evtx "$evtx_size" "$evtx_files"
generate "$mixed_key" mixed "$mixed_size"

if [ "$generate_only" = 1 ]; then
  for key in "$bundle_key" "$small_log_key" "$log_key" "$evtx_key" "$mixed_key"; do
    echo "$key: $(summary "$key" input) ($(summary "$key" members) members, $(summary "$key" text_bytes) bytes," \
      "planted: $(summary "$key" planted), written in $(summary "$key" generated_in))"
  done
  exit 0
fi

bin=${SNAPTRIAGE_BIN:-$(build -p snaptriage --bin snaptriage)}
[ -x "$bin" ] || { echo "compare.sh: $bin is not an executable" >&2; exit 2; }
results="$work/results-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$results"

# The floors that need a pipe or a loop, as scripts hyperfine runs without a shell of its own.
cat > "$results/floor-bundle.sh" << 'EOF'
# Inflate every member of the zip $1 and gunzip the rotated logs: every byte of text, once.
unzip -p "$1" '*.gz' | gzip -dc > /dev/null && unzip -p "$1" -x '*.gz' > /dev/null
EOF
cat > "$results/floor-evtx.sh" << 'EOF'
# Render every record of every .evtx file in the folder $2 with the evtx_dump $1, one file after the other.
for f in "$2"/*.evtx; do "$1" -o jsonl "$f" > /dev/null || exit 1; done
EOF

literals=(
  "168.63.129.16" "Error fetching the goal state" "Fetching the goal state is still failing"
  "Fetching the goal state recovered from previous errors" "Error in SendHostPluginHeartbeat"
  "[Wireserver Failed]" "Non-zero exit code" "Event: name=" "discovered update" "Unable to update Agent"
  "Daemon ended with exception" "thread died, restarting" "Extension will not be processed:"
  "Failed to receive dhcp response" "Protocol endpoint not found" "Exception uploading status blob"
  "did not reach a terminal state within the allowed timeout" "Disabling the guest agent by sleeping forever"
)
# rg_floor FILE: the rg command line of the text floor (hyperfine splits it as a shell would).
rg_floor() {
  local cmd="rg -c -F" lit
  for lit in "${literals[@]}"; do cmd+=" -e '$lit'"; done
  echo "$cmd '$1'"
}

verdicts=()
notes=()
failed=0

# analyze KEY INPUT PLANTED: one run under /usr/bin/time (and a time limit) for peak RSS and the JSON report;
# records the findings against the PLANTED ids (comma-separated; "-" for an input nothing was planted in
# on purpose, whose findings are listed unchecked). A run that fails or times out marks KEY broken, and
# snaptriage is not timed on it.
analyze() {
  local key=$1 input=$2 planted=$3 status=0 report="$results/$1.report.json"
  echo "checking snaptriage on $key..." >&2
  timeout "$limit" /usr/bin/time -f %M -o "$results/$key.rss" "$bin" analyze "$input" -f json -o "$report" ||
    status=$?
  if [ "$status" -gt 1 ]; then
    local why="exited $status"
    [ "$status" != 124 ] || why="did not finish within $limit s"
    echo "compare.sh: snaptriage $why on $input" >&2
    echo "$why" > "$results/$key.broken"
    verdicts+=("- $key: snaptriage $why")
    failed=1
    return
  fi
  local found records members id missing=() unexpected=()
  found=$(jq -r '[.findings[] | "\(.id) (\(.severity))"] | join(", ")' "$report")
  records=$(jq -r '.stats.records' "$report")
  members=$(jq -r '.coverage.members | "\(.parsed) parsed, \(.partial) partial, \(.failed) failed"' "$report")
  local verdict="real logs, not checked"
  if [ "$planted" != - ]; then
    for id in ${planted//,/ }; do
      jq -e --arg id "$id" 'any(.findings[]; .id == $id)' "$report" > /dev/null || missing+=("$id")
    done
    while read -r id; do
      [[ ,$planted, == *,$id,* ]] || unexpected+=("$id")
    done < <(jq -r '.findings[].id' "$report")
    verdict="planted: ${planted:-nothing}"
    verdict=${verdict//,/, }
    if [ "${#missing[@]}" -eq 0 ] && [ "${#unexpected[@]}" -eq 0 ]; then
      verdict+=" — all found, nothing else"
    else
      [ "${#missing[@]}" -eq 0 ] || verdict+=" — MISSING ${missing[*]}"
      [ "${#unexpected[@]}" -eq 0 ] || verdict+=" — NOT PLANTED ${unexpected[*]}"
      failed=1
    fi
  fi
  verdicts+=("- $key: ${found:-no findings}; $verdict; $records records; members: $members")
}

# floor_works KEY MAX_STATUS COMMAND...: runs the floor once (which also reads its input into the page
# cache); a floor that exits above MAX_STATUS (rg: 1, no line matched) is marked broken and not timed.
floor_works() {
  local key=$1 max=$2 status=0
  shift 2
  echo "checking the floor of $key..." >&2
  "$@" > /dev/null 2> "$results/$key.floor.err" || status=$?
  [ "$status" -gt "$max" ] || return 0
  echo "exited $status" > "$results/$key.floor-broken"
  notes+=("- $key: the floor exited $status: $(head -n 1 "$results/$key.floor.err")")
  failed=1
  return 1
}

# bench KEY FLOOR INPUT: hyperfine of FLOOR (a command line; empty for none, or when its check failed)
# and, unless its checked run failed, of snaptriage on INPUT; JSON in $results/KEY.json.
bench() {
  local key=$1 floor=$2 input=$3 cmds=()
  [ -z "$floor" ] || [ -e "$results/$key.floor-broken" ] || cmds+=(-n floor "$floor")
  [ -e "$results/$key.broken" ] || cmds+=(-n snaptriage "'$bin' analyze '$input' -f json -o /dev/null")
  if [ "${#cmds[@]}" -eq 0 ]; then
    echo '{"results": []}' > "$results/$key.json"
    return
  fi
  hyperfine -N -i -w "$warmup" -r "$runs" --style basic --export-json "$results/$key.json" "${cmds[@]}" >&2
}

# seconds KEY NAME: "mean stddev" of command NAME in $results/KEY.json (empty if it was not timed).
seconds() {
  jq -r --arg n "$2" '.results[] | select(.command == $n) | "\(.mean) \(.stddev // 0)"' "$results/$1.json"
}

# fmt_time "MEAN SD": 762 ms ± 2, 12.3 s ± 0.4.
fmt_time() {
  awk -v m="${1% *}" -v s="${1#* }" 'BEGIN {
    if (m < 1) printf "%.0f ms ± %.0f", m * 1000, s * 1000; else printf "%.2f s ± %.2f", m, s }'
}

# mb BYTES: 218 MB (10^6 bytes, as the targets are stated).
mb() { awk -v b="$1" 'BEGIN { printf "%.0f MB", b / 1e6 }'; }

# rss_mb KEY: snaptriage's peak RSS in MB (/usr/bin/time's last line, in KiB; a non-zero exit adds a line
# before it).
rss_mb() { tail -n 1 "$results/$1.rss" | awk '{ printf "%.0f", $1 * 1024 / 1e6 }'; }

rows=()
# row KEY LABEL FLOOR_SHOWN RATIO_TARGET [RSS_NOTE]: a table row from the measurements of KEY; RATIO_TARGET
# is the most snaptriage's time may be as a multiple of the floor's (empty: no floor); RSS_NOTE is added
# to the peak RSS cell.
row() {
  local key=$1 label=$2 shown=$3 target=$4 rss_note=${5:-}
  local floor snap ratio="–" floor_cell="–" snap_cell="–" rss_cell="–" target_cell verdict="met" misses=()
  snap=$(seconds "$key" snaptriage)
  floor=$(seconds "$key" floor)
  if [ -n "$floor" ]; then
    floor_cell=$(fmt_time "$floor")
  elif [ -e "$results/$key.floor-broken" ]; then
    floor_cell="– (floor $(cat "$results/$key.floor-broken"))"
    [ -z "$target" ] || misses+=("no floor time")
  fi
  target_cell="RSS ≤ $rss_target_mb MB"
  [ -z "$target" ] || target_cell="≤ $target× floor, $target_cell"
  if [ -e "$results/$key.broken" ]; then
    snap_cell="– ($(cat "$results/$key.broken"))"
    misses+=("snaptriage $(cat "$results/$key.broken")")
  else
    snap_cell=$(fmt_time "$snap")
    local rss
    rss=$(rss_mb "$key")
    rss_cell="$rss MB${rss_note:+ ($rss_note)}"
    [ "$rss" -le "$rss_target_mb" ] || misses+=("RSS $rss MB > $rss_target_mb MB")
    if [ -n "$floor" ]; then
      ratio=$(awk -v s="${snap% *}" -v f="${floor% *}" 'BEGIN { printf "%.2f", s / f }')
      if [ -n "$target" ] && awk -v r="$ratio" -v t="$target" 'BEGIN { exit !(r > t) }'; then
        misses+=("${ratio}× > $target×")
      fi
      ratio+="×"
    fi
  fi
  if [ "${#misses[@]}" -gt 0 ]; then
    local IFS=';'
    verdict="missed (${misses[*]})"
    verdict=${verdict//;/; }
  fi
  rows+=("| $label | $shown | $floor_cell | $snap_cell | $ratio | $rss_cell | $target_cell | $verdict |")
}

start=$SECONDS
load_start=$(cut -d' ' -f1-3 /proc/loadavg)

# 1. A Linux bundle zip: rotated waagent.log.N.gz members and the current log, plus the small files.
zip=$(summary "$bundle_key" input)
analyze "$bundle_key" "$zip" "$(summary "$bundle_key" planted)"
floor=""
! floor_works "$bundle_key" 0 sh "$results/floor-bundle.sh" "$zip" || floor="sh '$results/floor-bundle.sh' '$zip'"
bench "$bundle_key" "$floor" "$zip"
row "$bundle_key" \
  "Linux bundle zip: $(summary "$bundle_key" members) members, $(mb "$(summary "$bundle_key" text_bytes)") of text ($(mb "$(stat -c %s "$zip")") zip)" \
  "\`unzip -p bundle.zip '*.gz' \| gzip -dc; unzip -p bundle.zip -x '*.gz'\`" "$bundle_target"

# 2. One large waagent.log, at two sizes: peak RSS should not grow with the size.
declare -A log_rss
for key in "$small_log_key" "$log_key"; do
  dir=$(summary "$key" input)
  analyze "$key" "$dir" "$(summary "$key" planted)"
  floor=$(rg_floor "$dir/var/log/waagent.log")
  floor_works "$key" 1 rg -c -F "${literals[@]/#/--regexp=}" "$dir/var/log/waagent.log" || floor=""
  bench "$key" "$floor" "$dir"
  [ -e "$results/$key.broken" ] || log_rss[$key]=$(rss_mb "$key")
done
small_label="one waagent.log, $(mb "$(summary "$small_log_key" text_bytes)")"
large_label="one waagent.log, $(mb "$(summary "$log_key" text_bytes)")"
rg_shown="\`rg -c -F -e … waagent.log\` (${#literals[@]} signature literals)"
row "$small_log_key" "$small_label" "$rg_shown" ""
row "$log_key" "$large_label" "$rg_shown" "$log_target" \
  "${log_rss[$small_log_key]:+${log_rss[$small_log_key]} MB at $(mb "$(summary "$small_log_key" text_bytes)")}"
if [ -n "${log_rss[$small_log_key]:-}" ] && [ -n "${log_rss[$log_key]:-}" ]; then
  growth=$(awk -v a="${log_rss[$small_log_key]}" -v b="${log_rss[$log_key]}" 'BEGIN { printf "%.2f", b / a }')
  flat="grows with the input"
  ! awk -v g="$growth" 'BEGIN { exit !(g <= 1.25) }' || flat="flat (within 25 %)"
  notes+=("- Peak RSS on one waagent.log: ${log_rss[$small_log_key]} MB for $(mb "$(summary "$small_log_key" text_bytes)"), ${log_rss[$log_key]} MB for $(mb "$(summary "$log_key" text_bytes)") (${growth}×): $flat")
fi

# 3. Windows event logs, against rendering every record with evtx_dump, one file after the other.
dir=$(summary "$evtx_key" input)
logs="$dir/Windows/System32/winevt/Logs"
analyze "$evtx_key" "$dir" "$(summary "$evtx_key" planted)"
floor=""
! floor_works "$evtx_key" 0 sh "$results/floor-evtx.sh" "$evtx_dump" "$logs" ||
  floor="sh '$results/floor-evtx.sh' '$evtx_dump' '$logs'"
bench "$evtx_key" "$floor" "$dir"
evtx_shown="\`evtx_dump -o jsonl\` on each file in turn"
row "$evtx_key" \
  "$(summary "$evtx_key" members) EVTX files, $(mb "$(summary "$evtx_key" text_bytes)"), $(summary "$evtx_key" records) records" \
  "$evtx_shown" "$evtx_target"
one_evtx=$(find "$logs" -name '*.evtx' | sort | tail -n 1)
if hyperfine -N -w "$warmup" -r "$runs" --style basic --export-json "$results/evtx-one-file.json" \
  -n floor "'$evtx_dump' -o jsonl '$one_evtx'" >&2; then
  notes+=("- evtx_dump on one file ($(basename "$one_evtx"), $(mb "$(stat -c %s "$one_evtx")")): $(fmt_time "$(seconds evtx-one-file floor)")")
fi

# 4. Real event logs from the corpus, when it is there: records as Windows writes them (templates).
corpus_note="- Corpus EVTX row skipped: $corpus not found"
if [ -d "$corpus" ]; then
  key="corpus-evtx"
  corpus_logs="$work/$key/Windows/System32/winevt/Logs"
  rm -rf "${work:?}/$key" && mkdir -p "$corpus_logs"
  find "$corpus" -maxdepth 1 -name '*.evtx' -printf '%s %p\n' | sort -rn | head -n 8 | cut -d' ' -f2- |
    while read -r f; do cp "$f" "$corpus_logs/"; done
  analyze "$key" "$work/$key" -
  floor=""
  ! floor_works "$key" 0 sh "$results/floor-evtx.sh" "$evtx_dump" "$corpus_logs" ||
    floor="sh '$results/floor-evtx.sh' '$evtx_dump' '$corpus_logs'"
  bench "$key" "$floor" "$work/$key"
  row "$key" "the 8 largest corpus EVTX files, $(mb "$(du -cb "$corpus_logs"/*.evtx | tail -n 1 | cut -f1)")" \
    "$evtx_shown" "$evtx_target"
  corpus_note="- Corpus EVTX: the eight largest files of $corpus (Windows' own records)"
fi
notes+=("$corpus_note")

# 5. Assorted logs in one zip, the first thing a new user tries: no floor; is there a progress bar?
zip=$(summary "$mixed_key" input)
analyze "$mixed_key" "$zip" "$(summary "$mixed_key" planted)"
bench "$mixed_key" "" "$zip"
row "$mixed_key" \
  "mixed logs zip: $(summary "$mixed_key" members) members, $(mb "$(summary "$mixed_key" text_bytes)") of text ($(mb "$(stat -c %s "$zip")") zip)" \
  "– (wall time only)" ""
# On a pseudo-terminal, a progress bar redraws its line: a carriage return not followed by a line feed, or
# an erase-line / cursor-up sequence.
tty_out=$(timeout "$limit" script -qec "$(printf '%q ' "$bin" analyze "$zip" -o /dev/null)" /dev/null < /dev/null 2>&1 || true)
tty_out=${tty_out//$'\r\n'/$'\n'}
# (A last line's carriage return is left once the command substitution drops its line feed.)
tty_out=${tty_out%$'\r'}
if [[ $tty_out == *$'\r'* || $tty_out == *$'\e[K'* || $tty_out == *$'\e[2K'* || $tty_out == *$'\e[1A'* ]]; then
  notes+=("- Progress bar while the mixed zip is analysed: yes (standard error on a terminal redraws a line)")
else
  notes+=("- Progress bar while the mixed zip is analysed: no (standard error on a terminal: ${#tty_out} bytes, no redrawn line)")
fi

commit=$(git rev-parse --short HEAD)
[ -z "$(git status --porcelain --untracked-files=no)" ] || commit+=" (with uncommitted changes)"
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
mem=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
literal_list=""
for lit in "${literals[@]}"; do literal_list+="\`$lit\` "; done

{
  cat << EOF
## snaptriage vs the floor of reading the same data ($(date -u +%Y-%m-%d))

- Machine: $(nproc) cores (\`nproc\`), ${cpu:-unknown CPU}, $mem RAM, $(uname -sm); load average $load_start at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end
- Commit $commit; snaptriage: \`$bin\` ($("$bin" --version)); $(rustc --version)
- Tools: $(hyperfine --version), $(rg --version | head -n 1), evtx_dump $("$evtx_dump" --version | awk '{ print $NF }'), $(unzip -v | head -n 1 | cut -d' ' -f1-2), gzip $(gzip --version | head -n 1 | awk '{ print $NF }')
- \`hyperfine -N -w $warmup -r $runs\` (mean ± σ); peak RSS from \`/usr/bin/time -f %M\`, one run; MB are 10⁶ bytes; inputs from \`gen-samples large --seed $seed\`, cached in $work

| input | floor command | floor time | snaptriage time | ratio | peak RSS | target | met |
|---|---|---|---|---|---|---|---|
EOF
  printf '%s\n' "${rows[@]}"
  cat << EOF

Findings (\`snaptriage analyze INPUT -f json\`: \`.findings[]\` id and severity) against what the generator planted:

$(printf '%s\n' "${verdicts[@]}")

Notes:

- The ${#literals[@]} literals of the rg floor, each from a built-in signature: $literal_list
$(printf '%s\n' "${notes[@]}")
- Raw hyperfine JSON, reports and RSS: $results (script time $((SECONDS - start)) s after the build and generation)
EOF
} | tee "$results/summary.md"
exit "$failed"
