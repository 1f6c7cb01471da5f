#!/usr/bin/env bash
# Run libFuzzer targets built by tests/fuzz/meson.build on copies of their
# seeds, one after the other, and print one PASS/FAIL line per target with
# the inputs run per second and the corpus growth.
#
# Usage: tests/fuzz/run.sh [-s SECONDS] [-o OUTDIR] BINDIR NAME... [-- libFuzzer options]
#   SECONDS  per target (default $FUZZ_SECONDS, else 30)
#   BINDIR   where fuzz_NAME was built (build/tests/fuzz)
#   OUTDIR   work directories, one per target (default BINDIR/run): the
#            corpus grown this run, crash-*/leak-*/timeout-* reproducers,
#            the full log. The seeds in the repository are never modified.
# Exit status: 0 when no target found anything, 1 otherwise (2: usage).
set -uo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
secs=${FUZZ_SECONDS:-30}
out=
while getopts "s:o:" opt; do
  case $opt in
    s) secs=$OPTARG ;;
    o) out=$OPTARG ;;
    *) exit 2 ;;
  esac
done
shift $((OPTIND - 1))
[ $# -ge 2 ] || { sed -n '2,12p' "$0" >&2; exit 2; }
bindir=$1
shift
names=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do names+=("$1"); shift; done
[ "${1:-}" = "--" ] && shift
extra=("$@")
out=${out:-$bindir/run}

# Seeds, maximum input length and dictionary of each target.
seeds_of() {
  case $1 in
    bmp) echo "$root/tests/fuzz/corpus-bmp" ;;
    bfddp) echo "$root"/tests/fixtures/bfddp-frr-8.4.4-*.bin ;;
    config) echo "$root/tests/fuzz/corpus-config" ;;
    packet) echo "$root/tests/fuzz/corpus-packet" ;;
    *) return 1 ;;
  esac
}
max_len_of() {
  case $1 in
    bmp) echo 8192 ;; bfddp) echo 4096 ;; config) echo 16384 ;; packet) echo 2048 ;;
  esac
}

rc=0
for name in "${names[@]}"; do
  bin=$bindir/fuzz_$name
  work=$out/$name
  if ! seeds=$(seeds_of "$name"); then
    echo "FAIL fuzz $name: unknown target"; rc=1; continue
  fi
  if [ ! -x "$bin" ]; then
    echo "FAIL fuzz $name: $bin not built (ninja -C build fuzz)"; rc=1; continue
  fi
  rm -rf "$work"
  mkdir -p "$work/corpus"
  # shellcheck disable=SC2086
  for s in $seeds; do
    if [ -d "$s" ]; then cp "$s"/* "$work/corpus/"; else cp "$s" "$work/corpus/"; fi
  done
  n_seeds=$(find "$work/corpus" -type f | wc -l)
  dict=()
  [ -f "$root/tests/fuzz/$name.dict" ] && dict=(-dict="$root/tests/fuzz/$name.dict")
  start=$(date +%s.%N)
  "$bin" -max_total_time="$secs" -max_len="$(max_len_of "$name")" -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$work/" "${dict[@]}" \
    "${extra[@]}" "$work/corpus" >"$work/log" 2>&1
  frc=$?
  end=$(date +%s.%N)
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -1)
  n_corpus=$(find "$work/corpus" -type f | wc -l)
  rate=$(awk -v r="${runs:-0}" -v a="$start" -v b="$end" 'BEGIN { printf "%.0f", r / (b - a) }')
  if [ $frc -eq 0 ] && [ -n "$runs" ]; then
    echo "PASS fuzz $name: ${runs} inputs in ${secs} s (${rate}/s), corpus ${n_seeds} -> ${n_corpus}"
  else
    rc=1
    echo "FAIL fuzz $name: libFuzzer exit $frc after ${runs:-?} inputs; log $work/log"
    find "$work" -maxdepth 1 \( -name "crash-*" -o -name "leak-*" -o -name "timeout-*" -o -name "oom-*" \) | sed "s/^/  reproducer: /"
    grep -m1 -A12 -E "^==[0-9]+==ERROR|runtime error|deadly signal" "$work/log" | sed 's/^/  /'
  fi
done
exit $rc
