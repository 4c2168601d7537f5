#!/usr/bin/env bash
# The netlab itself (issue 14): two fresh masscan 1.3.2 scans of planted services in network
# namespaces this test creates and removes (tests/netlab/multiprobe-lab.sh; no packet leaves
# them): one with `--retries 2` whose RSTs reach the targets, one without retries whose RSTs
# the router drops so that the targets retransmit their SYN-ACKs. For each: truth.py matches
# every record masscan wrote to a SYN-ACK of the scanner's capture, the capture shows the cause
# the set-up plants (answers to retries; timer retransmissions), masscan found at least 95% of
# the planted services, and scanhpc labels at least 95% of the services it saw more than once
# with their true cause and infers the set-up (the retries and spacing the capture shows; the
# SYN-ACK timer).
# Needs root, iproute2, nftables, tcpdump and masscan (scripts/install-deps.sh). About 2 minutes.
# Usage (ctest): bash tests/e2e/test_netlab.sh <scanhpc-binary> <repo-root>
set -uo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_setup netlab "$@"

for t in ip nft tcpdump masscan; do
  command -v "$t" >/dev/null || { fail "$t not installed (scripts/install-deps.sh installs it)"; exit 1; }
done
[ "$(id -u)" = 0 ] || { fail "the netlab creates network namespaces; run it as root"; exit 1; }

lab() {  # NAME KNOB=VALUE...: one lab scan in NAME/
  local name=$1; shift
  if env NETNS="nl$$" HOSTS=64 PORTS=8000-8127 OPEN=25 RATE=500 SEED=7 "$@" \
      "$ROOT/tests/netlab/multiprobe-lab.sh" "$name" >"$name.log" 2>&1; then
    echo "  ok   lab $name: $(tail -1 "$name.log")"
  else
    fail "lab $name failed"; tail -5 "$name.log" >&2; return 1
  fi
}
lab retries RETRIES=2 WAIT=6
lab retransmissions DROPRST=1 SYNACK_RETRIES=3 WAIT=20

"$PY" - "$SCANHPC" <<'PY' || failures=$((failures + 1))
import json, subprocess, sys
import h5py
scanhpc = sys.argv[1]
ok = True
def check(cond, what):
    global ok
    print(("  ok   " if cond else "FAIL: ") + what, file=sys.stdout if cond else sys.stderr)
    ok = ok and cond
def ip_text(u):
    return ".".join(str((int(u) >> s) & 255) for s in (24, 16, 8, 0))
for name, cause, bit in [("retries", "retry", 1), ("retransmissions", "retransmission", 2)]:
    t = json.load(open(f"{name}/truth.json"))
    check(t["records_unmatched"] == 0, f"{name}: every record matched to a SYN-ACK of the capture")
    check(t["synacks_by_cause"].get(cause, 0) > t["planted"], f"{name}: the capture shows {cause}s "
          f"({t['synacks_by_cause']})")
    other = {"retry": "retransmission", "retransmission": "retry"}[cause]
    check(t["synacks_by_cause"].get(other, 0) <= 0.01 * t["synacks_received"], f"{name}: and almost no {other}s")
    check(t["found"] >= 0.95 * t["planted"], f"{name}: {t['found']} of {t['planted']} planted services found")
    subprocess.run([scanhpc, "scan", "-q", "--analyses", "multiprobe", "-o", f"{name}.h5", f"{name}/scan.oJ"], check=True)
    f = h5py.File(f"{name}.h5", "r")
    s = f["multiprobe/service_causes"]
    got = {(ip_text(a), int(b)): int(c) for a, b, c in zip(s["ip"][:], s["port"][:], s["cause"][:])}
    want = {(ip, p): c for ip, p, n, c in t["services"] if n > 1}
    right = sum(got.get(k) == c for k, c in want.items())
    check(len(want) > 100 and right >= 0.95 * len(want), f"{name}: {right} of {len(want)} repeated services labelled "
          "with their true cause")
    a = f["multiprobe/causes"].attrs
    if bit == 1:
        # masscan wraps its index past the end of a small range, so targets can get more
        # probes than --retries + 1: the schedule must say what the capture shows
        want_r, want_s = t["probes_per_target_mode"] - 1, t["probe_spacing_median"]
        check(int(a["retries"]) == want_r and abs(float(a["retry_spacing_seconds"]) - want_s) <= 0.3
              and not int(a["retransmissions"]),
              f"{name}: schedule {a['schedule']!r}; the capture: {want_r} retries {want_s:.2f} s apart")
    else:
        check(int(a["retransmissions"]) == 1 and int(a["retries"]) == 0, f"{name}: schedule {a['schedule']!r}")
sys.exit(0 if ok else 1)
PY

[ "$failures" -eq 0 ] && echo "test_netlab: OK" || echo "test_netlab: $failures failure(s)"
[ "$failures" -eq 0 ]
