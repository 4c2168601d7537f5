#!/usr/bin/env bash
# The repacked observation table (seed 001): `scan --keep observations` writes
# /observations, and every command reads such a file as input.
# - the table holds every status observation of the input, as an independent
#   Python reading of the -oJ files gives them (codes, flags, known bits),
#   sorted by (ip, port, proto, ts, ...), chunked with shuffle + deflate;
# - it is the same at 1-4 ranks, 1-2 threads, 1 MiB exchange rounds, on real
#   masscan output and on a synthetic scan of more than two chunks;
# - `scan FILE.h5` gives the results of `scan` on the text it came from, at
#   1-4 ranks and with many read units per file (--chunk-mb 1); so do
#   `gps model` and `ports` on a ZMap scan (closed rows and repeats included);
# - an HDF5 file without the table is one rejected record (exit 3 when it is
#   the only input); a truncated file and a table holding codes no scan
#   writes fail with the file named, and leave no output.
# Usage (ctest): bash tests/e2e/test_observations.sh <scanhpc-binary> <repo-root>
set -uo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_setup observations "$@"
E2E_TIMEOUT=300
MT="$ROOT/data/masscan-testnet"
ZT="$ROOT/tests/data/scanners-testnet"
COMPARE=("$PY" "$ROOT/tests/compare_h5.py")
same() {  # WHAT A.h5 B.h5 [compare_h5 options]: HDF5 equal
  local what=$1 a=$2 b=$3; shift 3
  if "${COMPARE[@]}" "$@" "$a" "$b" >cmp.out 2>&1; then ok "$what"; else fail "$what"; sed 's/^/    /' cmp.out | head -8 >&2; fi
}
# What a repacked input changes in /ingest: the file table and the record
# counts (the text's records and banners against the table's rows).
INGEST_IGNORE=(--ignore /ingest/files --ignore /ingest@records_read --ignore /ingest@records_used
               --ignore /ingest@banner_records)

echo "== the table against an independent reading of the -oJ files"
cp "$MT/scan.oJ" "$MT/scan-banners.oJ" .
run rep1 0 "$SCANHPC" scan -q --keep observations -o rep1.h5 scan.oJ scan-banners.oJ && expect_rc rep1 0
"$PY" - "$ROOT/tests/e2e" rep1.h5 scan.oJ scan-banners.oJ <<'PY' && ok "/observations = every status observation of the -oJ files, sorted, codes as documented" || fail "/observations differs from the oracle"
import sys, h5py, numpy as np
sys.path.insert(0, sys.argv[1])
import oracle
PROTO = dict(unknown=0, tcp=1, udp=2, sctp=3, icmp=4, arp=5, err=6)
STATUS = dict(unknown=0, open=1, closed=2, up=3)
FLAGS = ["fin", "syn", "rst", "psh", "ack", "urg", "ece", "cwr"]
def reason_bits(r):
    if r is None or r == "none":
        return 0
    return sum(1 << FLAGS.index(x) for x in r.split("-"))
rows = []
for path in sys.argv[3:]:
    obs, _ = oracle.load_json(path)
    for o in obs:
        known = (1 if o.ts is not None else 0) | (2 if o.reason is not None else 0) | (4 if o.ttl is not None else 0)
        rows.append((o.ip, o.port, PROTO[o.proto], o.ts or 0, STATUS[o.status], reason_bits(o.reason), o.ttl or 0, known))
rows.sort()
f = h5py.File(sys.argv[2])
g = f["observations"]
cols = [c.decode() for c in g.attrs["columns"]]
assert cols == ["ip", "ts", "port", "proto", "status", "reason", "ttl", "known"], cols
assert len(rows) == g["ip"].shape[0] and len(rows) > 1000, (len(rows), g["ip"].shape)
got = list(zip(*(g[c][:].tolist() for c in ["ip", "port", "proto", "ts", "status", "reason", "ttl", "known"])))
assert got == rows, next((i, a, b) for i, (a, b) in enumerate(zip(got, rows)) if a != b)
dt = {c: g[c].dtype.str for c in cols}
assert dt == {"ip": "<u4", "ts": "<u4", "port": "<u2", "proto": "|u1", "status": "|u1", "reason": "|u1",
              "ttl": "|u1", "known": "|u1"}, dt
for c in cols:
    d = g[c]
    assert d.chunks == (131072,) and d.compression == "gzip" and d.shuffle, (c, d.chunks, d.compression, d.shuffle)
assert f["ingest"].attrs["status_observations"] == len(rows)
PY

echo "== the same table at 1-4 ranks, 1-2 threads, 1 MiB rounds; a synthetic scan of 3 chunks"
run synth 0 "$SCANHPC" synth masscan --services 300000 --seed 7 --multiprobe-boost 2 --banner-fraction 0.05 -o big.oJ
expect_rc synth 0
run synthL 0 "$SCANHPC" synth masscan --services 30000 --seed 8 -f list -o small.oL && expect_rc synthL 0
run big1 0 "$SCANHPC" scan -q --keep observations --threads 1 -o big1.h5 big.oJ small.oL && expect_rc big1 0
"$PY" -c "import h5py,sys; n=h5py.File('big1.h5')['observations/ip'].shape[0]; sys.exit(0 if n > 2*131072 else 1)" \
  && ok "the synthetic table spans more than two chunks" || fail "the synthetic table is too small to cross chunks"
for n in 2 3 4; do
  for t in 1 2; do
    run "rep$n-$t" "$n" "$SCANHPC" scan -q --keep observations --threads "$t" --exchange-round-mb 1 \
      -o "rep$n-$t.h5" scan.oJ scan-banners.oJ && expect_rc "rep$n-$t" 0
    run "big$n-$t" "$n" "$SCANHPC" scan -q --keep observations --threads "$t" --exchange-round-mb 1 \
      -o "big$n-$t.h5" big.oJ small.oL && expect_rc "big$n-$t" 0
  done
done
if "${COMPARE[@]}" rep1.h5 rep2-1.h5 rep2-2.h5 rep3-1.h5 rep3-2.h5 rep4-1.h5 rep4-2.h5 >cmp.out 2>&1 &&
   "${COMPARE[@]}" big1.h5 big2-1.h5 big2-2.h5 big3-1.h5 big3-2.h5 big4-1.h5 big4-2.h5 >>cmp.out 2>&1; then
  ok "every output, /observations included, identical at 1-4 ranks x 1-2 threads (2 inputs)"
else
  fail "outputs differ across ranks or threads"; sed 's/^/    /' cmp.out | head -12 >&2
fi

echo "== scan FILE.h5 gives the results of scan on the text"
run txt 0 "$SCANHPC" scan -q -o txt.h5 scan.oJ scan-banners.oJ && expect_rc txt 0
run bigtxt 0 "$SCANHPC" scan -q -o bigtxt.h5 big.oJ small.oL && expect_rc bigtxt 0
for n in 1 2 3 4; do
  run "again$n" "$n" "$SCANHPC" scan -q -o "again$n.h5" rep1.h5 && expect_rc "again$n" 0
  same "scan rep1.h5 at $n rank(s) = scan of the -oJ files (but the file table and record counts)" txt.h5 "again$n.h5" \
    "${INGEST_IGNORE[@]}"
  run "bigagain$n" "$n" "$SCANHPC" scan -q --chunk-mb 1 -o "bigagain$n.h5" big1.h5 && expect_rc "bigagain$n" 0
  same "scan big1.h5 at $n rank(s), 1 MiB read units = scan of the synthetic -oJ and -oL" bigtxt.h5 "bigagain$n.h5" \
    "${INGEST_IGNORE[@]}"
done
"$PY" - again1.h5 rep1.h5 <<'PY' && ok "/ingest of a repacked input: one record per row, read = used" || fail "/ingest of a repacked input"
import sys, h5py
a, r = h5py.File(sys.argv[1]), h5py.File(sys.argv[2])
n = r["observations/ip"].shape[0]
i = a["ingest"].attrs
assert i["records_read"] == i["records_used"] == i["status_observations"] == n and i["records_rejected"] == 0, dict(i)
assert [x.decode() for x in a["ingest/files/format"][:]] == ["observations"]
assert a["ingest/files/records"][:].tolist() == [n]
PY
run rerep 0 "$SCANHPC" scan -q --keep observations -o rerep.h5 rep1.h5 && expect_rc rerep 0
"$PY" -c "
import h5py, numpy as np, sys
a, b = h5py.File('rep1.h5')['observations'], h5py.File('rerep.h5')['observations']
sys.exit(0 if all(np.array_equal(a[c][:], b[c][:]) for c in a) else 1)" \
  && ok "a repacked file repacked again holds the same rows" || fail "repacking a repacked file changed its rows"

echo "== ZMap (closed rows and repeats), gps model and ports from a repacked file"
Z=("$ZT"/zmap-22.csv "$ZT"/zmap-80.csv "$ZT"/zmap-443.csv "$ZT"/zmap-8080.csv)
run zrep 0 "$SCANHPC" scan -q --keep observations -o zrep.h5 "${Z[@]}" && expect_rc zrep 0
"$PY" - zrep.h5 "${Z[@]}" <<'PY' && ok "ZMap CSV: one row per response, success 0 closed, success 1 open" || fail "ZMap rows in /observations"
import sys, csv, h5py, numpy as np
opened = closed = 0
for p in sys.argv[2:]:
    for row in csv.DictReader(open(p)):
        if row["success"] == "1": opened += 1
        else: closed += 1
s = h5py.File(sys.argv[1])["observations/status"][:]
assert closed > 0 and (s == 1).sum() == opened and (s == 2).sum() == closed and s.size == opened + closed, \
    (opened, closed, np.bincount(s))
PY
run ztxt 0 "$SCANHPC" scan -q -o ztxt.h5 "${Z[@]}" && expect_rc ztxt 0
run zagain 3 "$SCANHPC" scan -q -o zagain.h5 zrep.h5 && expect_rc zagain 0
same "scan of the repacked ZMap scan at 3 ranks = scan of the CSV" ztxt.h5 zagain.h5 "${INGEST_IGNORE[@]}"
run gtxt 0 "$SCANHPC" gps model -q -o gtxt.h5 "${Z[@]}" && expect_rc gtxt 0
run grep2 2 "$SCANHPC" gps model -q -o grep2.h5 zrep.h5 && expect_rc grep2 0
same "gps model on the repacked ZMap scan at 2 ranks = on the CSV" gtxt.h5 grep2.h5 "${INGEST_IGNORE[@]}"
run ptxt 0 "$SCANHPC" ports -q -o ptxt.h5 "${Z[@]}" && expect_rc ptxt 0
run prep2 2 "$SCANHPC" ports -q -o prep2.h5 zrep.h5 && expect_rc prep2 0
same "ports on the repacked ZMap scan at 2 ranks = on the CSV (but the input files)" ptxt.h5 prep2.h5 --ignore /ports@files

echo "== HDF5 files that are not repacked scans"
run notab 0 "$SCANHPC" scan -o notab-out.h5 txt.h5
expect_rc notab 3 && grep -q "txt.h5: byte 0: an HDF5 file without an /observations table" notab.err &&
  [ ! -e notab-out.h5 ] && ok "an HDF5 file without the table alone: exit 3, named, no output" ||
  { fail "HDF5 without the table"; cat notab.err >&2; }
run mixed 0 "$SCANHPC" scan -q -o mixed.h5 rep1.h5 txt.h5 && expect_rc mixed 0
"$PY" -c "
import h5py, sys
i = h5py.File('mixed.h5')['ingest'].attrs
n = h5py.File('rep1.h5')['observations/ip'].shape[0]
sys.exit(0 if (i['records_read'], i['records_used'], i['records_rejected']) == (n + 1, n, 1) else 1)" \
  && ok "beside a repacked file it is one rejected record: read = used + rejected" || fail "mixed HDF5 inputs miscounted"
head -c 20000 rep1.h5 > cut.h5
run cut 0 "$SCANHPC" scan -o cut-out.h5 cut.h5
expect_rc cut 1 && grep -q "cut.h5" cut.err && ! grep -q HDF5-DIAG cut.err && [ ! -e cut-out.h5 ] &&
  ok "a truncated file: exit 1, named, no output ($(head -c 160 cut.err | tr '\n' ' '))" ||
  { fail "truncated repacked file"; cat cut.err >&2; }
cp rep1.h5 badcode.h5
"$PY" -c "
import h5py
with h5py.File('badcode.h5', 'r+') as f: f['observations/status'][5] = 9"
run badcode 2 "$SCANHPC" scan -o badcode-out.h5 badcode.h5
expect_rc badcode 1 && grep -q "badcode.h5: /observations: row 5 holds proto [0-9]*, status 9" badcode.err &&
  [ "$(grep -c 'row 5' badcode.err)" -eq 1 ] && [ ! -e badcode-out.h5 ] &&
  ok "a row holding codes no scan writes: exit 1, file and row named once, no output" ||
  { fail "bad codes"; cat badcode.err >&2; }

[ "$failures" -eq 0 ] && echo "PASS" || { echo "$failures failure(s)"; exit 1; }
