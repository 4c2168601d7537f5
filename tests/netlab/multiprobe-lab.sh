#!/usr/bin/env bash
# issue 14's netlab: one masscan scan (or two, RESCAN) of planted services whose repeated
# observations have known causes. Three network namespaces that this script creates and
# removes (no packet leaves them):
#   scanner (10.88.0.1) -- router -- targets (HOSTS consecutive addresses from 10.89.0.1, an
#   AnyIP route; listeners on PORTS, an nftables set lets through only the planted (ip, port)).
# Knobs (environment):
#   SEED (1)          planted services and masscan's --seed
#   HOSTS (256)       target addresses; PORTS (8000-8031) consecutive ports; OPEN (25) % planted
#   RETRIES (0)       masscan --retries;  RATE (2000) --rate;  WAIT (40) --wait
#   DROPRST (0)       1: the router drops every RST from the scanner, so targets retransmit
#   SYNACK_RETRIES (5) the targets' net.ipv4.tcp_synack_retries
#   DROP (0)          % of the targets' SYN-ACKs the router drops (nft numgen random)
#   RESCAN (0)        N > 0: a second scan (--seed SEED+1000) N seconds after the first ends
#   NETNS (mp)        prefix of the namespaces' names (NETNS-s, NETNS-r, NETNS-t)
# Consecutive addresses and ports fill masscan 1.3.2's duplicate table (65,536 buckets of 4,
# bucket = (ip + port) ^ ...): each bucket holds many services, so repeats are reported as
# they are on Internet-wide scans, where the table churns.
# Writes OUT/scan.oJ (both scans' records in one array), OUT/scanner.pcap (what the scanner
# sent and received), OUT/planted.json, OUT/config.json, OUT/router-counters.txt; then
# tests/netlab/truth.py labels every observation from the capture (OUT/truth.json).
# Needs root, iproute2, nftables, tcpdump, masscan, /usr/bin/python3.
# Usage: [KNOB=value ...] tests/netlab/multiprobe-lab.sh OUTDIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: multiprobe-lab.sh OUTDIR}
mkdir -p "$out"
out=$(cd "$out" && pwd)
SEED=${SEED:-1} HOSTS=${HOSTS:-256} PORTS=${PORTS:-8000-8031} OPEN=${OPEN:-25}
RETRIES=${RETRIES:-0} RATE=${RATE:-2000} WAIT=${WAIT:-40} DROPRST=${DROPRST:-0}
SYNACK_RETRIES=${SYNACK_RETRIES:-5} DROP=${DROP:-0} RESCAN=${RESCAN:-0}
S=${NETNS:-mp}-s R=${NETNS:-mp}-r T=${NETNS:-mp}-t
cleanup() {
  [ -n "${listener:-}" ] && kill "$listener" 2>/dev/null || true
  [ -n "${capture:-}" ] && kill "$capture" 2>/dev/null || true
  [ -n "${pinger:-}" ] && kill "$pinger" 2>/dev/null || true
  for n in $S $R $T; do ip netns del $n 2>/dev/null || true; done
}
trap cleanup EXIT
cleanup
for n in $S $R $T; do ip netns add $n; ip -n $n link set lo up; done
ip link add s0 netns $S type veth peer name r0 netns $R
ip link add t0 netns $T type veth peer name r1 netns $R
ip -n $S addr add 10.88.0.1/24 dev s0
ip -n $R addr add 10.88.0.254/24 dev r0
ip -n $T addr add 10.88.1.10/24 dev t0
ip -n $R addr add 10.88.1.254/24 dev r1
ip -n $S link set s0 up; ip -n $R link set r0 up; ip -n $R link set r1 up; ip -n $T link set t0 up
ip -n $S route add default via 10.88.0.254
ip -n $T route add default via 10.88.1.254
ip -n $T route add local 10.89.0.0/16 dev lo
ip -n $R route add 10.89.0.0/16 via 10.88.1.10
ip netns exec $R sysctl -qw net.ipv4.ip_forward=1
ip netns exec $T sysctl -qw net.ipv4.tcp_synack_retries="$SYNACK_RETRIES" \
  net.ipv4.tcp_max_syn_backlog=262144 net.core.somaxconn=65535 net.ipv4.tcp_syncookies=0

# planted services and the target's filter (only planted (ip, port) answer)
/usr/bin/python3 - "$out" "$SEED" "$HOSTS" "$PORTS" "$OPEN" <<'PY'
import json, random, sys
out, seed, hosts, ports, open_pct = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
lo, hi = map(int, ports.split("-"))
rng = random.Random(seed)
planted = []
for h in range(1, hosts + 1):
    ip = f"10.89.{h // 256}.{h % 256}"
    for p in range(lo, hi + 1):
        if rng.randrange(100) < open_pct:
            planted.append([ip, p])
json.dump(planted, open(f"{out}/planted.json", "w"))
with open(f"{out}/target.nft", "w") as f:
    f.write("table inet lab {\n  set open { type ipv4_addr . inet_service; elements = { ")
    f.write(", ".join(f"{ip} . {p}" for ip, p in planted))
    f.write(" } }\n  chain input { type filter hook input priority 0; policy accept;\n")
    f.write(f"    ip daddr . tcp dport @open accept\n    tcp dport {lo}-{hi} drop\n  }}\n}}\n")
PY
ip netns exec $T nft -f "$out/target.nft"
ip netns exec $R nft -f - <<NFT
table inet lab {
  chain forward_filter {
    type filter hook forward priority 0; policy accept;
    $( [ "$DROPRST" = 1 ] && echo "ip saddr 10.88.0.0/24 tcp flags & rst == rst counter drop" )
    $( [ "$DROP" -gt 0 ] && echo "ip saddr 10.89.0.0/16 tcp flags & (syn | ack) == (syn | ack) numgen random mod 100 < $DROP counter drop" )
    ip saddr 10.89.0.0/16 tcp flags & (syn | ack) == (syn | ack) counter accept
  }
}
NFT
ip netns exec $T /usr/bin/python3 -c "
import socket, time, sys
lo, hi = map(int, sys.argv[1].split('-'))
socks = []
for p in range(lo, hi + 1):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(('0.0.0.0', p)); s.listen(65535); socks.append(s)
time.sleep(3600)" "$PORTS" &
listener=$!
ip netns exec $S tcpdump -q -n -i s0 -s 96 -w "$out/scanner.pcap" tcp 2>/dev/null &
capture=$!
# masscan 1.3.2's receive thread blocks until a packet comes, so it cannot see that --wait is
# over on a quiet link: one UDP datagram a second from the router wakes it (not TCP: not counted)
ip netns exec $R bash -c 'while sleep 1; do echo wake >/dev/udp/10.88.0.1/9; done' >/dev/null 2>&1 &
pinger=$!
sleep 1.5
mac=$(ip -n $R link show r0 | awk '/ether/ {print $2}')
last=$((HOSTS)); range="10.89.0.1-10.89.$((last / 256)).$((last % 256))"
work=$(mktemp -d)  # masscan writes paused.conf where it runs
scan() {  # $1 seed, $2 output
  (cd "$work" && ip netns exec $S masscan -e s0 --adapter-ip 10.88.0.1 --router-mac "$mac" \
    -p"$PORTS" "$range" --rate "$RATE" --retries "$RETRIES" --wait "$WAIT" --seed "$1" \
    -oJ "$2" >>"$out/masscan.log" 2>&1)
}
date +%s.%N >"$out/scan-starts.txt"
scan "$SEED" "$work/a.oJ"
if [ "$RESCAN" -gt 0 ]; then
  sleep "$RESCAN"
  date +%s.%N >>"$out/scan-starts.txt"
  scan $((SEED + 1000)) "$work/b.oJ"
fi
sleep 1
kill "$capture" 2>/dev/null || true; wait "$capture" 2>/dev/null || true; capture=
ip netns exec $R nft list ruleset >"$out/router-counters.txt"
# one array, records in file order (masscan -oJ: "[", one record per line with a trailing comma)
/usr/bin/python3 - "$out/scan.oJ" "$work"/*.oJ <<'PY'
import sys
recs = []
for path in sys.argv[2:]:
    for line in open(path):
        line = line.strip().rstrip(",")
        if line.startswith("{"):
            recs.append(line)
with open(sys.argv[1], "w") as f:
    f.write("[\n" + ",\n".join(recs) + "\n]\n")
PY
rm -rf "$work"
/usr/bin/python3 - "$out/config.json" <<PY
import json, sys
json.dump({"seed": $SEED, "hosts": $HOSTS, "ports": "$PORTS", "open_pct": $OPEN, "retries": $RETRIES,
           "rate": $RATE, "wait": $WAIT, "drop_rst": $DROPRST, "synack_retries": $SYNACK_RETRIES,
           "synack_drop_pct": $DROP, "rescan_after_s": $RESCAN,
           "masscan": "$(masscan --version 2>/dev/null | grep -o 'version [0-9.]*' | head -1)"},
          open(sys.argv[1], "w"), indent=1)
PY
/usr/bin/python3 "$here/truth.py" "$out"
