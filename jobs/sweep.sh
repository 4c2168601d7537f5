#!/usr/bin/env bash
# A parameter sweep as ONE SLURM job array: every point runs one scanhpc command with its
# options, at most --throttle at a time; a gather job then turns the points' HDF5 files
# into one table (`scanhpc gather`) and ends FAILED when any point failed.
#
#   jobs/sweep.sh [SWEEP-OPTIONS] [SBATCH-OPTIONS] -- SCANHPC-COMMAND [ARGS...]
#   jobs/sweep.sh --grid jobs/sweeps/gps.ini [SBATCH-OPTIONS]
#
#   jobs/sweep.sh --param seed-fraction=0.01,0.05,0.1 --param hitrate=1e-5,1e-3 -n 4 -c 2 \
#       -- gps simulate data/masscan-testnet/scan-banners.oJ
#   jobs/sweep.sh --param ranks=1,2,4,8 --param threads=1,2,4 -N 1 -- scan /data/scan.json
#
# Sweep options:
#   --param NAME=V1,V2,...  an option of the command and its values; several --param give
#                           every combination (the first varies slowest). ranks=... sets the
#                           point's MPI ranks, threads=... its --threads (and OpenMP threads);
#                           the array asks for the largest (-n, -c) unless you give them.
#   --points FILE           the points as a table instead: a header of option names, then one
#                           line of values per point (whitespace-separated)
#   --grid FILE.ini         all of it from a file: [sweep] command = ..., throttle = ...,
#                           name = ..., sbatch = ...; [grid] NAME = V1 V2 ... (every combination)
#                           or [points] (a table as for --points). Command-line options win.
#   --throttle N            at most N points run at once (array %N; 4)
#   --name NAME             the sweep's folder: $SCANHPC_OUT/sweeps/NAME (a new folder;
#                           default: the date and the command)
#   --wait                  wait for the gather job; exit with its status (polls every
#                           SCANHPC_POLL_SECONDS, 10)
#   --dry-run               print the points and the sbatch commands, submit nothing
# Any other option before `--` goes to sbatch for every point (-N -n -c -t --mem -A -p -q);
# SBATCH_* variables work too. Site settings (SCANHPC_OUT, modules, launcher): jobs/common.sh.
#
# The folder holds points.tsv (array index -> point), command (the scanhpc arguments),
# point-<index>.h5 (each point's output), logs/, and gather.h5 + gather.csv (one row per
# point that succeeded). Exit: 0 submitted (with --wait: every point succeeded and was
# gathered), 1 a submission failed or (with --wait) the sweep failed, 2 usage.
set -euo pipefail
# shellcheck disable=SC2034  # read by submit-lib.sh
SUBMIT_NAME=sweep.sh
# shellcheck source=submit-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/submit-lib.sh"
usage() { sed -n '2,35s/^# \{0,1\}//p' "$0" >&2; exit 2; }
die() { echo "sweep.sh: $*" >&2; exit "${2:-2}"; }

params=() points_file="" grid="" throttle="" name="" wait=0 dry=0 sbatch_opts=() command=()
while [ $# -gt 0 ]; do
  case $1 in
    --param) [ $# -ge 2 ] || usage; params+=("$2"); shift 2 ;;
    --param=*) params+=("${1#*=}"); shift ;;
    --points) [ $# -ge 2 ] || usage; points_file=$2; shift 2 ;;
    --grid) [ $# -ge 2 ] || usage; grid=$2; shift 2 ;;
    --throttle) [ $# -ge 2 ] || usage; throttle=$2; shift 2 ;;
    --name) [ $# -ge 2 ] || usage; name=$2; shift 2 ;;
    --wait) wait=1; shift ;;
    --dry-run) dry=1; shift ;;
    -h|--help) usage ;;
    --) shift; command=("$@"); break ;;
    *) sbatch_opts+=("$1"); shift ;;
  esac
done

# The INI file: [sweep] keys, [grid] lines, [points] table. The command line wins.
grid_lines=() points_lines=()
if [ -n "$grid" ]; then
  [ -f "$grid" ] || die "no grid file $grid"
  section=""
  while IFS= read -r line || [ -n "$line" ]; do
    line=${line%%#*}; line=${line%%;*}
    line=$(sed -E 's/^[[:space:]]+|[[:space:]]+$//g' <<<"$line")
    [ -n "$line" ] || continue
    if [[ $line =~ ^\[(.*)\]$ ]]; then section=${BASH_REMATCH[1]}; continue; fi
    case $section in
      sweep)
        key=$(sed -E 's/[[:space:]]*=.*//' <<<"$line"); value=$(sed -E 's/^[^=]*=[[:space:]]*//' <<<"$line")
        case $key in
          command) [ ${#command[@]} -gt 0 ] || read -ra command <<<"$value" ;;
          throttle) [ -n "$throttle" ] || throttle=$value ;;
          name) [ -n "$name" ] || name=$value ;;
          sbatch) read -ra more <<<"$value"; sbatch_opts=("${more[@]}" "${sbatch_opts[@]}") ;;
          *) die "$grid: unknown [sweep] key '$key' (command, throttle, name, sbatch)" ;;
        esac ;;
      grid) [[ $line == *=* ]] || die "$grid: [grid] lines are NAME = V1 V2 ...: $line"
            key=$(sed -E 's/[[:space:]]*=.*//' <<<"$line"); value=$(sed -E 's/^[^=]*=[[:space:]]*//' <<<"$line")
            grid_lines+=("$key=$(tr -s ' \t' ',' <<<"$value")") ;;
      points) points_lines+=("$line") ;;
      *) die "$grid: a line outside [sweep], [grid] or [points]: $line" ;;
    esac
  done <"$grid"
  [ ${#params[@]} -gt 0 ] || [ -n "$points_file" ] || params=("${grid_lines[@]}")
fi
[ ${#command[@]} -gt 0 ] || die "no command: give it after -- (e.g. -- gps simulate truth.json) or as [sweep] command ="
for a in "${command[@]}"; do
  case $a in -o|--output|--output=*|--force) die "the sweep names each point's output itself; drop $a from the command" ;; esac
done
throttle=${throttle:-4}
[[ $throttle =~ ^[1-9][0-9]*$ ]] || die "--throttle must be a positive number, not '$throttle'"

# The points: a header of names and one line of values each.
header=() rows=()
if [ -n "$points_file" ] || [ ${#points_lines[@]} -gt 0 ]; then
  [ ${#params[@]} -eq 0 ] || die "give the points as --param or as a table (--points, [points]), not both"
  if [ -n "$points_file" ]; then
    [ -f "$points_file" ] || die "no points file $points_file"
    mapfile -t points_lines < <(sed -E 's/#.*//; /^[[:space:]]*$/d' "$points_file")
  fi
  read -ra header <<<"${points_lines[0]}"
  for line in "${points_lines[@]:1}"; do
    read -ra v <<<"$line"
    [ ${#v[@]} -eq ${#header[@]} ] || die "a point has ${#v[@]} values for ${#header[@]} names: $line"
    rows+=("${v[*]}")
  done
else
  [ ${#params[@]} -gt 0 ] || die "no parameters: give --param NAME=V1,V2,... , --points or --grid"
  rows=("")
  for p in "${params[@]}"; do
    [[ $p =~ ^([A-Za-z][A-Za-z0-9-]*)=(.+)$ ]] || die "--param takes NAME=V1,V2,..., not '$p'"
    header+=("${BASH_REMATCH[1]}")
    IFS=, read -ra values <<<"${BASH_REMATCH[2]}"
    next=()
    for r in "${rows[@]}"; do for v in "${values[@]}"; do next+=("${r:+$r }$v"); done; done
    rows=("${next[@]}")
  done
fi
[ ${#rows[@]} -gt 0 ] || die "the sweep has no points"
for h in "${header[@]}"; do
  [[ $h =~ ^[A-Za-z][A-Za-z0-9-]*$ ]] || die "'$h' is not an option name"
done
n=${#rows[@]}

# The array asks for the largest ranks and threads of its points unless told otherwise.
max_of() {  # NAME: the largest value of that parameter, or nothing
  local i m=""
  for i in "${!header[@]}"; do
    [ "${header[$i]}" = "$1" ] || continue
    for r in "${rows[@]}"; do
      read -ra v <<<"$r"
      [[ ${v[$i]} =~ ^[1-9][0-9]*$ ]] || die "$1 must be a positive number, not '${v[$i]}'"
      [ -z "$m" ] || [ "${v[$i]}" -gt "$m" ] && m=${v[$i]}
    done
  done
  echo "$m"
}
has_opt() {  # PATTERN...: whether an sbatch option given matches one
  local o p
  # shellcheck disable=SC2053  # the patterns are globs on purpose
  for o in "${sbatch_opts[@]}"; do for p in "$@"; do [[ $o == $p ]] && return 0; done; done
  return 1
}
max_ranks=$(max_of ranks) max_threads=$(max_of threads)
[ -z "$max_ranks" ] || has_opt -n '--ntasks=*' --ntasks || sbatch_opts+=(--ntasks="$max_ranks")
[ -z "$max_threads" ] || has_opt -c '--cpus-per-task=*' --cpus-per-task || sbatch_opts+=(--cpus-per-task="$max_threads")

words=${command[0]}  # the command's words: `scan`, `gps simulate`, `flow top`
case $words in gps|flow) words+="-${command[1]:-}" ;; esac
name=${name:-$(date -u +%Y%m%d-%H%M%S)-$words}
[[ $name =~ ^[A-Za-z0-9._-]+$ ]] || die "--name may hold letters, digits, '.', '_' and '-' only: '$name'"

if [ $dry = 1 ]; then
  ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  OUT=${SCANHPC_OUT:-${SCRATCH:-$HOME}/scanhpc-out}
else
  submit_setup
fi
DIR=$OUT/sweeps/$name
array_cmd=(--job-name="sweep-$name" --array="0-$((n - 1))%$throttle" --output="$DIR/logs/point-%a.out"
           "${sbatch_opts[@]}" --export="ALL,SCANHPC_ROOT=$ROOT,SCANHPC_SWEEP_DIR=$DIR" "$ROOT/jobs/sweep-point.slurm")
gather_cmd=(--job-name="gather-$name" --ntasks=1 --cpus-per-task=1 --output="$DIR/logs/gather-%j.out")
for ((i = 0; i < ${#sbatch_opts[@]}; i++)); do  # the gather job keeps the site options, not the sizes
  case ${sbatch_opts[$i]} in
    -A|-p|-q|-t|--account|--partition|--qos|--time) gather_cmd+=("${sbatch_opts[$i]}" "${sbatch_opts[$((i + 1))]:-}"); i=$((i + 1)) ;;
    --account=*|--partition=*|--qos=*|--time=*|-A?*|-p?*|-q?*|-t?*) gather_cmd+=("${sbatch_opts[$i]}") ;;
  esac
done

if [ $dry = 1 ]; then
  echo "sweep.sh: $n points in $DIR (array index: ${header[*]})"
  for i in "${!rows[@]}"; do echo "  $i: ${rows[$i]}"; done
  echo "sbatch ${array_cmd[*]}"
  echo "sbatch ${gather_cmd[*]} --dependency=afterany:<array> --export=ALL,SCANHPC_ROOT=$ROOT,SCANHPC_SWEEP_DIR=$DIR $ROOT/jobs/gather.slurm"
  exit 0
fi

[ ! -e "$DIR" ] || die "the sweep folder $DIR exists already; choose another --name" 1
mkdir -p "$DIR/logs"
{ echo "${header[*]}"; printf '%s\n' "${rows[@]}"; } | tr ' ' '\t' >"$DIR/points.tsv"
printf '%s\0' "${command[@]}" >"$DIR/command"
echo "$n" >"$DIR/expected"

array=$(submit_checked "${array_cmd[@]}") || exit 1
echo "sweep.sh: array job $array: $n points, at most $throttle at once ($DIR)"
# afterany, not afterok: after a failed point an afterok job would never start
# (DependencyNeverSatisfied); the gather job itself ends FAILED when a point is missing.
gather_cmd+=(--dependency="afterany:$array" --export="ALL,SCANHPC_ROOT=$ROOT,SCANHPC_SWEEP_DIR=$DIR")
if ! gather=$(submit_checked "${gather_cmd[@]}" "$ROOT/jobs/gather.slurm"); then
  scancel "$array" 2>/dev/null || true
  echo "sweep.sh: the gather job was refused; array job $array cancelled" >&2
  exit 1
fi
echo "sweep.sh: gather job $gather (after the array) -> $DIR/gather.h5, $DIR/gather.csv"
[ $wait = 1 ] || exit 0
if state=$(wait_job "$gather"); then
  echo "sweep.sh: every point succeeded and was gathered"
else
  echo "sweep.sh: the sweep failed: gather job ${state#* }; its log: $DIR/logs/gather-$gather.out" >&2
  exit 1
fi
