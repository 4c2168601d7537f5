#!/usr/bin/env bash
# Benchmark (not a test): `gps model` (GPS steps 1-3: model, best predictors, plan) at 2 ranks
# against DuckDB running GPS's SQL (bench/peers/peer_duckdb_gps.mjs, 2 threads) on the same
# GPS-format NDJSON seeds, interleaved in one run, ROUNDS rounds (and an older scanhpc binary
# when OLD is set). Prints every run, then a markdown table of medians with the stage
# breakdown of the slowest rank, and checks that the answers agree: the same number of rules,
# predictors and plan rows, and the same plan ((port, /16) -> services) row for row.
#   synth: `scanhpc synth gps --hosts 617000` (about 1 M services), rewritten in GPS's format
#          by bench/gps_seed_from_synth.py: the project's generator, /16-clustered hosts, short
#          banners, 141 MB.
#   lzr:   bench/make_gps_seed.py 1000000: an LZR-like 1% scan made without scanhpc, hosts over
#          most /16s, half of them with one port, HTTP answers with Date/ETag/Cookie lines
#          (millions of distinct features), binary TLS data, 210 MB.
# Usage: bench/bench_gps_families.sh [ROUNDS (default 3)]
# Environment: OLD (an older scanhpc binary, optional), PEERS (a folder with
# node_modules/@duckdb/node-api, default bench/peers), DATA (default bench/data).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/mpi-env.sh
ROUNDS=${1:-3}
BIN=$PWD/build/scanhpc
OLD=${OLD:-}
PEERS=${PEERS:-$PWD/bench/peers}
DATA=${DATA:-$PWD/bench/data}
PY=/usr/bin/python3
mkdir -p "$DATA"
[ -s "$DATA/gpsseed-synth.json" ] || {
  [ -s "$DATA/gps-617000.oJ" ] || "$BIN" synth gps --hosts 617000 --seed 1 -o "$DATA/gps-617000.oJ" --quiet
  "$PY" bench/gps_seed_from_synth.py "$DATA/gps-617000.oJ" "$DATA/gpsseed-synth.json"
}
[ -s "$DATA/gpsseed-1m.json" ] || "$PY" bench/make_gps_seed.py 1000000 "$DATA/gpsseed-1m.json"
declare -A SEED=([synth]="$DATA/gpsseed-synth.json" [lzr]="$DATA/gpsseed-1m.json")
[ "$PEERS/peer_duckdb_gps.mjs" -ef bench/peers/peer_duckdb_gps.mjs ] || cp bench/peers/peer_duckdb_gps.mjs "$PEERS/"

LOG=$(mktemp -d)
trap 'rm -rf "$LOG"' EXIT
run() {  # NAME CMD...: prints "wall_s user_s sys_s peak_kB"; stdout and stderr in $LOG/NAME.{out,err}
  local name=$1; shift
  /usr/bin/time -f "%e %U %S %M" -o "$LOG/$name.time" "$@" >"$LOG/$name.out" 2>"$LOG/$name.err"
  cat "$LOG/$name.time"
}
echo "# runs (family who: wall s, user s, sys s, peak kB of the process time waited for)" >&2
: >"$LOG/all"
for ((r = 1; r <= ROUNDS; ++r)); do
  for fam in synth lzr; do
    f=${SEED[$fam]}
    echo "$fam new $(run "$fam-new" mpirun -n 2 "$BIN" gps model --analyses model --force -o "$LOG/$fam-new.h5" "$f")" | tee -a "$LOG/all" >&2
    if [ -n "$OLD" ]; then
      echo "$fam old $(run "$fam-old" mpirun -n 2 "$OLD" gps model --analyses model --force -o "$LOG/$fam-old.h5" "$f")" | tee -a "$LOG/all" >&2
    fi
    echo "$fam duckdb $(cd "$PEERS" && run "$fam-duckdb" node peer_duckdb_gps.mjs "$f" 2 "$LOG/$fam-plan.csv")" | tee -a "$LOG/all" >&2
    grep -h "stages" "$LOG/$fam-new.err" | sed "s/^/$fam new /" >&2 || true
    "$PY" - "$LOG/$fam-new.h5" "$LOG/$fam-duckdb.out" "$LOG/$fam-plan.csv" <<'PYEOF'
import json, sys, h5py
f = h5py.File(sys.argv[1]); g = f["gps"]
duck = json.loads(open(sys.argv[2]).read().strip().splitlines()[-1])
ours = {"rules": len(g["rules/p1"]), "predictors": len(g["predictors/ip"]), "plan_rows": len(g["plan/port"])}
theirs = {k: int(duck[k]) for k in ours}
plan = {(int(p), f"{int(x) >> 24}.{int(x) >> 16 & 255}", int(c))
        for p, x, c in zip(g["plan/port"][()], g["plan/prefix"][()], g["plan/services"][()])}
dplan = set()
for line in open(sys.argv[3]):
    p, s16, c = line.strip().split(",")
    dplan.add((int(p), s16, int(c)))
ok = ours == theirs and plan == dplan
print(("answers agree: " if ok else "ANSWERS DIFFER: ") + f"scanhpc {ours}, DuckDB {theirs}, plan rows equal: {plan == dplan}",
      file=sys.stderr)
sys.exit(0 if ok else 1)
PYEOF
    if [ -n "$OLD" ]; then  # the old build's model, /gps/features aside (the old one wrote every feature)
      "$PY" tests/compare_h5.py --ignore /gps/features --ignore /gps@features_written "$LOG/$fam-old.h5" "$LOG/$fam-new.h5" \
        >/dev/null || { echo "old and new outputs differ ($fam)" >&2; exit 1; }
    fi
  done
done

echo "| family | input | services | run | wall s median (min) | MB/s | services/s per core | peak RSS per rank | vs DuckDB | stages of the slowest rank (new) |"
echo "|---|---:|---:|---|---:|---:|---:|---:|---:|---|"
for fam in synth lzr; do
  "$PY" - "$LOG/all" "$fam" "${SEED[$fam]}" "$LOG" "${OLD:-}" <<'PYEOF'
import os, statistics, sys, h5py
path, fam, seed, log, old = sys.argv[1:6]
runs = {}
for line in open(path):
    f, who, wall, user, sys_, kb = line.split()
    if f == fam:
        runs.setdefault(who, []).append(float(wall))
        if who == "duckdb":
            duck_kb = max(int(kb), globals().get("duck_kb", 0))
b = os.path.getsize(seed)
h = h5py.File(f"{log}/{fam}-new.h5")
n = int(h["gps"].attrs["seed_services"])
stages = h["run"].attrs["stages"]
stages = stages.decode() if isinstance(stages, bytes) else stages
def rss(who):
    p = f"{log}/{fam}-{who}.h5"
    return f"{max(h5py.File(p)['run/ranks/peak_rss_bytes'][()]) / 1e6:.0f} MB" if os.path.exists(p) else "-"
names = {"new": "scanhpc (this build), 2 ranks", "old": f"old scanhpc ({old}), 2 ranks", "duckdb": "DuckDB, 2 threads"}
duck = statistics.median(runs["duckdb"])
duck_rss = f"{duck_kb / 1e3:.0f} MB (one process)"
for who in ("new", "old", "duckdb"):
    if who not in runs:
        continue
    w, lo = statistics.median(runs[who]), min(runs[who])
    print(f"| {fam} | {b/1e6:.0f} MB | {n/1e6:.2f} M | {names[who]} | {w:.2f} ({lo:.2f}) | {b/w/1e6:.0f} | "
          f"{n/w/2/1e6:.2f} M | {rss(who) if who != 'duckdb' else duck_rss} | {duck/w:.1f}x | "
          f"{stages if who == 'new' else ''} |")
PYEOF
done
