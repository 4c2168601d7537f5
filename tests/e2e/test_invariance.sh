#!/usr/bin/env bash
# Every command's outputs are identical at 1, 2, 3 and 4 ranks, with 1 and 2
# OpenMP threads, and with the default and 1 MiB exchange rounds: the full
# grid (16 runs per command) for scan, gps model|simulate|predict|evaluate,
# flow top --series, flow convert and ports on CSV and on FT4. Each run is
# compared with the 1-rank, 1-thread, default-round run: HDF5 by
# tests/compare_h5.py (everything but provenance and /run), flow convert's FT4
# files byte for byte, the printed tables of ports line for line.
# test_round_order proves that 1 MiB rounds are many rounds on larger inputs.
# Usage (ctest): bash tests/e2e/test_invariance.sh <scanhpc-binary> <repo-root>
set -uo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_setup invariance "$@"
COMPARE=("$PY" "$ROOT/tests/compare_h5.py")

echo "== inputs"
"$SCANHPC" synth masscan --services 40000 --seed 21 --multiprobe-boost 50 -o scan.oJ -q
"$SCANHPC" synth gps --hosts 6000 --seed 22 -o gps.oJ -q
"$SCANHPC" synth honeypot --days 12 --events-per-day 6000 -o logs.csv -q
"$SCANHPC" synth flowtuple --version 3 --minutes 3 --records-per-minute 20000 --start-time 1612130100 -o ft3 -q
"$SCANHPC" synth flowtuple --version 4 --minutes 15 --records-per-minute 8000 --seed 23 -o ft4 -q
# gps predict and evaluate read a model and predictions, made once at one rank.
"$SCANHPC" gps model -q --seed-fraction 0.3 -o model.h5 gps.oJ
"$SCANHPC" gps predict -q --model model.h5 -o pred.h5 gps.oJ

# grid NAME OUT-KIND ARGS...: runs ARGS (OUT is the output path) over the
# grid and compares each run with the first. OUT-KIND: h5, or dir (flow
# convert: a folder of FT4 files and convert.h5).
grid() {
  local name=$1 kind=$2; shift 2
  local base="" runs=0 same=0 slug
  slug=$(tr -c 'a-zA-Z0-9\n' _ <<<"$name")
  for n in 1 2 3 4; do
    for t in 1 2; do
      for r in default 1; do
        local tag="$slug-$n-$t-$r" out args=("$@") launcher=() extra=(--threads "$t")
        [ "$r" = default ] || extra+=(--exchange-round-mb "$r")
        [ "$n" -gt 1 ] && launcher=(mpirun -n "$n")
        out=$tag.out.d
        [ "$kind" = h5 ] && out=$tag.h5
        args=("${args[@]//OUT/$out}")
        if ! timeout 300 "${launcher[@]}" "$SCANHPC" "${args[@]}" "${extra[@]}" >"$tag.out" 2>"$tag.err" </dev/null; then
          fail "$name at $n rank(s), $t thread(s), rounds $r: exit $?"
          sed 's/^/    /' "$tag.err" | tail -10 >&2
          continue
        fi
        runs=$((runs + 1))
        if [ -z "$base" ]; then base=$tag; same=$((same + 1)); continue; fi
        local ok=1
        if [ "$kind" = h5 ]; then
          "${COMPARE[@]}" "$base.h5" "$out" >"$tag.cmp" 2>&1 || ok=0
        else
          "${COMPARE[@]}" "$base.out.d/convert.h5" "$out/convert.h5" >"$tag.cmp" 2>&1 || ok=0
          diff -r -q -x convert.h5 "$base.out.d" "$out" >>"$tag.cmp" 2>&1 || ok=0
        fi
        cmp -s "$base.out" "$tag.out" || { ok=0; echo "printed output differs" >>"$tag.cmp"; }
        if [ $ok -eq 1 ]; then same=$((same + 1))
        else fail "$name at $n rank(s), $t thread(s), rounds $r differs from 1 rank:"; head -8 "$tag.cmp" >&2; fi
      done
    done
  done
  [ "$runs" -eq 16 ] && [ "$same" -eq 16 ] && echo "  ok   $name: 16 runs (1-4 ranks x 1-2 threads x default and 1 MiB rounds) identical"
}

echo "== the grid"
grid scan h5 scan -q -o OUT scan.oJ
grid "gps model" h5 gps model -q -o OUT --plan-csv OUT.plan.csv gps.oJ
grid "gps simulate" h5 gps simulate -q -o OUT gps.oJ
grid "gps predict" h5 gps predict -q --model model.h5 -o OUT gps.oJ
grid "gps evaluate" h5 gps evaluate -q --model model.h5 --predictions pred.h5 -o OUT gps.oJ
grid "flow top --series" h5 flow top -q --series --field netacq_country -o OUT ft4
grid "flow convert" dir flow convert -q -o OUT ft3
grid "ports (CSV)" h5 ports -o OUT logs.csv
grid "ports (FT4)" h5 ports --source ft4 -o OUT ft4
# the plan lists of gps model, written beside each output
for f in gps_model-*.h5.plan.csv; do
  cmp -s gps_model-1-1-default.h5.plan.csv "$f" || fail "gps model: $f differs from the 1-rank plan list"
done

if [ $failures -ne 0 ]; then
  echo "test_invariance: $failures failure(s)" >&2
  exit 1
fi
echo "test_invariance: ok"
