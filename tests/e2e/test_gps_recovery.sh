#!/usr/bin/env bash
# Issue 3's recovery criterion: `scanhpc gps simulate` on a synthetic truth
# finds at least 90% of its services with a small fraction of an exhaustive
# scan's probes, and beats the popularity baseline. The evaluation's figures
# are recomputed independently in Python from the truth file and the plan,
# predictions and seed the run wrote (a service is found if the seed holds
# it, the plan covers its (port, /16), or a prediction names it).
# Usage (ctest): bash tests/e2e/test_gps_recovery.sh <scanhpc-binary> <repo-root>
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_setup gps-recovery "$@"

"$SCANHPC" synth gps --hosts 60000 --seed 5 -o truth.oJ --quiet
for F in 0.1 0.3; do
  timeout 300 mpirun -n 2 "$SCANHPC" gps simulate -q --seed-fraction "$F" -o "sim-$F.h5" truth.oJ \
    || fail "simulate at seed fraction $F failed"
done

"$PY" - truth.oJ sim-0.1.h5 sim-0.3.h5 <<'PYEOF' || fail "recovery checks"
import json, sys
from collections import Counter
import h5py, numpy as np

def ip_u32(s):
    a, b, c, d = (int(x) for x in s.split("."))
    return (a << 24) | (b << 16) | (c << 8) | d

truth = set()
for line in open(sys.argv[1], encoding="ascii"):
    line = line.strip().strip(",")
    if line.startswith("{") and '"status"' in line:
        rec = json.loads(line)
        truth.update((ip_u32(rec["ip"]), p["port"]) for p in rec["ports"] if p.get("status") == "open")
ports_of_host = Counter(ip for ip, _ in truth)
no_sinks = {s for s in truth if ports_of_host[s[0]] <= 10}
exhaustive = (1 << 32) * 65535

for path in sys.argv[2:]:
    f = h5py.File(path)
    g = f["gps"]
    e = g["evaluation"]
    m, probes, found_col = e["method"][()], e["probes"][()], e["services_found"][()]
    gps_rows, pop_rows = m == b"gps", m == b"popularity"
    # Independent recount of the last GPS row.
    seed = set(zip(g["seed_services/ip"][()].tolist(), g["seed_services/port"][()].tolist()))
    plan = set(zip(g["plan/port"][()].tolist(), (g["plan/prefix"][()] >> 16).tolist()))
    pred = set(zip(g["predictions/ip"][()].tolist(), g["predictions/port"][()].tolist()))
    found = {s for s in truth if s in seed or (s[1], s[0] >> 16) in plan or s in pred}
    assert g.attrs["truth_services"] == len(truth), "truth services"
    assert g.attrs["truth_sink_services"] == len(truth) - len(no_sinks), "sink services"
    assert found_col[gps_rows][-1] == len(found), (found_col[gps_rows][-1], len(found))
    assert probes[gps_rows][-1] == g.attrs["plan_probes"] + len(pred), "probes = plan + predictions"
    frac = len(found) / len(truth)
    frac_ns = len(found & no_sinks) / len(no_sinks)
    assert np.isclose(e["fraction"][()][gps_rows][-1], frac)
    assert np.isclose(e["fraction_excluding_sinks"][()][gps_rows][-1], frac_ns)
    budget = probes[gps_rows][-1]
    share = budget / exhaustive
    # Popularity within GPS's budget, and the probes it needs to match GPS.
    pop_found = found_col[pop_rows][probes[pop_rows] <= budget]
    assert len(found) > (pop_found[-1] if len(pop_found) else 0), "GPS beats popularity at its budget"
    reach = np.nonzero(found_col[pop_rows] >= len(found))[0]
    pop_needed = probes[pop_rows][reach[0]] if len(reach) else float("inf")
    assert pop_needed >= 100 * budget, "popularity needs far more probes for the same services"
    assert share < 1e-5, f"GPS used {share:.2e} of an exhaustive scan"
    F = g.attrs["seed_fraction"]
    assert frac_ns >= 0.90, f"seed {F}: {frac_ns:.3f} of the services on hosts with <= 10 ports"
    if F >= 0.3:
        assert frac >= 0.90, f"seed {F}: {frac:.3f} of all services"
    print(f"  ok   seed {F}: GPS finds {frac:.1%} of {len(truth)} services ({frac_ns:.1%} excluding sink hosts) "
          f"with {share:.1e} of an exhaustive scan; popularity needs {pop_needed / budget:.0f}x the probes")
PYEOF
[ "$failures" -eq 0 ] && echo "test_gps_recovery: ok" || { echo "test_gps_recovery: $failures failure(s)"; exit 1; }
