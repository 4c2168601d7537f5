#!/usr/bin/env bash
# Planted ground truth and an independent oracle, on real masscan output:
# data/masscan-testnet/scan-banners.oJ scanned at 2 ranks must give
#   - /multiprobe @services == 1831, the planted services;
#   - /hosts/table (ip, ports) == the hosts of planted-services.json with >= 1 port;
#   - /ingest counts, probes_per_service, reasons_per_service, intervals (and
#     their statistics, to 1e-12 relative), /hosts/table and ports_per_host equal
#     to tests/e2e/oracle.py, which parses the file with Python's json module
#     and recomputes everything with collections and numpy.
# Usage (ctest): bash tests/e2e/test_planted.sh <scanhpc-binary> <repo-root>
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_setup planted "$@"
DATA="$ROOT/data/masscan-testnet"

echo "== scan scan-banners.oJ at 2 ranks"
rc=0
timeout 120 mpirun -n 2 "$SCANHPC" scan -o planted.h5 "$DATA/scan-banners.oJ" >scan.log 2>&1 || rc=$?
if [ $rc -ne 0 ] || [ ! -f planted.h5 ]; then
  echo "FAIL: scanhpc scan exited $rc (output file present: $([ -f planted.h5 ] && echo yes || echo no))" >&2
  cat scan.log >&2
  exit 1
fi
sed 's/^/  | /' scan.log

echo "== planted truth and the Python oracle"
if ! "$PY" "$ROOT/tests/e2e/oracle.py" planted planted.h5 "$DATA/scan-banners.oJ" "$DATA/planted-services.json"; then
  echo "FAIL: scanhpc disagrees with the planted truth or the oracle (lines marked FAIL above)" >&2
  exit 1
fi

echo "== the documented facts of the data set"
"$PY" "$ROOT/tests/e2e/h5check.py" expect planted.h5 \
  "ingest['records_read'] == 5991" "ingest['status_observations'] == 3276" \
  "ingest['banner_records'] == 2715" "attr('/multiprobe', 'probes') == 3276" \
  "max(countmap('/multiprobe/probes_per_service')) == 8" "min(countmap('/multiprobe/probes_per_service')) == 1" \
  "files[0]['format'] == 'json'" "files[0]['records'] == 5991" "errors == []" ||
  { echo "FAIL: documented counts of scan-banners.oJ (data/masscan-testnet/README.md)" >&2; exit 1; }
echo "test_planted: ok"
