#!/usr/bin/env bash
# Faults, each ending with a clear message, the right exit code and no
# output: a full disk at the output (a 512 KiB tmpfs the test mounts), a
# rank killed with SIGKILL mid-run, an input removed between listing and
# reading, the output folder turned read-only mid-run (a read-only bind
# mount, which binds root too), a read error on one rank of four after the
# output was created (agreed: a clean exit 1), an error on one rank alone in
# the write stage (that rank aborts the job, no hang), and an error inside an
# OpenMP region (the message, not std::terminate). The faults are made real
# (mount, SIGKILL, rm) or injected at named points with SCANHPC_FAULT (a test
# hook, docs/testing.md). Mounting needs root: without it those cases say so
# and are skipped.
# Usage (ctest): bash tests/e2e/test_faults.sh <scanhpc-binary> <repo-root>
set -uo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_setup faults "$@"
MOUNTS=()
cleanup_mounts() { for m in "${MOUNTS[@]}"; do umount -l "$m" 2>/dev/null; done; }
e2e_at_exit cleanup_mounts

E2E_TIMEOUT=60
listing() { (cd "$1" 2>/dev/null && find . -mindepth 1 | sort | tr '\n' ' '); }
# expect NAME WANT-RC MESSAGE DIR: exit WANT-RC (any non-zero for "nz"; never a timeout),
# MESSAGE in stderr, DIR empty of outputs and temporaries.
expect() {
  local name=$1 want=$2 msg=$3 dir=$4
  local good=1
  if [ "$RC" -eq 124 ]; then fail "$name: timed out (a hang)"; good=0
  elif [ "$RC" -gt 128 ] && [ "$want" != killed ] && [ "$want" != "$RC" ]; then fail "$name: exit $RC (a crash)"; good=0
  elif [ "$want" = killed ] && [ "$RC" -eq 0 ]; then fail "$name: exit 0"; good=0
  elif [ "$want" = nz ] && [ "$RC" -eq 0 ]; then fail "$name: exit 0"; good=0
  elif [ "$want" != nz ] && [ "$want" != killed ] && [ "$RC" -ne "$want" ]; then fail "$name: exit $RC, expected $want"; good=0; fi
  grep -qF -- "$msg" "$name.err" || { fail "$name: stderr does not say '$msg'"; good=0; }
  grep -q "terminate called\|Segmentation\|HDF5-DIAG" "$name.err" && { fail "$name: a crash or HDF5 diagnostics"; good=0; }
  local left
  left=$(listing "$dir")
  [ -z "$left" ] || { fail "$name: $dir holds [$left]"; good=0; }
  if [ $good -eq 1 ]; then ok "$name: exit $RC, '$(grep -F -- "$msg" "$name.err" | head -1 | cut -c1-150)', nothing in $dir"
  else show "$name.err"; fi
}
wait_stopped() {  # PATTERN: the pid of a stopped process whose command line matches
  local p
  for _ in $(seq 300); do
    for p in $(pgrep -f "$1"); do
      [ "$(awk '{print $3}' /proc/"$p"/stat 2>/dev/null)" = T ] && { echo "$p"; return 0; }
    done
    sleep 0.1
  done
  return 1
}

"$SCANHPC" synth masscan --services 60000 --seed 8 -o big.oJ -q
"$SCANHPC" synth honeypot --days 5 -o logs.csv -q
can_mount=0
mkdir -p probe && mount -t tmpfs -o size=64k tmpfs probe 2>/dev/null && { can_mount=1; umount probe; }

echo "== a full disk at the output"
if [ $can_mount -eq 1 ]; then
  mkdir -p full && mount -t tmpfs -o size=512k tmpfs full && MOUNTS+=("$TMP/full")
  for n in 0 3; do
    run full-$n $n "$SCANHPC" scan -q -o full/out.h5 big.oJ
    expect full-$n 1 "No space left on device" full
  done
  run full-synth 0 "$SCANHPC" synth masscan --services 40000 -q -o full/s.oJ
  expect full-synth 1 "No space left on device" full
else
  echo "  skip full disk: mounting a tmpfs needs root"
fi

echo "== a rank killed with SIGKILL mid-run"
mkdir -p killed
SCANHPC_FAULT=created:sigkill@1 run killed 3 "$SCANHPC" scan -q -o killed/out.h5 big.oJ
expect killed killed "" killed
grep -q "signal 9\|Killed" killed.err && ok "killed: mpirun names the killed rank" || { fail "killed: no word of the kill"; show killed.err; }

echo "== an input removed between listing and reading"
for n in 0 3; do
  mkdir -p gone-$n && cp big.oJ gone-$n/in.oJ && mkdir -p out-gone-$n
  launcher=(); [ $n -gt 0 ] && launcher=(mpirun -n $n)
  RC=0
  SCANHPC_FAULT=listed:stop@0 timeout 60 "${launcher[@]}" "$SCANHPC" scan -q -o out-gone-$n/out.h5 gone-$n/in.oJ \
    >gone-$n.out 2>gone-$n.err &
  job=$!
  if pid=$(wait_stopped "scan -q -o out-gone-$n/out.h5"); then
    rm gone-$n/in.oJ
    kill -CONT "$pid"
  else fail "gone-$n: the run never paused after listing"; fi
  wait $job || RC=$?
  expect gone-$n 1 "gone-$n/in.oJ: No such file or directory" out-gone-$n
done

echo "== the output folder turned read-only mid-run"
if [ $can_mount -eq 1 ]; then
  for point in listed created; do
    mkdir -p ro-$point
    RC=0
    SCANHPC_FAULT=$point:stop@0 timeout 60 mpirun -n 3 "$SCANHPC" scan -q -o ro-$point/out.h5 big.oJ \
      >ro-$point.out 2>ro-$point.err &
    job=$!
    if pid=$(wait_stopped "scan -q -o ro-$point/out.h5"); then
      mount --bind ro-$point ro-$point && mount -o remount,ro,bind ro-$point && MOUNTS+=("$TMP/ro-$point")
      kill -CONT "$pid"
    else fail "ro-$point: the run never paused"; fi
    wait $job || RC=$?
    if [ $point = listed ]; then
      expect ro-$point 1 "cannot write ro-$point/out.h5" ro-$point
      grep -q "Read-only file system" ro-$point.err || fail "ro-$point: the cause is not named"
    else
      # The temporary was created before the folder turned read-only: it cannot be removed, and
      # the message says so; the output itself never appears.
      [ "$RC" -eq 1 ] && grep -q "Read-only file system" ro-$point.err && [ ! -e ro-$point/out.h5 ] &&
        grep -q "cannot remove the unfinished ro-$point/out.h5.tmp" ro-$point.err &&
        ok "ro-$point: exit 1, 'Read-only file system', no out.h5; the unfinished temporary is named" ||
        { fail "ro-$point: exit $RC"; show ro-$point.err; }
    fi
  done
else
  echo "  skip read-only folder: a read-only bind mount needs root"
fi

echo "== a read error on one rank of four, after the output was created"
mkdir -p out-read
SCANHPC_FAULT=read:throw@2 run read-error 4 "$SCANHPC" scan -q -o out-read/out.h5 big.oJ
expect read-error 1 "rank 2: injected fault at read" out-read
[ "$(grep -c "injected fault" read-error.err)" -eq 1 ] && ok "read-error: said once" || fail "read-error: said more than once"
grep -q MPI_ABORT read-error.err && fail "read-error: an agreed failure should not abort"

echo "== an error on one rank alone in the write stage"
mkdir -p out-alone
SCANHPC_FAULT=commit:throw@2 run alone 4 "$SCANHPC" scan -q -o out-alone/out.h5 big.oJ
expect alone nz "rank 2: error: injected fault at commit" out-alone

echo "== an error inside an OpenMP region"
mkdir -p out-omp
SCANHPC_FAULT=read:throw@1 run omp 3 "$SCANHPC" ports -q --threads 2 -o out-omp/p.h5 logs.csv
expect omp 1 "rank 1: injected fault at read" out-omp
"$SCANHPC" synth flowtuple --minutes 5 -o ft4 -q
SCANHPC_FAULT=read:throw run omp-flow 0 "$SCANHPC" flow top -q --threads 2 -o out-omp/t.h5 ft4
expect omp-flow 1 "injected fault at read" out-omp

if [ $failures -ne 0 ]; then
  echo "test_faults: $failures failure(s)" >&2
  exit 1
fi
echo "test_faults: ok"
