#!/usr/bin/env bash
# One scan in masscan's six output formats (data/masscan-testnet/scan.{oJ,oD,oL,oG,oX,bin},
# 678 services + 364 banners) must give the same analyses:
#   - all six: identical probes_per_service, intervals, ports_per_host and
#     /hosts/table ip, records, ports, first_seen, last_seen; records_read 1042 =
#     used 1042 + rejected 0, banner_records 364; the detected format name;
#   - oJ, oD, oX, bin (they carry reason and ttl): also identical reasons,
#     ttl_min, ttl_max, known and reasons_per_service;
#   - oL, oG (no reason, no ttl): known bits 2 and 4 clear, ttl 0, reasons 0,
#     reasons_per_service == {0: 678}: unknown, never invented;
#   - the six files in one run: records_read 6*1042, /ingest/files lists each
#     with its format, every service seen 6 times;
#   - --format forcing: --format list (and the masscan letter oL) on scan.oL gives
#     the auto result; --format json on scan.oL rejects every line, counts conserved.
# Usage (ctest): bash tests/e2e/test_formats.sh <scanhpc-binary> <repo-root>
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_setup formats "$@"
CHECK=("$PY" "$ROOT/tests/e2e/h5check.py")
DATA="$ROOT/data/masscan-testnet"

check() {  # WHAT CMD...: runs a checker, counts a failure if it fails
  local what=$1; shift
  "$@" || fail "$what"
}

scan() {  # OUT.h5 ARGS...: 2 ranks; a failure is reported and counted
  local out=$1; shift
  local rc=0
  timeout 120 mpirun -n 2 "$SCANHPC" scan --quiet -o "$out" "$@" >"$out.log" 2>&1 || rc=$?
  if [ $rc -ne 0 ] || [ ! -f "$out" ]; then
    fail "scanhpc scan -o $out $* exited $rc"
    sed 's/^/    /' "$out.log" | tail -20 >&2
    return 1
  fi
}

FORMATS=(oJ oD oL oG oX bin)
declare -A NAME=([oJ]=json [oD]=ndjson [oL]=list [oG]=grepable [oX]=xml [bin]=binary)

echo "== each format alone (2 ranks)"
for x in "${FORMATS[@]}"; do
  scan "$x.h5" "$DATA/scan.$x" || continue
  echo "-- scan.$x"
  check "scan.$x: counts" "${CHECK[@]}" expect "$x.h5" \
    "ingest['records_read'] == 1042" "ingest['records_used'] == 1042" "ingest['records_rejected'] == 0" \
    "ingest['banner_records'] == 364" "ingest['status_observations'] == 678" \
    "attr('/multiprobe', 'services') == 678" "errors == []" \
    "[(r['format'], r['records'], r['rejected']) for r in files] == [('${NAME[$x]}', 1042, 0)]"
  check "scan.$x: accounting" "${CHECK[@]}" accounting "$x.h5" >/dev/null
done

echo "== all six agree on what every format carries"
for x in oD oL oG oX bin; do
  if [ ! -f oJ.h5 ] || [ ! -f "$x.h5" ]; then continue; fi
  echo "-- scan.oJ vs scan.$x"
  check "scan.oJ vs scan.$x: common datasets" "${CHECK[@]}" same oJ.h5 "$x.h5" \
    /multiprobe/probes_per_service /multiprobe/intervals /hosts/ports_per_host \
    /hosts/table/ip /hosts/table/records /hosts/table/ports /hosts/table/first_seen /hosts/table/last_seen
done
check "scan.oJ: interval statistics attributes" "${CHECK[@]}" expect oJ.h5 \
  "attr('/multiprobe/intervals', 'n') == sum(countmap('/multiprobe/intervals').values())"

echo "== oJ, oD, oX, bin agree on reason and ttl"
for x in oD oX bin; do
  if [ ! -f oJ.h5 ] || [ ! -f "$x.h5" ]; then continue; fi
  echo "-- scan.oJ vs scan.$x"
  check "scan.oJ vs scan.$x: reason/ttl datasets" "${CHECK[@]}" same oJ.h5 "$x.h5" \
    /hosts/table/reasons /hosts/table/ttl_min /hosts/table/ttl_max /hosts/table/known \
    /multiprobe/reasons_per_service
done
[ -f oJ.h5 ] && check "scan.oJ: reasons and ttl are known and real" "${CHECK[@]}" expect oJ.h5 \
  "set(table('/hosts/table')['known']) == {7}" "min(table('/hosts/table')['ttl_min']) > 0" \
  "min(table('/hosts/table')['reasons']) >= 1" "0 not in countmap('/multiprobe/reasons_per_service')"

echo "== oL and oG: reason and ttl unknown, never invented"
for x in oL oG; do
  [ -f "$x.h5" ] || continue
  echo "-- scan.$x"
  check "scan.$x: unknown reason/ttl" "${CHECK[@]}" expect "$x.h5" \
    "all(k & 6 == 0 for k in table('/hosts/table')['known'])" \
    "all(k & 1 == 1 for k in table('/hosts/table')['known'])" \
    "set(table('/hosts/table')['ttl_min']) == {0}" "set(table('/hosts/table')['ttl_max']) == {0}" \
    "set(table('/hosts/table')['reasons']) == {0}" \
    "countmap('/multiprobe/reasons_per_service') == {0: 678}"
done

echo "== the six files in one run"
if scan all.h5 "${FORMATS[@]/#/$DATA/scan.}"; then
  check "all six in one run" "${CHECK[@]}" expect all.h5 \
    "ingest['records_read'] == 6 * 1042" "ingest['records_used'] == 6 * 1042" \
    "ingest['records_rejected'] == 0" "ingest['banner_records'] == 6 * 364" \
    "[r['path'].rsplit('/', 1)[-1] for r in files] == ['scan.oJ', 'scan.oD', 'scan.oL', 'scan.oG', 'scan.oX', 'scan.bin']" \
    "[r['format'] for r in files] == ['json', 'ndjson', 'list', 'grepable', 'xml', 'binary']" \
    "[r['records'] for r in files] == [1042] * 6" "[r['rejected'] for r in files] == [0] * 6" \
    "countmap('/multiprobe/probes_per_service') == {6: 678}" \
    "countmap('/multiprobe/intervals') == {0: 5 * 678}" \
    "attr('/multiprobe', 'services') == 678" "attr('/multiprobe', 'probes') == 6 * 678"
  check "all six: accounting" "${CHECK[@]}" accounting all.h5 >/dev/null
  [ -f oJ.h5 ] && check "all six vs scan.oJ: same hosts" "${CHECK[@]}" same oJ.h5 all.h5 \
    /hosts/table/ip /hosts/table/ports /hosts/table/first_seen /hosts/table/last_seen /hosts/ports_per_host
fi

echo "== --format forcing"
if scan forced-list.h5 --format list "$DATA/scan.oL" && [ -f oL.h5 ]; then
  check "--format list == auto on scan.oL" "$PY" "$ROOT/tests/compare_h5.py" oL.h5 forced-list.h5
fi
if scan forced-letter.h5 --format oL "$DATA/scan.oL" && [ -f oL.h5 ]; then
  check "--format oL == auto on scan.oL" "$PY" "$ROOT/tests/compare_h5.py" oL.h5 forced-letter.h5
fi
lines=$(grep -c '[^[:space:]]' "$DATA/scan.oL")
# byte offsets of the first 100 non-blank lines: /ingest/errors keeps the first 100 by offset
first100=$("$PY" -c 'import re, sys
d = open(sys.argv[1], "rb").read()
print([m.start() for m in re.finditer(rb"^(?=\S)", d, re.M)][:100])' "$DATA/scan.oL")
if scan forced-json.h5 --allow-empty --format json "$DATA/scan.oL"; then
  check "--format json on scan.oL rejects every one of its $lines lines" "${CHECK[@]}" expect forced-json.h5 \
    "ingest['records_read'] == $lines" "ingest['records_rejected'] == $lines" "ingest['records_used'] == 0" \
    "[(r['format'], r['records'], r['rejected']) for r in files] == [('json', $lines, $lines)]" \
    "len(errors) == 100" "[e['offset'] for e in errors] == $first100" \
    "all(re.search('json', e['cause'], re.I) for e in errors)" \
    "attr('/multiprobe', 'services') == 0" "attr('/hosts', 'hosts') == 0"
  check "--format json on scan.oL: accounting" "${CHECK[@]}" accounting forced-json.h5 >/dev/null
fi

if [ $failures -ne 0 ]; then
  echo "test_formats: $failures failure(s)" >&2
  exit 1
fi
echo "test_formats: ok"
