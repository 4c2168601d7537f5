#!/usr/bin/env bash
# `scanhpc gps model`: the rules, predictors and plan equal an independent
# Python implementation of GPS's SQL semantics (tests/e2e/gps_oracle.py) on
# the real testnet scan (which must teach the planted profiles) and on a
# synthetic truth (`scanhpc synth gps`), and are identical at 1-4 ranks.
# Usage (ctest): bash tests/e2e/test_gps_model.sh <scanhpc-binary> <repo-root>
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_setup gps-model "$@"

"$SCANHPC" synth gps --hosts 20000 --seed 3 -o synth.oJ --quiet
for input in "$ROOT/data/masscan-testnet/scan-banners.oJ" synth.oJ; do
  name=$(basename "$input")
  echo "== $name"
  outs=()
  for n in 1 2 3 4; do
    if timeout 120 mpirun -n "$n" "$SCANHPC" gps model -q -o "$name-$n.h5" --plan-csv "$name-$n.csv" "$input"; then
      outs+=("$name-$n.h5")
    else
      fail "gps model at $n rank(s) on $name failed"
    fi
  done
  if "$PY" "$ROOT/tests/compare_h5.py" "${outs[@]}" >/dev/null; then
    echo "  ok   identical at 1-4 ranks"
  else
    fail "$name: outputs differ across rank counts"
  fi
  cmp -s "$name-1.csv" "$name-4.csv" || fail "$name: plan lists differ across rank counts"
  rows=$("$PY" -c "import h5py,sys; print(len(h5py.File(sys.argv[1])['gps/plan/port']))" "$name-2.h5")
  [ "$(wc -l < "$name-2.csv")" -eq "$rows" ] || fail "$name: plan list has not one line per plan row"
  expect=()
  [ "$name" = scan-banners.oJ ] && expect=(--expect-cisco)
  if "$PY" "$ROOT/tests/e2e/gps_oracle.py" "$input" "$name-2.h5" "${expect[@]}"; then
    echo "  ok   equal to the oracle"
  else
    fail "$name: differs from the oracle"
  fi
done

echo "== one gzip stream (banners dealt to every rank as they are read)"
gzip -c synth.oJ >synth.oJ.gz
if timeout 120 mpirun -n 3 "$SCANHPC" gps model -q -o gz-3.h5 --exchange-round-mb 1 synth.oJ.gz; then
  if "$PY" "$ROOT/tests/compare_h5.py" --ignore /ingest/files synth.oJ-1.h5 gz-3.h5 >/dev/null; then
    echo "  ok   identical to the plain file at 1 rank"
  else
    fail "gps model on synth.oJ.gz at 3 ranks differs from synth.oJ at 1 rank"
  fi
else
  fail "gps model on synth.oJ.gz at 3 ranks failed"
fi
[ "$failures" -eq 0 ] && echo "test_gps_model: ok" || { echo "test_gps_model: $failures failure(s)"; exit 1; }
