#!/usr/bin/env bash
# `scanhpc flow` end to end on synthetic telescope traffic (`synth flowtuple`):
# - flow convert (FT3 -> FT4) writes byte-identical files at 1-4 ranks, in one
#   window or in many, and the same files as `synth flowtuple --version 4`
#   (which converts in one process);
# - seed 004's three questions, each one command, equal an independent
#   computation with Debian's python3-avro and plain Python (tests/e2e/flow_oracle.py):
#   top 5 countries by flows among flows with a common TTL >= 200; a time series
#   for 130.0.0.0/8; the share of Russian flows hitting >= 60,000 addresses;
# - every query output is identical at 1-4 ranks and at 1 and 2 threads;
# - with every source in one /16, distinct sources per interval are right and
#   no rank receives more than twice the mean;
# - a --from/--to range skips files by the time in their names and keeps the rows in range;
# - notebooks/flowtuple.ipynb draws its figures from the output;
# - bad input (an FT3 file among FT4, a corrupt block) is counted, and
#   --on-error=fail leaves no output.
# Usage (ctest): bash tests/e2e/test_flow.sh <scanhpc-binary> <repo-root>
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_setup flow "$@"

start=1612126800  # an hour boundary
"$SCANHPC" synth flowtuple --version 3 --minutes 60 --records-per-minute 1500 --start-time $start -o ft3 --quiet \
  || fail "synth flowtuple --version 3"
"$SCANHPC" synth flowtuple --version 4 --minutes 60 --records-per-minute 1500 --start-time $start -o synth4 --quiet \
  || fail "synth flowtuple --version 4"

# FT3 -> FT4, 5-minute files (the series and top questions) and one hour (the /16 sweepers).
for n in 1 2 3 4; do
  timeout 300 mpirun -n "$n" "$SCANHPC" flow convert -q -o "ft4-$n" ft3 || fail "convert at $n rank(s)"
done
for n in 2 3 4; do
  diff -r -q -x convert.h5 ft4-1 "ft4-$n" >/dev/null || fail "FT4 files differ between 1 and $n rank(s)"
done
diff -r -q -x convert.h5 ft4-1 synth4 >/dev/null && echo "  ok   convert at 1-4 ranks = synth --version 4, byte for byte" \
  || fail "flow convert and synth flowtuple --version 4 differ"
[ "$(ls ft4-1/*.ft4.avro | wc -l)" -eq 12 ] || fail "expected 12 five-minute FT4 files"
# Windows of intervals (by file-name time): many small windows write the same files.
for n in 1 2 3 4; do
  timeout 300 mpirun -n "$n" "$SCANHPC" flow convert -q --window-mb 0.05 -o "win-$n" ft3 || fail "windowed convert at $n"
  diff -r -q -x convert.h5 ft4-1 "win-$n" >/dev/null || fail "windowed convert at $n differs"
done
"$PY" - win-1/convert.h5 win-3/convert.h5 ft4-1/convert.h5 <<'PYEOF' && echo "  ok   convert in windows of intervals = one window, byte for byte" \
  || fail "windowed convert counts"
import sys, h5py
files = [h5py.File(p) for p in sys.argv[1:]]
w1, w3, one = (f["run"].attrs["windows"] for f in files)
assert w1 > 3 and w3 > 1 and one == 1, (w1, w3, one)
a1, a3, a = (f["flow"].attrs for f in files)
for k in ["ft3_rows", "ft4_rows", "ft4_files", "records_read", "records_used", "records_rejected"]:
    assert a1[k] == a3[k] == a[k], k
PYEOF
# A file whose name time lies in another interval than its records: its
# window would write an interval that an earlier window wrote. The run fails
# with a plain message, and nothing that looks complete is left.
mkdir misnamed && cp ft3/*.avro misnamed/
mv "misnamed/ucsd-nt-synth.$start.ft3.avro" "misnamed/ucsd-nt-synth.$((start + 3570)).ft3.avro" \
  || fail "no minute file at $start"  # records of the first interval, named in the last
if mpirun -n 2 "$SCANHPC" flow convert -q --window-mb 0.05 -o misnamed-out misnamed >/dev/null 2>misnamed.err; then
  fail "a file named for another interval must fail in windows"
elif [ "$(grep -c "records in files of two windows" misnamed.err)" -ne 1 ]; then
  fail "misnamed file: the reason is not said once: $(head -c 300 misnamed.err)"
elif ls misnamed-out/*.avro misnamed-out/convert.h5 >/dev/null 2>&1; then
  fail "misnamed file: the failed run left FT4 files or convert.h5"
else
  mpirun -n 2 "$SCANHPC" flow convert -q --window-mb 0 -o misnamed-one misnamed >/dev/null 2>&1 \
    && echo "  ok   a file named for another interval fails in windows, leaves nothing, converts in one window" \
    || fail "misnamed file in one window"
fi
timeout 300 mpirun -n 2 "$SCANHPC" flow convert -q --interval 3600 -o hour ft3 || fail "convert --interval 3600"

query() {  # DIR TAG: the three questions at 1-4 ranks, identical outputs
  local dir=$1 tag=$2 n outs
  for n in 1 2 3 4; do
    timeout 300 mpirun -n "$n" "$SCANHPC" flow top -q --field netacq_country --by flows -n 5 \
      --common ttls=200-255 -o "$tag-top-$n.h5" "$dir" >/dev/null || fail "$tag: top at $n"
    timeout 300 mpirun -n "$n" "$SCANHPC" flow series -q --src-prefix 130.0.0.0/8 -o "$tag-series-$n.h5" "$dir" \
      >/dev/null || fail "$tag: series at $n"
    timeout 300 mpirun -n "$n" "$SCANHPC" flow intersect -q --where 'netacq_country == RU' \
      --where 'uniq_dst_ips >= 60000' -o "$tag-inter-$n.h5" "$dir" >/dev/null || fail "$tag: intersect at $n"
  done
  for q in top series inter; do
    outs=("$tag-$q-1.h5" "$tag-$q-2.h5" "$tag-$q-3.h5" "$tag-$q-4.h5")
    "$PY" "$ROOT/tests/compare_h5.py" "${outs[@]}" >/dev/null || fail "$tag: $q differs across rank counts"
  done
  "$PY" "$ROOT/tests/e2e/flow_oracle.py" "$dir" "$tag-top-2.h5" "$tag-series-2.h5" "$tag-inter-2.h5" \
    && echo "  ok   $tag: the three questions equal the python3-avro oracle, identical at 1-4 ranks" \
    || fail "$tag: differs from the oracle"
}
query ft4-1 five-minutes
query hour hour
"$PY" - hour-inter-2.h5 <<'PYEOF' || fail "the planted Russian sweepers are found"
import sys, h5py
i = h5py.File(sys.argv[1])["flow/intersection"]
assert i.attrs["intersection"] >= 1 and i.attrs["baseline"] > i.attrs["intersection"], dict(i.attrs)
print(f"  ok   {i.attrs['intersection']} of {i.attrs['baseline']} Russian flows hit >= 60,000 addresses of a /16")
PYEOF

# A time range: files outside it are skipped by the time in their names, rows by `time`; the
# series is the full series' rows in the range (inclusive bounds).
from=$((start + 600)); to=$((start + 1500))
mpirun -n 2 "$SCANHPC" flow series -q --src-prefix 130.0.0.0/8 --from $from --to $to -o range.h5 ft4-1 >/dev/null \
  || fail "series with a time range"
"$PY" - five-minutes-series-2.h5 range.h5 $from $to <<'PYEOF' || fail "time range"
import sys, h5py
full, part = h5py.File(sys.argv[1]), h5py.File(sys.argv[2])
lo, hi = int(sys.argv[3]), int(sys.argv[4])
rows = lambda f: list(zip(*(f["flow/series"][c][()].tolist() for c in ["time", "packets", "src_ips", "dst_nets", "asns"])))
want = [r for r in rows(full) if lo <= r[0] <= hi]
assert rows(part) == want and len(want) == 4, (rows(part), want)
a = part["flow"].attrs
assert a["files_skipped_by_name_time"] == 8 and a["time_from"] == lo and a["time_to"] == hi, dict(a)
print(f"  ok   --from/--to: {len(want)} intervals, 8 of 12 files skipped by their names")
PYEOF

# Threads: 1 and 2 threads per rank give the same output.
OMP_NUM_THREADS=2 mpirun -n 2 "$SCANHPC" flow top -q --field netacq_country --by flows -n 5 \
  --common ttls=200-255 -o five-minutes-top-t2.h5 ft4-1 >/dev/null || fail "top with 2 threads"
"$PY" "$ROOT/tests/compare_h5.py" five-minutes-top-1.h5 five-minutes-top-t2.h5 >/dev/null \
  && echo "  ok   1 and 2 threads per rank agree" || fail "top differs between 1 and 2 threads"

# The figures of notebooks/flowtuple.ipynb from a top run with --series.
mpirun -n 2 "$SCANHPC" flow top -q --field netacq_country --by flows --by packets -n 5 --series -o fig.h5 ft4-1 \
  >/dev/null || fail "top --series"
# The skewed family: every source in one /16 (synth --source-net). Distinct
# sources per interval equal plain Python's count, identical at 1-4 ranks,
# and at 4 ranks no rank receives more than twice the mean (sources are
# owned by the shared partitioner, which refines a hot /16).
"$SCANHPC" synth flowtuple --version 4 --minutes 20 --records-per-minute 3000 --start-time $start \
  --source-net 45.33.0.0/16 -o hot16 --quiet || fail "synth flowtuple --source-net"
for n in 1 2 3 4; do
  timeout 300 mpirun -n "$n" "$SCANHPC" flow top -q --series --field netacq_country -o "hot16-$n.h5" hot16 \
    >/dev/null || fail "hot16: top --series at $n"
done
"$PY" "$ROOT/tests/compare_h5.py" hot16-1.h5 hot16-2.h5 hot16-3.h5 hot16-4.h5 >/dev/null \
  || fail "hot16: top --series differs across rank counts"
"$PY" - hot16 hot16-4.h5 <<'PYEOF' && echo "  ok   one-/16 sources: distinct sources per interval = python3-avro, spread over 4 ranks" \
  || fail "hot16: series or balance"
import glob, sys
from collections import defaultdict
import avro.datafile, avro.io, h5py
src = defaultdict(set)
for path in sorted(glob.glob(sys.argv[1] + "/*.avro")):
    with open(path, "rb") as f:
        for r in avro.datafile.DataFileReader(f, avro.io.DatumReader()):
            assert r["src_ip"] >> 16 == (45 << 8 | 33), r["src_ip"]
            src[r["time"]].add(r["src_ip"])
h = h5py.File(sys.argv[2])
s = h["flow/series"]
got = dict(zip(s["time"][()].tolist(), s["src_ips"][()].tolist()))
want = {t: len(v) for t, v in src.items()}
assert got == want, (got, want)
recv = h["run/ranks/bytes_received"][()]
assert recv.max() <= 2 * recv.mean(), recv.tolist()
PYEOF

if run_figures flowtuple fig.h5 figs; then
  expect_pngs figs flow_top_netacq_country_by_flows flow_top_netacq_country_by_packets flow_series
  echo "  ok   notebooks/flowtuple.ipynb renders its figures"
else
  fail "figures.sh on the flow output"
fi

# Bad input: an FT3 file among FT4 files, and a corrupt copy of an FT4 file.
mkdir bad && cp ft4-1/*.avro bad/ && cp "$(ls ft3/*.avro | head -1)" bad/
victim=$(ls bad/*.ft4.avro | head -1)
"$PY" - "$victim" <<'PYEOF'
import sys
p = sys.argv[1]; b = bytearray(open(p, "rb").read())
b[len(b) // 2] ^= 0xFF; b[len(b) // 2 + 1] ^= 0xFF  # inside a deflated block
open(p, "wb").write(bytes(b))
PYEOF
mpirun -n 2 "$SCANHPC" flow top -q -o bad.h5 bad >/dev/null 2>bad.err || fail "skip mode must succeed"
"$PY" - bad.h5 <<'PYEOF' || fail "bad input counts"
import sys, h5py
a = h5py.File(sys.argv[1])["flow"].attrs
assert a["files_unreadable"] == 1, a["files_unreadable"]
assert a["records_read"] == a["records_used"] + a["records_rejected"]
assert a["records_rejected"] > 0 or a["bytes_unknown"] > 0, "the corrupt block is counted"
print(f"  ok   bad input counted: {a['files_unreadable']} unreadable file, {a['records_rejected']} records rejected")
PYEOF
if mpirun -n 2 "$SCANHPC" flow top -q --on-error=fail -o fail.h5 bad >/dev/null 2>fail.err; then
  fail "--on-error=fail must fail"
fi
ls fail.h5* >/dev/null 2>&1 && fail "--on-error=fail left an output"
[ "$failures" -eq 0 ] && echo "test_flow: ok" || { echo "test_flow: $failures failure(s)"; exit 1; }
