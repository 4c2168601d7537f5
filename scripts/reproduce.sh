#!/usr/bin/env bash
# Reruns the seed studies from the bundled and synthetic data in one command, draws every
# figure with scripts/figures.sh, checks each figure's numbers against its HDF5 file
# (tests/e2e/figures_check.py) and writes out/figures/index.md: each figure, the commands that
# made it and its provenance.
#
#   scripts/reproduce.sh            (about 4 minutes at 2 ranks on 2 cores)
#
# Environment: SCANHPC_BIN (default build/scanhpc; built with scripts/build.sh when missing),
# SCANHPC_RANKS (MPI ranks, default 2), SCANHPC_OUT (default out/ in the repository).
# Writes SCANHPC_OUT/reproduce/<study>/ (inputs and HDF5 outputs) and SCANHPC_OUT/figures/<study>/
# (PNGs, the JSON of their numbers, the executed notebooks); both are replaced on every run.
#
# Studies (seed documents in shared/seeds/):
#   scan-testnet     seed 000 multiprobe intervals and statistics, seed 001 host aggregates:
#                    the bundled real masscan scan (data/masscan-testnet/scan-banners.oJ)
#   scan-synthetic   the same on a synthetic scan shaped after the 2021 IPv4 scan
#   scan-netlab, scan-netlab-loss   why services are seen again, and the loss estimate, on two
#                    kept netlab scans (tests/data/netlab, docs/multiprobe-causes.md)
#   gps-simulate     seed 002 coverage against bandwidth (Figure 3), GPS against popularity
#   gps-model, gps-predict, gps-evaluate   the same study step by step (model, predictions, score)
#   gps-sweep        seed 002 as a sweep: gps simulate at 3 seed fractions x 2 hitrates on the bundled
#                    masscan scan, gathered (scanhpc gather) and drawn against the parameters
#   flow-top         seed 004: top 5 countries of flows with TTL >= 200, and their series
#   flow-series      seed 004: the 130.0.0.0/8 time series
#   flow-intersect   seed 004: Russian flows hitting >= 60,000 addresses of a /16 (one-hour FT4)
#   flow-ports-tcp, flow-ports-udp   top destination ports, one protocol each
#   flow-convert     FT3 -> FT4
#   ports-synthetic  seed 003 box plot and monthly facets, TCP and UDP, 7 months of honeypot logs
#   ports-marx       the same on the bundled first 20,000 rows of the seed's marx data (13 days)
#   ports-ft4, ports-masscan   one day of FT4 flows, one scan: too few days for a box plot
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
PY=/usr/bin/python3
NP=${SCANHPC_RANKS:-2}
OUT=${SCANHPC_OUT:-$ROOT/out}
case $OUT in /*) ;; *) OUT=$ROOT/$OUT ;; esac
BIN=${SCANHPC_BIN:-build/scanhpc}
if [ ! -x "$BIN" ] && [ -z "${SCANHPC_BIN:-}" ]; then
  echo "reproduce: no $BIN; building it (scripts/install-deps.sh, scripts/build.sh)"
  scripts/install-deps.sh
  scripts/build.sh
fi
[ -x "$BIN" ] || { echo "reproduce: SCANHPC_BIN=$BIN is not an executable" >&2; exit 1; }
BIN=$(realpath "$BIN")
# shellcheck source=mpi-env.sh
source scripts/mpi-env.sh

DATA=$OUT/reproduce
FIGS=$OUT/figures
START=$(date +%s)
rm -rf "$DATA"
mkdir -p "$DATA" "$FIGS"
STUDIES=()

# study NAME "TITLE": starts a study; its commands are run with `run` and logged.
study() {
  STUDY=$1
  STUDIES+=("$1")
  rm -rf "${FIGS:?}/$1"
  mkdir -p "$DATA/$1" "$FIGS/$1"
  printf '%s\n' "$2" >"$FIGS/$1/title.txt"
  : >"$FIGS/$1/commands.txt"
  echo "reproduce: [$1] $2"
}
log() {  # a command line, on the terminal and in the study's commands.txt
  echo "  \$ $1"
  printf '%s\n' "$1" >>"$FIGS/$STUDY/commands.txt"
}
# run CMD...: runs a command in the study's data folder, logged (paths shown relative to the repository).
run() {
  local shown
  shown=$(printf '%q ' "$@" | sed -e "s|$BIN|scanhpc|g" -e "s|$ROOT/||g")
  log "${shown% }"
  (cd "$DATA/$STUDY" && "$@") >"$DATA/$STUDY/last.out" 2>"$DATA/$STUDY/last.err" || {
    echo "reproduce: failed in study $STUDY: ${shown% }" >&2
    cat "$DATA/$STUDY/last.out" "$DATA/$STUDY/last.err" >&2
    exit 1
  }
}
mpi() { run mpirun -n "$NP" "$BIN" "$@"; }
# figures H5: draws the study's figures from one HDF5 file (in the study's folder unless absolute)
# and checks their numbers against it, in the background (SCANHPC_FIGURE_JOBS at a time, default
# 2: the notebooks mostly wait on the kernel's start); `finish` waits for all and fails if one did.
JOBS=${SCANHPC_FIGURE_JOBS:-2}
FIGURE_PIDS=()
draw() {  # STUDY H5
  local dir=$FIGS/$1
  if ! scripts/figures.sh "$2" "$dir" >"$dir/figures.log" 2>&1; then
    echo "reproduce: figures.sh failed in study $1 (see $dir/figures.log):" >&2
    tail -30 "$dir/figures.log" >&2
    return 1
  fi
  if ! "$PY" tests/e2e/figures_check.py "$dir" "$2" >"$dir/check.txt" 2>&1; then
    echo "reproduce: the figures of study $1 differ from $2:" >&2
    cat "$dir/check.txt" >&2
    return 1
  fi
}
figures() {
  local h5=$1
  case $h5 in /*) ;; *) h5=$DATA/$STUDY/$h5 ;; esac
  log "scripts/figures.sh ${h5#"$ROOT"/} ${FIGS#"$ROOT"/}/$STUDY"
  while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n || true; done
  draw "$STUDY" "$h5" &
  FIGURE_PIDS+=($!)
}
finish() {
  local pid failed=0
  for pid in "${FIGURE_PIDS[@]}"; do wait "$pid" || failed=1; done
  [ $failed -eq 0 ] || { echo "reproduce: some figures failed (above)" >&2; exit 1; }
}

# ---- seeds 000 and 001: masscan scans ------------------------------------------------------
study scan-testnet "Seeds 000 and 001 on a real masscan scan (bundled data/masscan-testnet, 1,831 planted services, 1-8 probes each)"
mpi scan --force -o scan.h5 "$ROOT/data/masscan-testnet/scan-banners.oJ"
figures scan.h5

study scan-synthetic "Seeds 000 and 001 on a synthetic scan shaped after the 2021 IPv4 scan (200,000 services, 100 times its share of services probed 2-5 times)"
run "$BIN" synth masscan --services 200000 --multiprobe-boost 100 --seed 1 --quiet --force -o scan.oJ
mpi scan --force -o scan.h5 scan.oJ
figures scan.h5

study scan-netlab "Seed 000's question: why a service is seen again, on a netlab masscan scan with --retries 2 whose RSTs never reached the targets (tests/data/netlab/test-mixed2; its true causes are in truth.json.gz)"
mpi scan --force -o scan.h5 "$ROOT/tests/data/netlab/test-mixed2/scan.oJ.gz"
figures scan.h5

study scan-netlab-loss "Seed 000's loss estimate on a netlab masscan scan with --retries 2 and 30% of SYN-ACKs dropped (tests/data/netlab/loss-r2-d30: 2.24% of the planted services never reported)"
mpi scan --force -o scan.h5 "$ROOT/tests/data/netlab/loss-r2-d30/scan.oJ.gz"
figures scan.h5

# ---- seed 002: GPS -------------------------------------------------------------------------
study gps-simulate "Seed 002: GPS coverage against bandwidth (the paper's Figure 3) on a synthetic all-ports truth of 20,000 hosts, seed 10% of the hosts"
run "$BIN" synth gps --hosts 20000 --seed 1 --quiet --force -o "$DATA/truth.oJ"
mpi gps simulate --force --seed-fraction 0.1 -o simulate.h5 "$DATA/truth.oJ"
figures simulate.h5

study gps-model "Seed 002 step by step (1): the model and scan plan learnt from a 10% seed of the same truth"
mpi gps model --force --seed-fraction 0.1 -o model.h5 "$DATA/truth.oJ"
figures model.h5

study gps-predict "Seed 002 step by step (2): predictions from the plan's scan of the truth"
mpi gps predict --force --model "$DATA/gps-model/model.h5" -o predict.h5 "$DATA/truth.oJ"
figures predict.h5

study gps-evaluate "Seed 002 step by step (3): the plan and predictions scored against the truth (coverage against bandwidth)"
mpi gps evaluate --force --model "$DATA/gps-model/model.h5" --predictions "$DATA/gps-predict/predict.h5" \
  -o evaluate.h5 "$DATA/truth.oJ"
figures evaluate.h5

study gps-sweep "Seed 002 as a sweep: gps simulate on the bundled masscan scan at --seed-fraction 0.05, 0.1, 0.2 x --hitrate 1e-5, 1e-3, gathered into one table (scanhpc gather)"
SWEEP=()
for fraction in 0.05 0.1 0.2; do
  for hitrate in 1e-5 1e-3; do
    mpi gps simulate --force --seed-fraction "$fraction" --hitrate "$hitrate" -o "sim-$fraction-$hitrate.h5" \
      "$ROOT/data/masscan-testnet/scan-banners.oJ"
    SWEEP+=("sim-$fraction-$hitrate.h5")
  done
done
mpi gather --force --expect ${#SWEEP[@]} -o sweep.h5 "${SWEEP[@]}"
figures sweep.h5

# ---- seed 004: flowtuples ------------------------------------------------------------------
# One hour of synthetic telescope traffic as FT3 (one file a minute), converted to FT4 in
# five-minute files (STARDUST's) and in one hour (where the planted /16 sweepers reach 60,000
# addresses of a /16 in one flow).
study flow-convert "Seed 004: one hour of synthetic telescope traffic, FT3 -> FT4 (five-minute files)"
run "$BIN" synth flowtuple --version 3 --minutes 60 --records-per-minute 1500 --start-time 1612126800 \
  --quiet --force -o "$DATA/ft3"
mpi flow convert --force -o "$DATA/ft4" "$DATA/ft3"
figures "$DATA/ft4/convert.h5"

study flow-top "Seed 004: the top 5 countries of the flows with a common TTL of 200-255, and their time series"
mpi flow top --force --field netacq_country --by flows -n 5 --common ttls=200-255 --series -o top.h5 "$DATA/ft4"
figures top.h5

study flow-series "Seed 004: the time series of the flows from 130.0.0.0/8"
mpi flow series --force --src-prefix 130.0.0.0/8 -o series.h5 "$DATA/ft4"
figures series.h5

study flow-intersect "Seed 004: the Russian flows that hit at least 60,000 addresses of a /16 (FT4 of one hour)"
mpi flow convert --force --interval 3600 -o "$DATA/ft4-hour" "$DATA/ft3"
mpi flow intersect --force --where 'netacq_country == RU' --where 'uniq_dst_ips >= 60000' -o intersect.h5 \
  "$DATA/ft4-hour"
figures intersect.h5

study flow-ports-tcp "Top TCP destination ports of the flows (ports are categories of their protocol)"
mpi flow top --force --field dst_port --by flows --by packets --where 'protocol == 6' -o top.h5 "$DATA/ft4"
figures top.h5

study flow-ports-udp "Top UDP destination ports of the flows"
mpi flow top --force --field dst_port --by flows --by packets --where 'protocol == 17' -o top.h5 "$DATA/ft4"
figures top.h5

# ---- seed 003: ports as categories ---------------------------------------------------------
study ports-synthetic "Seed 003: box plot and monthly facets, TCP and UDP, on 7 months of synthetic marx-layout honeypot logs (9 sensors)"
run "$BIN" synth honeypot --days 210 --seed 1 --quiet --force -o logs.csv
mpi ports --force -o ports.h5 logs.csv
figures ports.h5

study ports-marx "Seed 003 on the bundled first 20,000 rows of the seed's marx data (13 days)"
mpi ports --force -o ports.h5 "$ROOT/tests/data/honeypot/marx_head20000.csv.gz"
figures ports.h5

study ports-ft4 "Seed 003's measure on one hour of FT4 flowtuples (sensor = destination /16): one day, so daily bars"
mpi ports --force -o ports.h5 "$DATA/ft4"
figures ports.h5

study ports-masscan "Seed 003's measure on a masscan scan (responding hosts as sources): one day, so daily bars"
mpi ports --force -o ports.h5 "$ROOT/data/masscan-testnet/scan-banners.oJ"
figures ports.h5

# ---- the index -------------------------------------------------------------------------------
finish
"$PY" - "$FIGS" "$ROOT" "$(( $(date +%s) - START ))" "$NP" "${STUDIES[@]}" <<'EOF'
import json, os, sys
from pathlib import Path

figs, root, seconds, ranks, studies = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5:]
# Every figure the seed studies need: (study, figure).
WANTED = [("scan-testnet", "multiprobe_intervals"), ("scan-testnet", "multiprobe_interval_stats"),
          ("scan-testnet", "hosts_ports_per_host"), ("scan-synthetic", "multiprobe_intervals"),
          ("scan-synthetic", "multiprobe_interval_stats"), ("scan-synthetic", "multiprobe_causes"),
          ("scan-netlab", "multiprobe_causes"), ("scan-netlab-loss", "multiprobe_causes"), ("gps-simulate", "gps_coverage"),
          ("gps-evaluate", "gps_coverage"), ("gps-sweep", "sweep_headline"), ("gps-sweep", "sweep_cost"),
          ("ports-synthetic", "ports_box_top10_tcp"),
          ("ports-synthetic", "ports_box_top10_udp"), ("ports-synthetic", "ports_monthly_top10_tcp"),
          ("ports-synthetic", "ports_monthly_top10_udp"), ("flow-top", "flow_top_netacq_country_by_flows"),
          ("flow-series", "flow_series"), ("flow-intersect", "flow_intersection")]
rel = lambda p: os.path.relpath(p, figs)
lines = ["# Figures of the seed studies", "",
         f"Written by `scripts/reproduce.sh` ({ranks} MPI ranks, {seconds} s). Each figure's numbers are in the JSON "
         "file beside its PNG and were checked against its HDF5 file by `tests/e2e/figures_check.py` "
         "(`check.txt` in each folder). Figures a file has no data for are listed with the reason.", ""]
missing = []
for study in studies:
    d = figs / study
    lines.append(f"- [{study}](#{study}): {(d / 'title.txt').read_text().strip()}")
lines.append("")
for study in studies:
    d = figs / study
    lines += [f"## {study}", "", (d / "title.txt").read_text().strip(), "", "Commands (`scanhpc` is the binary; it ran in `out/reproduce/" + study + "/`, "
              "`scripts/figures.sh` in the repository root):", "", "```sh",
              (d / "commands.txt").read_text().rstrip(), "```", "",
              "Check: " + (d / "check.txt").read_text().strip().replace(str(root) + "/", ""), ""]
    records = [json.loads(p.read_text()) for p in sorted(d.glob("*.json"))]
    for r in records:
        name = Path(r["figure"]).stem
        if "skipped" in r:
            continue
        p = r["provenance"]
        lines += [f"### {name}", "", f"![{name}]({rel(d / r['figure'])})", "",
                  f"- title: {r.get('title', '').replace(chr(10), ' / ')}",
                  f"- drawn by `notebooks/{r['notebook']}` from `{os.path.relpath(r['h5'], root)}`, tables "
                  + ", ".join(f"`{s}`" for s in r["sources"]),
                  f"- made by `{p.get('command_line', '?').replace(str(root) + '/', '')}`",
                  f"- scanhpc {p.get('scanhpc_version', '?')}, commit {p.get('git_commit', '?')}, created "
                  f"{p.get('created_utc', '?')}, {p.get('ranks', '?')} rank(s)",
                  f"- numbers drawn: [{name}.json]({rel(d / (name + '.json'))})", ""]
    skipped = [r for r in records if "skipped" in r]
    if skipped:
        lines += ["Not drawn from this file:", ""]
        lines += [f"- `{Path(r['figure']).stem}`: {r['skipped']}" for r in skipped]
        lines.append("")
for study, name in WANTED:
    if not (figs / study / f"{name}.png").is_file():
        missing.append(f"{study}/{name}.png")
(figs / "index.md").write_text("\n".join(lines) + "\n")
print(f"reproduce: {figs / 'index.md'}: {len(studies)} studies, "
      f"{sum(1 for _ in figs.glob('*/*.png'))} figures")
if missing:
    print("reproduce: MISSING seed figures: " + ", ".join(missing), file=sys.stderr)
    sys.exit(1)
EOF
echo "reproduce: done in $(( $(date +%s) - START )) s; open $FIGS/index.md"
