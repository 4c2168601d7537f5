#!/usr/bin/python3
"""Benchmark (not a test): `scanhpc scan --analyses multiprobe,hosts` (the questions DuckDB
answers; `structure` is left out) on masscan -oJ files against DuckDB answering the same questions on the same files and the simdjson parse floor, all in
one run (absolute times on shared machines drift; compare within a run). Every file is an
input family; every --binary is a scanhpc build (e.g. the old and the new one), timed
interleaved with the others. Prints a markdown table per run: wall time, MB/s of input,
records/s per core, peak RSS per rank, DuckDB's time over this one's, and the stages (each
stage's maximum over the ranks). Checks that DuckDB's answers equal each binary's.
--polars NAME=NDJSON adds Polars (npm nodejs-polars 0.25.2, bench/peers/peer_polars_scan.mjs,
POLARS_MAX_THREADS=2) on the family's records as JSON lines, in the first repeat only (it
takes minutes a GB), and checks its answers (probes per service, hosts, distinct intervals).

usage: bench/bench_scan.py [NAME=]FILE... [--repeat N] [--binary NAME=PATH]...
                           [--configs 2x1,1x1,1x2] [--peers DIR] [--skip-duckdb] [--polars NAME=NDJSON]...
"""
import argparse, json, os, statistics, subprocess, sys, tempfile, time
import h5py

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, "build")
ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
           OMPI_MCA_rmaps_base_oversubscribe="1", POLARS_MAX_THREADS="2")


def timed(cmd, cwd=None):
    """Runs cmd under /usr/bin/time; returns (wall seconds, max RSS bytes of the largest process, stdout)."""
    with tempfile.NamedTemporaryFile(mode="r") as t:
        start = time.perf_counter()
        out = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", t.name] + cmd, cwd=cwd, env=ENV,
                             check=True, capture_output=True, text=True)
        wall = time.perf_counter() - start
        rss = int(t.read().strip().splitlines()[-1]) * 1024
    return wall, rss, out.stdout


def scanhpc(binary, file, ranks, threads, out):
    cmd = ["mpirun", "-n", str(ranks), "--bind-to", "core" if threads == 1 else "none",
           binary, "scan", "-q", "--force", "--threads", str(threads), "--analyses", "multiprobe,hosts", "-o", out, file]
    wall, _, _ = timed(cmd)
    with h5py.File(out) as f:
        rss = max(f["run/ranks/peak_rss_bytes"][()])  # each rank's own getrusage
        stages = f["run"].attrs["stages"].decode()
        records = int(f["ingest"].attrs["records_read"])
    return wall, rss, stages, records


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


def named(spec, default_name):
    name, sep, path = spec.partition("=")
    return (name, path) if sep else (default_name(spec), spec)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("files", nargs="+", help="[NAME=]FILE: one input family each")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--binary", action="append", default=[],
                    help="NAME=PATH of a scanhpc binary (repeatable; default: build/scanhpc)")
    ap.add_argument("--configs", default="2x1", help="RANKSxTHREADS, comma-separated (default 2x1)")
    ap.add_argument("--peers", default=os.path.join(ROOT, "bench", "peers"),
                    help="folder of peer_duckdb.mjs with @duckdb/node-api installed")
    ap.add_argument("--skip-duckdb", action="store_true")
    ap.add_argument("--polars", action="append", default=[], help="NAME=NDJSON: the family's records as JSON lines")
    args = ap.parse_args()
    polars_files = dict(named(s, lambda p: p) for s in args.polars)
    families = [named(s, lambda p: os.path.basename(p)) for s in args.files]
    families = [(n, os.path.abspath(p)) for n, p in families]
    binaries = [named(s, lambda p: "scanhpc") for s in args.binary] or [("scanhpc", os.path.join(BUILD, "scanhpc"))]
    configs = [tuple(int(x) for x in c.split("x")) for c in args.configs.split(",")]
    floor_bin = os.path.join(BUILD, "bench", "parse_floor")
    tmp = tempfile.mkdtemp()
    # rows[family][what] = list of (wall, rss, notes, cores, records)
    rows = {name: {} for name, _ in families}
    duck_answers, records_of, polars_answers = {}, {}, {}
    for rep in range(args.repeat):
        for fam, path in families:
            subprocess.run(["cat", path], stdout=subprocess.DEVNULL, check=True)  # warm the page cache
            r = rows[fam]
            if os.path.exists(floor_bin):
                floor = json.loads(subprocess.run([floor_bin, path], capture_output=True, text=True, check=True).stdout)
                r.setdefault("simdjson parse floor (fields only)", []).append((floor["seconds"], None, "", 1, floor["records"]))
            for bname, binary in binaries:
                for ranks, threads in configs:
                    out = os.path.join(tmp, f"{fam}_{bname}_{ranks}x{threads}.h5")
                    wall, rss, stages, records = scanhpc(binary, path, ranks, threads, out)
                    records_of[fam] = records
                    r.setdefault(f"{bname}, {ranks} rank(s) x {threads} thread(s)", []).append(
                        (wall, rss, stages, ranks * threads, records))
            if not args.skip_duckdb:
                wall, rss, stdout = timed(["node", "peer_duckdb.mjs", path, "2"], cwd=args.peers)
                duck_answers[fam] = json.loads(stdout)
                r.setdefault("DuckDB (node API), 2 threads", []).append(
                    (wall, rss, json.dumps(duck_answers[fam]["seconds"]), 2, None))
            if rep == 0 and fam in polars_files:
                wall, rss, stdout = timed(["node", "peer_polars_scan.mjs", os.path.abspath(polars_files[fam])],
                                          cwd=args.peers)
                polars_answers[fam] = json.loads(stdout)
                r.setdefault("Polars (node), 2 threads, one run", []).append(
                    (wall, rss, json.dumps(polars_answers[fam]["seconds"]), 2, None))
            print(f"repeat {rep + 1}/{args.repeat}: {fam} done", file=sys.stderr)

    agree = {}
    for fam, _ in families:
        for bname, _ in binaries:
            ranks, threads = configs[0]
            ours = answers_scanhpc(os.path.join(tmp, f"{fam}_{bname}_{ranks}x{threads}.h5"))
            if fam in duck_answers:
                d = duck_answers[fam]
                same = {k: ours[k] == d[k] for k in ["probes", "nreason", "intervals", "hosts"]}
                same["rows"] = str(ours["rows"]) == d["rows"]
                agree[(fam, bname)] = all(same.values())
                print(f"{fam}, {bname}: answers equal to DuckDB's: {same}", file=sys.stderr)
                if not all(same.values()):
                    print(json.dumps({"scanhpc": ours, "duckdb": d})[:4000], file=sys.stderr)
            if fam in polars_answers:
                pa = polars_answers[fam]
                same = {"probes": {a: b for a, b in ours["probes"]} == pa["probes"],
                        "hosts": ours["hosts"][0] == str(pa["hosts"]), "intervals": len(ours["intervals"]) == pa["intervals"]}
                agree[(fam, bname + " (Polars)")] = all(same.values())
                print(f"{fam}, {bname}: answers equal to Polars': {same}", file=sys.stderr)

    print(f"\nMedian of {args.repeat} interleaved runs, page cache warm. Ratio: DuckDB's wall time over "
          f"this row's. Stages: each stage's maximum over the ranks.\n")
    print("| input | what | wall s | MB/s | records/s per core | peak RSS per rank | vs DuckDB | notes |")
    print("|---|---|---:|---:|---:|---:|---:|---|")
    for fam, path in families:
        size = os.path.getsize(path)
        duck = rows[fam].get("DuckDB (node API), 2 threads")
        duck_wall = statistics.median(x[0] for x in duck) if duck else None
        for name, runs in rows[fam].items():
            walls = sorted(x[0] for x in runs)
            mid = runs[[x[0] for x in runs].index(statistics.median_low(walls))]
            wall = statistics.median(walls)
            rss = f"{mid[1] / 1e6:.0f} MB" if mid[1] else "-"
            records = mid[4] or records_of.get(fam, 0)
            per_core = f"{records / wall / mid[3] / 1e6:.2f} M" if records else "-"
            ratio = f"{duck_wall / wall:.1f}x" if duck_wall else "-"
            notes = mid[2]
            for (f2, b), ok in agree.items():
                if f2 == fam and name.startswith("Polars") and b.endswith(" (Polars)"):
                    notes = ("answers = scanhpc's; " if ok else "ANSWERS DIFFER from scanhpc's; ") + notes
                if f2 == fam and name.startswith(b + ","):
                    notes = ("answers = DuckDB's; " if ok else "ANSWERS DIFFER from DuckDB's; ") + notes
            print(f"| {fam} ({size / 1e9:.2f} GB, {records_of.get(fam, 0) / 1e6:.2f} M records) | {name} | "
                  f"{wall:.2f} | {size / 1e6 / wall:.0f} | {per_core} | {rss} | {ratio} | {notes} |")
    if agree and not all(agree.values()):
        sys.exit(1)


if __name__ == "__main__":
    main()
