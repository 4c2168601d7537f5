#!/usr/bin/env bash
# scripts/figures.sh on `scanhpc gather` outputs (notebooks/sweep.ipynb), each figure's numbers
# compared with /gather/runs by tests/e2e/figures_check.py:
#   1. a gps simulate sweep (--seed-fraction 0.05, 0.2 x --hitrate 1e-5, 1e-3): the headline figures
#      against --hitrate (log axis, 100x) with a line per seed fraction; the cost against the same axis;
#   2. a scan sweep at mpirun -n 1, 2 x --threads 1, 2: the scaling view (against ranks x threads, a
#      line per rank count, the speed-up over the 1-rank 1-thread run, 1 at that run);
#   3. a sweep of a text option (--lzr-filter on, off): categories on the x axis;
#   4. one run: both figures not drawn ("a sweep figure needs at least 2 runs").
# The notebooks run two at a time in the background (a kernel's start is most of their time); about
# 45 s on 2 cores. (Two runs with the same options, "no parameter varies", cost another notebook.)
# Usage (ctest): bash tests/e2e/test_sweep_figures.sh <scanhpc-binary> <repo-root>
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_setup sweep-figures "$@"
BANNERS="$ROOT/data/masscan-testnet/scan-banners.oJ"

sim() { run "$1" 0 "$SCANHPC" gps simulate -q "${@:2}" -o "$1.h5" "$BANNERS"; expect_rc "$1" 0; }
gather() {  # OUT RUN...
  local out=$1; shift
  run "gather-$out" 0 "$SCANHPC" gather -q -o "$out.h5" "$@"; expect_rc "gather-$out" 0
}

# The runs (about a tenth of a second each).
for f in 0.05 0.2; do for h in 1e-5 1e-3; do sim "g-$f-$h" --seed-fraction $f --hitrate $h; done; done
gather gps g-0.05-1e-5.h5 g-0.05-1e-3.h5 g-0.2-1e-5.h5 g-0.2-1e-3.h5
for n in 1 2; do for t in 1 2; do
  run "s-$n-$t" "$n" "$SCANHPC" scan -q --threads "$t" -o "s-$n-$t.h5" "$ROOT/data/masscan-testnet/scan.oJ"
  expect_rc "s-$n-$t" 0
done; done
gather scan s-1-1.h5 s-1-2.h5 s-2-1.h5 s-2-2.h5
sim lzr-on --lzr-filter on
sim lzr-off --lzr-filter off
gather text lzr-on.h5 lzr-off.h5
gather one g-0.05-1e-5.h5

# The figures, two notebooks at a time.
declare -A RC
for s in gps scan text one; do
  while [ "$(jobs -rp | wc -l)" -ge 2 ]; do wait -n; done
  { run_figures "$s" "$s.h5" "figs-$s" >"$s.shown"; echo $? >"$s.rc"; } &
done
wait
for s in gps scan text one; do
  cat "$s.shown"
  RC[$s]=$(cat "$s.rc")
  [ "${RC[$s]}" -eq 0 ] || { fail "figures.sh failed on the $s sweep"; tail -30 "$s.log" >&2; }
  grep -q "running notebooks/sweep.ipynb" "$s.log" || fail "$s: sweep.ipynb did not run on a gather file"
  grep -q "skipping notebooks/gps.ipynb" "$s.log" || fail "$s: gps.ipynb was not skipped"
done

# 1. gps simulate: numeric x on a log axis, a line per seed fraction.
if [ "${RC[gps]}" -eq 0 ]; then
  expect_pngs figs-gps sweep_headline sweep_cost
  check_figures figs-gps gps.h5 --drawn sweep_headline sweep_cost
  "$PY" - figs-gps <<'PYEOF' || fail "gps sweep: axes, lines or panels"
import json, sys
h = json.load(open(f"{sys.argv[1]}/sweep_headline.json"))
d = h["data"]
assert d["x"]["column"] == "param:hitrate" and d["x"]["log"], d["x"]
assert d["lines"]["columns"] == ["param:seed-fraction"] and [s["label"] for s in d["series"]] == ["0.05", "0.2"], d["series"]
assert d["columns"] == ["plan_probes", "plan_fraction", "final_fraction"], d["columns"]
assert "gps simulate sweep of 4 runs" in h["title"] and "--hitrate" in h["title"], h["title"]
c = json.load(open(f"{sys.argv[1]}/sweep_cost.json"))["data"]
assert not c["scaling"] and c["x"]["column"] == "param:hitrate", c["x"]
print(f"  ok   gps sweep: {', '.join(d['columns'])} against --hitrate (log), a line per --seed-fraction")
PYEOF
fi

# 2. scan at 1-2 ranks x 1-2 threads: the scaling view.
if [ "${RC[scan]}" -eq 0 ]; then
  expect_pngs figs-scan sweep_headline sweep_cost
  check_figures figs-scan scan.h5 --drawn sweep_headline sweep_cost
  "$PY" - figs-scan <<'PYEOF' || fail "scan sweep: the scaling view"
import json, sys
c = json.load(open(f"{sys.argv[1]}/sweep_cost.json"))
d = c["data"]
assert d["scaling"] and d["x"]["column"] == "ranks*threads" and d["cores"] == [1, 2, 2, 4], d["x"]
assert d["lines"]["columns"] == ["ranks"] and len(d["series"]) == 2, d["lines"]
assert d["baseline_row"] == [0, 0, 0, 0] and d["speedup"][0] == 1.0, d["speedup"]
assert c["title"].startswith("Scaling: scan sweep of 4 runs"), c["title"]
h = json.load(open(f"{sys.argv[1]}/sweep_headline.json"))["data"]
assert h["x"]["column"] == "threads" and h["columns"] == ["open_observations", "services", "hosts"], h
assert len({v for v in h["y"]["services"]}) == 1, "a scan's services differ with ranks or threads"
print(f"  ok   scan sweep: scaling over cores {d['cores']}, speed-ups {[round(s, 2) for s in d['speedup']]}")
PYEOF
fi

# 3. a text option: categories.
if [ "${RC[text]}" -eq 0 ]; then
  expect_pngs figs-text sweep_headline sweep_cost
  check_figures figs-text text.h5 --drawn sweep_headline sweep_cost
  "$PY" - figs-text <<'PYEOF' || fail "text sweep: categories on the x axis"
import json, sys
d = json.load(open(f"{sys.argv[1]}/sweep_headline.json"))["data"]
assert d["x"]["kind"] == "category" and d["x"]["values"] == ["on", "off"] and not d["x"]["log"], d["x"]
print("  ok   text sweep: --lzr-filter on, off as categories")
PYEOF
fi

# 4. Nothing to draw: the reason.
if [ "${RC[one]}" -eq 0 ]; then
  [ -e figs-one/sweep_headline.png ] && fail "sweep_headline.png drawn from one run"
  grep -q "not drawn: sweep_headline.png: a sweep figure needs at least 2 runs" one.log ||
    fail "figures.sh did not say why one run draws no sweep"
  check_figures figs-one one.h5 --skipped "sweep_headline=needs at least 2 runs (the file gathers 1)" \
    "sweep_cost=needs at least 2 runs"
fi

if [ "$failures" -gt 0 ]; then
  echo "test_sweep_figures: $failures failure(s)" >&2
  exit 1
fi
echo "test_sweep_figures: OK"
