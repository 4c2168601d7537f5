#!/usr/bin/env bash
# Every table of every command's output is self-describing and reads the same
# four ways (issue 11, item 7): each command that writes HDF5 runs once at 2
# ranks on small inputs (scan on the bundled masscan data with bad, damaged and
# skipped files; gps model, predict, evaluate, simulate; flow top --series with
# every metric, series, intersect and convert; ports on CSV, FT4 and masscan
# output; gather over all of these), then tests/e2e/every_table.py checks every table the files hold
# (listed from the files): the columns' units, description and dimension
# scale, their agreement with docs/hdf5-layout.md (= `scanhpc info
# --columns`), and the values of scanhpc.read_table, of xr.open_dataset
# without options (and with engine="h5netcdf") and of DuckDB's read_csv_auto
# on `scanhpc export`'s CSV, against h5py's datasets.
# Usage (ctest): bash tests/e2e/test_every_table.sh <scanhpc-binary> <repo-root>
set -uo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_setup every_table "$@"
D="$ROOT/data/masscan-testnet"

echo "== inputs"
mkdir scan-in honeypot-in
cp "$D/scan.oJ" "$D/scan.oL" "$D/README.md" scan-in/
{ head -20 "$D/scan.oJ"; echo '{ "ip": "10.0.0.1", "timestamp": "1", "ports": [ {"port": 80'; echo '{"x": }'
  tail -5 "$D/scan.oJ"; } >scan-in/bad.oJ                   # two rejected records: /ingest/errors
gzip -c "$D/scan.oD" | head -c 3000 >scan-in/cut.oD.gz      # a damaged stream: /ingest/damaged
printf '\211HDF\r\n\032\n' >scan-in/old.h5                  # skipped: /ingest/skipped
"$SCANHPC" synth gps --hosts 3000 --seed 22 -o gps.oJ -q
"$SCANHPC" synth honeypot --days 6 --events-per-day 2000 -o honeypot-in/logs.csv -q
cp "$ROOT/tests/data/honeypot/marx_defects.csv" "$D/README.md" honeypot-in/
"$SCANHPC" synth flowtuple --version 4 --minutes 5 --records-per-minute 3000 --seed 23 -o ft4 -q
cp "$ROOT/tests/data/flow/ft4_bad_sync.avro" ft4/                # /flow/errors, /ports/errors
cp "$D/README.md" ft4/                                          # /flow/skipped
"$SCANHPC" synth flowtuple --version 3 --minutes 2 --records-per-minute 3000 --start-time 1612130100 -o ft3 -q

echo "== every command that writes HDF5, at 2 ranks"
outs=()
h5() {  # OUT ARGS...: runs scanhpc ARGS at 2 ranks; OUT is the HDF5 file it writes
  local out=$1; shift
  local tag=${out//\//_}
  if timeout 120 mpirun -n 2 "$SCANHPC" "$@" >"$tag.out" 2>"$tag.err" </dev/null && [ -f "$out" ]; then
    outs+=("$out")
  else
    fail "scanhpc $* (exit $?)"; show "$tag.err"
  fi
}
h5 scan.h5 scan -q --keep observations -o scan.h5 scan-in  # /observations: a chunked, compressed table
h5 model.h5 gps model -q --seed-fraction 0.3 -o model.h5 gps.oJ
h5 pred.h5 gps predict -q --model model.h5 -o pred.h5 gps.oJ
h5 eval.h5 gps evaluate -q --model model.h5 --predictions pred.h5 -o eval.h5 gps.oJ
h5 sim.h5 gps simulate -q -o sim.h5 gps.oJ
h5 top.h5 flow top -q --series --field netacq_country --field dst_port --by flows --by packets --by dst_ips \
  -o top.h5 ft4
h5 series.h5 flow series -q -o series.h5 ft4
h5 inter.h5 flow intersect -q --where 'packet_cnt >= 2' --where 'uniq_dst_ips >= 2' -o inter.h5 ft4
h5 conv/convert.h5 flow convert -q -o conv ft3
h5 ports-csv.h5 ports -q -o ports-csv.h5 honeypot-in
h5 ports-ft4.h5 ports -q --source ft4 -o ports-ft4.h5 ft4
h5 ports-scan.h5 ports -q --source masscan -o ports-scan.h5 "$D/scan-banners.oJ"
h5 gather.h5 gather -q -o gather.h5 "${outs[@]}"  # every command's headline figures, runs of every command
[ ${#outs[@]} -eq 13 ] && ok "13 outputs of 12 commands"
"$PY" "$ROOT/tests/e2e/gather_check.py" gather.h5 - "${outs[@]:0:12}" >gather.check 2>&1 &&
  ok "gather of every command: $(cat gather.check)" || { fail "gather_check"; show gather.check 30; }

# DuckDB through node (as test_export): every CSV given, its header, column types and rows.
# read_csv_auto with delim=',' and UBIGINT for u64 columns (every_table.py says why).
peers="$ROOT/bench/peers"
if command -v node >/dev/null && { [ -d "$peers/node_modules/@duckdb/node-api" ] || { command -v npm >/dev/null &&
     (cd "$peers" && timeout 300 npm install --no-save --no-package-lock @duckdb/node-api) >npm.log 2>&1; }; }; then
  ln -s "$peers/node_modules" node_modules  # node resolves the module from the script's folder
  cat >duck.mjs <<'JSEOF'
import { DuckDBInstance } from '@duckdb/node-api';
import { readFileSync } from 'node:fs';
const inst = await DuckDBInstance.create(':memory:', { threads: '1' });
const c = await inst.connect();
const out = {};
// {file: {column: type}}: read_csv_auto with the CSV's delimiter and UBIGINT for the u64 columns
for (const [file, types] of Object.entries(JSON.parse(readFileSync(process.argv[2], 'utf8')))) {
  const given = Object.entries(types).map(([k, v]) => `'${k}': '${v}'`).join(', ');
  const r = await c.runAndReadAll(`select * from read_csv_auto('${file}', delim=','${given ? `, types={${given}}` : ''})`);
  const text = (v) => (v === null ? null : typeof v === 'string' ? v : String(v));
  out[file] = { columns: r.columnNames(), types: r.columnTypes().map(String), rows: r.getRows().map((row) => row.map(text)) };
}
console.log(JSON.stringify(out));
JSEOF
else
  echo "  SKIP the DuckDB part: node, npm or @duckdb/node-api missing"
fi

echo "== every table"
if "$PY" "$ROOT/tests/e2e/every_table.py" "$ROOT" "$SCANHPC" "$TMP" "${outs[@]}"; then
  ok "every table: units, description, dimension and docs; read_table, xarray and DuckDB equal the HDF5"
else
  fail "every_table.py found differences"
fi

if [ $failures -ne 0 ]; then
  echo "test_every_table: $failures failure(s)" >&2
  exit 1
fi
echo "test_every_table: ok"
