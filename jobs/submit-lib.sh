# shellcheck shell=bash
# Submission helpers of jobs/submit.sh and jobs/sweep.sh (sourced): a submission that
# sbatch refuses, or that SLURM accepts but can never start, is an error with SLURM's
# own words, not a job id printed and forgotten.

# Reasons for which a pending job never starts without an administrator (partition
# limits the job exceeds, bad account or QOS, a dependency that failed).
never_reasons=" PartitionConfig PartitionNodeLimit PartitionTimeLimit BadConstraints InvalidAccount InvalidQOS AccountNotAllowed QOSNotAllowed DependencyNeverSatisfied "

# submit_checked SBATCH-ARGS...: prints the job id; exits 1 (after scancel) when sbatch
# fails or the job cannot start on this cluster.
submit_checked() {
  local out id reason
  local rc=0
  out=$(sbatch --parsable "$@" 2>&1) || rc=$?
  id=$(grep -m1 -E '^[0-9]+(;.*)?$' <<<"$out" || true)
  id=${id%%;*}  # --parsable: "id" or "id;cluster"
  if [ -z "$id" ]; then
    echo "${SUBMIT_NAME:-submit}: sbatch refused the job: ${out//$'\n'/ }" >&2
    return 1
  elif [ "$rc" != 0 ]; then  # --wait: the job ran and failed
    echo "${SUBMIT_NAME:-submit}: job $id failed (sbatch --wait exit $rc)" >&2
    echo "$id"
    return 1
  fi
  # A job beyond the partition's limits is accepted and pends forever unless the site
  # sets EnforcePartLimits; the reason is known at submission.
  local tries=0
  while :; do
    reason=$(squeue -h -j "$id" -o %r 2>/dev/null | head -n1 || true)
    [[ $reason == None && $tries -lt 6 ]] || break  # not yet looked at by the scheduler
    sleep 0.5; tries=$((tries + 1))
  done
  if [[ -n $reason && $never_reasons == *" $reason "* ]]; then
    scancel "$id" 2>/dev/null || true
    echo "${SUBMIT_NAME:-submit}: job $id can never start here (Reason=$reason: it asks for more nodes, CPUs or time than the partition gives, or an account/QOS it may not use); cancelled. Ask for less (-N, -n, -c, -t) or another partition (-p)." >&2
    return 1
  fi
  echo "$id"
}

# The checkout and the output folder of a submission (sets ROOT and OUT, exports SCANHPC_ROOT).
submit_setup() {
  ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  export SCANHPC_ROOT=$ROOT
  OUT=${SCANHPC_OUT:-${SCRATCH:-$HOME}/scanhpc-out}
  case "$(realpath -m "$OUT")/" in
    "$ROOT"/*) echo "${SUBMIT_NAME:-submit}: SCANHPC_OUT=$OUT is inside the checkout; outputs belong elsewhere" >&2; exit 2 ;;
  esac
  command -v sbatch >/dev/null || { echo "${SUBMIT_NAME:-submit}: no sbatch here (run on a SLURM login node)" >&2; exit 1; }
}

# wait_job ID: waits until the job (every task of an array) has ended; prints
# "ID STATE" and returns 0 when it COMPLETED. Polls every SCANHPC_POLL_SECONDS (10):
# sbatch --wait polls after 2, 8, then every 32 s.
wait_job() {
  local id=$1 states
  while :; do
    states=$(squeue -h -j "$id" -t all -o %T 2>/dev/null | sort -u | tr '\n' ' ')
    case " $states" in
      *" PENDING "*|*" RUNNING "*|*" CONFIGURING "*|*" COMPLETING "*|*" SUSPENDED "*|*" REQUEUED "*|*" RESIZING "*) ;;
      "  ") states=$(scontrol show job "$id" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p' | sort -u | tr '\n' ' ')
            [ -n "$states" ] && break || { echo "$id UNKNOWN"; return 1; } ;;
      *) break ;;
    esac
    sleep "${SCANHPC_POLL_SECONDS:-10}"
  done
  echo "$id ${states% }"
  [ "$states" = "COMPLETED " ]
}
