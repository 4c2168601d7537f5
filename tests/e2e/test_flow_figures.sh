#!/usr/bin/env bash
# scripts/figures.sh on the output of every `scanhpc flow` command (notebooks/flowtuple.ipynb),
# each figure's numbers compared with the HDF5 tables by tests/e2e/figures_check.py, on one
# synthetic hour of telescope traffic (seed 004's three questions):
#   1. flow top --series: the top countries and the series are drawn; a top of dst_port over
#      every protocol is not (TCP and UDP ports mixed with ICMP type/code), with the message;
#   2. flow top --field dst_port --where 'protocol == 17': drawn, as UDP ports;
#   3. flow series: the series, its axis carrying the date (the first interval's UTC date and time);
#   4. flow intersect on the hour: the Russian /16 sweepers, 3 flows of the baseline, and the sample;
#   5. flow convert: FT3 records in, FT4 records out (its file used to stop the notebook).
# Usage (ctest): bash tests/e2e/test_flow_figures.sh <scanhpc-binary> <repo-root>
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_setup flow-figures "$@"
figures() {  # NAME H5 CHECK-ARGS...: figures.sh into figs-NAME, then the content check
  local name=$1 h5=$2; shift 2
  if run_figures "$name" "$h5" "figs-$name"; then
    grep -q "running notebooks/flowtuple.ipynb" "$name.log" || fail "$name: flowtuple.ipynb did not run"
    check_figures "figs-$name" "$h5" "$@"
  else
    fail "figures.sh failed on the $name output"; tail -40 "$name.log" >&2
  fi
}

start=1612126800  # 2021-01-31 21:00 UTC, an hour boundary
"$SCANHPC" synth flowtuple --version 3 --minutes 60 --records-per-minute 1500 --start-time $start -o ft3 --quiet \
  || fail "synth flowtuple"
mpirun -n 2 "$SCANHPC" flow convert -q -o ft4 ft3 || fail "flow convert"
mpirun -n 2 "$SCANHPC" flow convert -q --interval 3600 -o hour ft3 || fail "flow convert --interval 3600"

# 1. top countries of high-TTL flows with their series, and a mixed dst_port top
mpirun -n 2 "$SCANHPC" flow top -q --field netacq_country --field dst_port -n 5 --common ttls=200-255 --series \
  -o top.h5 ft4 >/dev/null || fail "flow top"
figures top top.h5 --drawn flow_top_netacq_country_by_flows flow_series \
  --skipped "flow_top_dst_port_by_flows=ports are categories of their protocol" \
  "flow_intersection=no /flow/intersection" "flow_convert=no conversion counts"
grep -q "not drawn: flow_top_dst_port_by_flows.png: .*2048 is an echo request" top.log \
  || fail "figures.sh did not say why the mixed dst_port top is not drawn"

# 2. a dst_port top of one protocol
mpirun -n 2 "$SCANHPC" flow top -q --field dst_port --where 'protocol == 17' -o udp.h5 ft4 >/dev/null \
  || fail "flow top --where protocol == 17"
figures udp udp.h5 --drawn flow_top_dst_port_by_flows --skipped flow_series
grep -q '"title": "Top UDP destination port by flows' figs-udp/flow_top_dst_port_by_flows.json \
  || fail "the UDP port chart is not titled as UDP ports"

# 3. the 130/8 series: dates on the axis
mpirun -n 2 "$SCANHPC" flow series -q --src-prefix 130.0.0.0/8 -o series.h5 ft4 >/dev/null || fail "flow series"
figures series series.h5 --drawn flow_series --skipped flow_intersection flow_convert
grep -q '"first_utc": "2021-01-31 21:00"' figs-series/flow_series.json \
  && echo "  ok   the series axis starts at 2021-01-31 21:00 UTC" || fail "the series axis lacks the date"

# 4. the Russian intersection on one-hour FT4
mpirun -n 2 "$SCANHPC" flow intersect -q --where 'netacq_country == RU' --where 'uniq_dst_ips >= 60000' \
  -o inter.h5 hour >/dev/null || fail "flow intersect"
figures inter inter.h5 --drawn flow_intersection --skipped flow_series
"$PY" - figs-inter/flow_intersection.json <<'PYEOF' || fail "the intersection figure"
import json, sys
d = json.load(open(sys.argv[1]))["data"]
assert d["intersection"] == 3 and d["sample_rows"] == 3 and d["baseline"] > 3, d
print(f"  ok   intersection: {d['intersection']} of {d['baseline']:,} Russian flows, 3 listed")
PYEOF

# 5. the conversion's own file
figures convert ft4/convert.h5 --drawn flow_convert --skipped flow_series flow_intersection

if [ "$failures" -gt 0 ]; then
  echo "test_flow_figures: $failures failure(s)" >&2
  exit 1
fi
echo "test_flow_figures: OK"
