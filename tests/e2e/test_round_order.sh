#!/usr/bin/env bash
# Outputs do not depend on the exchange's round size: every command run at 1
# rank and at 3 ranks with --exchange-round-mb 1 (many MPI_Alltoallv rounds)
# writes the same results. flow convert picks each flow's first record in
# input order, so it depends on the exchange keeping each source rank's rows
# in order: its FT4 files must be byte-identical, on a conversion of at
# least 4 rounds (checked from /flow/exchange_rounds). The others compare
# HDF5 datasets (tests/compare_h5.py: everything but provenance and /run).
# Usage (ctest): bash tests/e2e/test_round_order.sh <scanhpc-binary> <repo-root>
set -uo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_setup round_order "$@"
CHECK=("$PY" "$ROOT/tests/e2e/h5check.py")
COMPARE=("$PY" "$ROOT/tests/compare_h5.py")

run() {  # NAME N CMD...: N 0 runs without mpirun
  local name=$1 n=$2; shift 2
  local launcher=()
  [ "$n" -gt 0 ] && launcher=(mpirun -n "$n")
  RC=0
  timeout 300 "${launcher[@]}" "$@" >"$name.out" 2>"$name.err" </dev/null || RC=$?
  [ "$RC" -eq 0 ] || { fail "$name: exit $RC"; sed 's/^/    /' "$name.err" | tail -15 >&2; }
}
ok() { echo "  ok   $*"; }
same_h5() {  # NAME A B
  if "${COMPARE[@]}" "$2" "$3" >"$1.cmp" 2>&1; then ok "$1: 1 rank = 3 ranks x 1 MiB rounds"
  else fail "$1: outputs differ"; head -20 "$1.cmp" >&2; fi
}

echo "== inputs"
"$SCANHPC" synth flowtuple --version 3 --minutes 6 --records-per-minute 60000 --start-time 1612130100 -o ft3 -q
"$SCANHPC" synth masscan --services 150000 --seed 11 --multiprobe-boost 50 -o scan.oJ -q
"$SCANHPC" synth gps --hosts 20000 --seed 4 -o truth.oJ -q
"$SCANHPC" synth honeypot --days 20 --events-per-day 20000 -o logs.csv -q

echo "== flow convert"
run convert-1 1 "$SCANHPC" flow convert -q --threads 2 -o c1 ft3
run convert-3 3 "$SCANHPC" flow convert -q --threads 1 --exchange-round-mb 1 -o c3 ft3
run convert-3d 3 "$SCANHPC" flow convert -q --threads 2 -o c3d ft3
rounds=$("$PY" -c "import h5py; print(int(h5py.File('c3/convert.h5')['run'].attrs['exchange_rounds']))")
[ "$rounds" -ge 4 ] && ok "convert at 3 ranks x 1 MiB: $rounds exchange rounds" || fail "convert: only $rounds round(s)"
files=$(cd c1 && ls ./*.ft4.avro | wc -l)
differ=0
for f in c1/*.ft4.avro; do
  b=$(basename "$f")
  cmp -s "$f" "c3/$b" || differ=$((differ + 1))
  cmp -s "$f" "c3d/$b" || differ=$((differ + 1))
done
[ "$(ls c3/*.ft4.avro | wc -l)" -eq "$files" ] || fail "convert: 3 ranks wrote another number of files"
[ "$differ" -eq 0 ] && [ "$files" -ge 2 ] && ok "convert: $files FT4 files byte-identical at 1 rank, 3 ranks x 1 MiB and 3 ranks" ||
  fail "convert: $differ FT4 file(s) differ"

echo "== scan, gps model|simulate|predict|evaluate, flow top --series|series|intersect, ports"
run scan-1 1 "$SCANHPC" scan -q -o scan-1.h5 scan.oJ
run scan-3 3 "$SCANHPC" scan -q --exchange-round-mb 1 -o scan-3.h5 scan.oJ
same_h5 scan scan-1.h5 scan-3.h5
"${CHECK[@]}" expect scan-3.h5 "ingest['records_used'] > 150000" >/dev/null || fail "scan: the input is not as large as it should be"
run model-1 1 "$SCANHPC" gps model -q -o model-1.h5 --plan-csv plan-1.csv truth.oJ
run model-3 3 "$SCANHPC" gps model -q --exchange-round-mb 1 -o model-3.h5 --plan-csv plan-3.csv truth.oJ
same_h5 "gps model" model-1.h5 model-3.h5
cmp -s plan-1.csv plan-3.csv && ok "gps model: --plan-csv identical" || fail "gps model: plan lists differ"
run sim-1 1 "$SCANHPC" gps simulate -q -o sim-1.h5 truth.oJ
run sim-3 3 "$SCANHPC" gps simulate -q --exchange-round-mb 1 -o sim-3.h5 truth.oJ
same_h5 "gps simulate" sim-1.h5 sim-3.h5
run top-1 1 "$SCANHPC" flow top -q --series -o top-1.h5 c1
run top-3 3 "$SCANHPC" flow top -q --series --exchange-round-mb 1 -o top-3.h5 c1
same_h5 "flow top --series" top-1.h5 top-3.h5
run series-1 1 "$SCANHPC" flow series -q --src-prefix 130.0.0.0/8 -o series-1.h5 c1
run series-3 3 "$SCANHPC" flow series -q --src-prefix 130.0.0.0/8 --exchange-round-mb 1 -o series-3.h5 c1
same_h5 "flow series" series-1.h5 series-3.h5
run inter-1 1 "$SCANHPC" flow intersect -q --where 'packet_cnt >= 2' --where 'uniq_dst_ips >= 2' -o inter-1.h5 c1
run inter-3 3 "$SCANHPC" flow intersect -q --where 'packet_cnt >= 2' --where 'uniq_dst_ips >= 2' --exchange-round-mb 1 \
  -o inter-3.h5 c1
same_h5 "flow intersect" inter-1.h5 inter-3.h5
run predict-1 1 "$SCANHPC" gps predict -q --model model-1.h5 -o pred-1.h5 --list pred-1.txt truth.oJ
run predict-3 3 "$SCANHPC" gps predict -q --model model-1.h5 --exchange-round-mb 1 -o pred-3.h5 --list pred-3.txt truth.oJ
same_h5 "gps predict" pred-1.h5 pred-3.h5
cmp -s pred-1.txt pred-3.txt && ok "gps predict: --list identical" || fail "gps predict: lists differ"
run eval-1 1 "$SCANHPC" gps evaluate -q --model model-1.h5 --predictions pred-1.h5 -o eval-1.h5 truth.oJ
run eval-3 3 "$SCANHPC" gps evaluate -q --model model-1.h5 --predictions pred-1.h5 --exchange-round-mb 1 -o eval-3.h5 truth.oJ
same_h5 "gps evaluate" eval-1.h5 eval-3.h5
run ports-1 1 "$SCANHPC" ports -q -o ports-1.h5 logs.csv
run ports-3 3 "$SCANHPC" ports -q --exchange-round-mb 1 -o ports-3.h5 logs.csv
same_h5 ports ports-1.h5 ports-3.h5

if [ $failures -ne 0 ]; then
  echo "test_round_order: $failures failure(s)" >&2
  exit 1
fi
echo "test_round_order: ok"
