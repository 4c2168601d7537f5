#!/usr/bin/env bash
# Real scanner output for the tests: ZMap (Debian's zmap 2.1.1) and masscan
# (Debian's 1.3.2) scan the same hosts in a private network of two network
# namespaces that this script creates and removes; no packet leaves them.
# The target namespace holds 20 addresses (10.77.0.10-29) and listens on a
# planted set of (address, port); the rest answer RST. Written to OUTDIR:
#   planted.csv                    ip,port of every listening service (the truth)
#   zmap-<port>.csv                -O csv, every field of tcp_synscan, 2 probes
#                                  a target (-P 2: repeats), no output filter
#                                  (RSTs are kept, as with any -f)
#   zmap-<port>.json               -O json, the same fields, 1 probe
#   zmap-<port>-default.txt        ZMap's default output (saddr of successes only)
#   masscan.oJ, masscan.oL         masscan over the same hosts and ports, --retries 1
#   VERSIONS                       the scanners' versions and the command lines
# Needs root, iproute2, zmap, masscan and /usr/bin/python3.
# Usage: scripts/capture-testnet-scans.sh OUTDIR
set -euo pipefail
out=${1:?usage: capture-testnet-scans.sh OUTDIR}
mkdir -p "$out"
out=$(cd "$out" && pwd)
for tool in ip zmap masscan; do command -v $tool >/dev/null || { echo "capture: $tool is needed" >&2; exit 1; }; done
S=scanhpc-zs T=scanhpc-zt
cleanup() {
  [ -n "${listener:-}" ] && kill "$listener" 2>/dev/null || true
  [ -n "${work:-}" ] && rm -rf "$work"
  ip netns del $S 2>/dev/null || true
  ip netns del $T 2>/dev/null || true
}
trap cleanup EXIT
cleanup
ip netns add $S
ip netns add $T
ip link add zs-eth type veth peer name zt-eth
ip link set zs-eth netns $S
ip link set zt-eth netns $T
ip -n $S addr add 10.77.0.1/24 dev zs-eth
for i in $(seq 10 29); do ip -n $T addr add 10.77.0.$i/24 dev zt-eth; done
for ns in $S $T; do ip -n $ns link set lo up; done
ip -n $S link set zs-eth up
ip -n $T link set zt-eth up
mac=$(ip -n $T link show zt-eth | awk '/ether/ {print $2}')

# The planted services: a fixed pattern over 20 addresses and 4 ports.
ports=(22 80 443 8080)
: >"$out/planted.csv.tmp"
echo "ip,port" >"$out/planted.csv.tmp"
for i in $(seq 10 29); do
  for p in "${ports[@]}"; do
    if (( (i * 7 + p) % 3 == 0 )) || { [ "$p" = 80 ] && (( i % 2 == 0 )); }; then
      echo "10.77.0.$i,$p" >>"$out/planted.csv.tmp"
    fi
  done
done
mv "$out/planted.csv.tmp" "$out/planted.csv"
ip netns exec $T /usr/bin/python3 - "$out/planted.csv" <<'PY' &
import socket, sys, threading, time
binds = [l.strip().split(",") for l in open(sys.argv[1]).read().splitlines()[1:]]
socks = []
for ip, port in binds:
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((ip, int(port))); s.listen(64); socks.append(s)
def serve(s):
    while True:
        c, _ = s.accept(); c.close()
for s in socks: threading.Thread(target=serve, args=(s,), daemon=True).start()
time.sleep(300)
PY
listener=$!
sleep 1

work=$(mktemp -d)  # masscan writes paused.conf where it runs
blacklist=$work/empty-blacklist.conf  # ZMap's default blacklist excludes 10.0.0.0/8
: >"$blacklist"
said() {  # the command line, without the namespace prefix and with paths made relative
  local line="${*:5}"
  line=${line//"$out/"/}
  echo "${line//"$blacklist"/EMPTY-BLACKLIST}" >>"$out/VERSIONS"
}
fields="saddr,saddr-raw,daddr,daddr-raw,ipid,ttl,sport,dport,seqnum,acknum,window,classification,success,repeat,cooldown,timestamp-str,timestamp-ts,timestamp-us"
zm=(ip netns exec $S zmap -q -i zs-eth -S 10.77.0.1 -G "$mac" -b "$blacklist" -r 2000 -c 2 10.77.0.0/27)
{
  echo "# written by scripts/capture-testnet-scans.sh on $(date -u +%F)"
  echo "zmap: $(zmap --version 2>&1 | head -1)"
  echo "masscan: $(masscan --version 2>&1 | grep -m1 -i version)"
} >"$out/VERSIONS"
for p in "${ports[@]}"; do
  cmd=("${zm[@]}" -p "$p" -P 2 -O csv -f "$fields" -o "$out/zmap-$p.csv")
  "${cmd[@]}" 2>/dev/null; said "${cmd[@]}"
  cmd=("${zm[@]}" -p "$p" -O json -f "$fields" -o "$out/zmap-$p.json")
  "${cmd[@]}" 2>/dev/null; said "${cmd[@]}"
  cmd=("${zm[@]}" -p "$p" -o "$out/zmap-$p-default.txt")
  "${cmd[@]}" 2>/dev/null; said "${cmd[@]}"
done
list=$(IFS=,; echo "${ports[*]}")
for fmt in oJ oL; do
  cmd=(ip netns exec $S masscan -e zs-eth --adapter-ip 10.77.0.1 --router-mac "$mac" -p"$list" 10.77.0.0/27
       --rate 2000 --retries 1 --wait 2 -$fmt "$out/masscan.$fmt")
  (cd "$work" && "${cmd[@]}" >/dev/null 2>&1); said "${cmd[@]}"
done
rm -rf "$work"
echo "capture: $(($(wc -l <"$out/planted.csv") - 1)) planted services; files in $out"
