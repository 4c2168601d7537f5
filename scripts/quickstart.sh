#!/usr/bin/env bash
# The main job on the bundled data: installs missing packages, builds, runs
# `scanhpc scan` with 2 MPI ranks on the real masscan output in
# data/masscan-testnet, prints the file's layout and draws the figures.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
source scripts/mpi-env.sh
mkdir -p out
mpirun -n 2 build/scanhpc scan --config configs/scan.ini --force -o out/example.h5 data/masscan-testnet/scan-banners.oJ
build/scanhpc info out/example.h5
scripts/figures.sh out/example.h5 out/figures
echo "quickstart: results in out/example.h5, figures in out/figures/"
