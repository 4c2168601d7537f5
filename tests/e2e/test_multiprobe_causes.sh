#!/usr/bin/env bash
# multiprobe causes and loss (issue 14) against the netlab's kept scans (tests/data/netlab:
# masscan 1.3.2 against planted services in network namespaces, every observation's true cause
# taken from the scanner's packet capture by tests/netlab/truth.py). The classifier was tuned on
# the train-* scans only; on the held-back test-* scans at least 95% of the services seen more
# than once must get their true label, and on the ten loss-* scans (retries, SYN-ACKs dropped at
# random) the 95% interval of the share of services that answered no probe must cover the true
# share in at least 9; every scan with retries and no retransmissions gets the retry count and
# spacing (within 0.3 s) its capture shows. /multiprobe is identical with no mpirun and at 2-4 ranks.
# Usage (ctest): bash tests/e2e/test_multiprobe_causes.sh <scanhpc-binary> <repo-root>
set -uo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_setup multiprobe_causes "$@"
LAB="$ROOT/tests/data/netlab"
EVAL="$ROOT/tests/netlab/evaluate.py"

echo "--- train (the scans the classifier was tuned on)"
"$PY" "$EVAL" "$SCANHPC" train "$LAB"/train-* --schedules || fail "evaluation of the train scans failed"
echo "--- test (held back)"
if "$PY" "$EVAL" "$SCANHPC" test "$LAB"/test-* --min-accuracy 0.95 --schedules; then
  echo "  ok   at least 95% of the held-back scans' repeated services labelled with their true cause;"
  echo "       every retry-only scan's retry count and spacing as its capture shows them"
else
  fail "fewer than 95% of the held-back scans' repeated services labelled correctly, or a retry schedule missed"
fi
echo "--- loss (planted SYN-ACK drops, retries)"
if "$PY" "$EVAL" "$SCANHPC" loss "$LAB"/loss-* --min-covered 9 --schedules; then
  echo "  ok   the loss interval covers the true share in at least 9 of the 10 scans"
else
  fail "the loss interval covers the true share in fewer than 9 of the 10 scans"
fi

for scan in test-mixed2 test-rescan-retries1 loss-r3-d30; do  # /multiprobe and /scanner
  same_at_ranks "$scan" scan -q --analyses multiprobe,scanner "$LAB/$scan/scan.oJ.gz"
done

[ "$failures" -eq 0 ] && echo "test_multiprobe_causes: OK" || echo "test_multiprobe_causes: $failures failure(s)"
[ "$failures" -eq 0 ]
