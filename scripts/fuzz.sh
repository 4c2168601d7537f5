#!/usr/bin/env bash
# Runs every libFuzzer harness for at least SECONDS of CPU time each
# (ASan + UBSan), FUZZ_JOBS harnesses at a time, and prints a table.
#   scripts/fuzz.sh SECONDS [harness ...]
# Builds build-fuzz first (clang). Seeds come from tests/fuzz/corpus/<h>;
# what the fuzzer finds grows a working copy in build-fuzz/corpus/<h>, and
# crashing inputs land in build-fuzz/findings/<h>/ (add them to the
# seed corpus once fixed: the ordinary ctest replays it).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
if [ $# -lt 1 ] || ! [[ $1 =~ ^[0-9]+$ ]]; then
  echo "usage: scripts/fuzz.sh SECONDS [harness ...]" >&2
  exit 2
fi
seconds=$1; shift
all=(masscan_json masscan_list masscan_grepable masscan_xml masscan_binary gps_seed flow_avro honeypot_csv)
harnesses=("${@:-${all[@]}}")
build=$root/build-fuzz
cmake -S "$root" -B "$build" -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DSCANHPC_FUZZ=ON >/dev/null
cmake --build "$build" -j"$(nproc)" >/dev/null
mkdir -p "$build/logs"

# One harness: libFuzzer's -max_total_time is wall time, so it runs again on
# its grown corpus until the process has used SECONDS of CPU.
run_one() {
  local h=$1 cpu=0 execs=0 left t start=$SECONDS
  mkdir -p "$build/corpus/$h" "$build/findings/$h"
  : > "$build/logs/$h.log"
  while [ "$cpu" -lt "$seconds" ]; do
    left=$((seconds - cpu))
    /usr/bin/time -o "$build/logs/$h.time" -f '%U %S' "$build/fuzz_$h" -max_total_time=$left -timeout=10 \
      -rss_limit_mb=4096 -print_final_stats=1 -artifact_prefix="$build/findings/$h/" \
      "$build/corpus/$h" "$root/tests/fuzz/corpus/$h" >>"$build/logs/$h.log" 2>&1 || true
    t=$(tail -1 "$build/logs/$h.time")
    cpu=$(awk -v c="$cpu" -v t="$t" 'BEGIN { split(t, a, " "); printf "%d", c + a[1] + a[2] + 0.5 }')
    if grep -q "^==[0-9]*==ERROR\|^SUMMARY: \|property failed\|ERROR: libFuzzer" "$build/logs/$h.log"; then break; fi
  done
  execs=$(awk '/stat::number_of_executed_units:/ { s += $2 } END { print s + 0 }' "$build/logs/$h.log")
  printf '%s %d %d %d %d %d\n' "$h" $((SECONDS - start)) "$cpu" "$execs" \
    "$(ls "$build/corpus/$h" | wc -l)" "$(ls "$build/findings/$h" | wc -l)" > "$build/logs/$h.row"
}
export -f run_one
export build root seconds
printf '%s\n' "${harnesses[@]}" | xargs -P "${FUZZ_JOBS:-$(nproc)}" -I{} bash -c 'run_one {}'

printf '%-18s %8s %8s %14s %8s %9s\n' harness wall_s cpu_s executions corpus findings
status=0
for h in "${harnesses[@]}"; do
  read -r name wall cpu execs corpus findings < "$build/logs/$h.row"
  printf '%-18s %8d %8d %14d %8d %9d\n' "$name" "$wall" "$cpu" "$execs" "$corpus" "$findings"
  [ "$findings" -eq 0 ] || status=1
done
[ $status -eq 0 ] || echo "findings: see build-fuzz/findings/ and build-fuzz/logs/" >&2
exit $status
