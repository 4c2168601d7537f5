#!/usr/bin/env bash
# structure (issue 14): on the real masscan scan of the bundled testnet (1,012 planted hosts,
# 10 profiles, every planted service found), `scan`'s host profiles agree with the planted
# ones (adjusted Rand index >= 0.9, computed here in Python, independently of the C++), the
# counts equal a count made here from the -oJ file, the planted port groups share a port
# cluster, and the tables are identical at 1-4 ranks and 1-2 threads; the notebook's figures
# draw the file's numbers. Also `gps model`'s /structure on the same scan.
# Usage (ctest): bash tests/e2e/test_structure.sh <scanhpc-binary> <repo-root>
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_setup structure "$@"

D="$ROOT/data/masscan-testnet"
outs=()
for cfg in "0 2" "1 1" "2 1" "3 2" "4 1"; do
  read -r n t <<<"$cfg"
  out="s-n$n-t$t.h5"
  launcher=()
  [ "$n" -gt 0 ] && launcher=(mpirun -n "$n")
  if timeout 120 "${launcher[@]}" "$SCANHPC" scan -q --threads "$t" --analyses structure -o "$out" \
      "$D/scan-banners.oJ" >"$out.log" 2>&1; then
    outs+=("$out")
  else
    fail "scan --analyses structure at $n rank(s) x $t thread(s) failed:"
    tail -5 "$out.log" >&2
  fi
done
if "$PY" "$ROOT/tests/compare_h5.py" --ignore /run "${outs[@]}" >cmp.txt 2>&1; then
  echo "  ok   /structure identical over ${#outs[@]} runs (no mpirun, 1-4 ranks, 1-2 threads)"
else
  fail "/structure differs between rank or thread counts"
  head -20 cmp.txt >&2
fi

"$PY" - "${outs[0]}" "$D/planted-services.json" "$D/scan-banners.oJ" <<'PY' || failures=$((failures + 1))
import collections, itertools, json, sys
import h5py
out, planted_path, scan_path = sys.argv[1:]
f = h5py.File(out, "r")
hp = f["/structure/host_profiles"]
ips = hp["ip"][()]
got = dict(zip(ips.tolist(), hp["profile"][()].tolist()))
planted = json.load(open(planted_path))

def ip_int(s):
    a, b, c, d = map(int, s.split("."))
    return a << 24 | b << 16 | c << 8 | d

truth = {ip_int(ip): v[0] for ip, v in planted.items() if v[1]}   # hosts with a planted service
common = sorted(set(truth) & set(got))
ok = True
def check(cond, what):
    global ok
    print(("  ok   " if cond else "FAIL: ") + what, file=sys.stdout if cond else sys.stderr)
    ok = ok and cond

check(len(common) == len(truth), f"every planted host has a profile row ({len(common)} of {len(truth)})")

def ari(a, b):  # Hubert and Arabie, from the contingency table
    n = len(a)
    comb = lambda x: x * (x - 1) / 2
    cells = collections.Counter(zip(a, b))
    sa = sum(comb(v) for v in collections.Counter(a).values())
    sb = sum(comb(v) for v in collections.Counter(b).values())
    index = sum(comb(v) for v in cells.values())
    expected = sa * sb / comb(n)
    top = (sa + sb) / 2
    return 1.0 if top == expected else (index - expected) / (top - expected)

score = ari([truth[i] for i in common], [got[i] for i in common])
check(score >= 0.9, f"adjusted Rand index against the planted profiles: {score:.4f} (>= 0.9)")
profiles = f["/structure/profiles"]
names = [s.decode() for s in profiles["ports"][()]]
print(f"       {len(names)} profiles: " + "; ".join(names))

# The counts against a count made here from the file: distinct open (port) per host.
ports = collections.defaultdict(set)
for line in open(scan_path):
    line = line.strip().rstrip(",")
    if not line.startswith("{"):
        continue
    r = json.loads(line)
    for p in r.get("ports", []):
        if p.get("status") == "open":
            ports[ip_int(r["ip"])].add(p["port"])
pc = f["/structure/port_clusters"]
top = pc["port"][()].tolist()
hosts = dict(zip(top, pc["hosts"][()].tolist()))
want = collections.Counter(p for s in ports.values() for p in s)
check(all(hosts[p] == want[p] for p in top) and len(top) == len(want), f"hosts per port equal a count of the -oJ file ({len(top)} ports)")
pairs = f["/structure/port_pairs"]
both = {(a, b): n for a, b, n in zip(pairs["a_port"][()].tolist(), pairs["b_port"][()].tolist(), pairs["hosts_both"][()].tolist())}
want_pairs = collections.Counter((a, b) for s in ports.values() for a, b in itertools.permutations(sorted(s), 2))
check(both == dict(want_pairs), f"hosts with both ports equal a count of the -oJ file ({len(both)} ordered pairs)")
pab = {(a, b): p for a, b, p in zip(pairs["a_port"][()].tolist(), pairs["b_port"][()].tolist(), pairs["p_a_given_b"][()].tolist())}
check(all(abs(pab[k] - both[k] / want[k[1]]) < 1e-12 for k in both), "P(a | b) = hosts with both / hosts with b")

# Ports planted only together share a cluster.
cluster = dict(zip(top, pc["cluster"][()].tolist()))
for group in ([135, 445, 3389], [25, 110, 143, 587], [5601, 9200], [23, 8080]):
    check(len({cluster[p] for p in group}) == 1, f"ports {group} in one cluster")
check(cluster[135] != cluster[25] and cluster[25] != cluster[5601], "separate groups in separate clusters")
sys.exit(0 if ok else 1)
PY

echo "== notebooks/structure.ipynb on the testnet scan"
if run_figures figs "${outs[0]}" figs; then
  expect_pngs figs structure_port_pairs structure_profiles
  check_figures figs "${outs[0]}" --drawn structure_port_pairs structure_profiles
else
  fail "figures.sh failed on the testnet scan"; tail -20 figs.log >&2
fi

echo "== gps model: /structure of the seed's hosts"
if timeout 120 "$SCANHPC" gps model -q --analyses model,structure -o gps.h5 "$D/scan-banners.oJ" >gps.log 2>&1; then
  "$PY" - gps.h5 "${outs[0]}" <<'PY' || failures=$((failures + 1))
import sys, h5py
g, s = (h5py.File(p, "r") for p in sys.argv[1:])
# GPS's seed is the same hosts and ports (TCP): the same profiles.
a = [x.decode() for x in g["/structure/profiles/ports"][()]]
b = [x.decode() for x in s["/structure/profiles/ports"][()]]
if a == b and len(a) > 0:
    print(f"  ok   gps model finds the scan's {len(a)} profiles")
else:
    print(f"FAIL: gps model's profiles {a} differ from scan's {b}", file=sys.stderr)
    sys.exit(1)
PY
else
  fail "gps model --analyses model,structure failed:"
  tail -5 gps.log >&2
fi

if [ $failures -ne 0 ]; then
  echo "test_structure: $failures failure(s)" >&2
  exit 1
fi
echo "test_structure: profiles, counts, clusters and determinism hold"
