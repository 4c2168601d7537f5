#!/usr/bin/env bash
# Benchmark (not a test): scanhpc scan vs DuckDB vs the simdjson parse floor on a
# ~1 GB synthetic masscan -oJ file, in one run. Prints a markdown table.
#   scripts/bench.sh [SERVICES] [REPEAT]     (default 6510000 services ≈ 1.00 GB, 5 repeats)
set -euo pipefail
cd "$(dirname "$0")/.."
services=${1:-6510000}
repeat=${2:-5}
scripts/install-deps.sh >&2
scripts/build.sh -DSCANHPC_BUILD_BENCH=ON >&2
command -v node >/dev/null || { echo "bench: node (Node.js) is needed for the DuckDB peer"; exit 1; }
if [ ! -d bench/peers/node_modules/@duckdb/node-api ]; then
  (cd bench/peers && npm install --no-save --no-package-lock @duckdb/node-api >&2)
fi
mkdir -p bench/data
file=bench/data/scan-${services}.oJ
[ -s "$file" ] || build/scanhpc synth masscan --services "$services" --seed 1 -o "$file" >&2
source scripts/mpi-env.sh
/usr/bin/python3 bench/bench_scan.py "$file" --repeat "$repeat"
