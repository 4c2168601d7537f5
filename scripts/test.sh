#!/usr/bin/env bash
# The test command: installs missing packages, builds, runs the whole suite
# (unit tests, MPI tests at 1-4 ranks, end-to-end tests against oracles).
# Tests that fail are run once more; a test that passes then is reported as flaky (exit 0), one
# that fails again fails the run. Either way the first failure's FAIL lines and last lines are
# repeated at the very end, so that a log cut to its head and tail (CI's) still shows why.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
source scripts/mpi-env.sh
cd build
rc=0
ctest --output-on-failure -j2 "$@" || rc=$?
[ $rc -eq 0 ] && exit 0
[ -f Testing/Temporary/LastTest.log ] && cp Testing/Temporary/LastTest.log Testing/Temporary/FirstFailure.log
failed=$(cut -d: -f2- Testing/Temporary/LastTestsFailed.log 2>/dev/null | paste -sd, - || true)
echo "=== the failed tests once more: $failed"
rerun=0
ctest --output-on-failure --rerun-failed "$@" || rerun=$?
echo "=== why the failed tests failed the first time (build/Testing/Temporary/FirstFailure.log) ==="
awk '
  /^[0-9]+\/[0-9]+ Testing: / { name = $0; sub(/^[0-9]+\/[0-9]+ Testing: /, "", name); n = 0; next }
  /^Output:$/ { inout = 1; getline; next }  # the line after is a rule
  /^<end of output>$/ { inout = 0; next }
  inout { buf[n++] = $0; next }
  /^Test Failed/ {
    print "--- " name ": its FAIL lines, then its last 25 lines"
    for (i = 0; i < n; i++) if (buf[i] ~ /FAIL|[Ee]rror|Assertion/) print "  " buf[i]
    print "  ..."
    for (i = (n > 25 ? n - 25 : 0); i < n; i++) print "  " buf[i]
  }' Testing/Temporary/FirstFailure.log
if [ $rerun -eq 0 ]; then
  echo "FLAKY: failed, then passed when run again: $failed"
  exit 0
fi
echo "FAILED twice: $(cut -d: -f2- Testing/Temporary/LastTestsFailed.log | paste -sd, -)"
exit $rc
