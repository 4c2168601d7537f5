#!/bin/bash
# Runs once per rank, before scanhpc: pins the rank's OpenMP threads to cores only
# where the launcher gave the rank cores of its own. Where it did not (task/none,
# --cpu-bind=none, a job-wide cgroup shared by several ranks), OMP_PROC_BIND=close
# would pin every rank's threads to the same first cores; those ranks then share
# one core. An OMP_PROC_BIND set by the user is kept.
#   jobs/rank-env.sh PROGRAM ARGS...
set -u
if [ -z "${OMP_PROC_BIND:-}" ]; then
  threads=${OMP_NUM_THREADS:-1}
  cpus=$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' /proc/self/status)
  cores=0
  declare -A seen=()
  IFS=, read -ra ranges <<<"$cpus"
  for r in "${ranges[@]}"; do
    lo=${r%-*}; hi=${r#*-}
    for ((c = lo; c <= hi; c++)); do
      topo=/sys/devices/system/cpu/cpu$c/topology
      key=$(cat "$topo/physical_package_id" 2>/dev/null).$(cat "$topo/core_id" 2>/dev/null || echo "cpu$c")
      [ -n "${seen[$key]:-}" ] || { seen[$key]=1; cores=$((cores + 1)); }
    done
  done
  if [ "$cores" -gt 0 ] && [ "$cores" -le "$threads" ]; then
    export OMP_PROC_BIND=close OMP_PLACES=cores
  else
    export OMP_PROC_BIND=false
  fi
  [ "${SCANHPC_SHOW_BINDING:-0}" = 1 ] && echo "rank-env: rank ${SLURM_PROCID:-${OMPI_COMM_WORLD_RANK:-${PMI_RANK:-0}}} on $(hostname -s): CPUs $cpus ($cores cores) for $threads threads: OMP_PROC_BIND=$OMP_PROC_BIND" >&2
fi
exec "$@"
