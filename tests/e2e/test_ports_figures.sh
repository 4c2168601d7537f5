#!/usr/bin/env bash
# scripts/figures.sh on `scanhpc ports` outputs (notebooks/ports.ipynb, seed 003), each figure's
# numbers compared with the HDF5 tables by tests/e2e/figures_check.py (the box statistics and
# outliers with /ports/box and /ports/box_outliers, the ports ranked by deduplicated tuples from
# /ports/daily, the facets' points with /ports/daily_mean):
#   1. 60 days of synthetic honeypot logs: top ports, box plot and monthly facets for TCP and for
#      UDP; days far above every box (the synthetic scan bursts) are marked on the top edge, not
#      allowed to squeeze the boxes (no box or whisker is cut, every outlier above the axis marked);
#   2. the bundled first 20,000 rows of the seed's marx data (13 days): the same figures;
#   3. one hour of FT4 flowtuples: one day, so no box plot or facets ("needs at least 7 days")
#      but daily bars, TCP and UDP;
#   4. a masscan scan: TCP only, one day.
# Usage (ctest): bash tests/e2e/test_ports_figures.sh <scanhpc-binary> <repo-root>
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_setup ports-figures "$@"
figures() {  # NAME H5 CHECK-ARGS...: figures.sh into figs-NAME, then the content check
  local name=$1 h5=$2; shift 2
  if run_figures "$name" "$h5" "figs-$name"; then
    check_figures "figs-$name" "$h5" "$@"
  else
    fail "figures.sh failed on the $name output"; tail -40 "$name.log" >&2
  fi
}
SEVEN_DAYS=(ports_box_top10_tcp ports_box_top10_udp ports_monthly_top10_tcp ports_monthly_top10_udp)

# 1. synthetic logs, 60 days
"$SCANHPC" synth honeypot -q --days 60 --events-per-day 1000 -o logs.csv || fail "synth honeypot"
mpirun -n 2 "$SCANHPC" ports -q -o logs.h5 logs.csv >/dev/null || fail "ports on honeypot logs"
figures logs logs.h5 --drawn ports_top_tcp ports_top_udp "${SEVEN_DAYS[@]}"
"$PY" - figs-logs <<'PYEOF' || fail "the box plots: bursts marked above the axis"
import json, sys
for proto in ["tcp", "udp"]:
    d = json.load(open(f"{sys.argv[1]}/ports_box_top10_{proto}.json"))["data"]
    marked = [v for c in d["clipped"] for v in c["values"]]
    assert marked and min(marked) > d["ylim_top"] >= max(d["upper"]), (proto, marked, d["ylim_top"])
    print(f"  ok   {proto}: {len(marked)} burst day(s) up to {max(marked):,.0f} marked above an axis of "
          f"{d['ylim_top']:.1f}; every box and whisker inside it")
PYEOF

# 2. the seed's own data (its first 20,000 rows)
mpirun -n 2 "$SCANHPC" ports -q -o marx.h5 "$ROOT/tests/data/honeypot/marx_head20000.csv.gz" >/dev/null \
  || fail "ports on marx_head20000.csv.gz"
figures marx marx.h5 --drawn ports_top_tcp ports_top_udp "${SEVEN_DAYS[@]}"

# 3. one hour of FT4
"$SCANHPC" synth flowtuple --version 4 --minutes 10 --records-per-minute 2000 -o ft4 --quiet || fail "synth flowtuple"
mpirun -n 2 "$SCANHPC" ports -q -o ft4.h5 ft4 >/dev/null || fail "ports on FT4"
figures ft4 ft4.h5 --drawn ports_top_tcp ports_top_udp ports_daily_top10_tcp ports_daily_top10_udp \
  --skipped "ports_box_top10_tcp=the box plot needs at least 7 days; the file has 1 day(s)" \
  "ports_monthly_top10_udp=the monthly facets need at least 7 days"
grep -q "not drawn: ports_box_top10_udp.png: the box plot needs at least 7 days" ft4.log \
  || fail "figures.sh did not say why the FT4 box plot is not drawn"

# 4. a masscan scan: TCP only
mpirun -n 2 "$SCANHPC" ports -q -o scan.h5 "$ROOT/data/masscan-testnet/scan-banners.oJ" >/dev/null \
  || fail "ports on a masscan scan"
figures scan scan.h5 --drawn ports_top_tcp ports_daily_top10_tcp --skipped ports_box_top10_tcp
ls figs-scan/*udp* >/dev/null 2>&1 && fail "UDP figures for a TCP-only scan"

if [ "$failures" -gt 0 ]; then
  echo "test_ports_figures: $failures failure(s)" >&2
  exit 1
fi
echo "test_ports_figures: OK"
