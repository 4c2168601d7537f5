#!/usr/bin/env bash
# Submits jobs/scan.slurm once per (ranks, threads) pair; each job writes its own file
# SWEEP_DIR/r<RANKS>-t<THREADS>.h5 and log SWEEP_DIR/r<RANKS>-t<THREADS>-<jobid>.out.
#
#   jobs/sweep-scan.sh [--dry-run]      (--dry-run prints the sbatch commands only)
#
# Environment (default):
#   SWEEP_RANKS           MPI ranks to try ("1 2 4 8")
#   SWEEP_THREADS         OpenMP threads per rank to try ("1 2 4 8")
#   SWEEP_CORES_PER_NODE  cores of one node, to choose --nodes (64)
#   SWEEP_TIME            --time of each job (00:30:00)
#   SWEEP_DIR             output folder (out/sweep)
#   SWEEP_FIGURES         1 to run scripts/figures.sh in every job (0)
# plus the SCANHPC_* variables of jobs/scan.slurm (input, config, binary), passed on.
# Everything in the files except the root provenance attributes and /run must be
# bit-identical across the sweep; /run/wall_seconds gives the timings.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"  # sbatch records this as SLURM_SUBMIT_DIR, which scan.slurm cd's to

dry=0
case ${1:-} in
  --dry-run) dry=1 ;;
  "") ;;
  *) echo "usage: jobs/sweep-scan.sh [--dry-run]" >&2; exit 2 ;;
esac

RANKS=${SWEEP_RANKS:-1 2 4 8}
THREADS=${SWEEP_THREADS:-1 2 4 8}
CORES=${SWEEP_CORES_PER_NODE:-64}
DIR=${SWEEP_DIR:-out/sweep}
[ $dry = 1 ] || mkdir -p "$DIR"

for r in $RANKS; do
  for t in $THREADS; do
    name="r$r-t$t"
    nodes=$(( (r * t + CORES - 1) / CORES ))
    [ "$nodes" -le "$r" ] || nodes=$r  # a rank does not span nodes
    cmd=(sbatch --parsable --job-name="scanhpc-$name" --nodes="$nodes" --ntasks="$r"
         --cpus-per-task="$t" --time="${SWEEP_TIME:-00:30:00}" --output="$DIR/$name-%j.out"
         --export="ALL,SCANHPC_OUTPUT=$DIR/$name.h5,SCANHPC_FIGDIR=$DIR/figures-$name,SCANHPC_FIGURES=${SWEEP_FIGURES:-0}"
         jobs/scan.slurm)
    if [ $dry = 1 ]; then
      echo "${cmd[*]}"
    else
      echo "$name: job $("${cmd[@]}")"
    fi
  done
done
