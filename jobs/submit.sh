#!/usr/bin/env bash
# Submits one job script of jobs/ with its log under $SCANHPC_OUT/logs and the checkout
# known to the job (SCANHPC_ROOT), from any directory; fails loudly where sbatch refuses
# the job or SLURM could never start it.
#
#   jobs/submit.sh JOB [SBATCH-OPTIONS...]      JOB: scan, gps-simulate, flow, ports or a path
#   jobs/submit.sh scan -N 2 -n 16 -c 8 -t 1:00:00 -A myaccount -p compute
#   SCANHPC_INPUT="/data/*.json.gz" SCANHPC_OUT=/scratch/me/out jobs/submit.sh scan --wait
#
# Prints the job id on stdout; --wait waits for the job to end. Exit: 0 submitted (with
# --wait: the job succeeded), 1 refused or failed, 2 usage. Site settings: jobs/common.sh.
set -euo pipefail
# shellcheck disable=SC2034  # read by submit-lib.sh
SUBMIT_NAME=submit.sh
# shellcheck source=submit-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/submit-lib.sh"
[ $# -ge 1 ] && [[ $1 != -* ]] || { sed -n '2,11s/^# \{0,1\}//p' "$0" >&2; exit 2; }
job=$1; shift
submit_setup
script=$job
[ -f "$script" ] || script=$ROOT/jobs/$job.slurm
[ -f "$script" ] || { echo "submit.sh: no job script '$job' (jobs/*.slurm: $(cd "$ROOT/jobs" && ls -- *.slurm | sed 's/\.slurm$//' | tr '\n' ' '))" >&2; exit 2; }
wait=0 opts=()
for a in "$@"; do [ "$a" = --wait ] && wait=1 || opts+=("$a"); done
mkdir -p "$OUT/logs"
id=$(submit_checked --output="$OUT/logs/%x-%j.out" "${opts[@]}" "$script") || exit 1
echo "$id"
[ $wait = 1 ] || exit 0
# Our own wait (every SCANHPC_POLL_SECONDS, 10): sbatch --wait polls every 32 s.
state=$(wait_job "$id") || { echo "submit.sh: job ${state}; its log: $OUT/logs/" >&2; exit 1; }
