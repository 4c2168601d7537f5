#!/usr/bin/env bash
# Honest exit status: a run that was given inputs but used no record, or
# selected no file, exits 3 with a hint that names the cause, and writes
# nothing; --allow-empty makes it exit 0 with an (empty) output. Usage errors
# exit 2 and are printed once under mpirun. The names of flowtuple files give
# their span (v3_3600s_...) when --file-seconds is not given. At 1 rank (no
# mpirun) and 3 ranks. Inputs: the real testnet scan, real bzip2/xz/zstd
# compressions of it, synthetic FT3/FT4 files and honeypot CSV.
# Usage (ctest): bash tests/e2e/test_exit_codes.sh <scanhpc-binary> <repo-root>
set -uo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_setup exit_codes "$@"
CHECK=("$PY" "$ROOT/tests/e2e/h5check.py")

# nothing_used NAME N HINT OUTPUT CMD...: exit 3, the hint once, no OUTPUT (nor its temporary);
# then the same with --allow-empty: exit 0 and OUTPUT written.
nothing_used() {
  local name=$1 n=$2 hint=$3 out=$4; shift 4
  run "$name" "$n" "$@"
  local lines
  lines=$(grep -cF -- "$hint" "$name.err")
  if [ "$RC" -eq 3 ] && [ "$lines" -eq 1 ] && ! compgen -G "$out*" >/dev/null; then
    ok "$name ($n rank(s)): exit 3: $(grep -F -- "$hint" "$name.err" | cut -c1-160)"
  else
    fail "$name ($n rank(s)): exit $RC (want 3), hint '$hint' on $lines line(s), output: $(compgen -G "$out*")"
    show "$name.err"
  fi
  run "$name-allow" "$n" "$@" --allow-empty
  if [ "$RC" -eq 0 ] && [ -f "$out" ]; then ok "$name --allow-empty: exit 0, $out written"
  else fail "$name --allow-empty: exit $RC, $out $( [ -f "$out" ] && echo exists || echo missing)"; show "$name-allow.err"; fi
  rm -f "$out"
}

DATA="$ROOT/data/masscan-testnet"
cp "$DATA/scan.oJ" scan.oJ
bzip2 -kc scan.oJ >scan.oJ.bz2
xz -kc scan.oJ >scan.oJ.xz
zstd -qc scan.oJ >scan.oJ.zst
"$SCANHPC" synth flowtuple --version 3 --minutes 8 --start-time 1612130100 -o ft3 -q
"$SCANHPC" flow convert -q --interval 3600 -o ft4h ft3
"$SCANHPC" flow convert -q -o ft4 ft3
printf 'datetime,host,src,proto,type,spt,dpt\nnot a date,groucho,1.2.3.4,TCP,,1,2\n' >bad.csv
hour=$(ls ft4h/*.ft4.avro | head -1 | grep -o '[0-9]\{10\}')

for n in 0 3; do
  echo "== $n rank(s)"
  nothing_used format-$n $n "scan.oJ looks like masscan json output, not --format list: drop --format or give --format json" \
    x.h5 "$SCANHPC" scan -q --format list -o x.h5 scan.oJ
  nothing_used bz2-$n $n "scan.oJ.bz2 is bzip2-compressed data: decompress it with bzcat" x.h5 "$SCANHPC" scan -q -o x.h5 scan.oJ.bz2
  nothing_used xz-$n $n "scan.oJ.xz is xz-compressed data: decompress it with xzcat" x.h5 "$SCANHPC" scan -q -o x.h5 scan.oJ.xz
  nothing_used zst-$n $n "scan.oJ.zst is zstd-compressed data: decompress it with zstdcat (zstdcat scan.oJ.zst | scanhpc scan -)" \
    x.h5 "$SCANHPC" scan -q -o x.h5 scan.oJ.zst
  nothing_used ft3-$n $n "these are FT3 files: run scanhpc flow convert first" x.h5 "$SCANHPC" flow top -q -o x.h5 ft3
  nothing_used range-$n $n "no file in the time range [1, 100]" x.h5 "$SCANHPC" flow top -q --from 1 --to 100 -o x.h5 ft4
  nothing_used ports-$n $n "all 1 rows were rejected" x.h5 "$SCANHPC" ports -q -o x.h5 bad.csv
  nothing_used gps-$n $n "not masscan output" x.h5 "$SCANHPC" gps model -q -o x.h5 bad.csv

  # v3_3600s_ files span an hour: a range inside the hour, past its first 300 s, reads them;
  # their FT4 records carry the interval start, so no record is in the range.
  nothing_used hour-$n $n "no record in the time range [$((hour + 400)), $((hour + 3500))]" x.h5 \
    "$SCANHPC" flow series -q --from $((hour + 400)) --to $((hour + 3500)) -o x.h5 ft4h
  run hour-read-$n $n "$SCANHPC" flow series -q --allow-empty --from $((hour + 400)) --to $((hour + 3500)) -o h.h5 ft4h
  if "${CHECK[@]}" expect h.h5 "attr('/flow', 'files_skipped_by_name_time') == 1" "attr('/flow', 'records_read') > 0" \
      >/dev/null; then ok "hour-read-$n: the first hour's file is read (its name says 3600 s), the next hour's skipped"
  else fail "hour-read-$n: files skipped by a 300 s span"; fi
  rm -f h.h5
  nothing_used hour-300-$n $n "no file in the time range" x.h5 \
    "$SCANHPC" flow series -q --file-seconds 300 --from $((hour + 400)) --to $((hour + 3500)) -o x.h5 ft4h
  run used-$n $n "$SCANHPC" scan -q -o y.h5 scan.oJ
  [ "$RC" -eq 0 ] && ok "used-$n: a run that uses its records exits 0" || { fail "used-$n: exit $RC"; show used-$n.err; }
  rm -f y.h5

  echo "== $n rank(s): usage errors, printed once"
  for args in "scan --frobnicate scan.oJ" "scan -o u.h5" "flow top --field bogus -o u.h5 ft4" \
              "gps model --step 99 -o u.h5 scan.oJ" "ports --pair x -o u.h5 bad.csv" "flow convert ft3"; do
    # shellcheck disable=SC2086  # ARGS is a word list
    run usage-$n $n "$SCANHPC" $args
    lines=$(grep -c "^scanhpc" usage-$n.err)
    if [ "$RC" -eq 2 ] && [ "$lines" -eq 1 ] && ! compgen -G 'u.h5*' >/dev/null; then
      ok "usage-$n: scanhpc $args: exit 2: $(grep '^scanhpc' usage-$n.err)"
    else fail "usage-$n: scanhpc $args: exit $RC, $lines message line(s)"; show usage-$n.err; fi
  done
done

echo "== the exit codes are documented"
for cmd in "--help" "scan --help"; do
  # shellcheck disable=SC2086
  "$SCANHPC" $cmd >help.out 2>&1
  grep -q "3 nothing used" help.out && grep -q "allow-empty" help.out && ok "scanhpc $cmd documents exit 3" ||
    fail "scanhpc $cmd does not document exit 3"
done
grep -q "3 nothing used" "$ROOT/README.md" && ok "README documents exit 3" || fail "README does not document exit 3"

if [ $failures -ne 0 ]; then
  echo "test_exit_codes: $failures failure(s)" >&2
  exit 1
fi
echo "test_exit_codes: ok"
