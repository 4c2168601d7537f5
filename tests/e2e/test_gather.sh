#!/usr/bin/env bash
# `scanhpc gather`: a small sweep of real runs (gps simulate at three seed
# fractions, one of them with another --hitrate and at 2 ranks, under a fake
# SLURM array; scan at 1 and 2 threads and ranks), gathered to .h5, .csv and
# .csv.gz, and checked by tests/e2e/gather_check.py against h5py's reading of
# each run (options parsed from `config` by hand): every row's values, the
# varying options as columns and the constant ones in /gather/constants, the
# headline figures (NaN for another command's), the checks; the CSV the same.
# Also: 1 and 2 ranks give identical files (tests/compare_h5.py); a missing
# file and a non-HDF5 file are named, the good runs' table written, exit 1;
# --expect short exits 1 ("gathered 3 of 4 runs"); no readable run exits 3
# and writes nothing; an existing output is kept without --force, an input
# never replaced; runs of another commit give same_commit 0 and one warning;
# runs of different commands are gathered with same_command 0 and a warning.
# Usage (ctest): bash tests/e2e/test_gather.sh <scanhpc-binary> <repo-root>
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_setup gather "$@"
CHECK="$ROOT/tests/e2e/gather_check.py"
D="$ROOT/data/masscan-testnet"

echo "== a sweep of real runs"
"$SCANHPC" synth gps --hosts 3000 --seed 22 -o truth.oJ -q || fail "synth gps"
i=0
for args in "--seed-fraction 0.1" "--seed-fraction 0.2 --hitrate 0.01" "--seed-fraction 0.3"; do
  n=0; [ $i -eq 1 ] && n=2
  # shellcheck disable=SC2086
  run "sim$i" "$n" env SLURM_ARRAY_JOB_ID=4242 SLURM_ARRAY_TASK_ID=$i "$SCANHPC" gps simulate -q $args -o "sim$i.h5" truth.oJ
  expect_rc "sim$i" 0
  i=$((i + 1))
done
run scan1 0 "$SCANHPC" scan -q --threads 1 -o scan1.h5 "$D/scan.oJ"; expect_rc scan1 0
run scan2 2 "$SCANHPC" scan -q --threads 2 -o scan2.h5 "$D/scan.oJ"; expect_rc scan2 0

echo "== gather to .h5, .csv and .csv.gz; values against h5py"
run g 0 "$SCANHPC" gather -o g.h5 sim0.h5 sim1.h5 sim2.h5 && expect_rc g 0
run gcsv 0 "$SCANHPC" gather -o g.csv sim0.h5 sim1.h5 sim2.h5 && expect_rc gcsv 0
run ggz 0 "$SCANHPC" gather -q -o g.csv.gz sim0.h5 sim1.h5 sim2.h5 && expect_rc ggz 0
run g2csv 2 "$SCANHPC" gather -q -o g2.csv sim0.h5 sim1.h5 sim2.h5 && expect_rc g2csv 0
cmp -s g.csv g2.csv && ok "the CSV at 2 ranks is the same" || fail "the CSV differs at 2 ranks"
cat g.err
"$PY" "$CHECK" g.h5 g.csv sim0.h5 sim1.h5 sim2.h5 && ok "gps simulate sweep: every value as h5py reads the runs" ||
  fail "gather_check on the gps simulate sweep"
cmp -s <(gzip -dc g.csv.gz) g.csv && ok ".csv.gz holds the .csv" || fail ".csv.gz differs from .csv"
"$PY" - g.h5 <<'PYEOF' || fail "the varying options"
import sys, h5py
f = h5py.File(sys.argv[1])
cols = [c.decode() for c in f["gather/runs"].attrs["columns"]]
params = [c for c in cols if c.startswith("param:")]
assert params == ["param:output", "param:hitrate", "param:seed-fraction"], params  # the config's order
consts = [o.decode() for o in f["gather/constants/option"][()]]
assert "input" in consts and "sample-seed" in consts and "seed-fraction" not in consts, consts
print("  ok   varying options are columns (%s), %d constant ones are not" % (", ".join(params), len(consts)))
r = f["gather/runs"]
assert list(r["slurm_array_task_id"][()]) == [0, 1, 2] and set(r["slurm_array_job_id"][()]) == {b"4242"}
assert list(r["ranks"][()]) == [1, 2, 1], r["ranks"][()]
print("  ok   the SLURM array ids and the rank counts came through")
PYEOF
"$SCANHPC" info g.h5 >info.out 2>&1 && grep -q "/gather/runs/param:seed-fraction" info.out && ok "info shows the table" ||
  fail "info g.h5"

run gs 0 "$SCANHPC" gather -o s.h5 scan1.h5 scan2.h5 && expect_rc gs 0
run gscsv 0 "$SCANHPC" gather -q -o s.csv scan1.h5 scan2.h5 && expect_rc gscsv 0
"$PY" "$CHECK" s.h5 s.csv scan1.h5 scan2.h5 && ok "scan sweep at 1/2 threads and ranks" || fail "gather_check on scans"

echo "== 1 and 2 ranks"
run g2 2 "$SCANHPC" gather -o g2.h5 sim0.h5 sim1.h5 sim2.h5 && expect_rc g2 0
"$PY" "$ROOT/tests/compare_h5.py" g.h5 g2.h5 && ok "identical at 1 and 2 ranks" || fail "1 and 2 ranks differ"

echo "== failed sweep points"
echo "not an HDF5 file" >junk.h5
printf '\211HDF\r\n\032\n' >cut.h5  # an HDF5 signature and nothing else
"$PY" -c "import h5py; h5py.File('foreign.h5', 'w').attrs['x'] = 1"
run bad 0 "$SCANHPC" gather -o bad.h5 sim0.h5 nothere.h5 junk.h5 cut.h5 foreign.h5 sim2.h5
expect_rc bad 1 && ok "missing, non-HDF5, damaged and foreign files: exit 1"
grep -q "nothere.h5: missing" bad.err && grep -q "junk.h5: not an HDF5 file" bad.err &&
  grep -q "cut.h5: damaged HDF5 file" bad.err && grep -q "foreign.h5: not a scanhpc output" bad.err &&
  grep -q "gathered 2 of 6 runs" bad.err && ok "each named, with why" || { fail "messages"; show bad.err; }
"$PY" "$CHECK" bad.h5 - sim0.h5 sim2.h5 && ok "the good runs' table" || fail "bad.h5's table"
"$PY" -c "
import h5py; f = h5py.File('bad.h5')
assert [p.decode() for p in f['gather/failed/path'][()]] == ['nothere.h5', 'junk.h5', 'cut.h5', 'foreign.h5']
assert f['gather'].attrs['failed'] == 4 and f['gather'].attrs['expected'] == 6" && ok "/gather/failed names them" ||
  fail "/gather/failed"
run exp 0 "$SCANHPC" gather --expect 4 -o exp.csv sim0.h5 sim1.h5 sim2.h5
expect_rc exp 1 && [ -f exp.csv ] && grep -q "gathered 3 of 4 runs" exp.err && ok "--expect 4 with 3 runs: exit 1, table written" ||
  fail "--expect"
run exp2 0 "$SCANHPC" gather --expect 2 -o exp2.csv sim0.h5 sim1.h5 nothere.h5
expect_rc exp2 1 && [ -f exp2.csv ] && ok "--expect 2 met but a file missing: still exit 1" || fail "--expect 2"
run none 0 "$SCANHPC" gather -o none.h5 nothere.h5 junk.h5
expect_rc none 3 && [ ! -e none.h5 ] && ! ls none.h5.tmp.* >/dev/null 2>&1 && ok "no readable run: exit 3, nothing written" ||
  { fail "no readable run"; show none.err; }

echo "== output safety"
sum=$(md5sum <g.h5)
run again 0 "$SCANHPC" gather -o g.h5 sim0.h5 sim1.h5
expect_rc again 1 && [ "$(md5sum <g.h5)" = "$sum" ] && grep -q "g.h5" again.err && ok "an existing output kept without --force" ||
  fail "existing output"
run force 0 "$SCANHPC" gather --force -o g.h5 sim0.h5 sim1.h5 && expect_rc force 0 && ok "replaced with --force"
sum=$(md5sum <sim0.h5)
run input 0 "$SCANHPC" gather --force -o sim0.h5 sim0.h5 sim1.h5
expect_rc input 1 && [ "$(md5sum <sim0.h5)" = "$sum" ] && ok "an input never replaced, even with --force" || fail "input replaced"
run usage 0 "$SCANHPC" gather -o g.txt sim0.h5; expect_rc usage 2 && ok "an output neither .h5 nor .csv: exit 2"
ls ./*.tmp.* >/dev/null 2>&1 && fail "temporary files left: $(ls ./*.tmp.*)"

echo "== checks: another commit, another command"
cp sim2.h5 other.h5
"$PY" -c "
import h5py, numpy as np
with h5py.File('other.h5', 'r+') as f:
    f.attrs['git_commit'] = np.bytes_('0123456789abcdef')"
run commit 2 "$SCANHPC" gather -o commit.h5 sim0.h5 sim1.h5 other.h5
expect_rc commit 0
[ "$(grep -c "different scanhpc commits" commit.err)" = 1 ] && ok "one warning (2 ranks)" || { fail "commit warning"; show commit.err; }
"$PY" "$CHECK" commit.h5 - sim0.h5 sim1.h5 other.h5 >/dev/null || fail "commit.h5's table"
"$PY" -c "
import h5py; a = h5py.File('commit.h5')['gather'].attrs
assert a['same_commit'] == 0 and a['same_command'] == 1 and a['same_inputs'] == 1, dict(a)" &&
  ok "same_commit 0, same_command and same_inputs 1" || fail "same_commit"
run mixed 0 "$SCANHPC" gather -o mixed.h5 sim0.h5 scan1.h5
expect_rc mixed 0
grep -q "different commands" mixed.err && grep -q "different inputs" mixed.err && ok "mixed commands: warnings" ||
  { fail "mixed warnings"; show mixed.err; }
run mixedcsv 0 "$SCANHPC" gather -q -o mixed.csv sim0.h5 scan1.h5
"$PY" "$CHECK" mixed.h5 mixed.csv sim0.h5 scan1.h5 && ok "mixed commands: NaN where a command has no such figure" ||
  fail "gather_check on mixed commands"

if [ $failures -ne 0 ]; then
  echo "test_gather: $failures failure(s)" >&2
  exit 1
fi
echo "test_gather: ok"
