#!/usr/bin/env bash
# A lab (not a test yet; issue 14's netlab starts here): does masscan report a target's
# retransmitted SYN-ACKs as more open observations when the scanner's RSTs never reach it?
# Three network namespaces that this script creates and removes (no packet leaves them):
#   scanner (10.88.0.1) -- router -- targets (every address of 10.89.0.0/PREFIX answers on
#   port 80: AnyIP route, one listener; SYN cookies off, a SYN backlog large enough that the
#   kernel keeps and retransmits every half-open connection, tcp_synack_retries=RETR).
# With DROPRST=1 the router drops every RST from the scanner's side (masscan's own and its
# kernel's), so the targets retransmit their SYN-ACKs 1, 2, 4, 8, 16 s apart.
# Writes OUT/masscan.oJ and OUT/target-counters.txt (the targets' TcpExtTCPSynRetrans).
# Needs root, iproute2, nftables, masscan, /usr/bin/python3.
# Usage: DROPRST=1 [PREFIX=16] [RATE=20000] [RETRIES=0] [WAIT=40] [RETR=5] tests/netlab/retransmit-lab.sh OUT
#
# Seen on the 2-core development VM (2026-12-06, masscan 1.3.2, PREFIX=16, RATE=20000,
# DROPRST=1): the targets retransmitted 163,592 SYN-ACKs; masscan reported 39,739 services,
# each once (its duplicate table holds them all at this size), and 25,797 targets were not
# found at 20 kpps on this machine. With 11 targets at 100 pps: each found once as well.
set -euo pipefail
out=${1:?usage: retransmit-lab.sh OUTDIR}
mkdir -p "$out"
out=$(cd "$out" && pwd)
S=nl-s R=nl-r T=nl-t
cleanup() {
  [ -n "${listener:-}" ] && kill "$listener" 2>/dev/null || true
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
ip -n $T route add local 10.89.0.0/"${PREFIX:-16}" dev lo   # every address answers
ip -n $R route add 10.89.0.0/16 via 10.88.1.10
ip netns exec $R sysctl -qw net.ipv4.ip_forward=1
ip netns exec $T sysctl -qw net.ipv4.tcp_synack_retries="${RETR:-5}" net.ipv4.tcp_max_syn_backlog=200000 \
  net.core.somaxconn=65535 net.ipv4.tcp_syncookies=0
ip netns exec $R nft -f - <<NFT
table inet lab {
  chain forward_filter {
    type filter hook forward priority 0; policy accept;
    ${DROPRST:+ip saddr 10.88.0.0/24 tcp flags & rst == rst drop}
  }
}
NFT
ip netns exec $T /usr/bin/python3 -c "
import socket, time
s = socket.socket(); s.bind(('0.0.0.0', 80)); s.listen(65535)
time.sleep(600)" &
listener=$!
sleep 1
mac=$(ip -n $R link show r0 | awk '/ether/ {print $2}')
work=$(mktemp -d)  # masscan writes paused.conf where it runs
(cd "$work" && ip netns exec $S masscan -e s0 --adapter-ip 10.88.0.1 --router-mac "$mac" -p80 \
  10.89.0.0/"${PREFIX:-16}" --rate "${RATE:-20000}" --retries "${RETRIES:-0}" --wait "${WAIT:-40}" \
  -oJ "$out/masscan.oJ" >"$out/masscan.log" 2>&1)
rm -rf "$work"
ip netns exec $T nstat -az 2>/dev/null | grep -E "TcpExtTCPSynRetrans|TcpRetransSegs" >"$out/target-counters.txt" || true
echo "retransmit-lab: $(grep -c '"ip"' "$out/masscan.oJ" || true) records; $(cat "$out/target-counters.txt" | tr -s ' ' | tr '\n' ';')"
