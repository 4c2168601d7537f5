#!/usr/bin/env bash
# scripts/figures.sh on the output of every `scanhpc gps` command (notebooks/gps.ipynb), each
# figure's numbers compared with the HDF5 tables by tests/e2e/figures_check.py:
#   1. gps simulate: the coverage against bandwidth (GPS and popularity curves equal to
#      /gps/evaluation, the log axis from the first probe to the exhaustive scan, the saving
#      recomputed), the predictions, the rules and the plan;
#   2. gps model on the masscan testnet scan: rules and plan; the coverage and the predictions
#      are skipped with a message (no /gps/evaluation, no /gps/predictions);
#   3. gps predict: the predictions only; 4. gps evaluate: the coverage only (it has neither
#      features nor rules nor plan, which used to stop the notebook with a KeyError).
# Usage (ctest): bash tests/e2e/test_gps_figures.sh <scanhpc-binary> <repo-root>
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_setup gps-figures "$@"

"$SCANHPC" synth gps --hosts 5000 --seed 3 -o truth.oJ --quiet || fail "synth gps"

# 1. gps simulate
if timeout 120 mpirun -n 2 "$SCANHPC" gps simulate -q --seed-fraction 0.2 -o sim.h5 truth.oJ; then
  if run_figures sim sim.h5 figs-sim; then
    expect_pngs figs-sim gps_coverage gps_predictions gps_top_rules gps_plan
    grep -q "running notebooks/gps.ipynb" sim.log || fail "gps.ipynb did not run on a gps simulate file"
    grep -q "skipping notebooks/multiprobe.ipynb" sim.log || fail "multiprobe.ipynb was not skipped"
    grep -qE "GPS, all predictions: [0-9]" figs-sim/executed/gps.ipynb || fail "gps.ipynb: no coverage summary"
    check_figures figs-sim sim.h5 --drawn gps_coverage gps_predictions gps_top_rules gps_plan
    "$PY" - figs-sim/gps_coverage.json <<'PYEOF' || fail "the coverage figure: axis or saving"
import json, sys
d = json.load(open(sys.argv[1]))["data"]
lo, hi = d["xlim"]
assert hi >= 1.0 and lo <= min(p for p in d["gps"]["probes"] + d["popularity"]["probes"] if p) / d["exhaustive_probes"]
s = d["saving"]
assert s["compared_with"] == "popularity" and s["ratio"] > 100, s  # GPS beats popularity by far on this truth
assert len(d["gps"]["probes"]) > 10, "GPS's curve has its prediction steps"
print(f"  ok   coverage: log axis {lo:g}..{hi:g} of an exhaustive scan; GPS {s['fraction']:.1%} with "
      f"{s['ratio']:,.0f}x fewer probes than popularity")
PYEOF
  else
    fail "figures.sh failed on a gps simulate file"; cat sim.log >&2
  fi
else
  fail "gps simulate failed"
fi

# 2. gps model on a real scan: no evaluation, no predictions
if timeout 120 mpirun -n 2 "$SCANHPC" gps model -q -o model.h5 "$ROOT/data/masscan-testnet/scan-banners.oJ"; then
  if run_figures model model.h5 figs-model; then
    expect_pngs figs-model gps_top_rules gps_plan
    [ -e figs-model/gps_coverage.png ] && fail "gps_coverage.png written for a gps model file"
    grep -qF "coverage figure skipped\\n" figs-model/executed/gps.ipynb || fail "gps.ipynb did not say the coverage was skipped"
    grep -q "not drawn: gps_coverage.png: no /gps/evaluation" model.log || fail "figures.sh did not list the skipped coverage"
    check_figures figs-model model.h5 --drawn gps_top_rules gps_plan \
      --skipped "gps_coverage=no /gps/evaluation" "gps_predictions=no /gps/predictions"
  else
    fail "figures.sh failed on a gps model file"; cat model.log >&2
  fi
else
  fail "gps model failed"
fi

# 3 and 4. The study step by step: model from a seed of the truth, predict, evaluate.
if timeout 120 mpirun -n 2 "$SCANHPC" gps model -q --seed-fraction 0.2 -o seed-model.h5 truth.oJ &&
   timeout 120 mpirun -n 2 "$SCANHPC" gps predict -q --model seed-model.h5 -o pred.h5 truth.oJ &&
   timeout 120 mpirun -n 2 "$SCANHPC" gps evaluate -q --model seed-model.h5 --predictions pred.h5 -o eval.h5 truth.oJ
then
  if run_figures pred pred.h5 figs-pred; then
    expect_pngs figs-pred gps_predictions
    check_figures figs-pred pred.h5 --drawn gps_predictions \
      --skipped "gps_coverage=no /gps/evaluation" "gps_top_rules=no /gps/rules" "gps_plan=no /gps/plan"
  else
    fail "figures.sh failed on a gps predict file"; cat pred.log >&2
  fi
  if run_figures eval eval.h5 figs-eval; then
    expect_pngs figs-eval gps_coverage
    check_figures figs-eval eval.h5 --drawn gps_coverage \
      --skipped "gps_predictions=no /gps/predictions" "gps_top_rules=no /gps/rules" "gps_plan=no /gps/plan"
  else
    fail "figures.sh failed on a gps evaluate file (the coverage figure needs /gps/evaluation only)"; cat eval.log >&2
  fi
else
  fail "gps model/predict/evaluate failed"
fi

if [ "$failures" -gt 0 ]; then
  echo "test_gps_figures: $failures failure(s)" >&2
  exit 1
fi
echo "test_gps_figures: OK"
