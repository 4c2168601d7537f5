#!/usr/bin/env bash
# Benchmark (not a test): decode FT4 Avro and answer a top-N query (seed 004's first question:
# the top countries by flows among flows with a common TTL of 200-255, plus the series of the
# same flows) over about 1 GB of synthetic FT4 files, deflate and null codecs, at 1 rank x 1
# thread (records/s per core) and 2 ranks x 1 thread; in the same run, Debian's python3-avro
# reads a sample of the same files with the same question. Prints a markdown table.
# Usage: bench/bench_flow.sh [GB]   (default 1; data cached in bench/data/flow-*)
# (the python3-avro row reads the first 200,000 records of one file of the set)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/mpi-env.sh
GB=${1:-1}
BIN=build/scanhpc
PY=/usr/bin/python3
mkdir -p bench/data
# About GB gigabytes of FT4: 20 minutes of synthetic traffic (1 M FT3 records a minute), written
# once, then copied under other names until the set is large enough (generating every byte
# would take far longer than the benchmark; the copies decode exactly like the originals).
make_data() {  # DIR CODEC
  local dir=$1 codec=$2
  if [ ! -e "$dir/.complete" ]; then
    rm -rf "$dir" "$dir.base"
    echo "bench_flow: writing $dir ($codec)" >&2
    "$BIN" synth flowtuple --version 4 --codec "$codec" --minutes 20 --records-per-minute 1000000 \
      --start-time 1612126800 -o "$dir.base" -q
    mkdir -p "$dir"
    local base_bytes copies
    base_bytes=$(du -sb "$dir.base" | cut -f1)
    copies=$(( (GB * 1000000000 + base_bytes - 1) / base_bytes ))
    for ((k = 0; k < copies; ++k)); do
      for f in "$dir.base"/*.ft4.avro; do cp "$f" "$dir/copy$(printf %03d $k)_$(basename "$f")"; done
    done
    rm -rf "$dir.base"
    touch "$dir/.complete"
  fi
}
make_data bench/data/flow-deflate deflate
make_data bench/data/flow-null null

query=(flow top -q --force --field netacq_country --by flows -n 5 --common ttls=200-255 --series --threads 1)
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
run_scanhpc() {  # RANKS DIR -> median wall seconds of 3 runs, and the records read
  local ranks=$1 dir=$2 times=()
  for _ in 1 2 3; do
    local start end
    start=$(date +%s.%N)
    mpirun -n "$ranks" "$BIN" "${query[@]}" -o /tmp/bench_flow.h5 "$dir" >/dev/null
    end=$(date +%s.%N)
    times+=("$(echo "$end - $start" | bc)")
  done
  printf '%s\n' "${times[@]}" | median
}
records() { "$PY" -c "import h5py,sys; print(int(h5py.File(sys.argv[1])['flow'].attrs['records_read']))" /tmp/bench_flow.h5; }

echo "| codec | input | records | run | wall s | records/s | records/s per core |"
echo "|---|---:|---:|---|---:|---:|---:|"
for codec in deflate null; do
  dir=bench/data/flow-$codec
  bytes=$(du -sb "$dir" | cut -f1)
  for ranks in 1 2; do
    wall=$(run_scanhpc "$ranks" "$dir")
    n=$(records)
    "$PY" -c "
import sys
codec, b, n, ranks, wall = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
print(f'| {codec} | {b/1e9:.2f} GB | {n/1e6:.1f} M | scanhpc, {ranks} rank(s) x 1 thread | {wall:.2f} | '
      f'{n/wall/1e6:.2f} M | {n/wall/ranks/1e6:.2f} M |')" "$codec" "$bytes" "$n" "$ranks" "$wall"
  done
  # python3-avro on the first file of the same set, the same question, one core.
  first=$(ls "$dir"/*.ft4.avro | head -1)
  "$PY" - "$first" "$codec" <<'PYEOF'
import sys, time
from collections import Counter
import avro.datafile, avro.io
SAMPLE = 200_000  # python3-avro reads about 25 k records/s: the first records of one file
t = time.perf_counter(); n = 0; c = Counter()
with open(sys.argv[1], "rb") as f:
    for r in avro.datafile.DataFileReader(f, avro.io.DatumReader()):
        n += 1
        if any(200 <= x <= 255 for x in r["common_ttls"]):
            c[r["netacq_country"]] += 1
        if n == SAMPLE:
            break
s = time.perf_counter() - t
print(f"| {sys.argv[2]} | sample of 1 file | {n/1e6:.2f} M | python3-avro, 1 core | {s:.2f} | {n/s/1e6:.3f} M | "
      f"{n/s/1e6:.3f} M |")
PYEOF
done
