#!/usr/bin/env bash
# Keeps multiprobe-lab.sh runs as test data: for each RUNDIR, tests/data/netlab/NAME/ gets
# scan.oJ.gz (masscan's records), truth.json.gz (tests/netlab/truth.py) and config.json.
# The capture (scanner.pcap, tens of MB) stays behind: truth.json holds what it said.
# Usage: tests/netlab/keep.sh RUNDIR...
set -euo pipefail
dest="$(cd "$(dirname "$0")/../data" && pwd)/netlab"
for run in "$@"; do
  name=$(basename "$run")
  mkdir -p "$dest/$name"
  gzip -9 -n -c "$run/scan.oJ" >"$dest/$name/scan.oJ.gz"
  gzip -9 -n -c "$run/truth.json" >"$dest/$name/truth.json.gz"
  cp "$run/config.json" "$dest/$name/config.json"
done
du -sh "$dest"
