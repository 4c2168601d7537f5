#!/usr/bin/env bash
# Flowtuple Avro files written by scanhpc must be readable by another Avro
# implementation: the unit tests "[flow-avro-write]" leave FT3 and FT4 files
# (deflate and null, FT4 with and without spoofed/masscan counts) plus a JSON
# of the rows they wrote in $SCANHPC_FLOW_OUT; Debian's python3-avro reads each
# file and must get exactly those rows, the codec and the record name.
# Usage (ctest): bash tests/e2e/test_flow_avro.sh <scanhpc-binary> <repo-root>
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_setup flow_avro "$@"
UNIT="$(dirname "$SCANHPC")/tests/unit_tests"
[ -x "$UNIT" ] || { echo "test_flow_avro: no unit_tests binary at $UNIT" >&2; exit 1; }

mkdir -p out
if ! SCANHPC_FLOW_OUT="$TMP/out" "$UNIT" "[flow-avro-write]" >unit.log 2>&1; then
  fail "unit_tests [flow-avro-write] failed"
  tail -30 unit.log >&2
fi

"$PY" - "$TMP/out" <<'PYEOF' || fail "python3-avro disagrees with the files scanhpc wrote"
import glob, json, os, sys
import avro.datafile, avro.io

out = sys.argv[1]
files = sorted(glob.glob(os.path.join(out, "*.avro")))
want_names = {"ft3_deflate", "ft3_null", "ft4_deflate", "ft4_null", "ft4_v1_deflate", "ft4_v1_null"}
got_names = {os.path.basename(f)[:-5] for f in files}
bad = 0
if got_names != want_names:
    print("files: got %s, want %s" % (sorted(got_names), sorted(want_names)), file=sys.stderr)
    bad += 1
for path in files:
    name = os.path.basename(path)[:-5]
    want = json.load(open(path[:-5] + ".json"))
    with open(path, "rb") as f:
        reader = avro.datafile.DataFileReader(f, avro.io.DatumReader())
        codec = reader.get_meta("avro.codec").decode()
        record = reader.datum_reader.writers_schema.name
        rows = list(reader)
    checks = [("codec", codec, "null" if name.endswith("null") else "deflate"),
              ("record name", record, "flowtuple" if name.startswith("ft3") else "flowtuple4"),
              ("row count", len(rows), len(want))]
    for what, got, expect in checks:
        if got != expect:
            print("%s: %s %r, want %r" % (name, what, got, expect), file=sys.stderr)
            bad += 1
    for i, (g, w) in enumerate(zip(rows, want)):
        if g != w:
            diff = {k: (g.get(k), w.get(k)) for k in set(g) | set(w) if g.get(k) != w.get(k)}
            print("%s: row %d differs: %s" % (name, i, diff), file=sys.stderr)
            bad += 1
            break
    print("  ok   %s: %d rows, codec %s, record %s" % (name, len(rows), codec, record) if bad == 0 else "  --   " + name)
sys.exit(1 if bad else 0)
PYEOF

if [ $failures -ne 0 ]; then
  echo "test_flow_avro: $failures failure(s)" >&2
  exit 1
fi
echo "test_flow_avro: python3-avro reads every file scanhpc wrote"
