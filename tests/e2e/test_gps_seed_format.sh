#!/usr/bin/env bash
# `scanhpc gps model` on GPS's own seed format (NDJSON with ip, p, asn, data,
# fingerprint, w): a synthetic masscan truth is rewritten in that format by
# Python (with LZR's field names, nulls and unknown fields on some lines), the
# model equals the independent oracle (tests/e2e/gps_oracle.py, which reads the
# same NDJSON) and is identical at 1-3 ranks; bad lines are counted, not lost.
# --lzr-filter off: the LZR-named lines are read as they are (some have no
# data, which GPS's preparation would keep out; test_lzr checks that filter).
# Usage (ctest): bash tests/e2e/test_gps_seed_format.sh <scanhpc-binary> <repo-root>
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_setup gps-seed-format "$@"

"$SCANHPC" synth gps --hosts 15000 --seed 7 -o synth.oJ --quiet
"$PY" - synth.oJ seed.json "$ROOT/bench" <<'PYEOF'
import json, sys
sys.path.insert(0, sys.argv[3])
sys.dont_write_bytecode = True  # nothing written into the repository
from gps_seed_from_synth import gps_record, services  # the benchmark's rewrite, nulls kept
with open(sys.argv[2], "w") as out:
    for i, (ip, port, b) in enumerate(services(sys.argv[1])):
        rec = gps_record(ip, port, b)
        if i % 10 == 3:  # LZR's raw names, a null and an unknown field
            rec = {"saddr": ip, "sport": port, "window": rec["w"], "asn": None, "data": rec["data"],
                   "RST": False, "zannotate": {"routing": {"asn": 1}}}
        out.write(json.dumps(rec) + "\n")
    out.write('{"ip": "1.2.3.4"}\n{"ip": "300.1.1.1", "p": 80}\n')  # two bad lines
PYEOF
outs=()
for n in 1 2 3; do
  timeout 120 mpirun -n "$n" "$SCANHPC" gps model -q --all-features --lzr-filter off -o "model-$n.h5" seed.json && outs+=("model-$n.h5") \
    || fail "gps model at $n rank(s) failed"
done
"$PY" "$ROOT/tests/compare_h5.py" "${outs[@]}" >/dev/null && echo "  ok   identical at 1-3 ranks" \
  || fail "outputs differ across rank counts"
head -n -2 seed.json > clean.json  # the oracle reads only valid lines
"$PY" "$ROOT/tests/e2e/gps_oracle.py" clean.json model-2.h5 && echo "  ok   equal to the oracle" \
  || fail "differs from the oracle"
"$PY" - model-2.h5 "$(wc -l < seed.json)" <<'PYEOF' || fail "record counts"
import sys, h5py
f = h5py.File(sys.argv[1])
a = dict(f["ingest"].attrs) if "ingest" in f else dict(f.attrs)
read, used, rejected = (int(a[k]) for k in ("records_read", "records_used", "records_rejected"))
assert (read, rejected) == (int(sys.argv[2]), 2) and read == used + rejected, (read, used, rejected)
kinds = {t.decode() for t in f["gps/features/text"][()] if t.startswith((b"fingerprint: ", b"window: ", b"asn: "))}
assert any(k.startswith("fingerprint: ") for k in kinds) and any(k.startswith("window: ") for k in kinds) \
    and any(k.startswith("asn: ") for k in kinds), "GPS seed features present"
print(f"  ok   {read} records read = {used} used + {rejected} rejected; fingerprint, window and asn features")
PYEOF
# By default /gps/features holds the rules' features only: the same rows as the
# full dictionary's for those ids, everything else in the file unchanged, at 1 and 2 ranks.
for n in 1 2; do
  timeout 120 mpirun -n "$n" "$SCANHPC" gps model -q --lzr-filter off -o "rules-$n.h5" seed.json \
    || fail "gps model (rule features) at $n rank(s) failed"
done
"$PY" "$ROOT/tests/compare_h5.py" rules-1.h5 rules-2.h5 >/dev/null || fail "rule features differ across rank counts"
"$PY" "$ROOT/tests/compare_h5.py" --ignore /gps/features --ignore /gps@features_written model-2.h5 rules-2.h5 >/dev/null \
  || fail "the model changed with --all-features"
"$PY" - model-2.h5 rules-2.h5 <<'PYEOF' && echo "  ok   default /gps/features = the rules' features, rows as in the full dictionary" || fail "rule features"
import sys, h5py
full, rules = h5py.File(sys.argv[1]), h5py.File(sys.argv[2])
row = lambda f, i: (int(f["gps/features/id"][i]), f["gps/features/kind"][i], f["gps/features/text"][i])
want = sorted(set(rules["gps/rules/feature"][()].tolist()))
got = rules["gps/features/id"][()].tolist()
assert got == want and len(got) < len(full["gps/features/id"]), (len(got), len(want))
at = {int(x): i for i, x in enumerate(full["gps/features/id"][()])}
for i, fid in enumerate(got):
    a, b = row(rules, i), row(full, at[fid])
    assert (a[0], a[1], a[2].rstrip(b"\0")) == (b[0], b[1], b[2].rstrip(b"\0")), (a, b)
assert rules["gps"].attrs["features_written"] in (b"rules", "rules") and full["gps"].attrs["features_written"] in (b"all", "all")
PYEOF
[ "$failures" -eq 0 ] && echo "test_gps_seed_format: ok" || { echo "test_gps_seed_format: $failures failure(s)"; exit 1; }
