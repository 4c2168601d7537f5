#!/usr/bin/env bash
# Benchmark (not a test): `scanhpc gps model` on synthetic seeds of about 1 M, 3 M and
# 10 M services with banners (`scanhpc synth gps`), at 2 ranks. Prints a markdown table:
# wall time, peak RSS per rank, rules and plan rows. Usage: bench/bench_gps.sh [HOSTS...]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/mpi-env.sh
mkdir -p bench/data
hosts=("$@")
[ ${#hosts[@]} -gt 0 ] || hosts=(617000 1850000 6170000)  # ~1 M, 3 M, 10 M services
echo "| seed hosts | services | input | wall s | peak RSS per rank | rules | plan rows | stages |"
echo "|---:|---:|---:|---:|---:|---:|---:|---|"
for h in "${hosts[@]}"; do
  file=bench/data/gps-$h.oJ
  [ -s "$file" ] || build/scanhpc synth gps --hosts "$h" --seed 1 -o "$file" --quiet
  start=$(date +%s.%N)
  mpirun -n 2 build/scanhpc gps model -q --analyses model --force -o bench/data/gps-$h.h5 "$file"
  end=$(date +%s.%N)
  /usr/bin/python3 - "$file" "bench/data/gps-$h.h5" "$(echo "$end - $start" | bc)" "$h" <<'PY'
import os, sys, h5py
f = h5py.File(sys.argv[2]); g = f["gps"].attrs
print(f"| {int(sys.argv[4]):,} | {int(g['seed_services']):,} | {os.path.getsize(sys.argv[1])/1e9:.2f} GB | "
      f"{float(sys.argv[3]):.1f} | {max(f['run'].attrs['peak_rss_bytes'])/1e9:.2f} GB | {len(f['gps/rules/p1']):,} | "
      f"{len(f['gps/plan/port']):,} | {f['run'].attrs['stages'].decode()} |")
PY
  rm -f "bench/data/gps-$h.h5"
done
