#!/usr/bin/env bash
# Command line of scanhpc:
#   - `scanhpc --help`, `scanhpc scan --help`, `scanhpc info --help` exit 0 and
#     mention their commands/options; unknown options and commands exit 2 with
#     a message naming them, and write nothing;
#   - --dump-config prints an INI that --config reads back to the same INI, and
#     a run with --config gives the same datasets as the original command line;
#     the root attribute `config` is that INI; the command line wins over --config;
#   - --analyses hosts writes /hosts but not /multiprobe (and the other way round),
#     with the same datasets as a run of both; --analyses bogus exits 2;
#   - `scanhpc info` prints the provenance keys and the dataset paths;
#   - --quiet prints nothing on stderr for a good run (1 and 2 ranks), and the
#     default prints the summary.
# Usage (ctest): bash tests/e2e/test_cli.sh <scanhpc-binary> <repo-root>
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_setup cli "$@"
CHECK=("$PY" "$ROOT/tests/e2e/h5check.py")
cp "$ROOT/data/masscan-testnet/scan.oJ" scan.oJ
IN=scan.oJ

ok() { echo "  ok   $*"; }

# run NAME CMD...: stdout in NAME.out, stderr in NAME.err, exit status in $RC
run() {
  local name=$1; shift
  RC=0
  timeout 60 "$@" >"$name.out" 2>"$name.err" </dev/null || RC=$?
}
show() { sed 's/^/    | /' "$1" | head -"${2:-15}" >&2; }

echo "== --help"
# help NAME EXPECTED-WORDS... (CMD in HELP_CMD)
help_check() {
  local name=$1; shift
  run "$name" "${HELP_CMD[@]}"
  if [ $RC -ne 0 ]; then fail "${HELP_CMD[*]}: exit $RC, expected 0"; show "$name.err"; return; fi
  local missing=()
  for w in "$@"; do grep -qF -- "$w" "$name.out" || missing+=("$w"); done
  if [ ${#missing[@]} -eq 0 ]; then ok "${HELP_CMD[*]##*/} (exit 0, mentions $*)"
  else fail "${HELP_CMD[*]}: stdout does not mention: ${missing[*]}"; show "$name.out" 40; fi
}
HELP_CMD=("$SCANHPC" --help); help_check help scan info synth export gather usage
HELP_CMD=("$SCANHPC" -h); help_check help-h scan info
HELP_CMD=("$SCANHPC" scan --help)
help_check help-scan "usage: scanhpc scan" --output --format --analyses --on-error --threads --quiet --chunk-mb \
  --exchange-round-mb --max-record-bytes --config --dump-config --help
HELP_CMD=("$SCANHPC" info --help); help_check help-info "usage: scanhpc info" FILE.h5 provenance --table --head
HELP_CMD=("$SCANHPC" export --help)
help_check help-export "usage: scanhpc export" FILE.h5 GROUP --output --dotted-ip --iso-times --force --quiet
HELP_CMD=("$SCANHPC" gather --help)
help_check help-gather "usage: scanhpc gather" FILE... --output --expect --force --quiet "order the files are"

echo "== unknown options, commands and values"
# usage_error NAME WORD CMD...: exit 2, stderr names WORD, no output file
usage_error() {
  local name=$1 word=$2; shift 2
  run "$name" "$@"
  if [ $RC -eq 2 ] && grep -qF -- "$word" "$name.err" && ! compgen -G '*.h5*' >/dev/null; then
    ok "$name: exit 2: $(head -1 "$name.err")"
  else
    fail "$name: $* : exit $RC (expected 2), stderr should name '$word', no .h5 file"
    show "$name.err"
    compgen -G '*.h5*' >&2 || true
  fi
}
usage_error unknown-option --frobnicate "$SCANHPC" scan -o u.h5 --frobnicate "$IN"
usage_error unknown-option-info --frobnicate "$SCANHPC" info --frobnicate
usage_error unknown-command frobnicate "$SCANHPC" frobnicate
usage_error analyses-bogus bogus "$SCANHPC" scan -o u.h5 --analyses bogus "$IN"
usage_error analyses-bogus-mpi bogus mpirun -n 2 "$SCANHPC" scan -o u.h5 --analyses hosts,bogus "$IN"
usage_error gps-analyses-bogus bogus mpirun -n 2 "$SCANHPC" gps model -o u.h5 --analyses model,bogus "$IN"
usage_error format-bogus --format "$SCANHPC" scan -o u.h5 --format bogus "$IN"
usage_error on-error-bogus --on-error "$SCANHPC" scan -o u.h5 --on-error maybe "$IN"
usage_error threads-negative --threads "$SCANHPC" scan -o u.h5 --threads -1 "$IN"
usage_error no-input INPUT "$SCANHPC" scan -o u.h5
usage_error missing-config nonexistent.ini "$SCANHPC" scan --config nonexistent.ini "$IN"

echo "== --dump-config and --config"
# shellcheck disable=SC2054  # the comma is part of the --analyses value
ARGS=(-o cfg.h5 --analyses multiprobe,hosts --threads 1 --chunk-mb 2 --exchange-round-mb 3
      --max-record-bytes 100000 --format json --on-error skip "$IN")
run dump "$SCANHPC" scan "${ARGS[@]}" --dump-config
cp dump.out a.ini
if [ $RC -ne 0 ] || ! grep -q '^input = scan.oJ$' a.ini || ! grep -q '^chunk-mb = 2$' a.ini ||
   ! grep -q '^threads = 1$' a.ini || ! grep -q '^output = cfg.h5$' a.ini; then
  fail "--dump-config: exit $RC; INI lacks the options given"; show a.ini 40
else
  ok "--dump-config: $(grep -c '=' a.ini) settings"
fi
if compgen -G 'cfg.h5*' >/dev/null; then fail "--dump-config wrote an output file"; fi
run redump "$SCANHPC" scan --config a.ini --dump-config
if [ $RC -eq 0 ] && cmp -s a.ini redump.out; then ok "--config a.ini --dump-config prints the same INI"
else fail "--config a.ini --dump-config (exit $RC) differs from a.ini:"; diff a.ini redump.out | head -20 >&2 || true; fi
run override "$SCANHPC" scan --config a.ini --threads 2 --dump-config
if [ $RC -eq 0 ] && grep -q '^threads = 2$' override.out && grep -q '^chunk-mb = 2$' override.out; then
  ok "the command line wins over --config (threads = 2, chunk-mb = 2 kept)"
else fail "--config a.ini --threads 2 --dump-config: expected threads = 2, chunk-mb = 2"; show override.out 40; fi

run orig mpirun -n 2 "$SCANHPC" scan --quiet "${ARGS[@]/#cfg.h5/orig.h5}"
if [ $RC -ne 0 ] || [ ! -f orig.h5 ]; then fail "original command line: exit $RC"; show orig.err; fi
run fromcfg mpirun -n 2 "$SCANHPC" scan --config a.ini --quiet
if [ $RC -ne 0 ] || [ ! -f cfg.h5 ]; then fail "--config a.ini: exit $RC or no cfg.h5"; show fromcfg.err; fi
if [ -f orig.h5 ] && [ -f cfg.h5 ]; then
  if "$PY" "$ROOT/tests/compare_h5.py" orig.h5 cfg.h5 >cmp.out; then
    ok "--config a.ini gives the same datasets as the command line"
  else fail "--config a.ini output differs from the command line's"; show cmp.out 30; fi
  # the provenance `config` is the INI that --config reads back
  "$PY" - cfg.h5 a.ini <<'EOF' || fail "root attribute config of cfg.h5 is not the --dump-config INI"
import sys, h5py
got = h5py.File(sys.argv[1], "r").attrs["config"].decode()
want = open(sys.argv[2]).read()
got_lines = [l for l in got.splitlines() if l.strip() and not l.startswith("quiet")]
want_lines = [l for l in want.splitlines() if l.strip() and not l.startswith("quiet")]
print("  %s root attribute config == the --dump-config INI (%d lines)" % ("ok  " if got_lines == want_lines else "FAIL", len(got_lines)))
sys.exit(0 if got_lines == want_lines else 1)
EOF
fi

echo "== --analyses"
run both mpirun -n 2 "$SCANHPC" scan --quiet -o both.h5 "$IN"
run hosts mpirun -n 2 "$SCANHPC" scan --quiet -o hosts.h5 --analyses hosts "$IN"
run multi mpirun -n 2 "$SCANHPC" scan --quiet -o multi.h5 --analyses multiprobe "$IN"
run all "$SCANHPC" scan --quiet -o all.h5 --analyses all "$IN"
for f in both hosts multi all; do [ -f "$f.h5" ] || { fail "--analyses run $f: no output"; show "$f.err"; }; done
if [ -f hosts.h5 ] && [ -f both.h5 ]; then
  "${CHECK[@]}" expect hosts.h5 "exists('/hosts/table')" "not exists('/multiprobe')" "exists('/ingest')" ||
    fail "--analyses hosts: /hosts only expected"
  "${CHECK[@]}" same both.h5 hosts.h5 /hosts /ingest || fail "--analyses hosts: /hosts differs from a full run"
fi
if [ -f multi.h5 ] && [ -f both.h5 ]; then
  "${CHECK[@]}" expect multi.h5 "exists('/multiprobe/intervals')" "not exists('/hosts')" ||
    fail "--analyses multiprobe: /multiprobe only expected"
  "${CHECK[@]}" same both.h5 multi.h5 /multiprobe || fail "--analyses multiprobe: /multiprobe differs from a full run"
fi
if [ -f all.h5 ] && [ -f both.h5 ]; then
  if "$PY" "$ROOT/tests/compare_h5.py" both.h5 all.h5 >/dev/null; then ok "--analyses all == the default"
  else fail "--analyses all differs from the default"; fi
fi

echo "== scanhpc info"
if [ -f both.h5 ]; then
  run info "$SCANHPC" info both.h5
  missing=()
  for w in scanhpc_version git_commit command_line config ranks threads created_utc \
           /ingest/files/path /ingest/errors/cause /multiprobe/probes_per_service/probes \
           /multiprobe/intervals/seconds /hosts/table/ip /hosts/ports_per_host/ports; do
    grep -qF -- "$w" info.out || missing+=("$w")
  done
  if [ $RC -eq 0 ] && [ ${#missing[@]} -eq 0 ] && grep -qE '^ +ranks +2$' info.out; then
    ok "scanhpc info: exit 0, provenance keys and dataset paths listed, ranks 2"
  else
    fail "scanhpc info both.h5: exit $RC, missing: ${missing[*]:-none} (or ranks != 2)"; show info.out 40
  fi
fi
# Provenance of the build, the MPI library and, under SLURM, the job (the variables a job
# step gets; mpirun -x passes them to every rank, rank 0's are written).
run slurmprov env SLURM_JOB_ID=4242 SLURM_ARRAY_JOB_ID=4240 SLURM_ARRAY_TASK_ID=2 SLURM_JOB_NODELIST='node[01-02]' \
  mpirun -n 2 -x SLURM_JOB_ID -x SLURM_ARRAY_JOB_ID -x SLURM_ARRAY_TASK_ID -x SLURM_JOB_NODELIST \
  "$SCANHPC" scan -q -o slurmprov.h5 "$IN"
if [ $RC -eq 0 ] && "$PY" - slurmprov.h5 both.h5 <<'PY'
import sys, h5py
a, plain = h5py.File(sys.argv[1]).attrs, h5py.File(sys.argv[2]).attrs
s = lambda v: v.decode() if isinstance(v, bytes) else str(v)
assert (s(a["slurm_job_id"]), s(a["slurm_array_job_id"]), s(a["slurm_array_task_id"]), s(a["slurm_job_nodelist"])) \
    == ("4242", "4240", "2", "node[01-02]"), dict(a)
assert "-march=" in s(a["build_flags"]) and s(a["mpi_library"]).startswith(("Open MPI", "MPICH")), dict(a)
import os
if "SLURM_JOB_ID" not in os.environ:  # this test itself may run inside a job
    assert not any(k.startswith("slurm_") for k in plain), "slurm attributes outside SLURM"
PY
then ok "provenance: build flags, MPI library, and under SLURM the job id, array index and node list"
else fail "provenance attributes (exit $RC)"; show slurmprov.err; fi
run info-missing "$SCANHPC" info nonexistent.h5
if [ $RC -ne 0 ] && grep -qF nonexistent.h5 info-missing.err; then ok "scanhpc info on a missing file: exit $RC, names it"
else fail "scanhpc info nonexistent.h5: exit $RC, stderr should name the file"; show info-missing.err; fi

echo "== --quiet"
for n in 0 2; do
  launcher=()
  [ $n -gt 0 ] && launcher=(mpirun -n "$n")
  run "quiet$n" "${launcher[@]}" "$SCANHPC" scan --quiet -o "quiet$n.h5" "$IN"
  if [ $RC -eq 0 ] && [ ! -s "quiet$n.err" ] && [ ! -s "quiet$n.out" ] && [ -f "quiet$n.h5" ]; then
    ok "--quiet at ${n/#0/1 (no mpirun)} rank(s): nothing on stderr or stdout"
  else
    fail "--quiet at $n rank(s): exit $RC, stderr $(wc -c <"quiet$n.err") bytes, stdout $(wc -c <"quiet$n.out") bytes"
    show "quiet$n.err"; show "quiet$n.out"
  fi
done
run loud mpirun -n 2 "$SCANHPC" scan -o loud.h5 "$IN"
if [ $RC -eq 0 ] && grep -q 'records: 1042 read = 1042 used + 0 rejected' loud.err; then
  ok "without --quiet the summary is printed on stderr"
else fail "without --quiet: exit $RC, no summary line on stderr"; show loud.err; fi

if [ $failures -ne 0 ]; then
  echo "test_cli: $failures failure(s)" >&2
  exit 1
fi
echo "test_cli: ok"
