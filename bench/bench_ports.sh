#!/usr/bin/env bash
# Benchmark (not a test): seed 003's measure (unique sources per day, sensor and TCP port, then
# the mean over sensors) on two families of marx-layout honeypot CSV, scanhpc against DuckDB
# (npm @duckdb/node-api, bench/peers/peer_duckdb_ports.mjs: TCP daily means only) and Polars (npm
# nodejs-polars 0.25.2, bench/peers/peer_polars_ports.mjs, the same query) in the same run:
#  (a) synth: `scanhpc synth honeypot --days 180 --events-per-day ROWS_PER_DAY` (1.09 GB at 100000);
#  (b) real:  the real public marx rows of tests/data/honeypot tiled to REAL_MB megabytes
#             (bench/tile_real_honeypot.py: tiles shifted by whole days and moved to other /8s).
# scanhpc computes every /ports table in the same pass. Runs interleave (scanhpc, [old scanhpc,]
# DuckDB, repeated 3 times) so that load on the machine falls on all alike; the table gives the
# median wall seconds, MB/s of input, rows/s per core (2 cores each), peak RSS per rank (scanhpc:
# the largest /run/ranks peak_rss_bytes; DuckDB: its process, /usr/bin/time). Checks that scanhpc and
# DuckDB give the same TCP daily means (count and sum) and prints scanhpc's stages (slowest rank).
# Usage: bench/bench_ports.sh [ROWS_PER_DAY [REAL_MB]]   (data cached in bench/data/)
#        OLD=/path/to/old/scanhpc bench/bench_ports.sh   adds rows for a baseline binary
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/mpi-env.sh
PER_DAY=${1:-100000}
REAL_MB=${2:-1000}
REPS=${REPS:-3}
OLD=${OLD:-}
mkdir -p bench/data
SYNTH=bench/data/ports-$PER_DAY.csv
REAL=bench/data/ports-real-$REAL_MB.csv
[ -s "$SYNTH" ] || build/scanhpc synth honeypot --days 180 --events-per-day "$PER_DAY" -o "$SYNTH"
[ -s "$REAL" ] || /usr/bin/python3 bench/tile_real_honeypot.py tests/data/honeypot/marx_head20000.csv.gz "$REAL" "$REAL_MB"
if [ ! -d bench/peers/node_modules/@duckdb ] || [ ! -d bench/peers/node_modules/nodejs-polars ]; then
  # one command: npm --no-save removes what the same command does not name
  (cd bench/peers && npm install --no-save @duckdb/node-api nodejs-polars@0.25.2 nodejs-polars-linux-x64-gnu@0.25.2 >/dev/null)
fi
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
scanhpc_run() {  # BINARY CSV OUT [OPTION...]: "wall_s peak_rank_bytes"
  local w
  w=$( { /usr/bin/time -f "%e" mpirun -n 2 "$1" ports -q --force --threads 1 -o "$3" "${@:4}" "$2" >/dev/null; } 2>&1 | tail -1)
  echo "$w $(/usr/bin/python3 -c "import h5py,sys; print(int(h5py.File(sys.argv[1])['run/ranks/peak_rss_bytes'][()].max()))" "$3")"
}
duck_run() {  # CSV: "wall_s peak_bytes"
  /usr/bin/time -f "%e %M" bash -c "cd bench/peers && node peer_duckdb_ports.mjs ../../$1 2" 2>&1 >/dev/null | tail -1 |
    awk '{print $1, $2 * 1024}'
}
polars_run() {  # CSV: "wall_s peak_bytes"
  /usr/bin/time -f "%e %M" bash -c "cd bench/peers && POLARS_MAX_THREADS=2 node peer_polars_ports.mjs ../../$1" 2>&1 >/dev/null |
    tail -1 | awk '{print $1, $2 * 1024}'
}
echo "| input | run | wall s | MB/s | rows/s per core | peak RSS per rank | vs DuckDB |"
echo "|---|---|---:|---:|---:|---:|---:|"
for family in synth real; do
  CSV=$([ $family = synth ] && echo "$SYNTH" || echo "$REAL")
  bytes=$(stat -L -c %s "$CSV")
  rows=$(($(wc -l < "$CSV") - 1))
  labels=("scanhpc ports, 2 ranks x 1 thread (all analyses: top, daily, neighbours)"
          "scanhpc ports --analyses daily, 2 ranks x 1 thread (the peers' question and box plots)")
  [ -n "$OLD" ] && labels+=("old scanhpc ($OLD), 2 ranks x 1 thread")
  labels+=("DuckDB, 2 threads (TCP daily means only)" "Polars, 2 threads (TCP daily means only)")
  declare -A walls=() rss=()
  for _ in $(seq "$REPS"); do
    read -r w r < <(scanhpc_run build/scanhpc "$CSV" "$TMP/new.h5"); walls[0]+="$w "; rss[0]+="$r "
    read -r w r < <(scanhpc_run build/scanhpc "$CSV" "$TMP/daily.h5" --analyses daily); walls[q]+="$w "; rss[q]+="$r "
    if [ -n "$OLD" ]; then
      read -r w r < <(scanhpc_run "$OLD" "$CSV" "$TMP/old.h5"); walls[1]+="$w "; rss[1]+="$r "
    fi
    read -r w r < <(duck_run "$CSV"); walls[d]+="$w "; rss[d]+="$r "
    read -r w r < <(polars_run "$CSV"); walls[p]+="$w "; rss[p]+="$r "
  done
  duck_w=$(printf '%s\n' ${walls[d]} | median)
  keys=(0 q); [ -n "$OLD" ] && keys+=(1); keys+=(d p)
  for i in "${!keys[@]}"; do
    k=${keys[$i]}
    w=$(printf '%s\n' ${walls[$k]} | median)
    r=$(printf '%s\n' ${rss[$k]} | median)
    awk -v fam="$family" -v bytes="$bytes" -v rows="$rows" -v label="${labels[$i]}" -v w="$w" -v r="$r" -v d="$duck_w" \
      'BEGIN { printf "| %s: %.2f GB, %.1f M rows | %s | %.2f | %.0f | %.2f M | %.0f MB | %.2fx |\n", fam, bytes / 1e9,
               rows / 1e6, label, w, bytes / 1e6 / w, rows / 1e6 / w / 2, r / 1e6, d / w }'
  done
  # The same answer: the number of TCP daily means and their sum.
  duck=$(cd bench/peers && node peer_duckdb_ports.mjs "../../$CSV" 2)
  polars=$(cd bench/peers && POLARS_MAX_THREADS=2 node peer_polars_ports.mjs "../../$CSV")
  /usr/bin/python3 - "$TMP/new.h5" "$duck" "$polars" "$family" "$TMP/daily.h5" >>"$TMP/checks" <<'PY'
import json, sys, h5py, numpy as np
def tcp_means(path):
    m = h5py.File(path)["ports/daily_mean"]
    tcp = np.array([p == b"TCP" for p in m["protocol"][()]])
    return int(tcp.sum()), float(m["mean_sources"][()][tcp].sum())
rows, total = tcp_means(sys.argv[1])
ok = tcp_means(sys.argv[5]) == (rows, total)
print(f"{sys.argv[4]}: TCP daily means: scanhpc --analyses daily {'equal to' if ok else 'DIFFERENT from'} all analyses'")
for name, arg in (("DuckDB", sys.argv[2]), ("Polars", sys.argv[3])):
    d = json.loads(arg)
    same = rows == int(d["daily_mean_rows"]) and abs(total - d["sum_of_means"]) <= 1e-9 * total
    ok &= same
    print(f"{sys.argv[4]}: TCP daily means: scanhpc {rows} rows (sum {total:.6f}), {name} {d['daily_mean_rows']} rows "
          f"(sum {d['sum_of_means']:.6f}): {'equal' if same else 'DIFFERENT'}")
sys.exit(0 if ok else 1)
PY
  echo "$family: scanhpc stages (slowest rank): $(mpirun -n 2 build/scanhpc ports --force --threads 1 -o "$TMP/new.h5" "$CSV" 2>&1 >/dev/null | sed -n 's/^ *stages: //p')" >>"$TMP/stages"
  echo "$family: scanhpc --analyses daily stages (slowest rank): $(mpirun -n 2 build/scanhpc ports --force --threads 1 --analyses daily -o "$TMP/daily.h5" "$CSV" 2>&1 >/dev/null | sed -n 's/^ *stages: //p')" >>"$TMP/stages"
  [ -n "$OLD" ] && echo "$family: old scanhpc stages (slowest rank): $(mpirun -n 2 "$OLD" ports --force --threads 1 -o "$TMP/old.h5" "$CSV" 2>&1 >/dev/null | sed -n 's/^ *stages: //p')" >>"$TMP/stages"
  unset walls rss
done
echo
cat "$TMP/checks"
echo
cat "$TMP/stages"
