#!/usr/bin/env bash
# Executes the analysis notebooks headless on one scanhpc HDF5 file and writes their figures.
#
#   scripts/figures.sh [H5FILE] [FIGDIR]        (defaults: out/example.h5 out/figures)
#
# Arguments given are relative to the current directory; the defaults are relative to
# the repository root. Each notebook reads SCANHPC_H5 and SCANHPC_FIGDIR (exported here
# as absolute paths), saves its PNGs in FIGDIR, and the executed copy (with outputs) is
# written to FIGDIR/executed/. Exit status is non-zero if any notebook fails.
#
# Which notebooks run: every notebooks/*.ipynb whose required HDF5 groups exist in the
# file. A notebook names them in its top-level metadata:
#
#     "metadata": { "scanhpc": { "requires": "/multiprobe" }, ... }
#
# ("requires" is one group path or a list of them). A notebook whose groups are missing
# (e.g. a scan run with --analyses hosts has no /multiprobe) is skipped with a message;
# a notebook without "scanhpc.requires" is always run.
#
# Beside each PNG a notebook writes NAME.json with the numbers the figure draws, the tables they
# come from and the input's provenance (notebooks/figlib.py; tests/e2e/figures_check.py compares
# them with the file). A figure whose data the file lacks is not drawn: its NAME.json says why,
# and this script lists those reasons ("not drawn: ...") after the PNGs.
#
# Kernel: notebooks use the kernel spec "python3". It must be Debian's /usr/bin/python3
# (with python3-h5py, -matplotlib, -pandas), not whatever "python3" a user-level
# kernelspec (~/.local/share/jupyter/kernels) or PATH points at. JUPYTER_PATH is searched
# before every other kernel directory, so the script puts notebooks/ first in it: the
# spec notebooks/kernels/python3/kernel.json (argv /usr/bin/python3 -m ipykernel_launcher)
# wins, and the script checks that it resolves to /usr/bin/python3 before running.
set -euo pipefail

PY=/usr/bin/python3
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

if [ $# -gt 2 ] || [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ]; then
  echo "usage: scripts/figures.sh [H5FILE] [FIGDIR]   (defaults out/example.h5 out/figures)" >&2
  exit 2
fi
abspath() {  # absolute path of $1, relative to $2 when not absolute
  case $1 in /*) printf '%s\n' "$1" ;; *) printf '%s/%s\n' "$2" "$1" ;; esac
}
H5=$(abspath "${1:-out/example.h5}" "$([ $# -ge 1 ] && pwd || echo "$ROOT")")
FIGDIR=$(abspath "${2:-out/figures}" "$([ $# -ge 2 ] && pwd || echo "$ROOT")")
cd "$ROOT"

if [ ! -f "$H5" ]; then
  echo "figures.sh: no such file: $H5" >&2
  exit 1
fi
if ! "$PY" -c 'import h5py, matplotlib, pandas, numpy, nbconvert, ipykernel' 2>/dev/null; then
  echo "figures.sh: $PY lacks a package; on Debian: apt-get install python3-h5py python3-matplotlib" \
       "python3-pandas python3-numpy jupyter-nbconvert python3-ipykernel python3-nbformat" >&2
  exit 1
fi

# The kernel: see the header. Also keep the user's site-packages and PYTHONPATH (which may
# belong to another interpreter) out of /usr/bin/python3, and give Jupyter a private
# runtime directory for its connection files (HOME may be read-only on compute nodes).
export JUPYTER_PATH="$ROOT/notebooks${JUPYTER_PATH:+:$JUPYTER_PATH}"
export PYTHONNOUSERSITE=1 PYDEVD_DISABLE_FILE_VALIDATION=1
unset PYTHONPATH PYTHONHOME
JUPYTER_RUNTIME_DIR=$(mktemp -d "${TMPDIR:-/tmp}/scanhpc-jupyter.XXXXXX")
export JUPYTER_RUNTIME_DIR
STAMP="$JUPYTER_RUNTIME_DIR/start"
touch "$STAMP"
trap 'rm -rf "$JUPYTER_RUNTIME_DIR"' EXIT

kernel_python=$("$PY" -c 'from jupyter_client.kernelspec import KernelSpecManager
print(KernelSpecManager().get_kernel_spec("python3").argv[0])')
if [ "$kernel_python" != "$PY" ]; then
  echo "figures.sh: kernel python3 resolves to $kernel_python, not $PY" >&2
  exit 1
fi

export SCANHPC_H5="$H5" SCANHPC_FIGDIR="$FIGDIR"
mkdir -p "$FIGDIR/executed"
echo "figures.sh: $H5 -> $FIGDIR"

# One line per notebook: "run PATH" or "skip PATH REASON".
plan=$("$PY" - "$H5" notebooks/*.ipynb <<'EOF'
import json, sys
import h5py

h5, notebooks = sys.argv[1], sys.argv[2:]
with h5py.File(h5, "r") as f:
    for nb in notebooks:
        with open(nb) as fh:
            requires = json.load(fh).get("metadata", {}).get("scanhpc", {}).get("requires", [])
        if isinstance(requires, str):
            requires = [requires]
        missing = [g for g in requires if not isinstance(f.get(g), h5py.Group)]
        print(f"skip {nb} (no group {', '.join(missing)} in the file)" if missing else f"run {nb}")
EOF
)

failed=()
ran=0
while read -r action nb reason; do
  [ -n "${action:-}" ] || continue
  if [ "$action" = skip ]; then
    echo "figures.sh: skipping $nb $reason"
    continue
  fi
  echo "figures.sh: running $nb"
  ran=$((ran + 1))
  if ! "$PY" -m nbconvert --to notebook --execute \
        --ExecutePreprocessor.kernel_name=python3 --ExecutePreprocessor.timeout=3600 \
        --output-dir "$FIGDIR/executed" "$nb"; then
    failed+=("$nb")
  fi
done <<<"$plan"

echo "figures.sh: PNG files written:"
find "$FIGDIR" -maxdepth 1 -name '*.png' -newer "$STAMP" -printf '  %p (%s bytes)\n' | sort
# Figures the file has no data for: each notebook wrote NAME.json with the reason (notebooks/figlib.py).
find "$FIGDIR" -maxdepth 1 -name '*.json' -newer "$STAMP" -print0 | sort -z |
  xargs -0 -r "$PY" -c 'import json, sys
for p in sys.argv[1:]:
    r = json.load(open(p))
    if "skipped" in r:
        print("figures.sh: not drawn:", r["figure"] + ":", r["skipped"])'
if [ ${#failed[@]} -gt 0 ]; then
  echo "figures.sh: FAILED: ${failed[*]} (see the traceback above)" >&2
  exit 1
fi
echo "figures.sh: $ran notebook(s) executed"
