#!/usr/bin/env bash
# Benchmark (not a test): seed 003's measure (unique sources per day, sensor and TCP port, then
# the mean over sensors) on about 1 GB of synthetic marx-layout honeypot CSV, scanhpc against
# DuckDB (npm @duckdb/node-api, bench/peers/peer_duckdb_ports.mjs) in the same run. scanhpc
# also computes every other /ports table in the same pass. Prints a markdown table (median of
# 3 runs, wall seconds, peak RSS) and checks that both give the same TCP daily means.
# Usage: bench/bench_ports.sh [ROWS_PER_DAY]   (data cached in bench/data/ports-*.csv)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/mpi-env.sh
PER_DAY=${1:-100000}
CSV=bench/data/ports-$PER_DAY.csv
mkdir -p bench/data
[ -s "$CSV" ] || build/scanhpc synth honeypot --days 180 --events-per-day "$PER_DAY" -o "$CSV"
if [ ! -d bench/peers/node_modules/@duckdb ]; then
  (cd bench/peers && npm install --no-save @duckdb/node-api >/dev/null)
fi
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
timed() {  # prints "wall_seconds peak_kb" of the command
  /usr/bin/time -f "%e %M" "$@" 2>&1 >/dev/null | tail -1
}
row() {  # LABEL CMD...: median wall and peak RSS of 3 runs
  local label=$1; shift
  local walls=() rss=()
  for _ in 1 2 3; do
    read -r w r < <(timed "$@")
    walls+=("$w"); rss+=("$r")
  done
  local w r
  w=$(printf '%s\n' "${walls[@]}" | median)
  r=$(printf '%s\n' "${rss[@]}" | median)
  printf '| %s | %.2f | %.0f MB |\n' "$label" "$w" "$(echo "$r / 1024" | bc -l)"
}
bytes=$(stat -c %s "$CSV")
rows=$(($(wc -l < "$CSV") - 1))
echo "input: $CSV, $(echo "scale=2; $bytes / 1000000000" | bc) GB, $rows rows"
echo
echo "| run | wall s | peak RSS (largest process) |"
echo "|---|---:|---:|"
row "scanhpc ports, 2 ranks x 1 thread" mpirun -n 2 build/scanhpc ports -q --force --threads 1 -o /tmp/bench_ports.h5 "$CSV"
row "scanhpc ports, 1 rank x 2 threads" mpirun -n 1 build/scanhpc ports -q --force --threads 2 -o /tmp/bench_ports.h5 "$CSV"
row "DuckDB, 2 threads (TCP daily means only)" bash -c "cd bench/peers && node peer_duckdb_ports.mjs ../../$CSV 2"
# The same answer: the number of TCP daily means and their sum.
duck=$(cd bench/peers && node peer_duckdb_ports.mjs "../../$CSV" 2)
/usr/bin/python3 - /tmp/bench_ports.h5 "$duck" <<'PY'
import json, sys, h5py, numpy as np
m = h5py.File(sys.argv[1])["ports/daily_mean"]
tcp = np.array([p == b"TCP" for p in m["protocol"][()]])
d = json.loads(sys.argv[2])
rows, total = int(tcp.sum()), float(m["mean_sources"][()][tcp].sum())
same = rows == int(d["daily_mean_rows"]) and abs(total - d["sum_of_means"]) <= 1e-9 * total
print(f"\nTCP daily means: scanhpc {rows} rows (sum {total:.6f}), DuckDB {d['daily_mean_rows']} rows "
      f"(sum {d['sum_of_means']:.6f}): {'equal' if same else 'DIFFERENT'}")
sys.exit(0 if same else 1)
PY
