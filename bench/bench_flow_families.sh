#!/usr/bin/env bash
# Benchmark (not a test): `flow top --field netacq_country -n 5 --common ttls=200-255` at 1 rank x
# 1 thread over one FT4 file of each of two families, with this build (run as a single process, as
# on a laptop without mpirun, and under `mpirun -n 1`, whose start-up costs ~0.2 s), an older binary and avsc
# (npm, the fast JavaScript Avro reader: bench/../shared/peers/peer_avsc_top.mjs, the same
# question) interleaved in one run, ROUNDS rounds; prints every run, then a markdown table of
# medians (and minima) with records/s per core, MB/s of compressed input and peak RSS, and checks
# that the three answers agree.
#   synth: `scanhpc synth flowtuple --version 4` (population scale 1, 2 M FT3 records a minute,
#          5 minutes, one file): about 7 M records at ~8 bytes a record compressed.
#   noisy: the same at --population-scale 50, then build/bench/ft4_noise at level 32 (random low
#          bits in fields that vary in real data; see bench/ft4_noise.cpp): about 8 M records at
#          ~25 bytes a record, near the ~26 of CAIDA's files.
# Usage: bench/bench_flow_families.sh [ROUNDS (default 5)]
# Environment: OLD (default /tmp/ft4-old), AVSC_DIR (a folder with node_modules/avsc, default
# /tmp/avsc), PEER (default /work/shared/peers/peer_avsc_top.mjs), DATA (default bench/data/ft4-families).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/mpi-env.sh
ROUNDS=${1:-5}
BIN=$PWD/build/scanhpc
NOISE=$PWD/build/bench/ft4_noise
OLD=${OLD:-/tmp/ft4-old}
AVSC_DIR=${AVSC_DIR:-/tmp/avsc}
PEER=${PEER:-/work/shared/peers/peer_avsc_top.mjs}
DATA=${DATA:-$PWD/bench/data/ft4-families}
PY=/usr/bin/python3
mkdir -p "$DATA"

gen() {  # DIR SCALE
  "$BIN" synth flowtuple --version 4 --population-scale "$2" --minutes 5 --records-per-minute 2000000 \
    --interval 300 --start-time 1612130100 -o "$1" -q --force
}
if [ ! -e "$DATA/synth/.complete" ]; then
  gen "$DATA/synth" 1 && touch "$DATA/synth/.complete"
fi
if [ ! -e "$DATA/noisy/.complete" ]; then
  gen "$DATA/noisy.base" 50
  mkdir -p "$DATA/noisy"
  "$NOISE" "$DATA"/noisy.base/*.ft4.avro "$DATA/noisy/v3_5min_1612130100.ft4.avro" 32
  rm -rf "$DATA/noisy.base" && touch "$DATA/noisy/.complete"
fi
cp "$PEER" "$AVSC_DIR/peer_avsc_top.mjs"

query=(flow top --force --field netacq_country -n 5 --common ttls=200-255 --threads 1)
LOG=$(mktemp -d)
trap 'rm -rf "$LOG"' EXIT
# One run: prints "wall_s peak_rss_kB user_s sys_s", keeps stdout (the answer) and stderr in $LOG/NAME.{out,err}.
run() {  # NAME CMD...
  local name=$1; shift
  /usr/bin/time -f "%e %M %U %S" -o "$LOG/$name.time" "$@" >"$LOG/$name.out" 2>"$LOG/$name.err"
  cat "$LOG/$name.time"
}
echo "# runs (family run: wall s, peak RSS kB, user s, sys s)" >&2
: >"$LOG/all"
for ((r = 1; r <= ROUNDS; ++r)); do
  for fam in synth noisy; do
    f=$(ls "$DATA/$fam"/*.ft4.avro)
    echo "$fam new $(run "$fam-new" "$BIN" "${query[@]}" -o "$LOG/new.h5" "$f")" | tee -a "$LOG/all" >&2
    echo "$fam new-mpirun $(run "$fam-new-mpirun" mpirun -n 1 "$BIN" "${query[@]}" -o "$LOG/new.h5" "$f")" |
      tee -a "$LOG/all" >&2
    echo "$fam old $(run "$fam-old" "$OLD" "${query[@]}" -o "$LOG/old.h5" "$f")" | tee -a "$LOG/all" >&2
    echo "$fam avsc $(cd "$AVSC_DIR" && run "$fam-avsc" node peer_avsc_top.mjs "$f")" | tee -a "$LOG/all" >&2
    grep -h "stages" "$LOG/$fam-new.err" "$LOG/$fam-old.err" | sed "s/^/$fam new|old /" >&2 || true
    # The same answer from all three (top 5 countries and their counts), and identical HDF5.
    "$PY" - "$LOG/$fam-new.out" "$LOG/$fam-old.out" "$LOG/$fam-avsc.out" <<'PYEOF'
import json, sys
def scanhpc(path):
    rows = []
    for line in open(path):
        p = line.split()
        if len(p) >= 3 and p[0].isdigit() and p[1] != "Other":
            rows.append((p[1], int(p[2])))
    return rows
new, old = scanhpc(sys.argv[1]), scanhpc(sys.argv[2])
avsc = [(k, v) for k, v in json.load(open(sys.argv[3]))["top"]]
ok = new == old and sorted(new) == sorted(avsc) and len(new) == 5
print(("answers agree: " if ok else "ANSWERS DIFFER: ") + f"new {new} old {old} avsc {avsc}", file=sys.stderr)
sys.exit(0 if ok else 1)
PYEOF
    "$PY" tests/compare_h5.py "$LOG/old.h5" "$LOG/new.h5" >/dev/null || { echo "HDF5 outputs differ ($fam)" >&2; exit 1; }
    cp "$LOG/new.h5" "$LOG/$fam.h5"
  done
done

echo "| family | input | records | bytes/record | run | wall s median (min) | records/s per core | MB/s compressed | CPU s (user+sys) | records per CPU s | peak RSS | vs avsc (wall) |"
echo "|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|"
for fam in synth noisy; do
  f=$(ls "$DATA/$fam"/*.ft4.avro)
  bytes=$(stat -c %s "$f")
  n=$("$PY" -c "import h5py,sys; print(int(h5py.File(sys.argv[1])['flow'].attrs['records_read']))" "$LOG/$fam.h5")
  "$PY" - "$LOG/all" "$fam" "$bytes" "$n" "$OLD" <<'PYEOF'
import statistics, sys
path, fam, b, n, old = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
runs = {}
for line in open(path):
    f, who, wall, rss, user, sys_ = line.split()
    if f == fam:
        runs.setdefault(who, []).append((float(wall), int(rss), float(user) + float(sys_)))
med = {w: statistics.median(x[0] for x in r) for w, r in runs.items()}
names = {"new": "scanhpc (this branch), 1 rank x 1 thread, no mpirun",
         "new-mpirun": "scanhpc (this branch), under mpirun -n 1",
         "old": f"old scanhpc ({old}), 1 rank x 1 thread, no mpirun", "avsc": "avsc (node), 1 core"}
for who in ("new", "new-mpirun", "old", "avsc"):
    r = runs[who]
    w, lo, rss = med[who], min(x[0] for x in r), max(x[1] for x in r)
    cpu = statistics.median(x[2] for x in r)
    print(f"| {fam} | {b/1e6:.0f} MB | {n/1e6:.2f} M | {b/n:.1f} | {names[who]} | {w:.2f} ({lo:.2f}) | "
          f"{n/w/1e6:.2f} M | {b/w/1e6:.0f} | {cpu:.2f} | {n/cpu/1e6:.2f} M | {rss/1024:.0f} MB | {med['avsc']/w:.2f}x |")
PYEOF
done
