#!/usr/bin/env bash
# `scanhpc gps predict` and `gps evaluate`: given the model of a sampled seed (gps model
# --seed-fraction) and the whole truth as "plan scan" (predict keeps only the
# services the plan covers), it must reproduce exactly the predictions that
# `gps simulate` makes internally, at 1-3 ranks, and its ip:port list must be
# the same at every rank count; `gps evaluate` of those predictions against
# the truth must give simulate's evaluation table exactly.
# Usage (ctest): bash tests/e2e/test_gps_predict.sh <scanhpc-binary> <repo-root>
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_setup gps-predict "$@"

"$SCANHPC" synth gps --hosts 20000 --seed 9 -o truth.oJ --quiet
mpirun -n 2 "$SCANHPC" gps simulate -q --seed-fraction 0.2 --sample-seed 4 -o sim.h5 truth.oJ || fail "simulate failed"
mpirun -n 2 "$SCANHPC" gps model -q --seed-fraction 0.2 --sample-seed 4 -o model.h5 truth.oJ || fail "model failed"
for n in 1 2 3 4 4s; do
  small=()
  [ "$n" = 4s ] && small=(--exchange-round-mb 1 --threads 2)
  timeout 120 mpirun -n "${n%s}" "$SCANHPC" gps predict -q --model model.h5 -o "pred-$n.h5" --list "pred-$n.txt" "${small[@]}" truth.oJ \
    || fail "predict at $n rank(s) failed"
  "$PY" - sim.h5 "pred-$n.h5" "pred-$n.txt" <<'PYEOF' && echo "  ok   $n rank(s): predictions equal simulate's" || fail "$n rank(s): predictions differ"
import sys, h5py, numpy as np
a, b = h5py.File(sys.argv[1])["gps/predictions"], h5py.File(sys.argv[2])["gps/predictions"]
for c in ["ip", "port", "hitrate", "rule_port", "rule_feature"]:
    assert np.array_equal(a[c][()], b[c][()]), c
lines = open(sys.argv[3]).read().splitlines()
assert len(lines) == len(b["ip"]), "one list line per prediction"
PYEOF
done
cmp -s pred-1.txt pred-3.txt && cmp -s pred-1.txt pred-4s.txt || fail "prediction lists differ across rank counts"
# gps evaluate on the same truth scores exactly as simulate does
for n in 1 3 4; do
  timeout 120 mpirun -n "$n" "$SCANHPC" gps evaluate -q --model model.h5 --predictions pred-2.h5 -o "eval-$n.h5" truth.oJ \
    || fail "evaluate at $n rank(s) failed"
  "$PY" - sim.h5 "eval-$n.h5" <<'PYEOF' && echo "  ok   evaluate at $n rank(s) equals simulate's evaluation" || fail "evaluate differs at $n"
import sys, h5py, numpy as np
a, b = h5py.File(sys.argv[1])["gps/evaluation"], h5py.File(sys.argv[2])["gps/evaluation"]
for c in ["method", "probes", "services_found", "fraction", "fraction_beyond_seed", "fraction_excluding_sinks",
          "port_weighted"]:
    assert np.array_equal(a[c][()], b[c][()]), c
PYEOF
done
"$SCANHPC" gps predict -q -o x.h5 truth.oJ 2>/dev/null && fail "predict without --model must fail"
[ "$failures" -eq 0 ] && echo "test_gps_predict: ok" || { echo "test_gps_predict: $failures failure(s)"; exit 1; }
