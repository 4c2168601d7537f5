#!/usr/bin/env bash
# `scanhpc gps evaluate` against a truth that lacks a port the predictions
# name (the truth scan of another day, say): every row of /gps/evaluation is
# finite and equals an independent computation in Python from the model's
# plan and seed, the predictions and the truth's records (a port absent from
# the truth adds nothing to port_weighted; it used to make 0/0 = NaN and
# spoil every later row). At 1 and 3 ranks, and on the full truth too.
# Usage (ctest): bash tests/e2e/test_gps_evaluate.sh <scanhpc-binary> <repo-root>
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_setup gps-evaluate "$@"

"$SCANHPC" synth gps --hosts 8000 --seed 21 --format ndjson -o truth.oD --quiet
mpirun -n 2 "$SCANHPC" gps model -q --seed-fraction 0.2 --sample-seed 3 -o model.h5 truth.oD || fail "model failed"
mpirun -n 2 "$SCANHPC" gps predict -q --model model.h5 -o pred.h5 truth.oD || fail "predict failed"
# The truth without every record of the two most predicted ports.
"$PY" - pred.h5 truth.oD cut.oD <<'EOF' || fail "cannot make the cut truth"
import collections, json, sys, h5py
ports = collections.Counter(h5py.File(sys.argv[1])["gps/predictions/port"][()].tolist())
drop = {p for p, _ in ports.most_common(2)}
kept = [l for l in open(sys.argv[2]) if json.loads(l).get("port") not in drop]
open(sys.argv[3], "w").writelines(kept)
print("  cut truth: without ports %s (%d of %d predictions)" % (sorted(drop), sum(ports[p] for p in drop),
                                                               sum(ports.values())))
EOF

for truth in cut.oD truth.oD; do
  for n in 1 3; do
    out=eval-${truth%.oD}-$n.h5
    timeout 120 mpirun -n "$n" "$SCANHPC" gps evaluate -q --model model.h5 --predictions pred.h5 -o "$out" "$truth" \
      2>"$out.err" || { fail "evaluate $truth at $n rank(s) failed"; cat "$out.err" >&2; continue; }
    "$PY" - model.h5 pred.h5 "$truth" "$out" <<'EOF' && echo "  ok   $truth at $n rank(s): every row finite and equal to the oracle" ||
import json, math, sys, h5py, numpy as np

model, pred, truth_path, out = sys.argv[1:5]
m = h5py.File(model)["gps"]
max_ports = int(m.attrs["max_ports"])
plan = [(int(p), int(x), int(l)) for p, x, l in zip(m["plan/port"][()], m["plan/prefix"][()], m["plan/prefix_len"][()])]
seed = set(zip(m["seed_services/ip"][()].tolist(), m["seed_services/port"][()].tolist()))

def ip_u32(s):
    a = [int(x) for x in s.split(".")]
    return a[0] << 24 | a[1] << 16 | a[2] << 8 | a[3]

truth, per_host = set(), {}
for line in open(truth_path):
    r = json.loads(line)
    if r.get("rec_type") == "status" and r.get("data", {}).get("status") == "open":
        s = (ip_u32(r["ip"]), int(r["port"]))
        if s not in truth:
            truth.add(s)
            per_host[s[0]] = per_host.get(s[0], 0) + 1
sink = {s for s in truth if per_host[s[0]] > max_ports}

def covers(port, ip):
    return any(p == port and (ip >> (32 - l) if l else 0) == (x >> (32 - l) if l else 0) for p, x, l in plan)

known = {s for s in truth if s in seed or covers(s[1], s[0])}
per_port = {}
for _, p in truth:
    per_port[p] = per_port.get(p, 0) + 1
per_port_ns = {}
for s in truth - sink:
    per_port_ns[s[1]] = per_port_ns.get(s[1], 0) + 1
known_pp = {}
for _, p in known:
    known_pp[p] = known_pp.get(p, 0) + 1
T, NS, ports = len(truth), len(truth - sink), len(per_port)
S = len(seed & truth)
rows = []

def add(method, probes, found, found_ns, weighted):
    rows.append((method, probes, found, found / T if T else 0.0,
                 (found - min(found, S)) / (T - S) if T > S else 0.0,
                 found_ns / NS if NS else 0.0, weighted / ports if ports else 0.0))

p = h5py.File(pred)["gps/predictions"]
preds = list(zip(p["ip"][()].tolist(), p["port"][()].tolist(), p["hitrate"][()].tolist()))
probes = sum(1 << (32 - l) for _, _, l in plan)
found, found_ns = len(known), len(known - sink)
weighted = sum(known_pp.get(q, 0) / per_port[q] for q in per_port)
add("gps", probes, found, found_ns, weighted)
for h in sorted({h for _, _, h in preds}, reverse=True):
    group = [(ip, q) for ip, q, hh in preds if hh == h]
    probes += len(group)
    hits = [s for s in group if s in truth and s not in known]
    found += len(hits)
    found_ns += sum(1 for s in hits if s not in sink)
    for q in sorted({q for _, q in group}):
        if per_port.get(q, 0):
            weighted += sum(1 for s in hits if s[1] == q) / per_port[q]
    add("gps", probes, found, found_ns, weighted)
seed_pp = {}
for _, q in seed:
    seed_pp[q] = seed_pp.get(q, 0) + 1
bp = bf = bns = bw = 0
for q in sorted(seed_pp, key=lambda q: (-seed_pp[q], q)):
    bp += 1 << 32
    bf += per_port.get(q, 0)
    bns += per_port_ns.get(q, 0)
    bw += per_port.get(q, 0) > 0
    add("popularity", bp, bf, bns, bw)

e = h5py.File(out)["gps/evaluation"]
got = list(zip([x.decode() for x in e["method"][()]], e["probes"][()].tolist(), e["services_found"][()].tolist(),
               e["fraction"][()].tolist(), e["fraction_beyond_seed"][()].tolist(),
               e["fraction_excluding_sinks"][()].tolist(), e["port_weighted"][()].tolist()))
assert all(math.isfinite(v) for r in got for v in r[3:]), "a NaN or infinity in /gps/evaluation"
assert len(got) == len(rows), "%d rows, the oracle has %d" % (len(got), len(rows))
for i, (g, w) in enumerate(zip(got, rows)):
    assert g[:3] == w[:3], "row %d: %s != %s" % (i, g[:3], w[:3])
    for a, b in zip(g[3:], w[3:]):
        assert abs(a - b) <= 1e-12 * max(1.0, abs(b)), "row %d: %r != %r" % (i, g, w)
print("  %s: %d rows, %d truth services, %d predictions" % (out, len(rows), T, len(preds)))
EOF
      fail "$truth at $n rank(s): /gps/evaluation differs from the oracle"
  done
done
[ "$failures" -eq 0 ] && echo "test_gps_evaluate: ok" || { echo "test_gps_evaluate: $failures failure(s)"; exit 1; }
