#!/usr/bin/env bash
# Bad input: every case of tests/e2e/badinput.py (hand-made -oJ 1.3.x files
# mixing good records with invalid JSON, a truncated record, IPv6 and 256.1.1.1
# addresses, ports 70000 and -1, huge timestamps, ttl 300, unknown reason and
# status, no ip, ports not an array or empty, binary junk, 1 MB lines (junk, and
# a valid 1 MB banner that must be parsed), a line over --max-record-bytes, the
# 1.0.5 and <=1.0.4 layouts, an interrupted scan, an empty file, "[ ]", bad
# -oL/-oG/-oX lines and a truncated scan.bin) is scanned at 2 ranks twice:
#   default (--on-error=skip): exit 0; records_read == used + rejected in /ingest and in
#     /ingest/files; the expected rejected count; /ingest/errors has each bad
#     record's byte offset with a cause naming the problem;
#   --on-error=fail: non-zero exit, stderr names the file and a byte offset, no
#     output file and no .tmp. leftover (cases with nothing to reject succeed);
# no crash, no hang (timeout 60), nothing written but the -o file.
# Cases run three at a time to keep the test short on a 2-core machine.
# Usage (ctest): bash tests/e2e/test_bad_input.sh <scanhpc-binary> <repo-root>
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_setup bad-input "$@"
PARALLEL=3

echo "== writing the cases"
"$PY" "$ROOT/tests/e2e/badinput.py" make "$TMP" "$ROOT/data/masscan-testnet/scan.bin"
mkdir logs

# run_case NAME FILES ARGS: both runs in the case directory, results in logs/
run_case() {
  local name=$1 files=$2 extra=$3 mode
  local dir="$TMP/cases/$name"
  for mode in skip fail; do
    local rc=0 flag=()
    [ $mode = fail ] && flag=(--on-error=fail)  # skip is the default
    # shellcheck disable=SC2086  # FILES and ARGS are word lists without spaces
    # --allow-empty: the cases that use no record are checked for their counts (exit 3 is test_exit_codes.sh's)
    (cd "$dir" && exec timeout 60 mpirun -n 2 "$SCANHPC" scan --allow-empty "${flag[@]}" -o "out_$mode.h5" \
      $extra $files) >"$TMP/logs/$name.$mode.out" 2>"$TMP/logs/$name.$mode.err" </dev/null || rc=$?
    echo "$rc" >"$TMP/logs/$name.$mode.rc"
  done
}

echo "== running every case at 2 ranks, default (--on-error=skip) then --on-error=fail"
running=0
while IFS=$'\t' read -r name files extra; do
  run_case "$name" "$files" "$extra" &
  running=$((running + 1))
  if [ $running -ge $PARALLEL ]; then
    wait -n || true
    running=$((running - 1))
  fi
done < <("$PY" "$ROOT/tests/e2e/badinput.py" list "$TMP")
wait

echo "== checking"
status=0
"$PY" "$ROOT/tests/e2e/badinput.py" check "$TMP" || status=1

# nothing may appear beside the cases, the logs and the manifest
extra=""
for entry in "$TMP"/* "$TMP"/.[!.]*; do
  [ -e "$entry" ] || continue
  case ${entry##*/} in cases | logs | manifest.json) ;; *) extra+=" ${entry##*/}" ;; esac
done
if [ -n "$extra" ]; then
  echo "FAIL: unexpected files in the work directory: $extra" >&2
  status=1
fi

if [ $status -ne 0 ]; then
  echo "test_bad_input: FAILED (see the FAIL lines above)" >&2
  exit 1
fi
echo "test_bad_input: ok"
