#!/usr/bin/env bash
# scanner (issue 14): the scanner's signature from timestamps. On the real masscan scan of the
# bundled testnet and on two -oJ files written here (a scan in address order with a planted
# 20-second pause, and the same targets in a random permutation), /scanner's per-second counts
# equal a count made here in Python from the file, the address-time correlation equals numpy's
# over the same grid, the verdicts are "random permutation" (masscan, the permuted file) and
# "address order", the pause is found, the tables are identical at 1-4 ranks, and the
# notebook's figures draw the file's numbers.
# Usage (ctest): bash tests/e2e/test_scanner.sh <scanhpc-binary> <repo-root>
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_setup scanner "$@"

"$PY" - <<'PY'
import json, random
def write(path, order, pause_after=None):
    with open(path, "w") as f:
        f.write("[\n")
        t = 1700000000
        for k, i in enumerate(order):
            if pause_after is not None and k == pause_after:
                t += 20
            ip = f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}"
            f.write(json.dumps({"ip": ip, "timestamp": str(t + k // 50),
                                "ports": [{"port": 80, "proto": "tcp", "status": "open", "reason": "syn-ack", "ttl": 64}]}) + ",\n")
        f.write("{finished: 1}\n]\n")
targets = list(range(1, 6001))
write("ordered.oJ", targets, pause_after=3000)
random.Random(4).shuffle(targets)
write("permuted.oJ", targets)
PY

for name in testnet ordered permuted; do
  case $name in testnet) file="$ROOT/data/masscan-testnet/scan-banners.oJ" ;; *) file="$name.oJ" ;; esac
  same_at_ranks "$name" scan -q --analyses scanner "$file"
  want=$(case $name in testnet|permuted) echo "random permutation" ;; ordered) echo "address order" ;; esac)
  "$PY" - "${OUTS[0]}" "$file" "$want" "$name" <<'PY' || failures=$((failures + 1))
import collections, json, sys
import h5py, numpy as np
out, path, want, name = sys.argv[1:]
f = h5py.File(out, "r")
g = f["scanner"]
ok = True
def check(cond, what):
    global ok
    print(("  ok   " if cond else "FAIL: ") + f"{name}: {what}", file=sys.stdout if cond else sys.stderr)
    ok = ok and cond
def ip_int(s):
    a, b, c, d = map(int, s.split("."))
    return a << 24 | b << 16 | c << 8 | d
first, obs = {}, collections.Counter()
for line in open(path):
    line = line.strip().rstrip(",")
    if not line.startswith('{"') and not line.startswith("{ "):
        continue
    try:
        r = json.loads(line)
    except ValueError:
        continue
    if "timestamp" not in r:
        continue
    t = int(r["timestamp"])
    for p in r.get("ports", []):
        if p.get("status") != "open":
            continue
        key = (ip_int(r["ip"]), p["port"], p["proto"])
        first[key] = min(first.get(key, t), t)
        obs[t] += 1
per_second = collections.Counter(first.values())
rate = g["rate"]
got = dict(zip(rate["second"][()].tolist(), zip(rate["services"][()].tolist(), rate["observations"][()].tolist())))
check(got == {s: (per_second.get(s, 0), obs[s]) for s in obs}, f"per-second services and observations equal a count of the file ({len(got)} seconds)")
check(int(g.attrs["services"]) == len(first), f"services {int(g.attrs['services'])}")
t0, t1 = min(first.values()), max(first.values())
ips = [k[0] for k in first]
a0, a1 = min(ips), max(ips)
B = 64
cells = np.zeros((B, B))
for (ip, _, _), t in first.items():
    cells[(ip - a0) * B // (a1 - a0 + 1), (t - t0) * B // (t1 - t0 + 1)] += 1
check(np.array_equal(cells.ravel(), g["order"]["services"][()]), "the address-time grid equals one made here")
a, t = np.nonzero(cells)
w = cells[a, t]
r = np.cov(a, t, aweights=w)[0, 1] / np.sqrt(np.cov(a, aweights=w) * np.cov(t, aweights=w))
check(abs(float(g.attrs["ip_time_correlation"]) - r) < 1e-9, f"correlation {float(g.attrs['ip_time_correlation']):.4f} = numpy's {r:.4f}")
order = g.attrs["order"]
order = order.decode() if isinstance(order, bytes) else str(order)
check(order == want, f"order: {order}")
pauses = list(zip(g["pauses"]["start"][()].tolist(), g["pauses"]["seconds"][()].tolist()))
if name == "ordered":
    check(pauses == [(1700000000 + 60, 20)], f"the planted 20 s pause: {pauses}")
sys.exit(0 if ok else 1)
PY
done

echo "== notebooks/scanner.ipynb on the ordered scan"
if run_figures figs ordered-n0.h5 figs; then
  expect_pngs figs scanner_rate scanner_order
  check_figures figs ordered-n0.h5 --drawn scanner_rate scanner_order
else
  fail "figures.sh failed on the ordered scan"; tail -20 figs.log >&2
fi

if [ $failures -ne 0 ]; then
  echo "test_scanner: $failures failure(s)" >&2
  exit 1
fi
echo "test_scanner: counts, grid, correlation, verdicts, pauses and determinism hold"
