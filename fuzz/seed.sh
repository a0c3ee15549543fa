#!/usr/bin/env bash
# Seeds every fuzz target's corpus (fuzz/corpus/<target>/, git-ignored) from the bundled samples and the
# public corpus (../shared/corpus, skipped when absent). Reproducible: the same inputs give the same seed
# files, named by content hash; running it again only adds what is missing.
#
#   fuzz/seed.sh [CORPUS_DIR]      # CORPUS_DIR defaults to ../shared/corpus relative to the repository
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
shared="${1:-$root/../shared/corpus}"
out="$here/corpus"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# Every sample bundle, unpacked (the bundle target gets the archives themselves).
mkdir -p "$work/samples"
n=0
while IFS= read -r -d '' f; do
    n=$((n + 1))
    d="$work/samples/$n"
    mkdir -p "$d"
    case "$f" in
        *.zip) unzip -qq -o "$f" -d "$d" 2>/dev/null || true ;;
        *.tar.gz | *.tgz) tar -xzf "$f" -C "$d" 2>/dev/null || true ;;
        *.tar) tar -xf "$f" -C "$d" 2>/dev/null || true ;;
    esac
done < <(find "$root/samples" -type f \( -name '*.zip' -o -name '*.tar.gz' -o -name '*.tgz' -o -name '*.tar' \) -print0 | sort -z)
# Gzipped rotated logs inside the samples, unpacked next to themselves.
find "$work/samples" -type f -name '*.gz' -exec gzip -dkf {} \; 2>/dev/null || true

# seed TARGET FILE...: copies each file (at most 4 MiB) into the target's corpus under its SHA-1.
seed() {
    local target="$1"
    shift
    mkdir -p "$out/$target"
    local f
    for f in "$@"; do
        [ -f "$f" ] || continue
        [ "$(stat -c %s "$f")" -le 4194304 ] || continue
        cp "$f" "$out/$target/$(sha1sum "$f" | cut -c1-40)"
    done
}
# files DIR FIND-ARGS...: NUL-free list of matching files, one per line (paths have no newlines here).
files() {
    local dir="$1"
    shift
    [ -d "$dir" ] || return 0
    find "$dir" -type f "$@" | sort
}
S="$work/samples"
C="$shared"

mapfile -t waagent < <(files "$S" -iname 'waagent.log*' ! -name '*.gz'; files "$C/linux/logs" -name '*.log'; files "$C/vmsnapshot" -name 'linux_waagent_*')
seed waagent_log "${waagent[@]}"
mapfile -t syslogs < <(files "$S" \( -name 'syslog*' -o -name 'messages*' -o -name 'dmesg*' -o -name 'kern.log*' \) ! -name '*.gz'; files "$C/linux/logs" -name '*journald*')
seed syslog "${syslogs[@]}"
mapfile -t vmsnap < <(files "$S" -path '*VMSnapshot*' -name 'extension.log*' ! -name '*.gz'; files "$C/vmsnapshot" \( -name 'linux_extlog_*' -o -name 'linux_console_*' -o -name 'linux_stderr_*' \))
seed vmsnapshot_log "${vmsnap[@]}"
mapfile -t shell < <(files "$S" -name 'shell.log*' ! -name '*.gz'; files "$C/vmsnapshot" -name 'linux_shelllog_*')
seed shell_log "${shell[@]}"
mapfile -t generic < <(files "$S" \( -name '*.log' -o -name '*.txt' \); files "$C" -name '*.log')
seed generic_log "${generic[@]}"
mapfile -t conf < <(files "$S" \( -name 'waagent.conf' -o -name 'vmbackup.conf' \); files "$C/linux/etc")
seed waagent_conf "${conf[@]}"
mapfile -t gs < <(files "$S" \( -name 'GoalState*.xml' -o -name 'HostingEnvironmentConfig*.xml' -o -name 'SharedConfig*.xml' \); files "$C/linux" \( -name 'GoalState*.xml' -o -name 'HostingEnvironmentConfig*.xml' -o -name 'SharedConfig*.xml' \))
seed goal_state "${gs[@]}"
mapfile -t ec < <(files "$S" -name 'ExtensionsConfig*.xml'; files "$C/linux" -name 'ExtensionsConfig*.xml')
seed extensions_config "${ec[@]}"
mapfile -t st < <(files "$S" \( -name '*.status' -o -iname 'HeartBeat.Json' \); files "$C" -name '*.status')
seed ext_status "${st[@]}"
mapfile -t hd < <(files "$S" \( -name 'HandlerState' -o -name 'HandlerStatus' -o -name 'HandlerEnvironment.json' -o -name 'HandlerManifest.json' -o -name 'mrseq' -o -name '*.settings' \); files "$C" -name 'HandlerManifest*.json')
seed handler "${hd[@]}"
mapfile -t ws < <(files "$S" \( -name 'waagent_status*.json' -o -iname 'aggregatestatus*.json' \))
seed waagent_status "${ws[@]}"
mapfile -t net < <(files "$S" \( -name 'ifcfg-*' -o -path '*netplan*' -o -name 'interfaces' \))
seed network_config "${net[@]}"
mapfile -t ev < <(files "$S" -iname '*.evtx'; files "$C/evtx" -name '*.evtx')
seed evtx_log "${ev[@]}"
mapfile -t hive < <(files "$S" -path '*System32/config/*')
seed registry "${hive[@]}"
mapfile -t waapp < <(files "$S" \( -iname 'WaAppAgent*.log' -o -iname 'TransparentInstaller*.log' -o -iname 'Telemetry*.log' -o -path '*Plugins*' -name '*.log' \))
seed waappagent_log "${waapp[@]}"
mapfile -t vss < <(files "$S" -iname '*vss*'; files "$S" -iname '*writers*')
seed vssadmin "${vss[@]}"
mapfile -t bundles < <(files "$root/samples" \( -name '*.zip' -o -name '*.tar.gz' -o -name '*.tgz' \); files "$S" \( -name 'waagent.log' -o -name 'WaAppAgent.log' \))
seed bundle "${bundles[@]}"

for d in "$out"/*/; do
    printf '%-18s %4d seeds\n' "$(basename "$d")" "$(find "$d" -type f | wc -l)"
done
