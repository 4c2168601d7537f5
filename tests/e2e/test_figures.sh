#!/usr/bin/env bash
# scripts/figures.sh on fake scan files (tests/data/make_fake_scan_h5.py):
#   1. a full file: every notebook runs, every expected PNG exists and is non-empty, and the
#      numbers each figure draws (its JSON) equal the file's tables (tests/e2e/figures_check.py);
#   2. no multiprobe intervals: the notebooks still succeed (and draw no bars);
#   3. a file without /multiprobe (--analyses hosts): multiprobe.ipynb is skipped;
#   4. a file whose /multiprobe lacks a table: figures.sh exits non-zero.
# Usage (ctest): bash tests/e2e/test_figures.sh <scanhpc-binary> <repo-root>
# The binary is not used: the input is the fake file, so this runs before scanhpc scan exists.
set -uo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_setup figures "$@"  # works in a temporary directory: figures.sh must run from anywhere
GEN="$ROOT/tests/data/make_fake_scan_h5.py"

MULTIPROBE_PNGS=(multiprobe_probes_per_service multiprobe_intervals multiprobe_interval_stats
                 multiprobe_reasons_per_service)
HOSTS_PNGS=(hosts_ports_per_host hosts_ttl_min hosts_ttl_max hosts_reasons_per_host
            hosts_records_per_host hosts_top20_by_ports)


gen() { "$PY" "$GEN" "$@" || fail "generator failed: $*"; }

# 1. full file, relative paths from another directory
gen full.h5 --hosts 3000
if run_figures full full.h5 figs; then
  expect_pngs figs "${MULTIPROBE_PNGS[@]}" "${HOSTS_PNGS[@]}"
  for nb in multiprobe hosts; do
    [ -s "figs/executed/$nb.ipynb" ] || fail "figs/executed/$nb.ipynb missing"
  done
  grep -q "statistics match the countmap" figs/executed/multiprobe.ipynb ||
    fail "multiprobe.ipynb: interval statistics differ from the countmap"
  grep -q "hosts_top20_by_ports.png" full.log || fail "figures.sh did not list the PNGs written"
  "$PY" "$ROOT/tests/e2e/figures_check.py" figs full.h5 --drawn "${MULTIPROBE_PNGS[@]}" "${HOSTS_PNGS[@]}" \
    || fail "the figures' numbers differ from full.h5"
else
  fail "figures.sh failed on a full file"; cat full.log >&2
fi

# 2. no intervals
gen empty.h5 --hosts 100 --empty-intervals
if run_figures empty "$TMP/empty.h5" "$TMP/figs-empty"; then
  expect_pngs figs-empty "${MULTIPROBE_PNGS[@]}" "${HOSTS_PNGS[@]}"
  grep -q "no multiprobe intervals" figs-empty/executed/multiprobe.ipynb ||
    fail "multiprobe.ipynb did not say 'no multiprobe intervals'"
  "$PY" "$ROOT/tests/e2e/figures_check.py" figs-empty empty.h5 --drawn "${MULTIPROBE_PNGS[@]}" \
    || fail "the figures' numbers differ from empty.h5"
else
  fail "figures.sh failed on a file without intervals"; cat empty.log >&2
fi

# 3. hosts only: multiprobe skipped
gen hosts.h5 --hosts 200 --analyses hosts
if run_figures hosts hosts.h5 figs-hosts; then
  expect_pngs figs-hosts "${HOSTS_PNGS[@]}"
  grep -q "skipping notebooks/multiprobe.ipynb" hosts.log || fail "multiprobe.ipynb was not skipped"
  ls figs-hosts/multiprobe_*.png >/dev/null 2>&1 && fail "multiprobe PNGs written for a file without /multiprobe"
else
  fail "figures.sh failed on a hosts-only file"; cat hosts.log >&2
fi

# 4. a broken file: the notebook fails, so must figures.sh
gen broken.h5 --hosts 100
"$PY" -c 'import h5py, sys; f = h5py.File(sys.argv[1], "a"); del f["multiprobe/intervals"]' broken.h5
if run_figures broken broken.h5 figs-broken; then
  fail "figures.sh exited 0 although multiprobe.ipynb failed"
else
  grep -q "FAILED: notebooks/multiprobe.ipynb" broken.log || fail "figures.sh did not name the failed notebook"
  expect_pngs figs-broken "${HOSTS_PNGS[@]}"  # the other notebooks still ran
fi

# 5. a missing input file is an error
run_figures missing no-such-file.h5 figs-missing && fail "figures.sh exited 0 on a missing input"

if [ $failures -gt 0 ]; then
  echo "test_figures: $failures failure(s)" >&2
  exit 1
fi
echo "test_figures: OK"
