#!/usr/bin/env bash
# `scanhpc export` and `scanhpc info --table`, run without mpirun:
# - every table of a scan, a ports and a gps model output (listed by h5py: groups whose datasets
#   are equal-length 1-D columns) is exported; pandas reads each CSV back and every value equals
#   h5py's (integers exactly, doubles bit for bit, strings as written), with the columns in the
#   order of the table's `columns` attribute; the not-a-table error lists the same tables;
# - --dotted-ip and --iso-times equal Python's ipaddress and datetime on the documented columns;
# - OUT.csv.gz holds the same bytes gzip-compressed; standard output the same text;
# - info --table GROUP --head N prints the first N rows of the same CSV;
# - an existing output is kept without --force (exit 1), replaced with it; the input never;
#   usage errors exit 2; a GROUP that is not a table exits 1 naming it and listing the tables;
#   a full disk (/dev/full) exits 1 with the write error; no temporary file is left;
# - DuckDB (npm @duckdb/node-api, when node and npm can provide it) reads two CSVs with
#   read_csv_auto to the same row counts, sums and distinct counts as pandas.
# Usage (ctest): bash tests/e2e/test_export.sh <scanhpc-binary> <repo-root>
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_setup export "$@"

"$SCANHPC" synth masscan -q --services 20000 --seed 5 -o scan.oJ || fail "synth masscan"
"$SCANHPC" scan -q -o scan.h5 scan.oJ >scan.out 2>scan.err || fail "scan"
"$SCANHPC" synth honeypot -q --days 5 --events-per-day 2000 -o logs.csv || fail "synth honeypot"
"$SCANHPC" ports -q -o ports.h5 logs.csv >ports.out 2>ports.err || fail "ports"
"$SCANHPC" gps model -q -o gps.h5 "$ROOT/data/masscan-testnet/scan-banners.oJ" >gps.out 2>gps.err || fail "gps model"

# The tables, found independently of scanhpc.
"$PY" - scan.h5 ports.h5 gps.h5 >tables.txt <<'PYEOF'
import sys, h5py
for path in sys.argv[1:]:
    with h5py.File(path) as f:
        tables = []
        def visit(name, obj):
            if isinstance(obj, h5py.Group):
                ds = [v for v in obj.values() if isinstance(v, h5py.Dataset)]
                if ds and all(d.ndim == 1 for d in ds) and len({d.shape[0] for d in ds}) == 1:
                    tables.append("/" + name)
        f.visititems(visit)
        for t in sorted(tables):
            print(path, t)
PYEOF
[ "$(wc -l <tables.txt)" -ge 20 ] || fail "expected at least 20 tables, found $(wc -l <tables.txt)"

n=0
while read -r file table; do
  name=$(echo "${file%.h5}$table" | tr '/' '_')
  run "$name" 0 "$SCANHPC" export -q "$file" "$table" -o "$name.csv"
  [ "$RC" = 0 ] || { fail "export $file $table: exit $RC"; show "$name.err"; continue; }
  run "$name-readable" 0 "$SCANHPC" export -q --dotted-ip --iso-times "$file" "$table" -o "$name.readable.csv"
  [ "$RC" = 0 ] || fail "export --dotted-ip --iso-times $file $table: exit $RC"
  run "$name-gz" 0 "$SCANHPC" export -q "$file" "$table" -o "$name.csv.gz"
  [ "$RC" = 0 ] || fail "export $file $table -o .csv.gz: exit $RC"
  echo "$file $table $name" >>exported.txt
  n=$((n + 1))
done <tables.txt
ok "$n tables exported three ways"

"$PY" - exported.txt <<'PYEOF' || fail "exported values differ from the HDF5 files"
import sys, gzip, io, math, struct, ipaddress, datetime
import h5py, numpy as np, pandas as pd
IPS = {"ip", "src_ip", "dst_net", "prefix", "saddr", "src"}   # docs/hdf5-layout.md, export
SECONDS = {"first_seen", "last_seen", "time", "timestamp"}
DAYS = {"day"}
checked = {"values": 0, "ip": 0, "time": 0, "day": 0, "str": 0, "float": 0}
bad = []
def bits(x):
    return struct.pack("<d", float(x))
for line in open(sys.argv[1]):
    file, table, name = line.split()
    with h5py.File(file) as f:
        g = f[table]
        cols = [c.decode() if isinstance(c, bytes) else c for c in g.attrs["columns"]]
        data = {c: g[c][()] for c in cols}
        units = {c: (lambda u: u.decode() if isinstance(u, bytes) else (str(u) if u is not None else None))(g[c].attrs.get("units"))
                 for c in cols}
    text = open(name + ".csv", "rb").read()
    if gzip.open(name + ".csv.gz").read() != text:
        bad.append(f"{name}.csv.gz differs from {name}.csv")
    raw = pd.read_csv(name + ".csv", dtype=str, keep_default_na=False, na_filter=False)
    readable = pd.read_csv(name + ".readable.csv", dtype=str, keep_default_na=False, na_filter=False)
    typed = pd.read_csv(name + ".csv.gz")  # pandas' own type inference, from the gzip file
    if list(raw.columns) != cols or list(readable.columns) != cols:
        bad.append(f"{name}: header {list(raw.columns)} is not the columns attribute {cols}")
        continue
    for c in cols:
        v = data[c]
        if len(raw) != len(v) or len(readable) != len(v) or len(typed) != len(v):
            bad.append(f"{name}/{c}: {len(raw)} rows, HDF5 has {len(v)}")
            break
        kind = v.dtype.kind
        got, rd = raw[c].tolist(), readable[c].tolist()
        if kind in "ui":
            want = [str(int(x)) for x in v]
            if got != want:
                bad.append(f"{name}/{c}: integers differ, first {next((a, b) for a, b in zip(got, want) if a != b)}")
            if len(v) and not np.array_equal(typed[c].to_numpy().astype(v.dtype), v):
                bad.append(f"{name}/{c}: pandas' integers differ")
            # the units attribute first (as the exporter reads it), else the column name
            u = units[c]
            is_ip = u == "ipv4" if u else c in IPS
            is_seconds = (u.startswith("seconds since 1970-01-01") or u == "unix seconds") if u else c in SECONDS
            is_day = u.startswith("days since 1970-01-01") if u else c in DAYS
            if is_ip and v.dtype.itemsize <= 4:
                want_r = [str(ipaddress.IPv4Address(int(x))) for x in v]; checked["ip"] += len(v)
            elif is_seconds:
                want_r = [datetime.datetime.fromtimestamp(int(x), tz=datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
                          for x in v]; checked["time"] += len(v)
            elif is_day:
                want_r = [(datetime.date(1970, 1, 1) + datetime.timedelta(days=int(x))).isoformat() for x in v]
                checked["day"] += len(v)
            else:
                want_r = want
            if rd != want_r:
                bad.append(f"{name}/{c}: readable form differs, first {next((a, b) for a, b in zip(rd, want_r) if a != b)}")
        elif kind == "f":
            back = [float(x) for x in got]
            if any(not (bits(a) == bits(b) or (math.isnan(a) and math.isnan(b))) for a, b in zip(back, v)):
                bad.append(f"{name}/{c}: doubles do not round-trip")
            if rd != got:
                bad.append(f"{name}/{c}: --dotted-ip --iso-times changed a float column")
            checked["float"] += len(v)
        elif kind in "SO":
            want = [x.decode() if isinstance(x, bytes) else x for x in v]
            if got != want or rd != want:
                bad.append(f"{name}/{c}: strings differ, first {next(((a, b) for a, b in zip(got, want) if a != b), None)}")
            if any(s.startswith("b'") for s in got):
                bad.append(f"{name}/{c}: b'..' in the CSV")
            checked["str"] += len(v)
        else:
            bad.append(f"{name}/{c}: unexpected dtype {v.dtype}")
        checked["values"] += len(v)
for b in bad:
    print("   ", b, file=sys.stderr)
assert not bad, f"{len(bad)} problems"
assert checked["ip"] and checked["time"] and checked["day"] and checked["str"] and checked["float"], checked
print(f"  ok   {checked['values']} values equal h5py's ({checked['str']} strings, {checked['float']} doubles); "
      f"readable forms: {checked['ip']} IPs, {checked['time']} times, {checked['day']} days; .csv.gz identical")
PYEOF

# A file from another tool (h5py): variable-length strings that need quoting, signed and f32
# columns, `units` attributes, creation order without a columns attribute, name order without
# either, a one-column table with empty strings, and a group whose columns differ in length.
"$PY" - <<'PYEOF' || fail "h5py test file"
import h5py, numpy as np
with h5py.File("foreign.h5", "w") as f:
    g = f.create_group("odd", track_order=True)
    g["z_text"] = np.array(["plain", "a,b", 'say "hi"', "two\nlines", "", " spaced "], dtype=h5py.string_dtype())
    g["a_signed"] = np.array([-5, 0, 7, -(2**63), 2**63 - 1, 1], dtype="<i8")
    g["m_float"] = np.array([0.1, -0.0, np.nan, np.inf, 1e-45, 3.4e38], dtype="<f4")
    g["ts"] = np.array([0, 1614834367, 4294967295, 951782400, 1, 86399], dtype="<u8")
    g["ts"].attrs["units"] = "unix seconds"
    g["addr"] = np.array([0, 0xC6120021, 0xFFFFFFFF, 1, 2, 3], dtype="<u4")
    g["addr"].attrs["units"] = "ipv4"
    g["ip"] = np.array([1, 2, 3, 4, 5, 6], dtype="<u4")
    g["ip"].attrs["units"] = "count"          # units win over the name
    h = f.create_group("sorted")
    h["b"] = np.arange(3, dtype="<u2"); h["a"] = np.arange(3, dtype="<u1"); h["c"] = np.arange(3.0)
    f.create_group("single")["message"] = np.array([b"x", b"", b"y,z"], dtype="S4")
    u = f.create_group("uneven"); u["a"] = np.arange(3); u["b"] = np.arange(4)
PYEOF
run foreign 0 "$SCANHPC" export --iso-times --dotted-ip foreign.h5 /odd -o odd.csv
run foreign-sorted 0 "$SCANHPC" export foreign.h5 /sorted -o sorted.csv
run foreign-single 0 "$SCANHPC" export foreign.h5 /single -o single.csv
grep -q "(creation order)" foreign.err && grep -q "(name order)" foreign-sorted.err || fail "order not reported"
"$PY" - <<'PYEOF' || fail "the h5py file's tables read back wrong"
import math, pandas as pd
odd = pd.read_csv("odd.csv", dtype=str, keep_default_na=False, na_filter=False)
assert list(odd.columns) == ["z_text", "a_signed", "m_float", "ts", "addr", "ip"], list(odd.columns)
assert odd["z_text"].tolist() == ["plain", "a,b", 'say "hi"', "two\nlines", "", " spaced "], odd["z_text"].tolist()
assert odd["a_signed"].tolist() == ["-5", "0", "7", str(-(2**63)), str(2**63 - 1), "1"]
import numpy as np
want = np.array([0.1, -0.0, np.nan, np.inf, 1e-45, 3.4e38], dtype="<f4").astype(float)
got = [float(x) for x in odd["m_float"]]
assert all((math.isnan(a) and math.isnan(b)) or (a == b and math.copysign(1, a) == math.copysign(1, b))
           for a, b in zip(got, want)), got
assert odd["ts"].tolist() == ["1970-01-01T00:00:00Z", "2021-03-04T05:06:07Z", "2106-02-07T06:28:15Z",
                              "2000-02-29T00:00:00Z", "1970-01-01T00:00:01Z", "1970-01-01T23:59:59Z"]
assert odd["addr"].tolist() == ["0.0.0.0", "198.18.0.33", "255.255.255.255", "0.0.0.1", "0.0.0.2", "0.0.0.3"]
assert odd["ip"].tolist() == ["1", "2", "3", "4", "5", "6"]
assert list(pd.read_csv("sorted.csv").columns) == ["a", "b", "c"]
single = pd.read_csv("single.csv", dtype=str, keep_default_na=False, na_filter=False)
assert single["message"].tolist() == ["x", "", "y,z"], single["message"].tolist()
print("  ok   h5py file: quoting, vlen strings, i64, f32, units, creation/name order, one-column empty strings")
PYEOF
run uneven 0 "$SCANHPC" export foreign.h5 /uneven
[ "$RC" = 1 ] && grep -q "/uneven is not a table: its columns have unequal lengths" uneven.err \
  && grep -q "its tables: /odd, /single, /sorted" uneven.err && ok "columns of unequal length: exit 1, tables listed" \
  || { fail "uneven: exit $RC"; show uneven.err; }

# Standard output, info --table --head.
"$SCANHPC" export scan.h5 /hosts/table >stdout.csv 2>stdout.err || fail "export to standard output"
cmp -s stdout.csv scan_hosts_table.csv && ok "standard output equals -o" || fail "standard output differs from -o"
"$SCANHPC" info scan.h5 --table /hosts/table --head 5 >head.out 2>head.err || fail "info --table"
head -6 scan_hosts_table.csv | cmp -s - head.out && ok "info --table --head 5 = the export's first 5 rows" \
  || { fail "info --table --head differs"; show head.out; }
"$SCANHPC" info scan.h5 --table /hosts/table --head 3 --dotted-ip --iso-times >headr.out 2>headr.err
head -4 scan_hosts_table.readable.csv | cmp -s - headr.out || fail "info --table --dotted-ip --iso-times differs"

# Output safety and exit codes.
before=$(md5sum <scan_hosts_table.csv)
run exists 0 "$SCANHPC" export -q scan.h5 /multiprobe/intervals -o scan_hosts_table.csv
[ "$RC" = 1 ] && grep -q "exists (use --force" exists.err && [ "$(md5sum <scan_hosts_table.csv)" = "$before" ] \
  && ok "an existing output is kept without --force (exit 1)" || { fail "existing output: exit $RC"; show exists.err; }
run force 0 "$SCANHPC" export -q --force scan.h5 /multiprobe/intervals -o scan_hosts_table.csv
[ "$RC" = 0 ] && cmp -s scan_hosts_table.csv scan_multiprobe_intervals.csv && ok "--force replaces it" \
  || fail "--force: exit $RC"
cp scan.h5 keep.h5
run self 0 "$SCANHPC" export -q --force keep.h5 /hosts/table -o ./keep.h5
[ "$RC" = 1 ] && grep -q "is the input" self.err && cmp -s scan.h5 keep.h5 && ok "the input is never written (exit 1)" \
  || { fail "output = input: exit $RC"; show self.err; }
run notable 0 "$SCANHPC" export scan.h5 /hosts -o hosts.csv
[ "$RC" = 1 ] && grep -q "/hosts is not a table" notable.err && grep -q "/hosts/table" notable.err && [ ! -e hosts.csv ] \
  && ok "a group that is not a table: exit 1, named, the tables listed" || { fail "not a table: exit $RC"; show notable.err; }
"$PY" - notable.err tables.txt <<'PYEOF' || fail "the not-a-table message lists other tables than h5py finds"
import sys
msg = open(sys.argv[1]).read()
listed = msg.split("its tables: ")[1].strip().split(", ")
want = [t for f, t in (l.split() for l in open(sys.argv[2])) if f == "scan.h5"]
assert listed == want, (listed, want)
PYEOF
run missing 0 "$SCANHPC" export scan.h5 /nope
[ "$RC" = 1 ] && grep -q "/nope does not exist" missing.err || { fail "missing group: exit $RC"; show missing.err; }
run dataset 0 "$SCANHPC" export scan.h5 /hosts/table/ip
[ "$RC" = 1 ] && grep -q "not a group" dataset.err || { fail "a dataset as GROUP: exit $RC"; show dataset.err; }
run nofile 0 "$SCANHPC" export absent.h5 /hosts/table
[ "$RC" = 1 ] || fail "missing input file: exit $RC"
run usage1 0 "$SCANHPC" export scan.h5
rc1=$RC
run usage2 0 "$SCANHPC" export scan.h5 /hosts/table --no-such-option
[ "$rc1" = 2 ] && [ "$RC" = 2 ] && [ "$(wc -l <usage1.err)" -le 2 ] && ok "usage errors exit 2, one message" \
  || { fail "usage errors: exit $rc1 and $RC"; show usage1.err; }
if [ -w /dev/full ]; then  # a full disk: the write error is reported, not a short CSV
  run full 0 "$SCANHPC" export -q scan.h5 /hosts/table -o /dev/full
  [ "$RC" = 1 ] && grep -q "cannot write /dev/full: No space left on device" full.err \
    && ok "a full disk: exit 1, one message" || { fail "export to /dev/full: exit $RC"; show full.err; }
  run full-stdout 0 bash -c "'$SCANHPC' export scan.h5 /hosts/table >/dev/full"
  [ "$RC" = 1 ] && grep -q "cannot write standard output" full-stdout.err || { fail "stdout on /dev/full: exit $RC"; show full-stdout.err; }
fi
ls ./*.tmp.* >/dev/null 2>&1 && fail "temporary files left: $(ls ./*.tmp.*)" || ok "no temporary file left"

# DuckDB, the peer: read_csv_auto on two exports against pandas.
duckdb_part() {
  command -v node >/dev/null || { echo "SKIP duckdb part: node is not installed"; return 0; }
  local peers="$ROOT/bench/peers"
  if [ ! -d "$peers/node_modules/@duckdb/node-api" ]; then
    command -v npm >/dev/null || { echo "SKIP duckdb part: npm is not installed"; return 0; }
    (cd "$peers" && timeout 300 npm install --no-save --no-package-lock @duckdb/node-api) >npm.log 2>&1 \
      || { echo "SKIP duckdb part: npm install @duckdb/node-api failed: $(tail -1 npm.log)"; return 0; }
  fi
  ln -s "$peers/node_modules" node_modules  # node resolves the module from the script's folder
  cat >duck.mjs <<'JSEOF'
import { DuckDBInstance } from '@duckdb/node-api';
const inst = await DuckDBInstance.create(':memory:', { threads: '1' });
const c = await inst.connect();
const out = {};
for (const [file, sum, distinct] of [[process.argv[2], 'records', 'ip'], [process.argv[3], 'sources', 'port']]) {
  const r = await c.runAndReadAll(`select count(*), sum(${sum}), count(distinct ${distinct}) from read_csv_auto('${file}')`);
  out[file] = r.getRows()[0].map(String);
}
console.log(JSON.stringify(out));
JSEOF
  node duck.mjs scan_hosts_table.readable.csv ports_ports_daily.csv >duck.txt 2>duck.err \
    || { fail "duckdb could not read the CSVs"; show duck.err; return 0; }
  "$PY" - duck.txt <<'PYEOF' || fail "duckdb and pandas disagree"
import json, sys, pandas as pd
got = json.load(open(sys.argv[1]))
for file, s, d in [("scan_hosts_table.readable.csv", "records", "ip"), ("ports_ports_daily.csv", "sources", "port")]:
    df = pd.read_csv(file)
    want = [str(len(df)), str(int(df[s].sum())), str(df[d].nunique())]
    assert got[file] == want, (file, got[file], want)
print(f"  ok   duckdb read_csv_auto = pandas: rows, sum, distinct of 2 CSVs {got}")
PYEOF
}
duckdb_part

[ "$failures" = 0 ] || { echo "$failures failure(s)"; exit 1; }
echo "PASS export"
