#!/usr/bin/env bash
# Runs without mpirun side by side. Open MPI 4.1 gives every singleton the same session folder
# (/tmp/ompi.HOST.UID/jf.0/1) and the first to finish removes it, which once failed a run in the
# test suite as it opened its output; scanhpc gives each singleton a folder of its own under
# $TMPDIR and removes it at the end. Checked here: eight concurrent runs without mpirun succeed
# with identical outputs, each made and removed its own scanhpc-mpi.* folder (none is left), and
# a user's OMPI_MCA_orte_tmpdir_base is used as given.
# Usage (ctest): bash tests/e2e/test_singletons.sh <scanhpc-binary> <repo-root>
set -uo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_setup singletons "$@"
mkdir -p tmp own
"$SCANHPC" synth masscan --services 50000 --seed 3 --multiprobe-boost 50 -q -o scan.oJ || fail "synth failed"

# strace (where present) shows which folders each run made
trace() { local out=$1; shift; if command -v strace >/dev/null; then strace -f -e trace=mkdir -o "$out" "$@"; else "$@"; fi; }
pids=()
for i in 1 2 3 4 5 6 7 8; do
  TMPDIR="$TMP/tmp" trace "trace$i.txt" \
    "$SCANHPC" scan -q --analyses multiprobe,hosts -o "out$i.h5" scan.oJ >"run$i.log" 2>&1 &
  pids+=($!)
done
for i in "${!pids[@]}"; do
  wait "${pids[$i]}" || { fail "run $((i + 1)) without mpirun failed"; tail -3 "run$((i + 1)).log" >&2; }
done
if "$PY" "$ROOT/tests/compare_h5.py" --ignore /run out1.h5 out2.h5 out3.h5 out4.h5 out5.h5 out6.h5 out7.h5 out8.h5 \
    >cmp.txt 2>&1; then
  echo "  ok   8 concurrent runs without mpirun: identical outputs"
else
  fail "the concurrent runs' outputs differ"; head -5 cmp.txt >&2
fi
if command -v strace >/dev/null; then
  dirs=$(cat trace*.txt | grep -o "\"$TMP/tmp/scanhpc-mpi\.[A-Za-z0-9]*\", 0700) = 0" | sort -u | wc -l)
  [ "$dirs" -eq 8 ] && echo "  ok   each run made its own session folder ($dirs)" || fail "$dirs private session folders for 8 runs"
fi
left=$(find "$TMP/tmp" -maxdepth 1 -name 'scanhpc-mpi.*' | wc -l)
[ "$left" -eq 0 ] && echo "  ok   none is left behind" || fail "$left session folders left in TMPDIR"

OMPI_MCA_orte_tmpdir_base="$TMP/own" TMPDIR="$TMP/tmp" trace own.txt \
  "$SCANHPC" scan -q --analyses hosts -o own.h5 scan.oJ >own.log 2>&1 || fail "run with the user's tmpdir base failed"
if ! command -v strace >/dev/null; then
  echo "  --   strace not installed: which folders the runs made is not checked"
elif grep -q "\"$TMP/own/ompi\." own.txt && ! grep -q scanhpc-mpi own.txt; then
  echo "  ok   a user's OMPI_MCA_orte_tmpdir_base is used as given"
else
  fail "the user's OMPI_MCA_orte_tmpdir_base was not used"
fi

[ "$failures" -eq 0 ] && echo "test_singletons: OK" || echo "test_singletons: $failures failure(s)"
[ "$failures" -eq 0 ]
