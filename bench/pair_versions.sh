#!/usr/bin/env bash
# Benchmark (not a test): the 2-rank runs of docs/performance.md's benchmarks, two builds of
# scanhpc side by side in one run (A then B, alternating, `farm-bench`, median of N), on the
# benchmarks' own inputs and on a second input family each. Answers "is a change slower?":
# A/B < 1 means A is faster. Prints a markdown table.
# Usage: bench/pair_versions.sh NEW_BINARY OLD_BINARY [RUNS]   (data in bench/data, made once)
#        PAIR_CASES=REGEX bench/pair_versions.sh ...            runs only the cases that match
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/mpi-env.sh
[ $# -ge 2 ] || { echo "usage: bench/pair_versions.sh NEW_BINARY OLD_BINARY [RUNS]" >&2; exit 2; }
A=$(readlink -f "$1"); B=$(readlink -f "$2"); RUNS=${3:-5}
command -v farm-bench >/dev/null || { echo "pair_versions: farm-bench is needed" >&2; exit 1; }
D=bench/data
mkdir -p "$D" "$D/pairs"
MAKE=$A  # the inputs are written by the new build
# The inputs of docs/performance.md's benchmarks ...
[ -s $D/scan-6510000.oJ ] || "$MAKE" synth masscan --services 6510000 --seed 1 -o $D/scan-6510000.oJ -q
[ -s $D/gps-617000.oJ ] || "$MAKE" synth gps --hosts 617000 --seed 1 -o $D/gps-617000.oJ -q
[ -s $D/ports-100000.csv ] || "$MAKE" synth honeypot --days 180 --events-per-day 100000 -o $D/ports-100000.csv -q
[ -d $D/pairs/ft4 ] || "$MAKE" synth flowtuple --version 4 --minutes 240 --records-per-minute 500000 --seed 3 \
  -o $D/pairs/ft4 -q
# ... and a second family each: other seeds and shapes (every source of the honeypot log in
# one /16; FT4 with a real telescope's source diversity; a GPS seed of other hosts).
[ -s $D/scaling/scan.oJ ] || "$MAKE" synth masscan --services 8000000 --seed 5 -o $D/scaling/scan.oJ -q
[ -s $D/pairs/gps-b.oJ ] || "$MAKE" synth gps --hosts 617000 --seed 9 -o $D/pairs/gps-b.oJ -q
[ -s $D/pairs/ports-hot16.csv ] || awk -F, 'NR==1{print;next}{$3=167772160+($3%65536); print}' OFS=, \
  $D/ports-100000.csv > $D/pairs/ports-hot16.csv
[ -d $D/pairs/ft4-wide ] || "$MAKE" synth flowtuple --version 4 --minutes 240 --records-per-minute 150000 \
  --seed 13 --population-scale 50 -o $D/pairs/ft4-wide -q
cases=(
  "scan|scan -q --force -o OUT $D/scan-6510000.oJ"
  "scan (second family)|scan -q --force -o OUT $D/scaling/scan.oJ"
  "gps model|gps model -q --force -o OUT $D/gps-617000.oJ"
  "gps model (second family)|gps model -q --force -o OUT $D/pairs/gps-b.oJ"
  "flow top --series|flow top -q --force --field netacq_country -n 5 --common ttls=200-255 --series -o OUT $D/pairs/ft4"
  "flow top --series (wide FT4)|flow top -q --force --field netacq_country -n 5 --common ttls=200-255 --series -o OUT $D/pairs/ft4-wide"
  "ports|ports -q --force -o OUT $D/ports-100000.csv"
  "ports (one /16)|ports -q --force -o OUT $D/pairs/ports-hot16.csv"
)
echo "A = $A ($("$A" --version 2>/dev/null | head -1)), B = $B ($("$B" --version 2>/dev/null | head -1)); $RUNS pairs each, $(date -u +%F)"
echo
echo "| case | A median s | B median s | A/B wall (median) | A/B min .. max |"
echo "|---|---:|---:|---:|---|"
only=${PAIR_CASES:-}
for c in "${cases[@]}"; do
  name=${c%%|*}; args=${c#*|}
  [ -z "$only" ] || [[ $name =~ $only ]] || continue
  report=$(farm-bench -n "$RUNS" --timeout 1800 \
    --vs "mpirun -n 2 $B ${args//OUT//tmp/pair-b.h5}" -- mpirun -n 2 "$A" ${args//OUT//tmp/pair-a.h5} 2>&1)
  a=$(awk '/^A wall s/ {print $5}' <<<"$report"); b=$(awk '/^B wall s/ {print $5}' <<<"$report")
  read -r lo med hi < <(awk '/^A\/B wall/ {print $3, $4, $5}' <<<"$report")
  echo "| $name | $a | $b | $med | $lo .. $hi |"
done
rm -f /tmp/pair-a.h5 /tmp/pair-b.h5
