#!/usr/bin/env bash
# Submits jobs/gps-simulate.slurm once per (seed fraction, hitrate cutoff) pair; each job
# writes its own file SWEEP_DIR/f<FRACTION>-h<CUTOFF>.h5, figures SWEEP_DIR/figures-f<FRACTION>-h<CUTOFF>/
# and log SWEEP_DIR/f<FRACTION>-h<CUTOFF>-<jobid>.out.
#
#   jobs/gps-sweep.sh [--dry-run]      (--dry-run prints the sbatch commands only)
#
# Environment (default):
#   SWEEP_FRACTIONS   seed fractions, --seed-fraction ("0.01 0.02 0.05 0.1 0.2")
#   SWEEP_CUTOFFS     hitrate cutoffs, --hitrate ("1e-5 1e-3")
#   SWEEP_NODES       --nodes of each job (1)
#   SWEEP_RANKS       --ntasks, MPI ranks of each job (4)
#   SWEEP_THREADS     --cpus-per-task, OpenMP threads per rank (4)
#   SWEEP_TIME        --time of each job (00:30:00)
#   SWEEP_DIR         output folder (out/gps-sweep)
#   SWEEP_FIGURES     0 to skip scripts/figures.sh in the jobs (1)
# plus the SCANHPC_* variables of jobs/gps-simulate.slurm (input, binary, sample seed,
# launcher), passed on. The same --sample-seed samples nested seeds: every host of a
# smaller fraction's seed is in the larger fractions' seeds too.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"  # sbatch records this as SLURM_SUBMIT_DIR, which gps-simulate.slurm cd's to

dry=0
case ${1:-} in
  --dry-run) dry=1 ;;
  "") ;;
  *) echo "usage: jobs/gps-sweep.sh [--dry-run]" >&2; exit 2 ;;
esac

FRACTIONS=${SWEEP_FRACTIONS:-0.01 0.02 0.05 0.1 0.2}
CUTOFFS=${SWEEP_CUTOFFS:-1e-5 1e-3}
DIR=${SWEEP_DIR:-out/gps-sweep}
[ $dry = 1 ] || mkdir -p "$DIR"

for fraction in $FRACTIONS; do
  for cutoff in $CUTOFFS; do
    name="f$fraction-h$cutoff"
    cmd=(sbatch --parsable --job-name="scanhpc-gps-$name" --nodes="${SWEEP_NODES:-1}"
         --ntasks="${SWEEP_RANKS:-4}" --cpus-per-task="${SWEEP_THREADS:-4}" --time="${SWEEP_TIME:-00:30:00}"
         --output="$DIR/$name-%j.out"
         --export="ALL,SCANHPC_OUTPUT=$DIR/$name.h5,SCANHPC_FRACTION=$fraction,SCANHPC_CUTOFF=$cutoff,SCANHPC_FIGDIR=$DIR/figures-$name,SCANHPC_FIGURES=${SWEEP_FIGURES:-1}"
         jobs/gps-simulate.slurm)
    if [ $dry = 1 ]; then
      echo "${cmd[*]}"
    else
      echo "$name: job $("${cmd[@]}")"
    fi
  done
done
