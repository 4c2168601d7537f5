#!/usr/bin/env bash
# Raw LZR output as GPS seed input, on the six real LZR files of 2020 kept in
# tests/data/lzr-2020 (stanford-esrg/lzr, Apache-2.0): keys of any case
# ("Data"), GPS's preparation filter (src/format_lzr.py: data <> "" AND data IS
# NOT NULL AND RST IS false AND window <> 0), objects written back to back on
# one line ("}{") each read. The seed's services and hosts are checked against
# an independent Python implementation of that preparation, with the filter
# on (the default) and off (--lzr-filter off), and at 1 and 3 ranks.
# Usage (ctest): bash tests/e2e/test_lzr.sh <scanhpc-binary> <repo-root>
set -uo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_setup lzr "$@"
D="$ROOT/tests/data/lzr-2020"
ok() { echo "  ok   $*"; }

for mode in on off; do
  for n in 1 3; do
    launcher=()
    [ "$n" -gt 1 ] && launcher=(mpirun -n "$n")
    if ! timeout 120 "${launcher[@]}" "$SCANHPC" gps model -q --all-features --lzr-filter "$mode" -o "model-$mode-$n.h5" "$D"/*.json \
      >"model-$mode-$n.out" 2>"model-$mode-$n.err"; then
      fail "gps model --lzr-filter $mode at $n rank(s) failed:"; tail -5 "model-$mode-$n.err" >&2
    fi
  done
done

"$PY" - "$D" <<'PY' && ok "seed services and hosts equal GPS's preparation in Python, filter on and off, 1 and 3 ranks" || fail "LZR seed differs from the Python preparation"
import glob, json, sys, h5py
dec = json.JSONDecoder()
objs, pairs_on_a_line = [], 0
for path in sorted(glob.glob(sys.argv[1] + "/*.json")):
    for line in open(path, encoding="utf-8", errors="surrogateescape"):
        s, i, k = line.strip(), 0, 0
        while i < len(s):
            o, j = dec.raw_decode(s, i)
            objs.append({key.lower(): v for key, v in o.items()})
            i, k = j, k + 1
            while i < len(s) and s[i] in " \t": i += 1
        pairs_on_a_line += k > 1
def kept(o):  # WHERE data<>"" AND data IS NOT NULL AND RST IS false AND window<>0 (NULL fails every test)
    return o.get("data") not in (None, "") and o.get("rst") is False and o.get("window") not in (None, 0)
want = {
    "on": {(o["saddr"], o["sport"]) for o in objs if kept(o)},
    "off": {(o["saddr"], o["sport"]) for o in objs},
}
assert pairs_on_a_line >= 30, pairs_on_a_line  # the files do hold "}{" lines
print(f"  {len(objs)} objects, {pairs_on_a_line} lines of several; seed services: on {len(want['on'])}, off {len(want['off'])}")
for mode in ("on", "off"):
    for n in (1, 3):
        f = h5py.File(f"model-{mode}-{n}.h5")
        g = f["gps"]
        services, hosts = int(g.attrs["seed_services"]), int(g.attrs["seed_hosts"])
        assert services == len(want[mode]), (mode, n, services, len(want[mode]))
        assert hosts == len({ip for ip, _ in want[mode]}), (mode, n, hosts)
        # the records the filter keeps out are read and used, without an observation
        out = sum(not kept(o) for o in objs) if mode == "on" else 0
        assert int(f["ingest"].attrs["records_without_observation"]) == out, (mode, n, out)
# The banners reach the features: every kept record has data, which GPS reads line by line.
texts = [t.decode() if isinstance(t, bytes) else t for t in h5py.File("model-on-1.h5")["gps/features/text"][()]]
http = sum(1 for t in texts if t.startswith("http line:"))
assert http > 100, http
print(f"  {http} 'http line:' features")
PY
"$PY" "$ROOT/tests/compare_h5.py" model-on-1.h5 model-on-3.h5 >cmp.txt 2>&1 && ok "gps model on LZR: 3 ranks = 1 rank" ||
  { fail "3 ranks differ"; head -5 cmp.txt >&2; }

if [ $failures -ne 0 ]; then
  echo "test_lzr: $failures failure(s)" >&2
  exit 1
fi
echo "test_lzr: ok"
