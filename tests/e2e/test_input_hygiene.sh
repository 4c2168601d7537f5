#!/usr/bin/env bash
# Input hygiene: a truncated or corrupt gzip input under --on-error=skip keeps
# the complete records before the damage (counted against Python's zlib on
# the same bytes), counts the rest as one rejected record at the damage's
# byte offset, and succeeds with a warning (--on-error=fail: exit 1, no
# output). Files of an input folder that are not inputs of the command
# (documentation, HDF5, Avro in scan, CSV in flow) are skipped and listed in
# the output, and the results equal those of a clean folder. A file named
# twice is read once, with a warning. At 1 rank (no mpirun) and 3 ranks.
# Usage (ctest): bash tests/e2e/test_input_hygiene.sh <scanhpc-binary> <repo-root>
set -uo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_setup input_hygiene "$@"
CHECK=("$PY" "$ROOT/tests/e2e/h5check.py")
COMPARE=("$PY" "$ROOT/tests/compare_h5.py")


DATA="$ROOT/data/masscan-testnet"
"$SCANHPC" synth masscan --services 60000 --seed 5 --format list -o big.oL -q
gzip -c big.oL >big.oL.gz
size=$(stat -c %s big.oL.gz)
head -c $((size * 6 / 10)) big.oL.gz >cut.oL.gz                 # truncated
"$PY" - big.oL.gz corrupt.oL.gz <<'EOF'                           # corrupt in the middle
import sys
b = bytearray(open(sys.argv[1], "rb").read())
for i in range(len(b) // 3, len(b) // 3 + 40):
    b[i] ^= 0x5A
open(sys.argv[2], "wb").write(b)
EOF
# The oracle: what zlib inflates before the damage, its complete lines, their records.
oracle() {  # FILE -> "records offset"
  "$PY" - "$1" <<'EOF'
import sys, zlib
d = zlib.decompressobj(16 + zlib.MAX_WBITS)
data, out = open(sys.argv[1], "rb").read(), b""
for i in range(0, len(data), 65536):
    try:
        out += d.decompress(data[i:i + 65536])
    except zlib.error:
        break
complete = out[: out.rfind(b"\n") + 1]
records = sum(1 for line in complete.split(b"\n") if line and not line.startswith(b"#"))
print(records, len(complete))
EOF
}
read -r want_cut want_off <<<"$(oracle cut.oL.gz)"

for n in 0 3; do
  echo "== $n rank(s): a truncated gzip input"
  run cut-$n $n "$SCANHPC" scan -q -o cut-$n.h5 cut.oL.gz
  if [ "$RC" -eq 0 ] && grep -q "warning: cut.oL.gz: byte $want_off: damaged compressed stream" cut-$n.err &&
     "${CHECK[@]}" expect cut-$n.h5 "ingest['records_used'] == $want_cut" "ingest['records_rejected'] == 1" \
       "ingest['records_read'] == $want_cut + 1" \
       "[(r['file'], r['offset']) for r in rows('/ingest/damaged')] == [('cut.oL.gz', $want_off)]" >cut-$n.chk; then
    ok "cut-$n: exit 0 with a warning; $want_cut records used (zlib's complete lines), 1 rejected at byte $want_off"
  else fail "cut-$n: exit $RC"; show cut-$n.err; cat cut-$n.chk 2>/dev/null >&2; fi
  run cut-fail-$n $n "$SCANHPC" scan -q --on-error=fail -o cut-fail-$n.h5 cut.oL.gz
  if [ "$RC" -eq 1 ] && grep -q "cut.oL.gz: byte $want_off: damaged compressed stream" cut-fail-$n.err &&
     ! compgen -G "cut-fail-$n.h5*" >/dev/null; then ok "cut-fail-$n: --on-error=fail: exit 1, no output"
  else fail "cut-fail-$n: exit $RC"; show cut-fail-$n.err; fi
  run corrupt-$n $n "$SCANHPC" scan -q -o corrupt-$n.h5 corrupt.oL.gz
  if [ "$RC" -eq 0 ] && grep -q "corrupt gzip data" corrupt-$n.err &&
     "${CHECK[@]}" expect corrupt-$n.h5 "len(rows('/ingest/damaged')) == 1" "ingest['records_used'] > 0" \
       "ingest['records_read'] == ingest['records_used'] + ingest['records_rejected']" >/dev/null; then
    ok "corrupt-$n: exit 0 with a warning; the damage is in /ingest/damaged"
  else fail "corrupt-$n: exit $RC"; show corrupt-$n.err; fi
  # the same through standard input
  if [ "$n" -eq 0 ]; then
    RC=0; "$SCANHPC" scan -q -o stdin.h5 - <cut.oL.gz 2>stdin.err || RC=$?
    "${CHECK[@]}" expect stdin.h5 "ingest['records_used'] == $want_cut" >/dev/null && [ $RC -eq 0 ] &&
      ok "stdin: the same $want_cut records from a damaged gzip on standard input" || { fail "stdin: exit $RC"; show stdin.err; }
  fi
done

echo "== input folders with other files"
mkdir -p clean mixed/sub
cp "$DATA/scan.oJ" clean/ && cp "$DATA/scan.oL" clean/
cp clean/* mixed/
echo "# what these scans are" >mixed/README.md
cp "$ROOT/tests/data/flow/ft4_v1_null.avro" mixed/flows.avro
printf 'some notes\n' >mixed/sub/notes.txt
"$SCANHPC" scan -q -o mixed/sub/old.h5 clean
for n in 0 3; do
  run clean-$n $n "$SCANHPC" scan -q -o clean-$n.h5 clean
  run mixed-$n $n "$SCANHPC" scan -q -o mixed-$n.h5 mixed
  run mixed-fail-$n $n "$SCANHPC" scan -q --on-error=fail -o mixed-fail-$n.h5 mixed
  if [ "$RC" -eq 0 ] && "${COMPARE[@]}" --ignore /ingest/files --ignore /ingest/skipped --ignore /ingest@files_skipped clean-$n.h5 mixed-$n.h5 >cmp-$n.out &&
     "${CHECK[@]}" expect mixed-$n.h5 "attr('/ingest', 'files_skipped') == 4" \
       "sorted(r['path'] for r in rows('/ingest/skipped')) == ['mixed/README.md', 'mixed/flows.avro', 'mixed/sub/notes.txt', 'mixed/sub/old.h5']" \
       "ingest['records_rejected'] == 0" >chk-$n.out; then
    ok "scan mixed-$n: 4 files skipped and named, results equal to the clean folder, --on-error=fail passes"
  else fail "scan mixed-$n: exit $RC"; cat cmp-$n.out chk-$n.out >&2 2>/dev/null; show mixed-fail-$n.err; fi
done
"$SCANHPC" synth flowtuple --minutes 10 -o ft4 -q
cp -r ft4 ft4mixed && printf 'a,b\n1,2\n' >ft4mixed/extra.csv && echo notes >ft4mixed/README.md
"$SCANHPC" synth honeypot --days 3 -o logs.csv -q
mkdir -p logs logsmixed && cp logs.csv logs/ && cp logs.csv logsmixed/ && echo "# logs" >logsmixed/README.md
"$SCANHPC" scan -q -o logsmixed/summary.h5 clean
for n in 0 3; do
  run ft4-clean-$n $n "$SCANHPC" flow top -q --series -o ft4-clean-$n.h5 ft4
  run ft4-mixed-$n $n "$SCANHPC" flow top -q --series --on-error=fail -o ft4-mixed-$n.h5 ft4mixed
  if [ "$RC" -eq 0 ] && "${COMPARE[@]}" --ignore /flow/skipped --ignore /flow@files_skipped --ignore /flow@files ft4-clean-$n.h5 ft4-mixed-$n.h5 >/dev/null 2>&1 &&
     "${CHECK[@]}" expect ft4-mixed-$n.h5 "attr('/flow', 'files_skipped') == 2" \
       "sorted(r['path'] for r in rows('/flow/skipped')) == ['ft4mixed/README.md', 'ft4mixed/extra.csv']" >/dev/null; then
    ok "flow mixed-$n: CSV and README skipped and named, results equal"
  else fail "flow mixed-$n: exit $RC"; show ft4-mixed-$n.err; fi
  run logs-clean-$n $n "$SCANHPC" ports -q -o logs-clean-$n.h5 logs
  run logs-mixed-$n $n "$SCANHPC" ports -q --on-error=fail -o logs-mixed-$n.h5 logsmixed
  if [ "$RC" -eq 0 ] && "${COMPARE[@]}" --ignore /ports/skipped --ignore /ports@files_skipped --ignore /ports@files logs-clean-$n.h5 logs-mixed-$n.h5 >/dev/null 2>&1 &&
     "${CHECK[@]}" expect logs-mixed-$n.h5 "attr('/ports', 'files_skipped') == 2" >/dev/null; then
    ok "ports mixed-$n: README and HDF5 skipped, results equal"
  else fail "ports mixed-$n: exit $RC"; show logs-mixed-$n.err; fi
done

echo "== a file named twice"
cp "$DATA/scan.oJ" x.oJ && ln -f x.oJ x-hard.oJ
for n in 0 3; do
  run once-$n $n "$SCANHPC" scan -q -o once-$n.h5 x.oJ
  run twice-$n $n "$SCANHPC" scan -q -o twice-$n.h5 x.oJ x.oJ ./x.oJ x-hard.oJ
  warnings=$(grep -c "warning: .*read once" twice-$n.err)
  if [ "$RC" -eq 0 ] && [ "$warnings" -eq 3 ] && "${COMPARE[@]}" once-$n.h5 twice-$n.h5 >/dev/null 2>&1; then
    ok "twice-$n: read once (3 warnings), output identical to one mention"
  else fail "twice-$n: exit $RC, $warnings warning(s)"; show twice-$n.err; fi
done

if [ $failures -ne 0 ]; then
  echo "test_input_hygiene: $failures failure(s)" >&2
  exit 1
fi
echo "test_input_hygiene: ok"
