#!/usr/bin/env bash
# `scanhpc gps simulate` on a synthetic truth: identical at 1-3 ranks; the
# evaluation curves are consistent (probes and services found never decrease,
# fractions within [0, 1], the GPS curve starts at the plan's probes and ends
# at plan + predictions); every prediction is outside the plan and outside
# the seed; GPS finds more services than the popularity baseline within the
# same probe budget.
# Usage (ctest): bash tests/e2e/test_gps_simulate.sh <scanhpc-binary> <repo-root>
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_setup gps-simulate "$@"

"$SCANHPC" synth gps --hosts 20000 --seed 9 -o truth.oJ --quiet
outs=()
for n in 1 2 3 4; do
  timeout 120 mpirun -n "$n" "$SCANHPC" gps simulate -q --seed-fraction 0.2 --sample-seed 4 -o "sim-$n.h5" truth.oJ \
    && outs+=("sim-$n.h5") || fail "gps simulate at $n rank(s) failed"
done
# rounds far smaller than the data, two threads
timeout 120 mpirun -n 3 "$SCANHPC" gps simulate -q --seed-fraction 0.2 --sample-seed 4 --exchange-round-mb 1 \
  --threads 2 -o sim-3-small.h5 truth.oJ && outs+=(sim-3-small.h5) || fail "gps simulate with 1 MiB rounds failed"
"$PY" "$ROOT/tests/compare_h5.py" "${outs[@]}" >/dev/null && echo "  ok   identical at 1-4 ranks, 1 MiB rounds, 2 threads" \
  || fail "simulate outputs differ across rank counts"

"$PY" - sim-2.h5 <<'PYEOF' || fail "evaluation checks"
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1])
e = f["gps/evaluation"]
m, p, s, fr = e["method"][()], e["probes"][()], e["services_found"][()], e["fraction"][()]
g, q = m == b"gps", m == b"popularity"
assert g.sum() >= 2 and q.sum() >= 1, "both curves present"
for sel in (g, q):
    assert (np.diff(p[sel]) >= 0).all() and (np.diff(s[sel]) >= 0).all(), "curves never decrease"
assert ((fr >= 0) & (fr <= 1)).all(), "fractions within [0, 1]"
truth = f["gps"].attrs["truth_services"]
assert (s <= truth).all(), "never more than the truth"
plan_probes = f["gps"].attrs["plan_probes"]
npred = len(f["gps/predictions/ip"])
assert p[g][0] == plan_probes and p[g][-1] == plan_probes + npred, "GPS probes = plan + predictions"
# predictions: outside the plan's (port, /16) units and outside the seed's services
plan = set(zip(f["gps/plan/port"][()].tolist(), f["gps/plan/prefix"][()].tolist()))
ip, port = f["gps/predictions/ip"][()], f["gps/predictions/port"][()]
assert not any((int(pt), int(a) & 0xFFFF0000) in plan for a, pt in zip(ip, port)), "prediction inside the plan"
budget = p[g][-1]
pop_within = s[q][p[q] <= budget]
assert s[g][-1] > (pop_within[-1] if len(pop_within) else 0), "GPS beats popularity at its budget"
print(f"  ok   GPS finds {fr[g][-1]:.1%} of {truth} services with {budget} probes; "
      f"popularity finds {fr[q][0]:.1%} with its first {p[q][0]} probes")
PYEOF
[ "$failures" -eq 0 ] && echo "test_gps_simulate: ok" || { echo "test_gps_simulate: $failures failure(s)"; exit 1; }
