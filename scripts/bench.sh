#!/usr/bin/env bash
# Benchmark (not a test): scanhpc scan vs DuckDB vs the simdjson parse floor on two
# ~1 GB masscan -oJ families, in one run: the synthetic scan, and the real masscan 1.3.2
# scan of data/masscan-testnet (status and banner records) tiled to 1 GB. Prints a
# markdown table. OLD=/path/to/scanhpc adds an older build, timed interleaved.
#   scripts/bench.sh [SERVICES] [REPEAT]     (default 6510000 services ≈ 1.00 GB, 3 repeats)
set -euo pipefail
cd "$(dirname "$0")/.."
services=${1:-6510000}
repeat=${2:-3}
scripts/install-deps.sh >&2
scripts/build.sh -DSCANHPC_BUILD_BENCH=ON >&2
command -v node >/dev/null || { echo "bench: node (Node.js) is needed for the DuckDB peer"; exit 1; }
if [ ! -d bench/peers/node_modules/@duckdb/node-api ] || [ ! -d bench/peers/node_modules/nodejs-polars ]; then
  # every peer in one command: npm --no-save removes what the same command does not name
  (cd bench/peers && npm install --no-save --no-package-lock @duckdb/node-api nodejs-polars@0.25.2 \
    nodejs-polars-linux-x64-gnu@0.25.2 >&2)
fi
mkdir -p bench/data
file=bench/data/scan-${services}.oJ
[ -s "$file" ] || build/scanhpc synth masscan --services "$services" --seed 1 -o "$file" >&2
real=bench/data/real-tiled-1000.oJ
[ -s "$real" ] || /usr/bin/python3 bench/tile_real_scan.py data/masscan-testnet/scan-banners.oJ "$real" 1000 >&2
# The same records as JSON lines, for Polars (its JSON reader takes lines, not -oJ's array).
for f in "$file" "$real"; do
  [ -s "${f%.oJ}.ndjson" ] || grep '^{' "$f" | sed 's/,$//' >"${f%.oJ}.ndjson"
done
polars=()
[ "${POLARS:-1}" = 1 ] && polars=(--polars "synthetic=${file%.oJ}.ndjson" --polars "real-tiled=${real%.oJ}.ndjson")
binaries=(--binary new=build/scanhpc)
[ -n "${OLD:-}" ] && binaries=(--binary "old=$OLD" "${binaries[@]}")
source scripts/mpi-env.sh
/usr/bin/python3 bench/bench_scan.py "synthetic=$file" "real-tiled=$real" --repeat "$repeat" "${binaries[@]}" "${polars[@]}"
