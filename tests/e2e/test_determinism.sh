#!/usr/bin/env bash
# Determinism: `scanhpc scan` writes byte-identical analyses (tests/compare_h5.py:
# everything but the run-dependent provenance and /run) whatever the number of
# ranks (1-4, and no mpirun at all), OpenMP threads (1, 2), input chunk size and
# exchange round size (--chunk-mb 1 --exchange-round-mb 1: many chunks, and on
# the large input several MPI_Alltoallv rounds, checked from the summary line).
# Inputs: data/masscan-testnet/scan-banners.oJ, a 20,000-service synthetic scan
# (`scanhpc synth masscan`, or tests/e2e/oracle.py gen-json if synth is not
# available) and a 150,000-service one for the multi-round exchange; and
# scan.oL read as --format json, so that every line is rejected and the kept
# /ingest/errors sample (the first 100 by offset) must not depend on the split.
# Usage (ctest): bash tests/e2e/test_determinism.sh <scanhpc-binary> <repo-root>
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_setup determinism "$@"


# scan NRANKS OUT.h5 ARGS...: NRANKS 0 runs without mpirun. Summary kept in OUT.log.
scan() {
  local n=$1 out=$2; shift 2
  local launcher=()
  [ "$n" -gt 0 ] && launcher=(mpirun -n "$n")
  local rc=0
  timeout 120 "${launcher[@]}" "$SCANHPC" scan -o "$out" "$@" >"$out.log" 2>&1 || rc=$?
  if [ $rc -ne 0 ]; then
    fail "scan at $n rank(s) $* exited $rc:"
    sed 's/^/    /' "$out.log" | tail -20 >&2
    return 1
  fi
  return 0
}

# synthetic input: scanhpc synth if it works, otherwise the Python generator
make_synth() {  # OUT SERVICES SEED
  if "$SCANHPC" synth masscan --services "$2" --seed "$3" --multiprobe-boost 50 -o "$1" -q 2>synth.err; then
    echo "  $1: scanhpc synth masscan --services $2 --seed $3 --multiprobe-boost 50"
  else
    echo "  $1: scanhpc synth failed ($(head -1 synth.err)); using oracle.py gen-json"
    "$PY" "$ROOT/tests/e2e/oracle.py" gen-json "$1" --services "$2" --seed "$3"
  fi
}

echo "== inputs"
cp "$ROOT/data/masscan-testnet/scan-banners.oJ" banners.oJ
make_synth synth.oJ 20000 7
make_synth big.oJ 150000 11

# compare_all NAME FILES...: every output identical to the first, and the first is a real result
compare_all() {
  local name=$1; shift
  if "$PY" "$ROOT/tests/compare_h5.py" "$@" >"$name.cmp" 2>&1; then
    echo "  ok   $name: $# outputs identical"
  else
    fail "$name: outputs differ"
    sed 's/^/    /' "$name.cmp" | head -40 >&2
  fi
  "$PY" "$ROOT/tests/e2e/h5check.py" expect "$1" \
    "ingest['records_rejected'] == 0" "ingest['records_read'] > 1000" \
    "attr('/multiprobe', 'services') > 1000" "attr('/multiprobe/intervals', 'n') > 0" \
    "attr('/hosts', 'hosts') > 500" >"$name.chk" || { fail "$name: first output not as expected"; cat "$name.chk" >&2; }
}

for input in banners.oJ synth.oJ; do
  base=${input%.oJ}
  echo "== $input: ranks 1-4 x threads 1-2, no mpirun, tiny chunks and rounds"
  outs=()
  scan 0 "$base-nompi.h5" --quiet "$input" && outs+=("$base-nompi.h5")
  for n in 1 2 3 4; do
    for t in 1 2; do
      scan "$n" "$base-n$n-t$t.h5" --threads "$t" "$input" && outs+=("$base-n$n-t$t.h5")
    done
  done
  for n in 1 3; do
    scan "$n" "$base-n$n-small.h5" --threads 2 --chunk-mb 1 --exchange-round-mb 1 "$input" &&
      outs+=("$base-n$n-small.h5")
  done
  compare_all "$base" "${outs[@]}"
  # the runs really used the rank and thread counts asked for
  "$PY" "$ROOT/tests/e2e/h5check.py" expect "$base-n3-t1.h5" "attr('/', 'ranks') == 3" \
    "list(attr('/', 'threads')) == [1, 1, 1]" >/dev/null || fail "$base-n3-t1.h5: root attrs ranks/threads not 3/1"
  "$PY" "$ROOT/tests/e2e/h5check.py" expect "$base-n4-t2.h5" "attr('/', 'ranks') == 4" \
    "list(attr('/', 'threads')) == [2, 2, 2, 2]" >/dev/null || fail "$base-n4-t2.h5: root attrs ranks/threads not 4/2"
done

echo "== big.oJ: several exchange rounds (--exchange-round-mb 1) and many 1 MiB chunks"
outs=()
scan 0 big-default.h5 big.oJ && outs+=(big-default.h5)
scan 1 big-n1-small.h5 --threads 2 --chunk-mb 1 --exchange-round-mb 1 big.oJ && outs+=(big-n1-small.h5)
scan 2 big-n2-small.h5 --threads 1 --chunk-mb 1 --exchange-round-mb 1 big.oJ && outs+=(big-n2-small.h5)
for out in big-n2-small.h5; do  # (one rank keeps its rows: no rounds at all)
  [ -f "$out.log" ] || continue
  rounds=$(sed -n 's/.*exchange: \([0-9]*\) round(s).*/\1/p' "$out.log")
  if [ -n "$rounds" ] && [ "$rounds" -ge 2 ]; then
    echo "  ok   $out: $rounds exchange rounds"
  else
    fail "$out: expected >= 2 exchange rounds, summary says '${rounds:-nothing}'"
  fi
done
compare_all big "${outs[@]}"

echo "== rejected records: scan.oL read as --format json (every line rejected, /ingest/errors full)"
cp "$ROOT/data/masscan-testnet/scan.oL" list.oL
outs=()
scan 0 rej-nompi.h5 --allow-empty --format json list.oL && outs+=(rej-nompi.h5)
scan 2 rej-n2-t1.h5 --allow-empty --format json --threads 1 list.oL && outs+=(rej-n2-t1.h5)
scan 3 rej-n3-t2.h5 --allow-empty --format json --threads 2 list.oL && outs+=(rej-n3-t2.h5)
if "$PY" "$ROOT/tests/compare_h5.py" "${outs[@]}" >rej.cmp 2>&1; then
  echo "  ok   rejected: ${#outs[@]} outputs identical"
else
  fail "rejected: outputs differ (the kept /ingest/errors sample must not depend on ranks or threads)"
  sed 's/^/    /' rej.cmp | head -40 >&2
fi

if [ $failures -ne 0 ]; then
  echo "test_determinism: $failures failure(s)" >&2
  exit 1
fi
echo "test_determinism: all outputs identical"
