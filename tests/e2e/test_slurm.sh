#!/usr/bin/env bash
# The job scripts of jobs/ on a real one-node SLURM (Debian's slurm-wlm 22.05 + munge,
# started and stopped by tests/slurm/cluster.sh by their PIDs, all in a temporary folder):
# every job script through jobs/submit.sh with both launchers, each output checked with
# `scanhpc info` and against the same command run directly; a job SLURM can never start is
# cancelled and reported, a bad launcher setting fails clearly; two sweeps as job arrays:
# 6 points over 2 parameters with one failing on purpose (5 outputs, one FAILED task, a
# FAILED gather job, sweep status 1, a gathered table of 5 rows), and 4 points over ranks x
# threads whose outputs are identical and gathered with status 0; sweep.sh exits 1 when
# sbatch refuses. Needs root (the daemons) and scripts/install-deps.sh's packages.
#   tests/e2e/test_slurm.sh SCANHPC [REPO-ROOT]
set -uo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_setup slurm "$@"
echo "test_slurm: $TMP"

for t in slurmctld slurmd munged sbatch; do
  command -v "$t" >/dev/null || { fail "$t not installed (scripts/install-deps.sh installs slurm-wlm and munge)"; exit 1; }
done
[ "$(id -u)" = 0 ] || { fail "the SLURM test starts slurmd and munged as root; run it as root"; exit 1; }

CLUSTER=$TMP/cluster
# EnforcePartLimits=NO, as on many sites: a job beyond the partition is accepted and pends,
# which jobs/submit.sh must catch.
start=$SECONDS
if ! env_lines=$(SLURM_TEST_EXTRA_CONF='EnforcePartLimits=NO' "$ROOT/tests/slurm/cluster.sh" start "$CLUSTER" 2>cluster.err); then
  fail "the one-node cluster did not start"; show cluster.err 40; exit 1
fi
e2e_at_exit "'$ROOT/tests/slurm/cluster.sh' stop '$CLUSTER' >/dev/null 2>&1"
eval "$env_lines"
ok "one-node SLURM started in $((SECONDS - start)) s ($(sinfo -h -o '%P %D %c CPUs %T' | head -n1))"

export SCANHPC_OUT=$TMP/out SCANHPC_BIN=$SCANHPC SCANHPC_POLL_SECONDS=0.5
OUT=$SCANHPC_OUT
JOBS=$ROOT/jobs
wait_state() {  # JOBID: "STATE EXITCODE" once the job (every array task) ended
  "$ROOT/tests/slurm/cluster.sh" wait "$CLUSTER" "$1" 120 | awk '{print $2, $3}' || true
}
attr() {  # FILE ATTR: a root attribute as text
  "$PY" -c 'import h5py,sys; v=h5py.File(sys.argv[1],"r").attrs[sys.argv[2]]; print(v.decode() if isinstance(v,bytes) else v)' "$1" "$2"
}
direct() {  # NAME N ARGS...: the same command run directly (mpirun -n N), for comparison
  local name=$1 n=$2; shift 2
  run "$name" "$n" "$SCANHPC" "$@"
  expect_rc "$name" 0
}
same() {  # WHAT A.h5 B.h5: identical except how they were launched
  if "$PY" "$ROOT/tests/compare_h5.py" "$2" "$3" >same.log 2>&1; then ok "$1"; else fail "$1"; show same.log; fi
}

# --- every job script, submitted together -------------------------------------------
scan_id=$("$JOBS/submit.sh" scan -n 2 2>submit-scan.err) || { fail "submit scan"; show submit-scan.err; }
gps_id=$(SCANHPC_LAUNCHER=mpirun SCANHPC_FRACTION=0.2 SCANHPC_SHOW_BINDING=1 \
  "$JOBS/submit.sh" gps-simulate -n 2 2>submit-gps.err) || { fail "submit gps-simulate"; show submit-gps.err; }
flow_id=$(SCANHPC_FT4="$ROOT/tests/data/flow/ft4_deflate.avro $ROOT/tests/data/flow/ft4_reordered_extra.avro" \
  "$JOBS/submit.sh" flow -n 2 2>submit-flow.err) || { fail "submit flow"; show submit-flow.err; }
ports_id=$(SCANHPC_INPUT=$ROOT/tests/data/honeypot/marx_head20000.csv.gz SCANHPC_SHOW_BINDING=1 \
  "$JOBS/submit.sh" ports -n 2 2>submit-ports.err) || { fail "submit ports"; show submit-ports.err; }

for job in "scan $scan_id" "gps-simulate $gps_id" "flow $flow_id" "ports $ports_id"; do
  set -- $job
  state=$(wait_state "$2")
  if [ "$state" = "COMPLETED 0:0" ]; then ok "$1.slurm: job $2 $state"
  else fail "$1.slurm: job $2 ended '$state'"; show "$(ls "$OUT"/logs/*-"$2".out)" 30; fi
done

scan_h5=$OUT/scan-$scan_id.h5
if "$SCANHPC" info "$scan_h5" >info-scan.txt 2>&1 && [ "$(attr "$scan_h5" slurm_job_id)" = "$scan_id" ] &&
   [ "$(attr "$scan_h5" ranks)" = 2 ]; then
  ok "scan.slurm (srun --mpi=pmix): scanhpc info reads $scan_h5; slurm_job_id $scan_id, 2 ranks"
else fail "scan.slurm output $scan_h5"; show info-scan.txt; fi
direct scan-direct 2 scan --config "$ROOT/configs/scan.ini" -o scan-direct.h5 "$ROOT/data/masscan-testnet/scan.oJ"
same "scan.slurm's output equals mpirun -n 2 scanhpc scan's" scan-direct.h5 "$scan_h5"

gps_h5=$OUT/gps-$gps_id.h5
if "$SCANHPC" info "$gps_h5" >info-gps.txt 2>&1 && [ "$(attr "$gps_h5" slurm_job_id)" = "$gps_id" ]; then
  ok "gps-simulate.slurm (mpirun): scanhpc info reads $gps_h5"
else fail "gps-simulate.slurm output $gps_h5"; show info-gps.txt; fi
direct gps-direct 2 gps simulate -o gps-direct.h5 --threads 1 --seed-fraction 0.2 --hitrate 1e-5 --sample-seed 1 \
  "$ROOT/data/masscan-testnet/scan-banners.oJ"
same "gps-simulate.slurm's output equals mpirun -n 2 scanhpc gps simulate's" gps-direct.h5 "$gps_h5"

for f in top-masscan-ttl series-prefix intersect-ru-wide; do
  h5=$OUT/flow-$flow_id/$f.h5
  if "$SCANHPC" info "$h5" >"info-$f.txt" 2>&1; then ok "flow.slurm: $f.h5 read by scanhpc info"
  else fail "flow.slurm output $h5"; show "info-$f.txt"; fi
done
ports_h5=$OUT/ports-$ports_id.h5
if "$SCANHPC" info "$ports_h5" >info-ports.txt 2>&1; then ok "ports.slurm: scanhpc info reads $ports_h5"
else fail "ports.slurm output $ports_h5"; show info-ports.txt; fi

# Thread binding: srun under task/none gives ranks no CPU sets, so no rank may pin its
# threads; mpirun binds each rank to its own core, so there they are pinned.
binding() {  # LOG WANT: both ranks decided WANT
  [ "$(grep -c "OMP_PROC_BIND=$2" "$1")" = 2 ] && [ "$(grep -c 'rank-env:' "$1")" = 2 ]
}
log=$OUT/logs/scanhpc-ports-$ports_id.out
if binding "$log" false; then
  ok "srun, task/none: both ranks left unpinned ($(grep -m1 'rank-env:' "$log" | sed 's/.*: CPUs/CPUs/'))"
else fail "ports (srun): binding decisions in $log"; grep 'rank-env' "$log" >&2; fi
log=$OUT/logs/scanhpc-gps-$gps_id.out
if binding "$log" close; then
  ok "mpirun --bind-to core: both ranks pinned to their own core ($(grep -m1 'rank-env:' "$log" | sed 's/.*: CPUs/CPUs/'))"
else fail "gps-simulate (mpirun): binding decisions in $log"; grep 'rank-env' "$log" >&2; fi
if SCANHPC_SHOW_BINDING=1 OMP_NUM_THREADS=1 taskset -c 0 "$JOBS/rank-env.sh" true 2>&1 | grep -q 'OMP_PROC_BIND=close'; then
  ok "rank-env.sh pins threads where the rank has a core of its own (taskset -c 0)"
else fail "rank-env.sh with a CPU set of its own"; fi

# --- refusals and bad settings ----------------------------------------------------------
RC=0; "$JOBS/submit.sh" scan -N 2 >never.out 2>never.err || RC=$?
pending=$(squeue -h -t pending -o %i | wc -l)
if [ "$RC" = 1 ] && grep -q 'can never start here (Reason=Partition' never.err && [ "$pending" = 0 ]; then
  ok "a job beyond the partition (-N 2 on one node) is cancelled with the reason: $(grep -o 'Reason=[A-Za-z]*' never.err)"
else fail "submit.sh -N 2: exit $RC, $pending pending"; show never.err; fi
RC=0; "$JOBS/submit.sh" scan -p nosuchpartition >refused.out 2>refused.err || RC=$?
if [ "$RC" = 1 ] && grep -q 'sbatch refused the job: .*[Ii]nvalid partition' refused.err; then
  ok "sbatch's refusal reported, exit 1: $(head -c 100 refused.err)"
else fail "submit.sh -p nosuchpartition: exit $RC"; show refused.err; fi
bad_id=$(SCANHPC_SRUN_MPI=nosuchpmi "$JOBS/submit.sh" scan -n 2 2>/dev/null)
state=$(wait_state "$bad_id")
if [ "$state" = "FAILED 2:0" ] && grep -q "no MPI plugin 'nosuchpmi' (it has: .*pmix" "$OUT/logs/scanhpc-scan-$bad_id.out"; then
  ok "an srun MPI plugin SLURM lacks: FAILED 2:0, naming the plugins it has"
else fail "SCANHPC_SRUN_MPI=nosuchpmi: '$state'"; show "$OUT/logs/scanhpc-scan-$bad_id.out"; fi
# pmi2 and none are plugins this SLURM has, but Open MPI 4.1 speaks PMIx only: MPI_Init fails
# under them, and the job must say so in a line, before reading any input.
bad_id=$(SCANHPC_SRUN_MPI=none "$JOBS/submit.sh" scan -n 2 2>/dev/null)
state=$(wait_state "$bad_id")
log=$OUT/logs/scanhpc-scan-$bad_id.out
if [ "$state" = "FAILED 2:0" ] && grep -q "srun --mpi=none cannot start this scanhpc's MPI" "$log" &&
   ! grep -q "scan.slurm: srun" "$log" && [ ! -e "$OUT/scan-$bad_id.h5" ]; then
  ok "a plugin the MPI library does not speak (srun --mpi=none): FAILED 2:0 before the run, in plain words"
else fail "SCANHPC_SRUN_MPI=none: '$state'"; show "$log" 20; fi
RC=0; SCANHPC_OUT=$ROOT/out-inside "$JOBS/submit.sh" scan >inside.out 2>inside.err || RC=$?
if [ "$RC" = 2 ] && grep -q 'inside the checkout' inside.err && [ ! -e "$ROOT/out-inside" ]; then
  ok "SCANHPC_OUT inside the checkout refused (exit 2)"
else fail "SCANHPC_OUT inside the checkout: exit $RC"; show inside.err; fi

# --- a sweep of 6 points over 2 parameters, one failing on purpose -----------------------
# seed-fraction 1.5 is out of (0, 1]: scanhpc refuses it (exit 2), so that task ends FAILED.
cat >points.txt <<'EOF'
seed-fraction hitrate
0.05 1e-5
0.1  1e-5
0.2  1e-5
0.05 1e-3
0.1  1e-3
1.5  1e-3
EOF
RC=0
"$JOBS/sweep.sh" --points points.txt --name six --throttle 3 -n 1 --wait \
  -- gps simulate --sample-seed 1 "$ROOT/data/masscan-testnet/scan-banners.oJ" >six.out 2>six.err || RC=$?
SIX=$OUT/sweeps/six
array=$(sed -n 's/^sweep.sh: array job \([0-9]*\):.*/\1/p' six.out)
outputs=$(ls "$SIX"/point-*.h5 2>/dev/null | wc -l)
failed=() completed=0
for i in 0 1 2 3 4 5; do
  s=$(scontrol show job "${array}_$i" 2>/dev/null | sed -n 's/.*JobState=\([A-Z]*\).*/\1/p; s/.*ExitCode=\([0-9:]*\).*/\1/p' | tr '\n' ' ')
  case $s in "COMPLETED 0:0 ") completed=$((completed + 1)) ;; *) failed+=("$i:$s") ;; esac
done
gather_id=$(sed -n 's/^sweep.sh: gather job \([0-9]*\).*/\1/p' six.out)
gather_state=$(scontrol show job "$gather_id" | sed -n 's/.*JobState=\([A-Z]*\).*/\1/p')
if [ "$RC" = 1 ] && [ "$outputs" = 5 ] && [ ! -e "$SIX/point-5.h5" ] && [ "$completed" = 5 ] &&
   [ "${failed[*]}" = "5:FAILED 2:0 " ] && [ "$gather_state" = FAILED ]; then
  ok "sweep of 6 points (array $array, %3): 5 outputs, task 5 FAILED 2:0, gather job $gather_state, sweep.sh exit 1"
else
  fail "sweep of 6: exit $RC, $outputs outputs, $completed completed, failed: ${failed[*]}, gather '$gather_state'"
  show six.out; show six.err; show "$SIX/logs/point-5.out"
fi
grep -q "seed-fraction: in (0, 1]" "$SIX/logs/point-5.out" && ok "the failed point's log says why" ||
  { fail "point 5's log"; show "$SIX/logs/point-5.out"; }
# The gathered table: 5 rows, one per output, each with the point's parameters.
if "$PY" - "$SIX" >six-gather.txt 2>&1 <<'EOF'
import sys, h5py, pandas as pd
d = sys.argv[1]
csv = pd.read_csv(f"{d}/gather.csv", dtype=str)
with h5py.File(f"{d}/gather.h5", "r") as f:
    g = f["gather/runs"]
    rows = {len(g[c]) for c in g}
assert rows == {5}, f"gather.h5 /gather/runs has {rows} rows"
assert len(csv) == 5, f"gather.csv has {len(csv)} rows"
points = pd.read_csv(f"{d}/points.tsv", sep="\t", dtype=str)
want = {(points["seed-fraction"][i], points["hitrate"][i]) for i in range(5)}
got = set(zip(csv["param:seed-fraction"], csv["param:hitrate"]))
norm = lambda s: {(float(a), float(b)) for a, b in s}
assert norm(got) == norm(want), f"parameters {sorted(got)} != points {sorted(want)}"
for _, row in csv.iterrows():
    with h5py.File(row["path"], "r") as f:
        cfg = dict(l.split(" = ", 1) for l in f.attrs["config"].decode().splitlines() if " = " in l)
    assert float(cfg["seed-fraction"]) == float(row["param:seed-fraction"]), row["path"]
print(f"gather.csv and gather.h5: 5 rows, parameters {sorted(norm(got))} as the points and the files say")
EOF
then ok "$(cat six-gather.txt)"; else fail "the sweep's gathered table"; show six-gather.txt 20; fi
grep -q "point-5.h5" "$SIX"/logs/gather-*.out && ok "the gather job's log names the missing point: $(grep -m1 'point-5.h5' "$SIX"/logs/gather-*.out | head -c 120)" ||
  { fail "gather log"; show "$(ls "$SIX"/logs/gather-*.out)"; }

# --- a sweep over ranks x threads: every point succeeds, outputs identical ---------------
RC=0
"$JOBS/sweep.sh" --param ranks=1,2 --param threads=1,2 --name ranks --throttle 2 --wait \
  -- scan --config "$ROOT/configs/scan.ini" "$ROOT/data/masscan-testnet/scan.oJ" >ranks.out 2>ranks.err || RC=$?
R=$OUT/sweeps/ranks
if [ "$RC" = 0 ] && [ "$(ls "$R"/point-*.h5 | wc -l)" = 4 ] && [ "$(($(wc -l <"$R/gather.csv") - 1))" = 4 ]; then
  ok "sweep of ranks=1,2 x threads=1,2: 4 outputs, gathered, sweep.sh exit 0"
else fail "sweep of ranks x threads: exit $RC"; show ranks.out; show ranks.err; fi
want="1 1,1 2,2 1,2 2"
got=$(for i in 0 1 2 3; do echo "$(attr "$R/point-$i.h5" ranks) $("$PY" -c 'import h5py,sys; print(int(h5py.File(sys.argv[1],"r").attrs["threads"][0]))' "$R/point-$i.h5")"; done | paste -sd,)
[ "$got" = "$want" ] && ok "each point ran at its ranks x threads: $got" || fail "ranks x threads of the points: $got, want $want"
same "the 4 points' outputs are identical" "$R/point-0.h5" "$R/point-1.h5" "$R/point-2.h5" "$R/point-3.h5"

RC=0
"$JOBS/sweep.sh" --param hitrate=1e-5,1e-3 --name refused -p nosuchpartition \
  -- gps simulate "$ROOT/data/masscan-testnet/scan-banners.oJ" >refused-sweep.out 2>refused-sweep.err || RC=$?
if [ "$RC" = 1 ] && grep -q 'sbatch refused the job' refused-sweep.err && [ -z "$(squeue -h -n sweep-refused -o %i)" ]; then
  ok "sweep.sh exits 1 when sbatch refuses the array ($(grep -o 'Invalid[^.]*' refused-sweep.err | head -n1))"
else fail "sweep.sh with a bad partition: exit $RC"; show refused-sweep.err; fi

echo "test_slurm: $((SECONDS - start)) s with the cluster up"
[ "$failures" -eq 0 ] || { echo "test_slurm: $failures failure(s)" >&2; exit 1; }
echo "test_slurm: all passed"
