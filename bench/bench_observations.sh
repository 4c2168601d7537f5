#!/usr/bin/env bash
# Benchmark (not a test): the repacked observation table (scan --keep observations)
# on three input families of about 1 GB each: the synthetic -oJ of bench/scaling.sh
# (scanhpc synth masscan), the real masscan 1.3.2 output of data/masscan-testnet
# (banners and status records) tiled with its addresses moved, and the real ZMap
# 2.1.1 CSV of tests/data/scanners-testnet (RSTs and repeats kept) tiled the same
# way. Prints a markdown table: sizes of the text, of gzip -6 of it, of the table's
# stored bytes and of the whole output file; times at RANKS ranks (median of REPS)
# of scan on the text, scan --keep observations on the text, and scan on the repack;
# and checks that the last gives the analyses of the first.
# usage: bench/bench_observations.sh [RANKS=2] [REPS=3]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${SCANHPC_BIN:-$ROOT/build/scanhpc}
RANKS=${1:-2}
REPS=${2:-3}
PY=/usr/bin/python3
source "$ROOT/scripts/mpi-env.sh"
D=$ROOT/bench/data/obs
mkdir -p "$D"
cd "$D"
[ -s synth.oJ ] || ln -sf ../scan-6510000.oJ synth.oJ
[ -s ../scan-6510000.oJ ] || "$BIN" synth masscan --services 6510000 --seed 1 -o ../scan-6510000.oJ -q
[ -s real-masscan.oJ ] || "$PY" "$ROOT/bench/tile_real_scan.py" "$ROOT/data/masscan-testnet/scan-banners.oJ" real-masscan.oJ 1000
if [ ! -s real-zmap.csv ]; then
  Z=$ROOT/tests/data/scanners-testnet
  { cat "$Z/zmap-22.csv"; tail -n +2 "$Z/zmap-80.csv"; tail -n +2 "$Z/zmap-443.csv"; tail -n +2 "$Z/zmap-8080.csv"; } > zmap-tile.csv
  "$PY" "$ROOT/bench/tile_real_scan.py" zmap-tile.csv real-zmap.csv 1000
fi
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
timed() {  # OUT CMD...: seconds of the whole run
  local out=$1; shift
  rm -f "$out"
  local t0 t1
  t0=$(date +%s.%N); "$@" >/dev/null 2>&1; t1=$(date +%s.%N)
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", b - a }' 
}
echo "| input | text | gzip -6 | /observations stored | rows | output file | scan on text | scan --keep observations | scan on the repack |"
echo "|---|---|---|---|---|---|---|---|---|"
for f in synth.oJ real-masscan.oJ real-zmap.csv; do
  [ -s "$f.gz" ] || gzip -6 -c "$f" > "$f.gz"
  a=(); b=(); c=()
  for _ in $(seq "$REPS"); do
    a+=("$(timed text.h5 mpirun -n "$RANKS" "$BIN" scan -q -o text.h5 "$f")")
    b+=("$(timed rep.h5 mpirun -n "$RANKS" "$BIN" scan -q --keep observations -o rep.h5 "$f")")
    c+=("$(timed again.h5 mpirun -n "$RANKS" "$BIN" scan -q -o again.h5 rep.h5)")
  done
  "$PY" "$ROOT/tests/compare_h5.py" --ignore /ingest text.h5 again.h5 >/dev/null || { echo "the repack's analyses differ on $f" >&2; exit 1; }
  read -r stored rows < <("$PY" -c "
import h5py
g = h5py.File('rep.h5')['observations']
print(sum(g[c].id.get_storage_size() for c in g), g['ip'].shape[0])")
  mb() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1e6 }'; }
  printf "| %s | %s MB | %s MB | %s MB | %s | %s MB | %.2f s | %.2f s | %.2f s |\n" "$f" "$(mb "$(stat -L -c %s "$f")")" \
    "$(mb "$(stat -c %s "$f.gz")")" "$(mb "$stored")" "$rows" "$(mb "$(stat -c %s rep.h5)")" \
    "$(printf '%s\n' "${a[@]}" | median)" "$(printf '%s\n' "${b[@]}" | median)" "$(printf '%s\n' "${c[@]}" | median)"
done
