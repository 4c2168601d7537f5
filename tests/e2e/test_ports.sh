#!/usr/bin/env bash
# `scanhpc ports` (seed 003, ports as categories):
# - on synthetic marx-layout honeypot logs (`synth honeypot`), the top ports, the unique
#   sources per (day, sensor, protocol, port) and their daily mean over sensors equal
#   pandas doing what the seed does in R (tests/e2e/ports_oracle.py);
# - the outputs are identical at 1-4 ranks;
# - --analyses top writes /ports/top only, --analyses daily,neighbours their tables only, each
#   equal to the full run's and printed as its part of the full run's tables; an unknown
#   analysis is a usage error (exit 2, one message, no output);
# - masscan output as the event source counts responsive hosts per port and day;
# - the same events given as FT4 flowtuples (written by python3-avro, one flow per CSV row)
#   give the same port tables;
# - the hand-made CSV with the known defects: every row read or rejected, counts add up;
# - notebooks/ports.ipynb draws the seed's two figures.
# Usage (ctest): bash tests/e2e/test_ports.sh <scanhpc-binary> <repo-root>
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_setup ports "$@"

"$SCANHPC" synth honeypot -q --days 20 --events-per-day 1000 -o logs.csv || fail "synth honeypot"
outs=()
for n in 1 2 3 4; do
  timeout 300 mpirun -n "$n" "$SCANHPC" ports -q -o "ports-$n.h5" logs.csv >"ports-$n.out" && outs+=("ports-$n.h5") \
    || fail "ports at $n rank(s)"
done
"$PY" "$ROOT/tests/compare_h5.py" "${outs[@]}" >/dev/null && echo "  ok   identical at 1-4 ranks" \
  || fail "ports outputs differ across rank counts"
for n in 2 3 4; do cmp -s ports-1.out "ports-$n.out" || fail "printed tables differ at $n ranks"; done

# --analyses: each analysis alone writes its own tables, the same as in the full run.
mpirun -n 2 "$SCANHPC" ports -q --analyses top -o top.h5 logs.csv >top.out || fail "ports --analyses top"
mpirun -n 3 "$SCANHPC" ports -q --analyses neighbours,daily -o daily.h5 logs.csv >daily.out \
  || fail "ports --analyses neighbours,daily"
"$PY" - ports-1.h5 top.h5 daily.h5 <<'PYEOF' || fail "--analyses: tables of the chosen analyses only"
import sys, h5py, numpy as np
full, top, daily = (h5py.File(p) for p in sys.argv[1:])
TOP, DAILY, NEIGHBOURS = ["top"], ["daily", "daily_mean", "box", "box_outliers"], ["neighbours"]
def same_tables(a, b, names):
    for t in names:
        ga, gb = a["ports"][t], b["ports"][t]
        assert list(ga.attrs["columns"]) == list(gb.attrs["columns"]), t
        assert len(ga[ga.attrs["columns"][0]]) > 0 or t == "box_outliers", f"/ports/{t} is empty"
        for c in ga.attrs["columns"]:
            x, y = ga[c][()], gb[c][()]
            assert x.dtype == y.dtype and np.array_equal(x, y), f"/ports/{t}/{c.decode()} differs"
def groups(f):
    return sorted(k for k in f["ports"] if k not in ("errors", "skipped"))
assert full["ports"].attrs["analyses"] == b"top,daily,neighbours", full["ports"].attrs["analyses"]
assert groups(full) == sorted(TOP + DAILY + NEIGHBOURS), groups(full)
assert groups(top) == TOP, groups(top)
assert top["ports"].attrs["analyses"] == b"top"
assert top["ports"].attrs["events_without_port"] == full["ports"].attrs["events_without_port"]
same_tables(full, top, TOP)
assert groups(daily) == sorted(DAILY + NEIGHBOURS), groups(daily)
assert daily["ports"].attrs["analyses"] == b"daily,neighbours"
assert "events_without_port" not in daily["ports"].attrs
same_tables(full, daily, DAILY + NEIGHBOURS)
for a in ("records_read", "records_used", "events", "sensors", "denominator", "box_rule"):
    assert top["ports"].attrs[a] == full["ports"].attrs[a] == daily["ports"].attrs[a], a
print("  ok   --analyses top and --analyses neighbours,daily: their tables only, equal to the full run's")
PYEOF
# The full run prints top, then daily, then neighbours, separated by a blank line.
awk 'BEGIN { RS = ""; ORS = "\n\n" } NR == 1' ports-1.out | sed '$d' >top.want
awk 'BEGIN { RS = ""; ORS = "\n\n" } NR > 1' ports-1.out | sed '$d' >daily.want
if [ -s top.want ] && [ -s daily.want ] && cmp -s top.out top.want && cmp -s daily.out daily.want; then
  echo "  ok   --analyses prints the chosen analyses' tables as the full run does"
else
  fail "--analyses: printed tables differ from the full run's"; diff top.want top.out >&2; diff daily.want daily.out >&2
fi
if run_figures top top.h5 figs-top; then  # the top ports drawn, the daily figures skipped with the reason
  expect_pngs figs-top ports_top_tcp
  grep -q "not drawn: ports_box_top10_tcp.png: no /ports/daily in the file" top.log \
    || fail "ports.ipynb did not say that a file without /ports/daily has no box plot"
else
  fail "figures.sh on a top-only ports output"
fi
help=$("$SCANHPC" ports --help | tr -s ' \n' '  ')  # options' help as one line
for w in "--analyses arg (=all) comma-separated analyses, or all: top (" "; daily (" "; neighbours ("; do
  grep -qF -- "$w" <<<"$help" || fail "ports --help does not list the analyses: '$w' missing"
done
rc=0
mpirun -n 2 "$SCANHPC" ports -q --analyses top,bogus -o bogus.h5 logs.csv >bogus.out 2>bogus.err || rc=$?
if [ "$rc" -eq 2 ] && [ "$(grep -c "unknown analysis 'bogus' (top, daily, neighbours, all)" bogus.err)" -eq 1 ] \
   && ! compgen -G 'bogus.h5*' >/dev/null; then
  echo "  ok   --analyses top,bogus: exit 2, one message: $(head -1 bogus.err)"
else
  fail "--analyses top,bogus: exit $rc (expected 2), one message naming the analyses, no output"; cat bogus.err >&2
fi
"$PY" "$ROOT/tests/e2e/ports_oracle.py" check logs.csv ports-2.h5 && echo "  ok   equal to pandas" \
  || fail "ports differs from pandas"

# The same events as FT4.
mkdir ft4
"$PY" "$ROOT/tests/e2e/ports_oracle.py" to-ft4 logs.csv ft4/events.ft4.avro || fail "writing FT4 with python3-avro"
mpirun -n 2 "$SCANHPC" ports -q -o ft4.h5 ft4 >/dev/null || fail "ports on FT4"
"$PY" "$ROOT/tests/e2e/ports_oracle.py" same ports-2.h5 ft4.h5 && echo "  ok   CSV and FT4 give the same port tables" \
  || fail "CSV and FT4 tables differ"

# masscan output as the event source: one event per open port, the host as its source.
mpirun -n 2 "$SCANHPC" ports -q -o scan.h5 "$ROOT/data/masscan-testnet/scan-banners.oJ" >/dev/null \
  || fail "ports on a masscan scan"
"$PY" - "$ROOT/data/masscan-testnet/scan-banners.oJ" scan.h5 <<'PYEOF' || fail "ports on masscan output"
import json, sys, h5py
from collections import defaultdict
hosts, events = defaultdict(set), defaultdict(int)
for line in open(sys.argv[1]):
    line = line.strip().strip(",")
    if line.startswith("{"):
        r = json.loads(line)
        for p in r["ports"]:
            if p.get("status") == "open" and p["proto"] == "tcp":
                hosts[(int(r["timestamp"]) // 86400, p["port"])].add(r["ip"])
                events[p["port"]] += 1
f = h5py.File(sys.argv[2])
d = f["ports/daily"]
got = {(int(a), int(b)): int(c) for a, b, c, p in zip(d["day"][()], d["port"][()], d["sources"][()], d["protocol"][()])
       if p == b"TCP"}
assert got == {k: len(v) for k, v in hosts.items()}, "unique hosts per (day, TCP port)"
t = f["ports/top"]
top = {int(p): int(c) for p, c, q in zip(t["port"][()], t["count"][()], t["protocol"][()]) if q == b"TCP" and p >= 0}
assert all(events[p] == c for p, c in top.items()), "TCP port counts"
print(f"  ok   masscan input: unique hosts per (day, TCP port) and port counts equal a plain json count")
PYEOF

# The seed's two figures from the output (notebooks/ports.ipynb).
if run_figures ports ports-2.h5 figs; then
  expect_pngs figs ports_box_top10_tcp ports_monthly_top10_tcp
  echo "  ok   notebooks/ports.ipynb renders the box plot and the monthly facets"
else
  fail "figures.sh on the ports output"
fi

# Defects: 17 rows, 8 read, 9 rejected with a cause (docs/honeypot-csv.md, unit tests for each row).
mpirun -n 2 "$SCANHPC" ports -q -o defects.h5 "$ROOT/tests/data/honeypot/marx_defects.csv" >/dev/null \
  || fail "ports on the defect file"
"$PY" - defects.h5 <<'PYEOF' || fail "defect counts"
import sys, h5py
f = h5py.File(sys.argv[1])
a = f["ports"].attrs
assert (a["records_read"], a["records_used"], a["records_rejected"]) == (17, 8, 9), dict(a)
msgs = [m.decode() for m in f["ports/errors/message"][()]]
assert len(msgs) == 9 and all("marx_defects.csv: byte " in m for m in msgs), msgs
# By hand from the 8 rows read: TCP 1433 twice (an exact duplicate row) and 22 once; UDP 5060
# and 53 once each (a tie: lower port first); two ICMP rows and one GRE row have no port.
col = lambda t, c: [x.decode() if isinstance(x, bytes) else int(x) for x in f[f"ports/{t}/{c}"][()]]
top = list(zip(col("top", "protocol"), col("top", "rank"), col("top", "port"), col("top", "count")))
assert top == [("TCP", 1, 1433, 2), ("TCP", 2, 22, 1), ("UDP", 1, 53, 1), ("UDP", 2, 5060, 1)], top
assert list(f["ports/top/share"][()]) == [2 / 3, 1 / 3, 0.5, 0.5]
assert a["events_without_port"].decode() == "ICMP 2, 47 1", a["events_without_port"]
# 2013-03-03 is day 15767: the duplicate 1433 row is one source.
daily = list(zip(col("daily", "day"), col("daily", "sensor"), col("daily", "protocol"), col("daily", "port"),
                 col("daily", "sources")))
assert daily == [(15767, "groucho-oregon", "TCP", 1433, 1), (15767, "groucho-oregon", "UDP", 5060, 1),
                 (15768, 'groucho-"quoted"', "UDP", 53, 1), (15768, "groucho-tokyo", "TCP", 22, 1)], daily
means = list(zip(col("daily_mean", "day"), col("daily_mean", "protocol"), col("daily_mean", "port"),
                 col("daily_mean", "sensors")))
assert means == [(15767, "TCP", 1433, 1), (15767, "UDP", 5060, 1), (15768, "TCP", 22, 1), (15768, "UDP", 53, 1)], means
print(f"  ok   defects: 17 rows = 8 used + 9 rejected (file, byte offset each); top ports, daily sources "
      f"and means equal the hand-computed values")
PYEOF
if mpirun -n 2 "$SCANHPC" ports -q --on-error=fail -o fail.h5 "$ROOT/tests/data/honeypot/marx_defects.csv" \
     >/dev/null 2>&1; then
  fail "--on-error=fail must fail on the defect file"
fi
ls fail.h5* >/dev/null 2>&1 && fail "--on-error=fail left an output"
[ "$failures" -eq 0 ] && echo "test_ports: ok" || { echo "test_ports: $failures failure(s)"; exit 1; }
