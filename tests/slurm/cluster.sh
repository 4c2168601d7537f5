#!/usr/bin/env bash
# A real one-node SLURM cluster (Debian 12: slurm-wlm 22.05 + munge) that lives
# entirely in one directory, for the SLURM tests. See tests/slurm/README.md.
#
#   cluster.sh start DIR   make DIR, start munged + slurmctld + slurmd as root,
#                          wait for the node to be idle, print the environment
#   cluster.sh stop DIR    cancel the jobs, stop exactly the daemons that
#                          "start DIR" recorded; safe to repeat or after a
#                          failed start
#   cluster.sh env DIR     print the environment again
#   cluster.sh wait DIR JOBID [TIMEOUT]
#                          wait (default 120 s) until job JOBID (all its array
#                          tasks) has ended; print "ID STATE EXITCODE" per job
#                          (ID is ARRAYID_TASK for array tasks); exit 0 if all
#                          COMPLETED, 1 if any other end state, 124 on timeout
#
# SLURM_TEST_CPUS (default 4): CPUs the node declares (at least nproc).
# SLURM_TEST_EXTRA_CONF: lines appended to slurm.conf (a later line wins),
#   e.g. SLURM_TEST_EXTRA_CONF=$'EnforcePartLimits=NO\nMpiDefault=pmix'.
# SLURM_TEST_START_TIMEOUT (default 60): seconds "start" waits for the node.
#
# Nothing outside DIR is touched: no /etc/slurm, /etc/munge or system munged.
# Clients find the cluster through SLURM_CONF=DIR/slurm.conf; slurm.conf's
# AuthInfo=socket=... points every SLURM component (daemons, sbatch, srun,
# slurmstepd) at this cluster's munged socket.
#
# Choices (container without systemd, cgroups not delegated):
# - ProctrackType=proctrack/linuxproc: tracks job processes through the /proc
#   parent tree; proctrack/cgroup needs a writable, delegated cgroup tree.
#   (Processes that daemonize escape tracking; the tests' jobs do not.)
# - TaskPlugin=task/none: no CPU binding (srun --cpu-bind=... only warns
#   "cluster configuration lacks support for cpu binding"). task/affinity
#   fails every 4-task step on the 4 declared / 2 real CPUs below ("Unable to
#   layout tasks on given cpus"); task/cgroup needs cgroups. With neither
#   cgroup plugin configured, slurmd needs no cgroup.conf (none is written).
# - CPUs: the node declares max(nproc, SLURM_TEST_CPUS, default 4) CPUs and
#   SlurmdParameters=config_overrides makes slurmd report the configured CPUs
#   instead of draining the node for "Low CPU count", so 4-rank jobs run on a
#   2-core machine (SLURM-level oversubscription, like the MPI tests' 4 ranks
#   on 2 cores).
# - Finished jobs: MinJobAge=86400 keeps them in slurmctld's memory, so
#   "scontrol show job ID" still gives JobState=FAILED and ExitCode=N:0 after
#   the end; jobcomp/filetxt also appends one line per finished job to
#   DIR/log/jobcomp.txt. There is no slurmdbd, so sacct has no data.
# - EnforcePartLimits=ALL: a job that can never fit the partition (-N 2, -n 64)
#   is refused by sbatch at submission instead of pending forever.
# - DependencyParameters=kill_invalid_depend: a job whose dependency can never
#   be satisfied (afterok on a failed job) is CANCELLED (Reason=
#   DependencyNeverSatisfied) instead of pending forever. (Since 20.11 this is
#   a DependencyParameters option; 22.05 ignores it in SchedulerParameters.)
#   "sbatch --kill-on-invalid-dep=yes" does the same per job on any cluster.
# - sbatch --wait polls slurmctld after 2, 8, then every 32 s, so a 3 s job
#   takes 10 s to "wait" for and an 11 s one 42 s; "cluster.sh wait" polls
#   every 0.25 s instead.
# - Ports: SlurmctldPort and SlurmdPort are a random free pair below the
#   ephemeral port range, chosen at each start; if a daemon still finds its
#   port taken, start stops everything and tries again with new ports (3
#   tries). Several clusters (separate DIRs) can run at once; each has its own
#   munge key, so clients of one cannot talk to another.
# - SchedulerParameters=batch_sched_delay=0: a submitted job starts within
#   about a second (the default delay of up to 3 s made each job ~3 s longer).
set -euo pipefail

usage() { echo "usage: $0 start|stop|env DIR | wait DIR JOBID [TIMEOUT]" >&2; exit 2; }
[ $# -ge 2 ] || usage
cmd=$1
dir=$2
case "$dir" in /*) ;; *) dir="$(pwd)/$dir" ;; esac
dir=${dir%/}

START_TIMEOUT=${SLURM_TEST_START_TIMEOUT:-60}   # seconds to wait for an idle node

# The start time (clock ticks since boot, /proc/PID/stat field 22) of PID, so a
# recorded PID is never confused with a later, unrelated process of that PID.
# Fails for a zombie: an exited daemon stays one until PID 1 (which may be slow
# in a container) reaps it.
starttime() {
  local stat
  read -r stat 2>/dev/null <"/proc/$1/stat" || return 1
  stat=${stat##*) }                 # fields from 3 on (comm may hold spaces)
  set -- $stat
  [ "$1" != Z ] || return 1
  echo "${20}"
}

# Records PID (a daemon of this cluster) as DIR/pids/NAME: "PID STARTTIME".
record() {
  local name=$1 pid=$2 st
  st=$(starttime "$pid") || st=0
  echo "$pid $st" >"$dir/pids/$name"
}

# True while the process recorded in FILE is alive and is still that process.
recorded_alive() {
  local pid st now
  read -r pid st <"$1" 2>/dev/null || return 1
  [ -n "$pid" ] || return 1
  now=$(starttime "$pid") || return 1
  [ "$now" = "$st" ]
}

print_env() {
  echo "export SLURM_CONF=$dir/slurm.conf"
  # Not read by SLURM (slurm.conf's AuthInfo is); for munge/unmunge by hand.
  echo "export MUNGE_SOCKET=$dir/munge/munge.socket"
}

dump_logs() {
  local f
  for f in "$dir"/log/*; do
    [ -f "$f" ] || continue
    echo "----- $f (last 40 lines) -----" >&2
    tail -n 40 "$f" >&2
  done
}

listening_ports() {
  # Local ports in LISTEN state (st 0A) from /proc/net/tcp{,6}, in decimal.
  local f
  for f in /proc/net/tcp /proc/net/tcp6; do
    [ -r "$f" ] || continue
    awk 'NR>1 && $4=="0A" { split($2,a,":"); print a[2] }' "$f"
  done | while read -r hex; do echo $((16#$hex)); done
}

# Two consecutive free TCP ports from 10000 up to below the kernel's ephemeral
# range (ip_local_port_range, 32768 by default), where no outgoing connection
# can be holding them.
pick_ports() {
  local used p i low
  read -r low _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || low=32768
  [ "$low" -gt 12000 ] || low=61000
  used=" $(listening_ports | tr '\n' ' ') "
  for i in $(seq 1 100); do
    p=$((10000 + (RANDOM * 32768 + RANDOM) % (low - 10001)))
    case "$used" in *" $p "*|*" $((p + 1)) "*) continue ;; esac
    echo "$p"
    return 0
  done
  echo "cluster.sh: no free port pair found" >&2
  return 1
}

write_conf() {
  local host=$1 cpus=$2 mem=$3 port=$4
  cat >"$dir/slurm.conf" <<EOF
# Written by tests/slurm/cluster.sh for a one-node test cluster in $dir
ClusterName=test$port
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.socket
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool/slurmd
SlurmctldPidFile=$dir/run/slurmctld.pid
SlurmdPidFile=$dir/run/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$dir/log/jobcomp.txt
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0
DependencyParameters=kill_invalid_depend
EnforcePartLimits=ALL
MinJobAge=86400
ReturnToService=2
SlurmdParameters=config_overrides
MpiDefault=none
MailProg=/bin/true
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
KillWait=2
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus Sockets=1 CoresPerSocket=$cpus ThreadsPerCore=1 RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=30:00 DefaultTime=10:00 State=UP
EOF
  if [ -n "${SLURM_TEST_EXTRA_CONF:-}" ]; then
    printf '# SLURM_TEST_EXTRA_CONF\n%s\n' "$SLURM_TEST_EXTRA_CONF" >>"$dir/slurm.conf"
  fi
}

start() {
  local host cpus mem port i state
  if [ -d "$dir/pids" ]; then
    for f in "$dir"/pids/*; do
      if [ -f "$f" ] && recorded_alive "$f"; then
        echo "cluster.sh: a cluster is already running in $dir (stop it first)" >&2
        return 1
      fi
    done
  fi
  for b in munged mungekey slurmctld slurmd sinfo scontrol; do
    command -v "$b" >/dev/null || { echo "cluster.sh: $b not found (scripts/install-deps.sh installs slurm-wlm munge)" >&2; return 1; }
  done
  [ "$(id -u)" -eq 0 ] || { echo "cluster.sh: must run as root (SlurmUser=root)" >&2; return 1; }

  # From here on, any failure (an explicit "return 1" or a failing command
  # under set -e) prints the logs and stops whatever was started.
  quiet_fail=0
  trap 'rc=$?; if [ "$rc" -ne 0 ]; then [ "$quiet_fail" = 1 ] || { echo "cluster.sh: start failed (exit $rc)" >&2; dump_logs; }; stop; fi' EXIT
  mkdir -p "$dir"
  rm -rf "${dir:?}"/{state,spool,log,run,munge,pids}
  mkdir -p "$dir"/{state,spool/slurmd,log,run,munge,pids}
  chmod 0755 "$dir"
  chmod 0755 "$dir/munge"   # munged: the socket directory must be executable by all
  chmod 0700 "$dir/state"

  host=$(hostname -s)
  cpus=$(nproc)
  [ "$cpus" -ge "${SLURM_TEST_CPUS:-4}" ] || cpus=${SLURM_TEST_CPUS:-4}
  mem=$(awk '/^MemTotal:/ { print int($2 / 1024) }' /proc/meminfo)
  port=$(pick_ports)
  write_conf "$host" "$cpus" "$mem" "$port"
  export SLURM_CONF=$dir/slurm.conf

  # munged: a fresh key, its own socket, pid, log and seed files.
  mungekey --create --keyfile="$dir/munge/munge.key" --force
  chmod 0600 "$dir/munge/munge.key"
  munged --foreground --force \
    --socket="$dir/munge/munge.socket" --key-file="$dir/munge/munge.key" \
    --pid-file="$dir/run/munged.pid" --log-file="$dir/log/munged.log" \
    --seed-file="$dir/munge/munged.seed" \
    </dev/null >>"$dir/log/munged.out" 2>&1 &
  record munged $!
  for i in $(seq 1 50); do
    [ -S "$dir/munge/munge.socket" ] && break
    recorded_alive "$dir/pids/munged" || break
    sleep 0.1
  done
  if ! [ -S "$dir/munge/munge.socket" ]; then
    echo "cluster.sh: munged did not start" >&2; return 1
  fi

  # The daemons run in the foreground (-D) of a background job, so $! is the
  # daemon itself; they write their own logs into DIR/log.
  slurmctld -D -i -f "$dir/slurm.conf" </dev/null >>"$dir/log/slurmctld.out" 2>&1 &
  record slurmctld $!
  slurmd -D -f "$dir/slurm.conf" </dev/null >>"$dir/log/slurmd.out" 2>&1 &
  record slurmd $!

  local t0=$SECONDS
  while :; do
    state=$(scontrol show node "$host" -o 2>/dev/null | sed -n 's/.* State=\([^ ]*\).*/\1/p') || true
    case "$state" in IDLE|IDLE+*) break ;; esac
    for d in munged slurmctld slurmd; do
      if ! recorded_alive "$dir/pids/$d"; then
        if grep -qs 'Address already in use' "$dir/log/$d.log"; then
          echo "cluster.sh: $d could not bind its port ($port or $((port + 1))): already in use" >&2
          quiet_fail=1
          return 98
        fi
        echo "cluster.sh: $d exited during start" >&2; return 1
      fi
    done
    if [ $((SECONDS - t0)) -ge "$START_TIMEOUT" ]; then
      echo "cluster.sh: node $host not idle after ${START_TIMEOUT}s (state: ${state:-none})" >&2
      scontrol show node "$host" >&2 2>&1 || true
      return 1
    fi
    sleep 0.2
  done
  trap - EXIT
  echo "cluster.sh: node $host idle with $cpus CPUs after $((SECONDS - t0))s; slurmctld port $port, slurmd port $((port + 1))" >&2
  print_env
}

# Sends TERM to the recorded daemon NAME, waits up to 10 s, then KILLs it.
stop_one() {
  local f=$dir/pids/$1 pid st i
  [ -f "$f" ] || return 0
  if recorded_alive "$f"; then
    read -r pid st <"$f"
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 1 100); do
      recorded_alive "$f" || break
      sleep 0.1
    done
    if recorded_alive "$f"; then
      echo "cluster.sh: $1 ($pid) ignored TERM, killing" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$f"
}

stop() {
  [ -d "$dir" ] || return 0
  if [ -f "$dir/slurm.conf" ] && [ -f "$dir/pids/slurmctld" ] && recorded_alive "$dir/pids/slurmctld"; then
    # Cancel the jobs first so that the slurmstepd processes (one per job
    # step, detached from slurmd in their own sessions) kill the jobs' tasks
    # and exit.
    local ids i
    ids=$(SLURM_CONF=$dir/slurm.conf timeout 10 squeue -h -t PD,R,S,CF,CG -o %A 2>/dev/null | sort -u) || true
    if [ -n "$ids" ]; then
      SLURM_CONF=$dir/slurm.conf timeout 10 scancel $ids 2>/dev/null || true
      for i in $(seq 1 50); do
        [ -z "$(SLURM_CONF=$dir/slurm.conf timeout 5 squeue -h -t R,S,CF,CG -o %A 2>/dev/null)" ] && break
        sleep 0.2
      done
    fi
  fi
  stop_one slurmd
  stop_one slurmctld
  stop_one munged
  kill_stepds
  return 0
}

# Last resort for job steps that outlived the daemons (a crashed slurmctld, a
# step that ignored the cancel): this cluster's slurmstepd processes are those
# running /usr/sbin/slurmstepd with DIR/log/slurmd.log open (slurmstepd
# rewrites its environment and command line, so neither can identify it).
# Each is killed together with its descendants, the job's tasks.
kill_stepds() {
  local log=$dir/log/slurmd.log exe p victims="" all
  exe=$(readlink -f "$(command -v slurmstepd 2>/dev/null || echo /usr/sbin/slurmstepd)")
  for p in $(find /proc/[0-9]*/exe -maxdepth 0 -lname "$exe" 2>/dev/null); do
    p=${p#/proc/}
    p=${p%/exe}
    if [ -n "$(find "/proc/$p/fd" -lname "$log" 2>/dev/null | head -n 1)" ]; then
      victims="$victims $p"
    fi
  done
  [ -n "$victims" ] || return 0
  # Add the descendants: PIDs whose parent is in the list, to a fixpoint.
  all=$(ps -e -o pid=,ppid= | awk -v roots="$victims" '
    BEGIN { n = split(roots, r, " "); for (i = 1; i <= n; i++) in_set[r[i]] = 1 }
    { parent[$1] = $2 }
    END {
      do { changed = 0
           for (p in parent) if (!(p in in_set) && (parent[p] in in_set)) { in_set[p] = 1; changed = 1 }
      } while (changed)
      for (p in in_set) printf "%s ", p
    }')
  echo "cluster.sh: killing leftover job steps of $dir (slurmstepd$victims and descendants): $all" >&2
  kill -KILL $all 2>/dev/null || true
}

# Polls "scontrol show job" (finished jobs stay there for MinJobAge = 1 day).
wait_job() {
  local id=$1 timeout=${2:-120} t0=$SECONDS out line st all_done any_bad
  [ -f "$dir/slurm.conf" ] || { echo "cluster.sh: no cluster in $dir" >&2; return 2; }
  export SLURM_CONF=$dir/slurm.conf
  while :; do
    out=$(scontrol show job -o "$id" 2>&1) || { echo "cluster.sh: $out" >&2; return 2; }
    all_done=1
    any_bad=0
    while read -r line; do
      [ -n "$line" ] || continue
      st=$(field JobState "$line")
      case "$st" in
        COMPLETED) ;;
        FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY|BOOT_FAIL|DEADLINE|PREEMPTED) any_bad=1 ;;
        *) all_done=0 ;;   # PENDING, RUNNING, COMPLETING, REQUEUED, ...
      esac
    done <<<"$out"
    if [ "$all_done" = 1 ]; then
      while read -r line; do
        [ -n "$line" ] || continue
        local jid aj at
        jid=$(field JobId "$line")
        aj=$(field ArrayJobId "$line")
        at=$(field ArrayTaskId "$line")
        if [ -n "$aj" ] && [ -n "$at" ]; then jid=${aj}_$at; fi
        echo "$jid $(field JobState "$line") $(field ExitCode "$line")"
      done <<<"$out" | sort -V
      return "$any_bad"
    fi
    if [ $((SECONDS - t0)) -ge "$timeout" ]; then
      echo "cluster.sh: job $id has not ended after ${timeout}s:" >&2
      echo "$out" >&2
      return 124
    fi
    sleep 0.25
  done
}

# The value of KEY=VALUE in one line of "scontrol show job -o" output.
field() {
  sed -n "s/^\(.* \)\{0,1\}$1=\([^ ]*\).*/\2/p" <<<"$2"
}

case "$cmd" in
  start)
    # Each try runs in its own process (start-once) so that a port clash
    # (exit 98, after stopping what it started) can be retried with new ports.
    [ $# -eq 2 ] || usage
    for try in 1 2 3; do
      rc=0
      bash "$0" start-once "$dir" || rc=$?
      [ "$rc" -eq 98 ] || exit "$rc"
      echo "cluster.sh: retrying with other ports" >&2
    done
    echo "cluster.sh: no free ports after 3 tries" >&2
    exit 1 ;;
  start-once) [ $# -eq 2 ] || usage; start ;;
  stop) [ $# -eq 2 ] || usage; stop ;;
  env) [ $# -eq 2 ] || usage; print_env ;;
  wait) { [ $# -ge 3 ] && [ $# -le 4 ]; } || usage; wait_job "${@:3}" ;;
  *) usage ;;
esac
