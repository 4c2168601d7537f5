#!/usr/bin/env bash
# Input kinds: data/masscan-testnet/scan-banners.oJ given as a file, inside a
# directory, as a quoted glob (expanded by scanhpc), on stdin (`-`, at 1 and 2
# ranks), gzip-compressed (`gzip -k`, as a file and on stdin), and split into
# three -oJ files given as a directory and as a glob, must give identical
# datasets (tests/compare_h5.py, ignoring /ingest/files, which names the paths
# and formats; those are checked on their own). A missing input path and a glob
# matching nothing must fail with a message naming them, and write no output.
# Usage (ctest): bash tests/e2e/test_inputs.sh <scanhpc-binary> <repo-root>
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_setup inputs "$@"
CHECK=("$PY" "$ROOT/tests/e2e/h5check.py")


# scan NRANKS OUT.h5 ARGS... (stdin is passed through); 0 ranks = no mpirun
scan() {
  local n=$1 out=$2; shift 2
  local launcher=()
  [ "$n" -gt 0 ] && launcher=(mpirun -n "$n")
  local rc=0
  timeout 120 "${launcher[@]}" "$SCANHPC" scan --quiet -o "$out" "$@" >"$out.log" 2>&1 || rc=$?
  if [ $rc -ne 0 ] || [ ! -f "$out" ]; then
    fail "scanhpc scan -o $out $* ($n rank(s)) exited $rc"
    sed 's/^/    /' "$out.log" | tail -20 >&2
    return 1
  fi
  echo "  ran  $out: scan $*"
}

echo "== inputs"
mkdir dir parts gz
cp "$ROOT/data/masscan-testnet/scan-banners.oJ" dir/scan.oJ
cp dir/scan.oJ scan.oJ
gzip -k -c scan.oJ >gz/scan.oJ.gz
# the same records in three -oJ 1.3.x files
"$PY" - scan.oJ parts <<'EOF'
import sys
records = [l.rstrip("\n") for l in open(sys.argv[1]) if l.startswith("{")]
k = (len(records) + 2) // 3
for i in range(3):
    part = records[i * k:(i + 1) * k]
    with open("%s/part%d.oJ" % (sys.argv[2], i), "w") as f:
        f.write("[\n" + "\n,\n".join(part) + "\n]\n")
print("  split %d records into 3 files" % len(records))
EOF

echo "== scans"
outs=()
scan 2 file.h5 scan.oJ && outs+=(file.h5)
scan 2 dir.h5 dir && outs+=(dir.h5)
scan 2 glob.h5 "$TMP/dir/*.oJ" && outs+=(glob.h5)
scan 0 stdin1.h5 - <scan.oJ && outs+=(stdin1.h5)
scan 2 stdin2.h5 - <scan.oJ && outs+=(stdin2.h5)
# shellcheck disable=SC2002  # the pipe is the point
if cat scan.oJ | scan 2 pipe.h5 -; then outs+=(pipe.h5); else fail "cat scan.oJ | scanhpc scan - failed"; fi
scan 2 gzip.h5 gz/scan.oJ.gz && outs+=(gzip.h5)
scan 2 gzip-stdin.h5 - <gz/scan.oJ.gz && outs+=(gzip-stdin.h5)
# one stream over more ranks than it has rows per round: dealt to every rank as it is read
scan 4 gzip4.h5 --exchange-round-mb 1 gz/scan.oJ.gz && outs+=(gzip4.h5)
scan 3 gzip-stdin3.h5 - <gz/scan.oJ.gz && outs+=(gzip-stdin3.h5)
scan 2 parts-dir.h5 parts && outs+=(parts-dir.h5)
scan 3 parts-glob.h5 'parts/part*.oJ' && outs+=(parts-glob.h5)

echo "== all identical but for /ingest/files"
if "$PY" "$ROOT/tests/compare_h5.py" --ignore /ingest/files "${outs[@]}"; then
  echo "  ok   ${#outs[@]} outputs identical"
else
  fail "outputs differ"
fi
if [ -f file.h5 ]; then
  "${CHECK[@]}" expect file.h5 "ingest['records_read'] == 5991" "ingest['records_rejected'] == 0" \
    "attr('/multiprobe', 'services') == 1831" || fail "file.h5 is not the expected scan"
fi

echo "== /ingest/files of each"
size=$(stat -c %s scan.oJ)
expect_files() {  # OUT EXPR...
  local out=$1; shift
  [ -f "$out" ] || return 0
  echo "-- $out"
  "${CHECK[@]}" expect "$out" "$@" || fail "$out: /ingest/files"
}
expect_files file.h5 "[(r['path'], r['format'], r['bytes'], r['records']) for r in files] == [('scan.oJ', 'json', $size, 5991)]"
expect_files dir.h5 "[(r['path'], r['format'], r['records']) for r in files] == [('dir/scan.oJ', 'json', 5991)]"
expect_files glob.h5 "[(r['path'], r['format'], r['records']) for r in files] == [('$TMP/dir/scan.oJ', 'json', 5991)]"
expect_files stdin1.h5 "[(r['path'], r['format'], r['records']) for r in files] == [('-', 'json', 5991)]"
expect_files stdin2.h5 "[(r['path'], r['format'], r['records']) for r in files] == [('-', 'json', 5991)]"
expect_files gzip.h5 "[(r['path'], r['format'], r['records']) for r in files] == [('gz/scan.oJ.gz', 'json+gzip', 5991)]" \
  "files[0]['bytes'] == $(stat -c %s gz/scan.oJ.gz)"
expect_files gzip4.h5 "[(r['path'], r['format'], r['records']) for r in files] == [('gz/scan.oJ.gz', 'json+gzip', 5991)]"
expect_files gzip-stdin.h5 "[(r['path'], r['records']) for r in files] == [('-', 5991)]" \
  "files[0]['format'].startswith('json')"
for out in parts-dir.h5 parts-glob.h5; do
  expect_files "$out" "[r['path'].rsplit('/', 1)[-1] for r in files] == ['part0.oJ', 'part1.oJ', 'part2.oJ']" \
    "sum(r['records'] for r in files) == 5991" "all(r['format'] == 'json' for r in files)"
done

echo "== inputs that do not exist"
# missing NAME NRANKS PATTERN-IN-STDERR ARGS...
missing() {
  local name=$1 n=$2 want=$3; shift 3
  local launcher=()
  [ "$n" -gt 0 ] && launcher=(mpirun -n "$n")
  local rc=0
  timeout 60 "${launcher[@]}" "$SCANHPC" scan -o "$name.h5" "$@" >"$name.out" 2>"$name.err" || rc=$?
  local ok=1
  if [ $rc -eq 0 ] || [ $rc -ge 124 ]; then fail "$name: exit $rc, expected a clean non-zero exit"; ok=0; fi
  if ! grep -qF -- "$want" "$name.err"; then fail "$name: stderr does not name '$want'"; ok=0; fi
  if compgen -G "$name.h5*" >/dev/null; then fail "$name: an output file was written: $(compgen -G "$name.h5*")"; ok=0; fi
  if [ $ok -eq 1 ]; then
    echo "  ok   $name ($n rank(s)): exit $rc, no output, stderr: $(grep -F -- "$want" "$name.err" | head -1)"
  else
    sed 's/^/    /' "$name.err" | head -20 >&2
  fi
}
missing missing-file 0 "$TMP/no/such/file.oJ" "$TMP/no/such/file.oJ"
missing missing-file-2 2 "does-not-exist.oJ" scan.oJ does-not-exist.oJ
missing missing-glob 0 "$TMP/dir/*.nothing" "$TMP/dir/*.nothing"
missing missing-glob-2 2 "nomatch*/x?.oJ" scan.oJ 'nomatch*/x?.oJ'

if [ $failures -ne 0 ]; then
  echo "test_inputs: $failures failure(s)" >&2
  exit 1
fi
echo "test_inputs: ok"
