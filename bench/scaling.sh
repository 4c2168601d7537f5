#!/usr/bin/env bash
# Benchmark (not a test): how each command's cost per rank falls as ranks
# grow. Every command runs at 1 and at each rank count of RANKS (oversubscribed
# past the cores: memory and bytes moved are measurable, wall times are not),
# on inputs of two families where the command has them. From /run/ranks of
# each output: the largest rank's peak RSS, the same less the program's own
# floor (the largest rank of the same command on a tiny input of the same
# format at that rank count: MPI, libraries, tables of fixed size), its
# ratio to the 1-rank
# figure, the largest rank's peak RSS and received bytes over the means. Outputs are
# compared with the 1-rank output (tests/compare_h5.py, /run aside). Prints
# a markdown table (docs/scaling.md).
# Usage: bench/scaling.sh [RANKS...]   (default: 2 4 8 16; data in bench/data/scaling)
#        SCALING_CASES=REGEX bench/scaling.sh ...   runs only the cases whose name matches
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/mpi-env.sh
BIN=${SCANHPC_BIN:-$PWD/build/scanhpc}  # SCANHPC_BIN: a copy, so that a rebuild cannot change it mid-run
PY=/usr/bin/python3
ranks=("$@")
[ ${#ranks[@]} -gt 0 ] || ranks=(2 4 8 16)
D=bench/data/scaling
mkdir -p "$D"
# Inputs, written once (>= 150 MB each where the issue asks for it).
[ -s $D/hp.csv ] || "$BIN" synth honeypot --days 120 --sensors 40 --events-per-day 25000 -o $D/hp.csv -q
# The same events with every source in one /16 (10.0.0.0/16): the skew family.
[ -s $D/hp-hot16.csv ] || awk -F, 'NR==1{print;next}{$3=167772160+($3%65536); print}' OFS=, $D/hp.csv > $D/hp-hot16.csv
[ -d $D/ft3 ] || "$BIN" synth flowtuple --version 3 --minutes 5 --records-per-minute 3250000 -o $D/ft3 -q
# A larger interval, above 150 MB, of another seed: about 16 M rows in one five-minute file.
[ -d $D/ft3-16M ] || "$BIN" synth flowtuple --version 3 --minutes 5 --records-per-minute 4000000 --seed 9 -o $D/ft3-16M -q
[ -d $D/ft3-hour ] || "$BIN" synth flowtuple --version 3 --minutes 60 --records-per-minute 150000 --seed 7 \
  --sweepers 20 -o $D/ft3-hour -q
[ -d $D/ft4 ] || "$BIN" flow convert -q -o $D/ft4 $D/ft3-hour
[ -s $D/scan.oJ ] || "$BIN" synth masscan --services 8000000 --seed 5 -o $D/scan.oJ -q  # 1.23 GB
[ -s $D/gps.oJ ] || "$BIN" synth gps --hosts 617000 --seed 1 -o $D/gps.oJ -q
# One gzip stream of 146.8 MB (1.89 GB of -oJ inflated; another seed and size than scan.oJ).
[ -s $D/scan-12M.oJ.gz ] || "$BIN" synth masscan --services 12300000 --seed 3 -o - -q | gzip -6 > $D/scan-12M.oJ.gz
# FT4 of at least 150 MB for flow top and ports, in two families: sources
# spread as the generator spreads them, and every source in one /16.
[ -d $D/ft4-4h ] || "$BIN" synth flowtuple --version 4 --minutes 240 --records-per-minute 150000 --seed 7 \
  --sweepers 20 -o $D/ft4-4h -q
[ -d $D/ft4-4h-hot16 ] || "$BIN" synth flowtuple --version 4 --minutes 240 --records-per-minute 150000 --seed 11 \
  --sweepers 20 --source-net 45.33.0.0/16 -o $D/ft4-4h-hot16 -q
# A third FT4 family with a real telescope's source diversity (170 k distinct sources an
# interval, where the others have 5.5 k): flow top --series has keys to divide.
[ -d $D/ft4-4h-wide ] || "$BIN" synth flowtuple --version 4 --minutes 240 --records-per-minute 150000 --seed 13 \
  --sweepers 20 --population-scale 50 -o $D/ft4-4h-wide -q
# gps predict and evaluate read a model and predictions: made once, at one rank.
[ -s $D/gps-model.h5 ] || "$BIN" gps model -q --seed-fraction 0.3 -o $D/gps-model.h5 $D/gps.oJ
[ -s $D/gps-pred.h5 ] || "$BIN" gps predict -q --model $D/gps-model.h5 -o $D/gps-pred.h5 $D/gps.oJ
# Each command's floor: the same command on a tiny input of the same format
# (MPI, libraries, tables of fixed size), at each rank count.
[ -s $D/tiny.csv ] || head -200 $D/hp.csv > $D/tiny.csv
[ -s $D/tiny.oJ ] || head -100 $D/scan.oJ > $D/tiny.oJ
[ -s $D/tiny.oJ.gz ] || gzip -6 -c $D/tiny.oJ > $D/tiny.oJ.gz
[ -s $D/tiny-gps.oJ ] || head -100 $D/gps.oJ > $D/tiny-gps.oJ
[ -d $D/tiny-ft3 ] || "$BIN" synth flowtuple --version 3 --minutes 1 --records-per-minute 100 -o $D/tiny-ft3 -q
[ -d $D/tiny-ft4 ] || "$BIN" synth flowtuple --version 4 --minutes 5 --records-per-minute 100 -o $D/tiny-ft4 -q
[ -s $D/tiny-model.h5 ] || "$BIN" gps model -q --seed-fraction 0.3 -o $D/tiny-model.h5 $D/tiny-gps.oJ
[ -s $D/tiny-pred.h5 ] || "$BIN" gps predict -q --model $D/tiny-model.h5 -o $D/tiny-pred.h5 $D/tiny-gps.oJ

# case NAME|COMMAND-ARGS|FLOOR-ARGS: the output path is the word OUT in the
# arguments; FLOOR-ARGS run the same command on the tiny input.
cases=(
  "ports-csv|ports -q -o OUT $D/hp.csv|ports -q -o OUT $D/tiny.csv"
  "ports-csv-hot16|ports -q -o OUT $D/hp-hot16.csv|ports -q -o OUT $D/tiny.csv"
  "ports-ft4|ports -q --source ft4 -o OUT $D/ft4-4h|ports -q --source ft4 -o OUT $D/tiny-ft4"
  "ports-ft4-hot16|ports -q --source ft4 -o OUT $D/ft4-4h-hot16|ports -q --source ft4 -o OUT $D/tiny-ft4"
  # --window-mb 0: the whole input in one window, to measure how it divides over the ranks;
  # flow-convert-hour-windows: the default windows (16 MiB of FT3 per rank)
  "flow-convert-13M|flow convert -q --window-mb 0 -o OUT $D/ft3|flow convert -q -o OUT $D/tiny-ft3"
  "flow-convert-16M|flow convert -q --window-mb 0 -o OUT $D/ft3-16M|flow convert -q -o OUT $D/tiny-ft3"
  "flow-convert-hour|flow convert -q --window-mb 0 -o OUT $D/ft3-hour|flow convert -q -o OUT $D/tiny-ft3"
  "flow-convert-hour-windows|flow convert -q -o OUT $D/ft3-hour|flow convert -q -o OUT $D/tiny-ft3"
  "flow-top-series|flow top -q --series --field netacq_country -o OUT $D/ft4-4h|flow top -q --series --field netacq_country -o OUT $D/tiny-ft4"
  "flow-top-series-hot16|flow top -q --series --field netacq_country -o OUT $D/ft4-4h-hot16|flow top -q --series --field netacq_country -o OUT $D/tiny-ft4"
  "flow-top-series-wide|flow top -q --series --field netacq_country -o OUT $D/ft4-4h-wide|flow top -q --series --field netacq_country -o OUT $D/tiny-ft4"
  "scan|scan -q -o OUT $D/scan.oJ|scan -q -o OUT $D/tiny.oJ"
  "scan-gzip|scan -q -o OUT $D/scan-12M.oJ.gz|scan -q -o OUT $D/tiny.oJ.gz"
  "gps-model|gps model -q -o OUT $D/gps.oJ|gps model -q -o OUT $D/tiny-gps.oJ"
  "gps-simulate|gps simulate -q -o OUT $D/gps.oJ|gps simulate -q -o OUT $D/tiny-gps.oJ"
  "gps-predict|gps predict -q --model $D/gps-model.h5 -o OUT $D/gps.oJ|gps predict -q --model $D/tiny-model.h5 -o OUT $D/tiny-gps.oJ"
  "gps-evaluate|gps evaluate -q --model $D/gps-model.h5 --predictions $D/gps-pred.h5 -o OUT $D/gps.oJ|gps evaluate -q --model $D/tiny-model.h5 --predictions $D/tiny-pred.h5 -o OUT $D/tiny-gps.oJ"
)
only=${SCALING_CASES:-}  # a regular expression: run only the cases it matches
run_case() {  # N OUT ARGS: runs at N ranks (1: no mpirun); stdout dropped
  local n=$1 out=$2; shift 2
  local args=("${@//OUT/$out}")
  if [ "$n" -eq 1 ]; then "$BIN" "${args[@]}" >/dev/null
  else mpirun -n "$n" --map-by :OVERSUBSCRIBE "$BIN" "${args[@]}" >/dev/null; fi
}
h5_of() { case "$1" in *convert*) echo "$2/convert.h5" ;; *) echo "$2" ;; esac; }
floor_of() {  # NAME N FLOOR-ARGS...: the command's floor at N ranks (its tiny input), as an HDF5 path
  local name=$1 n=$2; shift 2
  local f=$D/floor-$name-$n
  [ -e "$f" ] || run_case "$n" "$f" "$@"
  h5_of "$name" "$f"
}
echo "| case | ranks | max RSS | max RSS less floor | / 1 rank | RSS max / mean | received max / mean | = 1 rank |"
echo "|---|---:|---:|---:|---:|---:|---:|---|"
for c in "${cases[@]}"; do
  name=${c%%|*}; rest=${c#*|}
  read -r -a args <<<"${rest%%|*}"; read -r -a floor_args <<<"${rest#*|}"
  [ -z "$only" ] || [[ $name =~ $only ]] || continue
  rm -rf "$D/out-$name-1"*
  run_case 1 "$D/out-$name-1" "${args[@]}"
  base=$(h5_of "$name" "$D/out-$name-1")
  for n in 1 "${ranks[@]}"; do
    out=$D/out-$name-$n
    [ "$n" -eq 1 ] || { rm -rf "$out"; run_case "$n" "$out" "${args[@]}"; }
    h5=$(h5_of "$name" "$out")
    same=yes
    if [ "$n" -ne 1 ]; then
      $PY tests/compare_h5.py "$base" "$h5" >/dev/null || same=NO
      case "$name" in *convert*) diff -r -q -x convert.h5 "$D/out-$name-1" "$out" >/dev/null || same=NO ;; esac
    fi
    $PY - "$name" "$n" "$h5" "$(floor_of "$name" "$n" "${floor_args[@]}")" "$base" \
      "$(floor_of "$name" 1 "${floor_args[@]}")" "$same" <<'PY'
import sys, h5py
name, n, h5, floor, base, floor1, same = sys.argv[1:]
def rss(f): return [int(x) for x in h5py.File(f)["/run/ranks"]["peak_rss_bytes"][:]]
r, fl, b, fl1 = max(rss(h5)), max(rss(floor)), max(rss(base)), max(rss(floor1))
recv = [int(x) for x in h5py.File(h5)["/run/ranks"]["bytes_received"][:]]
mean = sum(recv) / len(recv)
ratio = (r - fl) / (b - fl1) if b > fl1 else float("nan")
skew = f"{max(recv) / mean:.2f}" if int(n) > 1 and mean > 0 else "-"
all_rss = rss(h5)
spread = f"{r / (sum(all_rss) / len(all_rss)):.2f}" if int(n) > 1 else "-"
print(f"| {name} | {n} | {r/1e6:,.0f} MB | {(r-fl)/1e6:,.0f} MB | {ratio:.3f} | {spread} | {skew} | {same} |")
PY
  done
done
