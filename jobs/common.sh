# shellcheck shell=bash
# Shared by the job scripts in jobs/ (sourced, never run). One place decides where
# outputs go, which modules are loaded, how ranks are launched and whether threads
# are pinned, so every job behaves the same on every cluster.
#
# Site settings, all optional (put them in your ~/.bashrc or a file named by
# SCANHPC_SITE, which is sourced first):
#   SCANHPC_ROOT      the scanhpc checkout (set by jobs/submit.sh and jobs/sweep.sh;
#                     a job submitted from the checkout's root finds it by itself)
#   SCANHPC_BIN       the executable ($SCANHPC_ROOT/build/scanhpc)
#   SCANHPC_OUT       where outputs and logs go (${SCRATCH:-$HOME}/scanhpc-out), never the checkout
#   SCANHPC_MODULES   modules to load on the compute node, space-separated
#                     (e.g. "gcc/12 openmpi/4.1 hdf5/1.10-mpi"); needs `module`
#   SCANHPC_SITE      a shell file sourced before anything else (module setup, spack, conda)
#   SCANHPC_LAUNCHER  srun (default) or mpirun
#   SCANHPC_SRUN_MPI  srun's --mpi plugin (pmix); it must be the PMI your MPI was built with
#   SCANHPC_FIGURES   1 draws the figures after the run (0: off; compute nodes often lack
#                     the Python stack: run scripts/figures.sh on a login node instead)
# Resources come from the submission (sbatch -N, -n, -c, -t, --mem, -A, -p, -q or
# the SBATCH_* variables); the job scripts ask for little by default so they run anywhere.

if [ -n "${SCANHPC_SITE:-}" ]; then
  # shellcheck disable=SC1090
  source "$SCANHPC_SITE"
fi

job_name=${SCANHPC_JOB_NAME:-scanhpc}
say() { echo "$job_name: $*"; }
die() { echo "$job_name: error: $*" >&2; exit "${2:-1}"; }

# The checkout: needed for the default binary and the bundled data.
scanhpc_root() {
  if [ -n "${SCANHPC_ROOT:-}" ]; then
    [ -f "$SCANHPC_ROOT/jobs/common.sh" ] || die "SCANHPC_ROOT=$SCANHPC_ROOT is not a scanhpc checkout"
  elif [ -f "${SLURM_SUBMIT_DIR:-$PWD}/jobs/common.sh" ]; then
    SCANHPC_ROOT=${SLURM_SUBMIT_DIR:-$PWD}
  else
    die "cannot find the scanhpc checkout: submit with jobs/submit.sh, from the checkout's root, or set SCANHPC_ROOT"
  fi
  export SCANHPC_ROOT
}

# Sets ROOT, BIN, OUT, JOB, THREADS, RANKS, the launch command, and loads the site's modules.
scanhpc_job_setup() {
  scanhpc_root
  ROOT=$SCANHPC_ROOT
  JOB=${SLURM_ARRAY_JOB_ID:+${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}}
  JOB=${JOB:-${SLURM_JOB_ID:-local-$$}}
  if [ -n "${SCANHPC_MODULES:-}" ]; then
    command -v module >/dev/null 2>&1 || type module >/dev/null 2>&1 \
      || die "SCANHPC_MODULES is set but this node has no 'module' command (set SCANHPC_SITE to a file that sets it up)"
    # shellcheck disable=SC2086  # a list of modules
    module load $SCANHPC_MODULES || die "module load $SCANHPC_MODULES failed"
  fi
  BIN=${SCANHPC_BIN:-$ROOT/build/scanhpc}
  [ -x "$BIN" ] || die "no scanhpc executable at $BIN (build it: scripts/build.sh, or set SCANHPC_BIN)"
  OUT=${SCANHPC_OUT:-${SCRATCH:-$HOME}/scanhpc-out}
  case "$(realpath -m "$OUT")/" in
    "$(realpath "$ROOT")"/*) die "SCANHPC_OUT=$OUT is inside the checkout; outputs belong elsewhere" 2 ;;
  esac
  mkdir -p "$OUT" || die "cannot create SCANHPC_OUT=$OUT"
  # A sweep point may use fewer ranks or threads than its array allocated.
  RANKS=${SCANHPC_RANKS:-${SLURM_NTASKS:-1}}
  THREADS=${SCANHPC_THREADS:-${SLURM_CPUS_PER_TASK:-1}}
  export OMP_NUM_THREADS=$THREADS
  # Since Slurm 22.05 srun no longer inherits --cpus-per-task from the batch allocation.
  export SRUN_CPUS_PER_TASK=$THREADS
  case ${SCANHPC_LAUNCHER:-srun} in
    srun)
      command -v srun >/dev/null || die "SCANHPC_LAUNCHER=srun but there is no srun here"
      local mpi=${SCANHPC_SRUN_MPI:-pmix} plugins
      plugins=$(srun --mpi=list 2>&1 | sed -nE 's/^[[:space:]]+([a-z0-9_]+)[[:space:]]*$/\1/p' | tr '\n' ' ')
      case " $plugins " in
        *" $mpi "*) ;;
        *) die "this SLURM's srun has no MPI plugin '$mpi' (it has: ${plugins:-none listed}); set SCANHPC_SRUN_MPI to the PMI your MPI library was built with, or SCANHPC_LAUNCHER=mpirun" 2 ;;
      esac
      launch=(srun --mpi="$mpi" --ntasks="$RANKS" --cpus-per-task="$THREADS" --cpu-bind=cores)
      # A plugin SLURM has but the MPI library does not speak fails in MPI_Init with a page
      # of the library's text, or starts RANKS worlds of one: try it on a tiny step first.
      local size
      if ! size=$("${launch[@]}" "$BIN" --mpi-check 2>"${TMPDIR:-/tmp}/scanhpc-mpi-check.$$"); then
        sed -n '1,6p' "${TMPDIR:-/tmp}/scanhpc-mpi-check.$$" >&2
        rm -f "${TMPDIR:-/tmp}/scanhpc-mpi-check.$$"
        die "srun --mpi=$mpi cannot start this scanhpc's MPI (above: the first lines of what it said); set SCANHPC_SRUN_MPI to the PMI your MPI library was built with (this SLURM has: $plugins) or SCANHPC_LAUNCHER=mpirun" 2
      fi
      rm -f "${TMPDIR:-/tmp}/scanhpc-mpi-check.$$"
      [ "$size" = "$RANKS" ] || die "srun --mpi=$mpi started $RANKS tasks but MPI saw a world of ${size:-?}; set SCANHPC_SRUN_MPI to the PMI your MPI library was built with (this SLURM has: $plugins) or SCANHPC_LAUNCHER=mpirun" 2
      ;;
    mpirun)
      command -v mpirun >/dev/null || die "SCANHPC_LAUNCHER=mpirun but there is no mpirun here (load your MPI module: SCANHPC_MODULES)"
      if mpirun --version 2>&1 | grep -q "Open MPI"; then
        # Open MPI 4 and 5: place RANKS ranks with THREADS cores each, bound to them
        # (overload-allowed: where SLURM declares more CPUs than there are cores).
        launch=(mpirun -np "$RANKS" --map-by "slot:PE=$THREADS" --bind-to core:overload-allowed)
      else  # MPICH (Hydra) and derivatives: placement by the launcher's defaults
        launch=(mpirun -n "$RANKS")
      fi
      ;;
    *) die "SCANHPC_LAUNCHER must be srun or mpirun, not '${SCANHPC_LAUNCHER}'" 2 ;;
  esac
  say "job $JOB on ${SLURM_JOB_NUM_NODES:-1} node(s) (${SLURM_JOB_NODELIST:-$(hostname)}): $RANKS ranks x $THREADS threads, $(date -u +%FT%TZ)"
}

# Runs scanhpc ARGS... on every rank. jobs/rank-env.sh pins each rank's threads only
# where the launcher gave that rank CPUs of its own.
scanhpc_run() {
  say "${launch[*]} $BIN $*"
  local start=$SECONDS rc=0
  "${launch[@]}" "$ROOT/jobs/rank-env.sh" "$BIN" "$@" || rc=$?
  say "scanhpc $1 ended with status $rc after $((SECONDS - start)) s"
  return "$rc"
}

# Figures only when asked for, and never the reason a finished job fails.
scanhpc_figures() {  # OUTPUT.h5 FIGDIR
  [ "${SCANHPC_FIGURES:-0}" = 1 ] || return 0
  if ! /usr/bin/python3 -c 'import h5py, matplotlib, nbconvert' 2>/dev/null; then
    say "figures skipped: this node lacks /usr/bin/python3 with h5py, matplotlib and nbconvert; run on a login node: scripts/figures.sh $1 $2"
    return 0
  fi
  "$ROOT/scripts/figures.sh" "$1" "$2" || say "figures failed (the output $1 is complete); rerun: scripts/figures.sh $1 $2"
}
