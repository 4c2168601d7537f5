#!/usr/bin/env bash
# ZMap output as scan input, on real files: tests/data/scanners-testnet holds
# ZMap 2.1.1 and masscan 1.3.2 scans of the same 20 hosts in a private test
# network (scripts/capture-testnet-scans.sh), with the planted services.
# - ZMap JSON (1 probe) gives the masscan scan's hosts and multiprobe results
#   in every field ZMap carries (ip, ports, records, ttl; not the TCP flags,
#   which ZMap does not write, nor the times of two different scans);
# - ZMap CSV (2 probes, RSTs kept): open services, probes per service and
#   records against an independent count in Python from the CSV itself;
# - the default output (bare addresses) with --port, against the planted truth;
#   without --port every row is rejected with the hint, exit 3;
# - ZMap 3's underscore names, a pipe, a gzip file, and a 4-rank split of a
#   larger file (ranges that do not hold the header) give the same results
#   (the file table, /ingest/files, names each input as it was given).
# Usage (ctest): bash tests/e2e/test_zmap.sh <scanhpc-binary> <repo-root>
set -uo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_setup zmap "$@"
D="$ROOT/tests/data/scanners-testnet"
COMPARE=("$PY" "$ROOT/tests/compare_h5.py")

echo "== ZMap JSON against masscan on the same hosts"
run masscan 0 "$SCANHPC" scan -q -o masscan.h5 "$D/masscan.oJ" && expect_rc masscan 0
run zjson 0 "$SCANHPC" scan -q -o zjson.h5 "$D"/zmap-22.json "$D"/zmap-80.json "$D"/zmap-443.json "$D"/zmap-8080.json
expect_rc zjson 0
"$PY" - masscan.h5 zjson.h5 <<'PY' && ok "ZMap JSON: hosts and multiprobe equal masscan's in every field ZMap carries" || fail "ZMap JSON differs from masscan"
import sys, h5py, numpy as np
a, b = h5py.File(sys.argv[1]), h5py.File(sys.argv[2])
same = ["hosts/table/ip", "hosts/table/ports", "hosts/table/records", "hosts/table/ttl_min", "hosts/table/ttl_max",
        "hosts/ports_per_host/hosts", "hosts/ports_per_host/ports",
        "multiprobe/probes_per_service/probes", "multiprobe/probes_per_service/services"]
bad = [k for k in same if not np.array_equal(a[k][()], b[k][()])]
for k in bad: print("differs:", k, a[k][()][:10], b[k][()][:10])
assert len(a["hosts/table/ip"]) == 17, len(a["hosts/table/ip"])
sys.exit(1 if bad else 0)
PY

echo "== ZMap CSV (2 probes, RSTs kept) against a count from the CSV"
csvs=("$D"/zmap-22.csv "$D"/zmap-80.csv "$D"/zmap-443.csv "$D"/zmap-8080.csv)
run zcsv 0 "$SCANHPC" scan -o zcsv.h5 "${csvs[@]}" && expect_rc zcsv 0
"$PY" - zcsv.h5 "$D/planted.csv" "${csvs[@]}" <<'PY' && ok "ZMap CSV: services, probes, records and open observations as counted in Python" || fail "ZMap CSV counts differ"
import sys, csv, collections, h5py, numpy as np
h = h5py.File(sys.argv[1])
planted = {(r["ip"], int(r["port"])) for r in csv.DictReader(open(sys.argv[2]))}
rows = [r for f in sys.argv[3:] for r in csv.DictReader(open(f))]
opened = collections.Counter((r["saddr"], int(r["sport"])) for r in rows if r["success"] == "1")
assert set(opened) == planted, "the CSV's successes are not the planted services"
hist = collections.Counter(opened.values())
got = dict(zip(h["multiprobe/probes_per_service/probes"][()].tolist(), h["multiprobe/probes_per_service/services"][()].tolist()))
assert got == dict(hist), (got, hist)
read = int(h["ingest"].attrs["records_read"]) if "ingest" in h and "records_read" in h["ingest"].attrs else None
if read is not None:
    assert read == len(rows), (read, len(rows))
per_host = collections.Counter(ip for ip, _ in opened)
ips = [".".join(str((int(x) >> s) & 255) for s in (24, 16, 8, 0)) for x in h["hosts/table/ip"][()]]
ports = dict(zip(ips, h["hosts/table/ports"][()].tolist()))
assert ports == dict(per_host), (ports, per_host)
PY
grep -q "records: 160 read = 160 used + 0 rejected; 0 banners, 68 open observations" zcsv.err &&
  ok "ZMap CSV: 160 rows read and used, 68 of them open (2 probes x 34 services), the RSTs closed" ||
  { fail "ZMap CSV summary:"; head -3 zcsv.err >&2; }

echo "== ZMap default output (bare addresses): --port, or a clear refusal"
run zdef-noport 0 "$SCANHPC" scan -o zdef-noport.h5 "$D/zmap-80-default.txt"
expect_rc zdef-noport 3 && grep -q "give the scanned port with --port N" zdef-noport.err &&
  ok "default output without --port: exit 3, the hint printed" || fail "default output without --port: no hint"
for p in 22 80 443 8080; do
  run "zdef-$p" 0 "$SCANHPC" scan -q --port "$p" -o "zdef-$p.h5" "$D/zmap-$p-default.txt" && expect_rc "zdef-$p" 0
done
"$PY" - "$D/planted.csv" <<'PY' && ok "default output with --port: each port's hosts are the planted ones" || fail "default output hosts differ"
import sys, csv, h5py
planted = [(r["ip"], int(r["port"])) for r in csv.DictReader(open(sys.argv[1]))]
for p in (22, 80, 443, 8080):
    h = h5py.File(f"zdef-{p}.h5")
    ips = sorted(".".join(str((int(x) >> s) & 255) for s in (24, 16, 8, 0)) for x in h["hosts/table/ip"][()])
    want = sorted(ip for ip, q in planted if q == p)
    assert ips == sorted(want, key=lambda s: tuple(map(int, s.split(".")))) or ips == want, (p, ips, want)
PY

echo "== the same rows in other shapes"
sed '1s/-/_/g' "$D/zmap-80.csv" >zmap3-80.csv  # ZMap 3 and 4 name the fields with '_'
run z80 0 "$SCANHPC" scan -q -o z80.h5 "$D/zmap-80.csv" && expect_rc z80 0
run z80u 0 "$SCANHPC" scan -q -o z80u.h5 zmap3-80.csv && expect_rc z80u 0
"${COMPARE[@]}" --ignore /ingest/files z80.h5 z80u.h5 >cmp-u.txt 2>&1 && ok "underscore field names (ZMap 3+) read as hyphenated ones (2.1.1)" ||
  { fail "underscore names differ"; head -5 cmp-u.txt >&2; }
timeout 60 mpirun -n 2 "$SCANHPC" scan -q -o z80p.h5 - <"$D/zmap-80.csv" >pipe.out 2>pipe.err || fail "ZMap CSV from a pipe failed"
"${COMPARE[@]}" --ignore /ingest/files z80.h5 z80p.h5 >cmp-p.txt 2>&1 && ok "ZMap CSV through a pipe at 2 ranks" || { fail "pipe differs"; head -5 cmp-p.txt >&2; }
gzip -c "$D/zmap-80.csv" >z80.csv.gz
run z80g 0 "$SCANHPC" scan -q -o z80g.h5 z80.csv.gz && expect_rc z80g 0
"${COMPARE[@]}" --ignore /ingest/files z80.h5 z80g.h5 >cmp-g.txt 2>&1 && ok "ZMap CSV gzipped" || { fail "gzip differs"; head -5 cmp-g.txt >&2; }

# A larger file: the rows of zmap-80.csv under 4,000 other /24s (about 4 MB),
# read at 1 rank and at 4 ranks in 1 MiB chunks, so that most ranges start
# past the header row.
"$PY" - "$D/zmap-80.csv" big.csv <<'PY'
import sys
lines = open(sys.argv[1]).read().splitlines()
with open(sys.argv[2], "w") as out:
    out.write(lines[0] + "\n")
    for n in range(4000):
        a, b = 11 + n // 250, n % 250
        for l in lines[1:]:
            f = l.split(",")
            last = f[0].split(".")[3]
            f[0] = f"{a}.{b}.1.{last}"
            out.write(",".join(f) + "\n")
PY
run big1 0 "$SCANHPC" scan -q -o big1.h5 big.csv && expect_rc big1 0
timeout 120 mpirun -n 4 "$SCANHPC" scan -q --chunk-mb 1 -o big4.h5 big.csv >big4.out 2>big4.err || fail "4 ranks on big.csv failed"
"${COMPARE[@]}" big1.h5 big4.h5 >cmp-b.txt 2>&1 && ok "a 4 MB ZMap CSV split over 4 ranks in 1 MiB chunks equals 1 rank" ||
  { fail "4 ranks differ"; head -5 cmp-b.txt >&2; }
"$PY" - <<'PY' && ok "big.csv: as many hosts as the CSV has addresses with a success" || fail "big.csv: wrong host count"
import csv, h5py
want = len({r["saddr"] for r in csv.DictReader(open("big.csv")) if r["success"] == "1"})
n = int(h5py.File("big4.h5")["hosts/table/ip"].shape[0])
assert n == want and n > 10000, (n, want)
PY

if [ $failures -ne 0 ]; then
  echo "test_zmap: $failures failure(s)" >&2
  exit 1
fi
echo "test_zmap: ok"
