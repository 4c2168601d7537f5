#!/usr/bin/python3
"""Benchmark (not a test): `scanhpc scan` on a synthetic masscan -oJ file at 1 and 2
ranks, against DuckDB answering the same questions on the same file and the simdjson
parse floor, all in one run (absolute times on shared machines drift; compare within
a run). Prints a markdown table: wall time, MB/s, peak RSS per rank. Also checks that
DuckDB's answers equal scanhpc's.

usage: bench/bench_scan.py FILE [--repeat N] [--skip-duckdb]
"""
import argparse, json, os, statistics, subprocess, sys, tempfile, time
import h5py

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, "build")
ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
           OMPI_MCA_rmaps_base_oversubscribe="1")


def timed(cmd, cwd=None):
    """Runs cmd under /usr/bin/time; returns (wall seconds, max RSS bytes of the largest process, stdout)."""
    with tempfile.NamedTemporaryFile(mode="r") as t:
        start = time.perf_counter()
        out = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", t.name] + cmd, cwd=cwd, env=ENV,
                             check=True, capture_output=True, text=True)
        wall = time.perf_counter() - start
        rss = int(t.read().strip().splitlines()[-1]) * 1024
    return wall, rss, out.stdout


def scanhpc(file, ranks, threads, out):
    cmd = ["mpirun", "-n", str(ranks), "--bind-to", "core" if threads == 1 else "none",
           os.path.join(BUILD, "scanhpc"), "scan", "-q", "--force", "--threads", str(threads), "-o", out, file]
    wall, _, _ = timed(cmd)
    with h5py.File(out) as f:
        rss = max(f["run"].attrs["peak_rss_bytes"])
        stages = f["run"].attrs["stages"].decode()
    return wall, rss, stages


def answers_scanhpc(out):
    with h5py.File(out) as f:
        g = lambda p: f[p][()].tolist()
        hosts = f["hosts/table"]
        return {
            "rows": int(f["ingest"].attrs["open_observations"]),
            "probes": [[str(a), str(b)] for a, b in zip(g("multiprobe/probes_per_service/probes"),
                                                        g("multiprobe/probes_per_service/services"))],
            "nreason": [[str(a), str(b)] for a, b in zip(g("multiprobe/reasons_per_service/reasons"),
                                                         g("multiprobe/reasons_per_service/services"))],
            "intervals": [[str(a), str(b)] for a, b in zip(g("multiprobe/intervals/seconds"),
                                                           g("multiprobe/intervals/count"))],
            "hosts": [str(len(hosts["ip"])), str(int(hosts["records"][()].sum())), str(int(hosts["ttl_min"][()].min())),
                      str(int(hosts["ttl_max"][()].max())), str(int(hosts["reasons"][()].sum()))],
        }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--skip-duckdb", action="store_true")
    args = ap.parse_args()
    args.file = os.path.abspath(args.file)
    size = os.path.getsize(args.file)
    subprocess.run(["cat", args.file], stdout=subprocess.DEVNULL, check=True)  # warm the page cache
    rows = {}
    tmp = tempfile.mkdtemp()
    duck_answers = None
    for rep in range(args.repeat):
        floor = json.loads(subprocess.run([os.path.join(BUILD, "bench", "parse_floor"), args.file],
                                          capture_output=True, text=True, check=True).stdout)
        rows.setdefault("simdjson parse floor (1 core, fields only)", []).append((floor["seconds"], None, ""))
        for ranks, threads in [(1, 1), (2, 1), (1, 2)]:
            out = os.path.join(tmp, f"scan_{ranks}x{threads}.h5")
            wall, rss, stages = scanhpc(args.file, ranks, threads, out)
            rows.setdefault(f"scanhpc scan, {ranks} rank(s) x {threads} thread(s)", []).append((wall, rss, stages))
        if not args.skip_duckdb:
            wall, rss, stdout = timed(["node", "peer_duckdb.mjs", args.file, "2"], cwd=os.path.join(ROOT, "bench", "peers"))
            duck_answers = json.loads(stdout)
            rows.setdefault("DuckDB 1.x (node API), 2 threads", []).append((wall, rss, json.dumps(duck_answers["seconds"])))
        print(f"repeat {rep + 1}/{args.repeat} done", file=sys.stderr)

    ours = answers_scanhpc(os.path.join(tmp, "scan_2x1.h5"))
    if duck_answers is not None:
        same = {k: ours[k] == duck_answers[k] for k in ["probes", "nreason", "intervals", "hosts"]}
        same["rows"] = str(ours["rows"]) == duck_answers["rows"]
        print(f"answers equal to DuckDB's: {same}", file=sys.stderr)
        if not all(same.values()):
            print(json.dumps({"scanhpc": ours, "duckdb": duck_answers})[:4000], file=sys.stderr)

    print(f"\nInput: {args.file}, {size / 1e9:.2f} GB, {ours['rows']:,} open observations; "
          f"median of {args.repeat} runs, page cache warm.\n")
    print("| what | wall s | MB/s | peak RSS per rank | notes |")
    print("|---|---:|---:|---:|---|")
    for name, runs in rows.items():
        walls = sorted(r[0] for r in runs)
        mid = runs[[r[0] for r in runs].index(statistics.median_low(walls))]
        rss = f"{mid[1] / 1e6:.0f} MB" if mid[1] else "-"
        print(f"| {name} | {mid[0]:.2f} | {size / 1e6 / mid[0]:.0f} | {rss} | {mid[2]} |")


if __name__ == "__main__":
    main()
