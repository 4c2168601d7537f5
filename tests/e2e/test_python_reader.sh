#!/usr/bin/env bash
# The Python reader (python/scanhpc): every table of the outputs of scan,
# ports (CSV), gps model and flow top --series, read with scanhpc.read_table,
# against the same datasets read with h5py: the table's column order, every
# value (strings decoded, times back to their Unix seconds or days, ports out
# of their categories, the known bits put back together), and scanhpc.open's
# provenance and table list.
# Usage (ctest): bash tests/e2e/test_python_reader.sh <scanhpc-binary> <repo-root>
set -uo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_setup python_reader "$@"

"$SCANHPC" synth masscan --services 20000 --seed 3 --multiprobe-boost 50 -o scan.oJ -q
"$SCANHPC" synth honeypot --days 6 --events-per-day 3000 -o logs.csv -q
"$SCANHPC" synth gps --hosts 3000 --seed 5 -o gps.oJ -q
"$SCANHPC" synth flowtuple --version 4 --minutes 10 --records-per-minute 3000 -o ft4 -q
outs=()
run() {  # OUT ARGS...
  local out=$1; shift
  if timeout 120 mpirun -n 2 "$SCANHPC" "$@" -o "$out" >"$out.log" 2>&1; then outs+=("$out")
  else fail "$* failed"; tail -5 "$out.log" >&2; fi
}
run scan.h5 scan -q scan.oJ
run ports.h5 ports logs.csv
run gps.h5 gps model -q gps.oJ
run flow.h5 flow top -q --series --field netacq_country ft4

"$PY" - "$ROOT/python" "${outs[@]}" <<'PY' && echo "  ok   every table read by scanhpc.read_table equals h5py's datasets" || fail "read_table differs from h5py"
import sys
sys.path.insert(0, sys.argv[1])
import h5py, numpy as np, pandas as pd
import scanhpc

def text(v): return v.decode() if isinstance(v, bytes) else v
checked = 0
for path in sys.argv[2:]:
    run = scanhpc.open(path)
    with h5py.File(path) as f:
        assert run.command == text(f.attrs["command"]), (run.command, f.attrs["command"])
        assert run.provenance["git_commit"] == text(f.attrs["git_commit"])
        want_tables = []
        f.visititems(lambda n, o: want_tables.append(n) if isinstance(o, h5py.Group) and "columns" in o.attrs
                     and np.ndim(o.attrs["columns"]) == 1 else None)  # /ports' `columns` is the CSV mapping
        assert run.tables == want_tables and len(want_tables) >= 4, (path, run.tables)
        for t in run.tables:
            g = f[t]
            names = [text(c) for c in g.attrs["columns"]]
            df = scanhpc.read_table(path, t)
            expect_cols = []
            for n in names:
                expect_cols += ["known_ts", "known_reason", "known_ttl"] if n == "known" and g[n].dtype.kind == "u" else [n]
            assert list(df.columns) == expect_cols, (path, t, list(df.columns), expect_cols)
            for n in names:
                raw = g[n][()]
                if n == "known" and raw.dtype.kind == "u":
                    back = df["known_ts"].astype(int) * 1 + df["known_reason"].astype(int) * 2 + df["known_ttl"].astype(int) * 4
                    assert np.array_equal(back.to_numpy(), raw & 7), (t, n)
                    continue
                col = df[n]
                if isinstance(col.dtype, pd.CategoricalDtype):
                    col = col.astype(object) if col.cat.categories.dtype == object else col.astype(col.cat.categories.dtype)
                if raw.dtype.kind in ("S", "O"):
                    want = [x.decode("utf-8") if isinstance(x, bytes) else x for x in raw]
                    assert list(col) == want, (path, t, n)
                elif pd.api.types.is_datetime64_any_dtype(col):
                    unit = "D" if n == "day" else "s"
                    secs = (col - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(1, unit)
                    assert np.array_equal(secs.to_numpy(), raw.astype("int64")), (path, t, n)
                else:
                    assert np.array_equal(np.asarray(col), raw), (path, t, n, col.dtype, raw.dtype)
            checked += 1
print(f"  {checked} tables of {len(sys.argv) - 2} outputs")
assert checked >= 20, checked
PY
"$PY" - "$ROOT/python" scan.h5 <<'PY' && echo "  ok   a group that is not a table is a clear error naming the tables" || fail "no clear error"
import sys
sys.path.insert(0, sys.argv[1])
import scanhpc
try:
    scanhpc.read_table(sys.argv[2], "hosts")
except KeyError as e:
    assert "hosts/table" in str(e), e
else:
    raise SystemExit("no error")
PY

if [ $failures -ne 0 ]; then
  echo "test_python_reader: $failures failure(s)" >&2
  exit 1
fi
echo "test_python_reader: ok"
