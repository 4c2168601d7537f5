#!/usr/bin/env bash
# scripts/figures.sh on `scanhpc gps` output (notebooks/gps.ipynb):
#   1. gps simulate on a synthetic truth: gps.ipynb runs and writes gps_coverage.png,
#      gps_top_rules.png and gps_plan.png (non-empty PNGs), with the coverage table;
#   2. gps model on the masscan testnet scan (no /gps/evaluation): figures.sh succeeds,
#      the coverage figure is skipped with a message, the two tables are written.
# Usage (ctest): bash tests/e2e/test_gps_figures.sh <scanhpc-binary> <repo-root>
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_setup gps-figures "$@"


# 1. gps simulate
if "$SCANHPC" synth gps --hosts 5000 --seed 3 -o truth.oJ --quiet &&
   timeout 120 mpirun -n 2 "$SCANHPC" gps simulate -q --seed-fraction 0.2 -o sim.h5 truth.oJ; then
  if run_figures sim sim.h5 figs-sim; then
    expect_pngs figs-sim gps_coverage gps_top_rules gps_plan
    grep -q "running notebooks/gps.ipynb" sim.log || fail "gps.ipynb did not run on a gps simulate file"
    grep -q "skipping notebooks/multiprobe.ipynb" sim.log || fail "multiprobe.ipynb was not skipped"
    grep -qE "GPS, all predictions: [0-9]" figs-sim/executed/gps.ipynb || fail "gps.ipynb: no coverage summary"
    grep -qF "coverage figure skipped\\n" figs-sim/executed/gps.ipynb && fail "gps.ipynb skipped the coverage of a simulate file"
  else
    fail "figures.sh failed on a gps simulate file"; cat sim.log >&2
  fi
else
  fail "synth gps / gps simulate failed"
fi

# 2. gps model: no evaluation, so no coverage figure
if timeout 120 mpirun -n 2 "$SCANHPC" gps model -q -o model.h5 "$ROOT/data/masscan-testnet/scan-banners.oJ"; then
  if run_figures model model.h5 figs-model; then
    expect_pngs figs-model gps_top_rules gps_plan
    [ -e figs-model/gps_coverage.png ] && fail "gps_coverage.png written for a gps model file"
    grep -qF "coverage figure skipped\\n" figs-model/executed/gps.ipynb || fail "gps.ipynb did not say the coverage was skipped"
  else
    fail "figures.sh failed on a gps model file"; cat model.log >&2
  fi
else
  fail "gps model failed"
fi

if [ "$failures" -gt 0 ]; then
  echo "test_gps_figures: $failures failure(s)" >&2
  exit 1
fi
echo "test_gps_figures: OK"
