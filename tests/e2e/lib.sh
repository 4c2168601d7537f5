# shellcheck shell=bash
# Shared set-up of the end-to-end scripts: `source` it, then `e2e_setup NAME "$@"`.
# Sets SCANHPC (the binary), ROOT (the repo), PY (/usr/bin/python3), a temporary
# working directory TMP (removed on exit, and the current directory), the MPI
# environment for one machine (scripts/mpi-env.sh), and `fail` with its count.
# shellcheck disable=SC2034  # the variables are for the script that sources this
e2e_setup() {
  local name=$1
  SCANHPC=$(realpath "${2:?usage: test_$name.sh SCANHPC [REPO-ROOT]}")
  ROOT=$(cd "${3:-$(dirname "${BASH_SOURCE[0]}")/../..}" && pwd)
  PY=/usr/bin/python3
  # shellcheck source=../../scripts/mpi-env.sh
  source "$ROOT/scripts/mpi-env.sh"
  FIGURES="$ROOT/scripts/figures.sh"
  TMP=$(mktemp -d "${TMPDIR:-/tmp}/scanhpc-e2e-$name.XXXXXX")
  E2E_AT_EXIT=()
  trap e2e_finish EXIT
  cd "$TMP" || exit 1
  failures=0
}

# At exit: the script's own clean-ups (e2e_at_exit CMD), then the HDF5-DIAG
# check: no message of scanhpc (or of h5dump on its files) may carry HDF5's
# error stack, which the tool turns into one plain line. A hit fails the test.
e2e_at_exit() { E2E_AT_EXIT+=("$1"); }
e2e_finish() {
  local rc=$? cmd hits
  for cmd in "${E2E_AT_EXIT[@]}"; do eval "$cmd"; done
  cd / || true
  hits=$(grep -rls --include='*.err' --include='*.out' --include='*.log' --include='*.txt' HDF5-DIAG "$TMP" 2>/dev/null || true)
  if [ -n "$hits" ]; then
    echo "FAIL: HDF5-DIAG in the output of this test (HDF5's error stack must not reach users):" >&2
    for f in $hits; do echo "--- ${f#"$TMP"/}" >&2; grep -m3 -A3 HDF5-DIAG "$f" >&2; done
    rc=1
  fi
  rm -rf "$TMP"
  exit "$rc"
}

fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# The figure tests: scripts/figures.sh and the PNGs it writes.
expect_pngs() {  # FIGDIR NAMES...: each NAME.png exists and is a non-empty PNG
  local dir=$1; shift
  for name in "$@"; do
    local f="$dir/$name.png"
    if [ ! -s "$f" ]; then
      fail "$f missing or empty"
    elif [ "$(head -c 8 "$f" | od -An -tx1 | tr -d ' \n')" != 89504e470d0a1a0a ]; then
      fail "$f is not a PNG"
    fi
  done
}

run_figures() {  # NAME ARGS...: runs figures.sh, output in NAME.log; returns its status
  local name=$1; shift
  "$FIGURES" "$@" >"$name.log" 2>&1
  local rc=$?
  echo "--- figures.sh $* (exit $rc)"
  grep -E '^(figures.sh:|  /)' "$name.log"
  return $rc
}

# check_figures FIGDIR H5 ARGS...: tests/e2e/figures_check.py (the numbers each figure of
# FIGDIR says it draws, against H5's tables), its verdict shown; a failure counted.
check_figures() {
  "$PY" "$ROOT/tests/e2e/figures_check.py" "$@" >"$1.check" 2>&1 && echo "  ok   $(cat "$1.check")" ||
    { fail "figures_check $1"; cat "$1.check" >&2; }
}

# run NAME N CMD...: runs CMD under `mpirun -n N` (N 0: without mpirun), stdin
# closed, with a timeout of E2E_TIMEOUT seconds (120); exit status in RC,
# output in NAME.out and NAME.err. (Scripts may define their own.)
run() {
  local name=$1 n=$2; shift 2
  local launcher=()
  [ "$n" -gt 0 ] && launcher=(mpirun -n "$n")
  RC=0
  timeout "${E2E_TIMEOUT:-120}" "${launcher[@]}" "$@" >"$name.out" 2>"$name.err" </dev/null || RC=$?
}
ok() { echo "  ok   $*"; }
# expect_rc NAME WANT: true when the last `run` exited WANT; else a failure with NAME.err's tail.
expect_rc() {
  if [ "$RC" -eq "$2" ]; then return 0; fi
  fail "$1: exit $RC, expected $2"; sed 's/^/    /' "$1.err" | tail -8 >&2; return 1
}
show() { sed 's/^/    /' "$1" | head -"${2:-15}" >&2; }  # FILE [LINES]: a file's head, indented, on stderr

# same_at_ranks NAME ARGS...: runs `scanhpc ARGS... -o NAME-nN.h5` without mpirun and at 2, 3
# and 4 ranks, and checks the outputs are identical but for /run. The outputs written are in OUTS.
same_at_ranks() {
  local name=$1 n; shift
  OUTS=()
  for n in 0 2 3 4; do
    run "$name-n$n" "$n" "$SCANHPC" "$@" -o "$name-n$n.h5"
    expect_rc "$name at $n rank(s)" 0 && OUTS+=("$name-n$n.h5")
  done
  if "$PY" "$ROOT/tests/compare_h5.py" --ignore /run "${OUTS[@]}" >"$name.cmp" 2>&1; then
    ok "$name: identical without mpirun and at 2-4 ranks"
  else
    fail "$name: outputs differ between rank counts"; show "$name.cmp" 10
  fi
}
