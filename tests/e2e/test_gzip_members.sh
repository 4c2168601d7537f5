#!/usr/bin/env bash
# Gzip files of several members are read in byte ranges by every rank
# (io/gzip_members). data/masscan-testnet/scan-banners.oJ compressed by bgzip
# (BGZF) and as a `cat` of gzip members cut mid-line, scanned at 1-4 ranks,
# must give the datasets of the plain file (tests/compare_h5.py, ignoring
# /ingest/files, which names the inputs and their formats; its counts are
# checked on their own), each rank reading members (/run@gzip_member_ranks).
# A single-member gzip stays one stream. A member damaged in the middle: the
# same output at 1-4 ranks, counts that add up, one /ingest/damaged row, and
# the members after it read.
# Usage (ctest): bash tests/e2e/test_gzip_members.sh <scanhpc-binary> <repo-root>
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_setup gzip_members "$@"
CHECK=("$PY" "$ROOT/tests/e2e/h5check.py")

# scan NRANKS OUT.h5 ARGS...
scan() {
  local n=$1 out=$2; shift 2
  local rc=0
  timeout 120 mpirun -n "$n" "$SCANHPC" scan --quiet -o "$out" "$@" >"$out.log" 2>&1 || rc=$?
  if [ $rc -ne 0 ] || [ ! -f "$out" ]; then
    fail "scanhpc scan -o $out $* ($n rank(s)) exited $rc"
    sed 's/^/    /' "$out.log" | tail -20 >&2
    return 1
  fi
  echo "  ran  $out: scan $* at $n rank(s)"
}

echo "== inputs"
if ! command -v bgzip >/dev/null; then
  fail "bgzip not found (Debian's tabix package: scripts/install-deps.sh)"
  exit 1
fi
cp "$ROOT/data/masscan-testnet/scan-banners.oJ" scan.oJ
bgzip -c scan.oJ >scan.oJ.bgz
split -b 70001 scan.oJ part.
for p in part.*; do gzip -c "$p"; done >cat.oJ.gz
gzip -c scan.oJ >one.oJ.gz
# The members of cat.oJ.gz, and a copy with 40 bytes flipped in the middle of the 6th.
"$PY" - cat.oJ.gz damaged.oJ.gz <<'EOF'
import sys, zlib
data = open(sys.argv[1], "rb").read()
starts, pos = [], 0
while pos < len(data):
    starts.append(pos)
    z = zlib.decompressobj(31)
    z.decompress(data[pos:])
    pos = len(data) - len(z.unused_data)
middle = (starts[5] + starts[6]) // 2
bad = bytearray(data)
for i in range(middle, middle + 40):
    bad[i] ^= 0xff
open(sys.argv[2], "wb").write(bytes(bad))
print("  cat.oJ.gz: %d members; damaged.oJ.gz: member 6 corrupt at compressed byte %d" % (len(starts), middle))
EOF

echo "== scans"
outs=()
scan 1 plain.h5 scan.oJ && outs+=(plain.h5)
for n in 1 2 3 4; do
  scan "$n" "bgzf$n.h5" scan.oJ.bgz && outs+=("bgzf$n.h5")
  scan "$n" "cat$n.h5" cat.oJ.gz && outs+=("cat$n.h5")
done
scan 2 one2.h5 one.oJ.gz && outs+=(one2.h5)

echo "== all identical to the plain file's but for /ingest/files"
if "$PY" "$ROOT/tests/compare_h5.py" --ignore /ingest/files "${outs[@]}" >compare.txt; then
  ok "${#outs[@]} outputs identical"
else
  fail "outputs differ"
  show compare.txt 30
fi

echo "== /ingest/files, and the ranks that read members"
expect() {  # OUT EXPR...
  local out=$1; shift
  [ -f "$out" ] || return 0
  if "${CHECK[@]}" expect "$out" "$@" >"$out.check" 2>&1; then ok "$out: $*"; else fail "$out"; show "$out.check"; fi
}
for n in 1 2 3 4; do
  expect "bgzf$n.h5" "[(r['path'], r['format'], r['records']) for r in files] == [('scan.oJ.bgz', 'json+gzip', 5991)]" \
    "attr('/run', 'gzip_member_ranks') == $n"
  expect "cat$n.h5" "[(r['path'], r['format'], r['records']) for r in files] == [('cat.oJ.gz', 'json+gzip', 5991)]" \
    "attr('/run', 'gzip_member_ranks') == $n"
done
expect one2.h5 "files[0]['records'] == 5991" "'gzip_member_ranks' not in f['/run'].attrs"  # one stream, dealt

echo "== a damaged member"
damaged=()
for n in 1 2 3 4; do scan "$n" "damaged$n.h5" damaged.oJ.gz && damaged+=("damaged$n.h5"); done
if "$PY" "$ROOT/tests/compare_h5.py" "${damaged[@]}" >compare-damaged.txt; then
  ok "${#damaged[@]} outputs identical"
else
  fail "outputs of the damaged file differ between rank counts"
  show compare-damaged.txt 30
fi
if [ -f damaged1.h5 ]; then
  "${CHECK[@]}" accounting damaged1.h5 || fail "damaged1.h5: records_read != used + rejected"
  # What zlib made of member 6 of 15 is lost or rejected, not the rest of the
  # file (one stream would keep only the 40 % before it).
  expect damaged1.h5 "len(rows('/ingest/damaged')) == 1" \
    "'damaged gzip member' in rows('/ingest/damaged')[0]['cause']" "4 * 5991 // 5 < ingest['records_used'] < 5991"
fi

[ "$failures" -eq 0 ] || { echo "$failures failure(s)"; exit 1; }
echo "all gzip member checks passed"
