#!/usr/bin/env bash
# Never lose a user's data: an output that exists is replaced only with
# --force, an input never (same inode through ./, symbolic and hard links),
# for every file a command writes (HDF5, --plan-csv, --list, FT4 files of
# flow convert and synth, synth files); the output location is checked on
# every rank before any input is read (an injected fault at the first input
# step proves the order), with one plain message; SIGINT and SIGTERM end a
# run with 130 and 143 and leave no file, hidden ones included. At 1 rank
# (no mpirun) and 3 ranks.
# Usage (ctest): bash tests/e2e/test_output_safety.sh <scanhpc-binary> <repo-root>
set -uo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_setup output_safety "$@"
CHECK=("$PY" "$ROOT/tests/e2e/h5check.py")

# run NAME N CMD...: N 0 runs without mpirun; exit status in RC, stderr in NAME.err.
sums() { find "$@" -type f -print0 2>/dev/null | sort -z | xargs -0 sha256sum; }
# expect_refused NAME N WANT-IN-STDERR CMD...: exit 1, one line naming WANT, from one rank.
expect_refused() {
  local name=$1 n=$2 want=$3; shift 3
  run "$name" "$n" "$@"
  local lines
  lines=$(grep -cF -- "$want" "$name.err")
  if [ "$RC" -eq 1 ] && [ "$lines" -eq 1 ]; then ok "$name ($n rank(s)): exit 1: $(grep -F -- "$want" "$name.err")"
  else fail "$name ($n rank(s)): exit $RC, '$want' on $lines line(s) of stderr (want exit 1, one line)"; show "$name.err"; fi
}
# no_leftovers NAME DIR BEFORE-LISTING: DIR holds exactly what it held (hidden files included).
no_leftovers() {
  local name=$1 dir=$2 before=$3
  local now
  now=$(cd "$dir" 2>/dev/null && find . -mindepth 1 | sort | tr '\n' ' ')
  if [ "$now" = "$before" ]; then ok "$name: nothing left in $dir"
  else fail "$name: $dir holds [$now], expected [$before]"; fi
}
listing() { (cd "$1" 2>/dev/null && find . -mindepth 1 | sort | tr '\n' ' '); }

cp "$ROOT/data/masscan-testnet/scan.oJ" scan.oJ
"$SCANHPC" synth masscan --services 40000 --seed 3 -o big.oJ -q

for n in 0 3; do
  echo "== $n rank(s): existing outputs, outputs that are inputs"
  d=r$n && mkdir -p $d && cp scan.oJ $d/a.json && cp scan.oJ $d/b.json && cp scan.oJ $d/c.json
  before=$(sums $d)
  # `scanhpc scan -o *.json` in a folder of scans: the shell gives -o a.json b.json c.json
  expect_refused glob-$n $n "cannot write $d/a.json: it exists (use --force to replace it)" \
    "$SCANHPC" scan -q -o $d/a.json $d/b.json $d/c.json
  [ "$(sums $d)" = "$before" ] && ok "glob-$n: the scans are untouched" || fail "glob-$n: a scan changed"
  for spelling in "$d/a.json" "./$d/a.json" "$d/../$d/a.json"; do
    expect_refused self-$n $n "is the input" "$SCANHPC" scan -q --force -o "$spelling" $d/a.json
  done
  ln -sf a.json $d/link.json && ln -f $d/a.json $d/hard.json
  expect_refused symlink-$n $n "is the input" "$SCANHPC" scan -q --force -o $d/link.json $d/a.json
  expect_refused hardlink-$n $n "is the input" "$SCANHPC" scan -q --force -o $d/hard.json $d/a.json
  expect_refused in-folder-$n $n "is the input" "$SCANHPC" scan -q --force -o $d/b.json $d
  [ "$(sums $d/a.json $d/b.json $d/c.json)" = "$(echo "$before")" ] && ok "self-$n: inputs untouched" ||
    fail "self-$n: an input changed"
  run force-$n $n "$SCANHPC" scan -q -o $d/out.h5 $d/a.json && run force2-$n $n "$SCANHPC" scan -q --force -o $d/out.h5 $d/b.json
  if [ "$RC" -eq 0 ] && "${CHECK[@]}" expect $d/out.h5 "files[0]['path'] == '$d/b.json'" >/dev/null; then
    ok "force-$n: --force replaces an output that is not an input"
  else fail "force-$n: exit $RC"; show force2-$n.err; fi

  echo "== $n rank(s): the output location, checked before any input is read"
  # SCANHPC_FAULT=listed:throw would fail the run once the inputs are listed: the output
  # error must come first.
  SCANHPC_FAULT=listed:throw expect_refused nodir-$n $n "cannot write o/nodir/x.h5: directory o/nodir does not exist" \
    "$SCANHPC" scan -q -o o/nodir/x.h5 big.oJ
  grep -q "injected fault" nodir-$n.err && fail "nodir-$n: inputs were listed before the output was checked"
  grep -q "HDF5\|MPI_ERR" nodir-$n.err && { fail "nodir-$n: library error text"; show nodir-$n.err; }
  mkdir -p outdir.h5
  expect_refused isdir-$n $n "cannot write outdir.h5: it is a directory" "$SCANHPC" scan -q --force -o outdir.h5 scan.oJ
  touch plainfile
  expect_refused notdir-$n $n "cannot write plainfile/x.h5: plainfile is not a directory" \
    "$SCANHPC" scan -q -o plainfile/x.h5 scan.oJ
done

if command -v setpriv >/dev/null && [ "$(id -u)" -eq 0 ]; then
  echo "== without write permission (as user nobody)"
  mkdir -p locked && chmod 755 locked && chmod 755 "$TMP"
  cp scan.oJ locked/in.oJ && chmod 644 locked/in.oJ
  RC=0
  (cd "$TMP" && setpriv --reuid=65534 --regid=65534 --clear-groups "$SCANHPC" scan -q -o locked/x.h5 locked/in.oJ) \
    >perm.out 2>perm.err || RC=$?
  if [ $RC -eq 1 ] && grep -qx "scanhpc scan: cannot write locked/x.h5: Permission denied" perm.err; then
    ok "permission: exit 1: $(cat perm.err)"
  else fail "permission: exit $RC"; show perm.err; fi
fi

echo "== every file a command writes"
"$SCANHPC" synth gps --hosts 3000 --seed 2 -o truth.oJ -q
echo "keep me" >plan.csv && echo "keep me" >list.txt
expect_refused plan-csv 3 "cannot write plan.csv: it exists" "$SCANHPC" gps model -q -o model.h5 --plan-csv plan.csv truth.oJ
[ ! -e model.h5 ] && [ "$(cat plan.csv)" = "keep me" ] && ok "plan-csv: no model written, plan.csv kept" ||
  fail "plan-csv: model.h5 written or plan.csv changed"
run model 3 "$SCANHPC" gps model -q -o model.h5 --plan-csv plan2.csv truth.oJ
[ "$RC" -eq 0 ] && [ -s plan2.csv ] || { fail "gps model: exit $RC"; show model.err; }
expect_refused list 3 "cannot write list.txt: it exists" \
  "$SCANHPC" gps predict -q --model model.h5 --list list.txt -o pred.h5 truth.oJ
expect_refused model-is-input 3 "cannot write model.h5: it is the input model.h5" \
  "$SCANHPC" gps predict -q --force --model model.h5 -o model.h5 truth.oJ
expect_refused synth-masscan 0 "cannot write scan.oJ: it exists" "$SCANHPC" synth masscan --services 10 -o scan.oJ
expect_refused synth-gps 0 "cannot write truth.oJ: it exists" "$SCANHPC" synth gps --hosts 10 -o truth.oJ
"$SCANHPC" synth honeypot --days 2 -o logs.csv -q
expect_refused synth-honeypot 0 "cannot write logs.csv: it exists" "$SCANHPC" synth honeypot --days 2 -o logs.csv
run ports 3 "$SCANHPC" ports -q -o ports.h5 logs.csv >/dev/null
expect_refused ports-again 3 "cannot write ports.h5: it exists" "$SCANHPC" ports -q -o ports.h5 logs.csv
cmp -s scan.oJ "$ROOT/data/masscan-testnet/scan.oJ" && ok "synth: the existing scan.oJ is untouched" ||
  fail "synth masscan replaced scan.oJ"

echo "== flow convert and synth flowtuple in one folder"
"$SCANHPC" synth flowtuple --version 3 --minutes 10 -o ft3 -q
run convert 3 "$SCANHPC" flow convert -q -o d/ft4 ft3
[ "$RC" -eq 0 ] || { fail "flow convert: exit $RC"; show convert.err; }
before=$(sums d/ft4)
expect_refused synth-over-convert 0 "it exists (use --force to replace it)" "$SCANHPC" synth flowtuple -q -o d/ft4
expect_refused convert-again 3 "cannot write d/ft4/convert.h5: it exists" "$SCANHPC" flow convert -q -o d/ft4 ft3
rm d/ft4/convert.h5 && before_ft4=$(sums d/ft4)
expect_refused convert-over-ft4 3 "it holds FT4 files of the same names" "$SCANHPC" flow convert -q -o d/ft4 ft3
[ "$(sums d/ft4)" = "$before_ft4" ] && ok "FT4 files untouched" || fail "refused runs changed the FT4 files"
run convert-force 3 "$SCANHPC" flow convert -q -o d/ft4 ft3   # convert.h5 back (nothing else was there)
run convert-force 3 "$SCANHPC" flow convert -q --force -o d/ft4 ft3
[ "$RC" -eq 0 ] && [ "$(sums d/ft4 | grep -v convert.h5)" = "$(echo "$before" | grep -v convert.h5)" ] &&
  ok "flow convert --force rewrites the same FT4 files" || { fail "convert --force: exit $RC"; show convert-force.err; }
run synth-force 0 "$SCANHPC" synth flowtuple -q --force -o d/ft4 --seed 9
if [ "$RC" -eq 0 ] && [ ! -e d/ft4/convert.h5 ] && grep -q "removed d/ft4/convert.h5" synth-force.err; then
  ok "synth flowtuple --force: replaces the files and removes the convert.h5 that described them"
else fail "synth --force: exit $RC, convert.h5 $( [ -e d/ft4/convert.h5 ] && echo kept || echo removed)"; show synth-force.err; fi

echo "== interrupted runs: exit 130 / 143, nothing left"
# interrupt NAME SIGNAL WANT POINT DIR CMD...: the run pauses at POINT (SIGSTOP, a test hook),
# receives SIGNAL, continues; it must exit WANT and leave DIR as it was.
interrupt() {
  local name=$1 sig=$2 want=$3 point=$4 dir=$5; shift 5
  mkdir -p "$dir"
  local before pid state="" rc=0
  before=$(listing "$dir")
  SCANHPC_FAULT=$point:stop "$@" >"$name.out" 2>"$name.err" &
  pid=$!
  for _ in $(seq 1200); do  # up to 2 minutes: a sanitizer build reaches a late point slowly
    state=$(awk '{print $3}' /proc/$pid/stat 2>/dev/null)
    [ "$state" = T ] && break
    sleep 0.1
  done
  [ "$state" = T ] || fail "$name: the run never reached $point"
  local during
  during=$(listing "$dir")
  kill -"$sig" $pid; kill -CONT $pid
  wait $pid || rc=$?
  if [ $rc -eq "$want" ]; then ok "$name: SIG$sig at $point ([${during:0:150}]) -> exit $rc"
  else fail "$name: SIG$sig at $point -> exit $rc, expected $want"; show "$name.err"; fi
  no_leftovers "$name" "$dir" "$before"
}
interrupt int-scan INT 130 created out1 "$SCANHPC" scan -q -o out1/x.h5 big.oJ
interrupt term-scan TERM 143 commit out1 "$SCANHPC" scan -q -o out1/x.h5 big.oJ
interrupt int-model INT 130 commit out2 "$SCANHPC" gps model -q -o out2/m.h5 --plan-csv out2/plan.csv truth.oJ
interrupt int-convert INT 130 commit out3 "$SCANHPC" flow convert -q -o out3/ft4 ft3
[ -e out3/ft4 ] && fail "int-convert: the folder the run created is left behind"
interrupt term-synth-ft TERM 143 synth-commit out4 "$SCANHPC" synth flowtuple -q --version 3 -o out4/ft3
interrupt int-synth INT 130 synth-commit out5 "$SCANHPC" synth masscan --services 5000 -q -o out5/s.oJ
interrupt int-honeypot INT 130 synth-commit out5 "$SCANHPC" synth honeypot --days 2 -q -o out5/h.csv

echo "== interrupted under mpirun: every rank cleans up"
mkdir -p out6
RC=0
SCANHPC_FAULT=convert-write:stall@0 mpirun -n 3 "$SCANHPC" flow convert -q -o out6/ft4 ft3 >mpi-int.out 2>mpi-int.err &
mp=$!
for _ in $(seq 1200); do
  r0=$(pgrep -f "scanhpc flow convert -q -o out6/ft4" | while read -r p; do
    [ "$(awk '{print $3}' /proc/"$p"/stat 2>/dev/null)" = T ] && echo "$p"; done | head -1)
  [ -n "$r0" ] && break
  sleep 0.1
done
[ -n "$r0" ] || fail "mpi-int: rank 0 never paused"
kill -INT $mp; sleep 1; kill -CONT "$r0" 2>/dev/null
wait $mp || RC=$?
[ "$RC" -ne 0 ] && ok "mpi-int: mpirun exits $RC after SIGINT (Open MPI's own status; the ranks end by SIGTERM)" ||
  fail "mpi-int: mpirun exited 0"
no_leftovers mpi-int out6 ""

if [ $failures -ne 0 ]; then
  echo "test_output_safety: $failures failure(s)" >&2
  exit 1
fi
echo "test_output_safety: ok"
