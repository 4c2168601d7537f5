#!/usr/bin/env bash
# The test command: installs missing packages, builds, runs the whole suite
# (unit tests, MPI tests at 1-4 ranks, end-to-end tests against oracles).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
source scripts/mpi-env.sh
cd build
ctest --output-on-failure -j2 "$@"
