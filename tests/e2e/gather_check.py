#!/usr/bin/python3
"""`scanhpc gather`'s table against an independent reading of each run's file.

    gather_check.py OUT.h5 OUT.csv RUN.h5...

OUT.csv - skips the CSV. RUN.h5... are the readable runs, in the order given to gather. Checks, with h5py
and pandas only (no scanhpc code):
  * one row per run, in the given order; path, command, git_commit, the SLURM ids
    (empty / -1 when not set), ranks, threads (max), wall_seconds, peak_rss_bytes (max),
    records_read/used/rejected (/ingest, else /flow, else /ports) equal the run's
    attributes;
  * the run's `config` INI text, parsed here by hand (name = value, `#` comments,
    [section] prefixes, a repeated name's values one per line): exactly the options
    whose value differs between the runs (or that a run lacks) are columns param:NAME
    holding each run's text, and the others are the rows of /gather/constants;
  * the headline figures of every command, as docs/hdf5-layout.md's "gather" defines
    them (NaN for a run of another command), same_commit, same_command, same_inputs, runs, failed;
  * the CSV (pandas) holds the same header and values as the HDF5 table.
Exit status 1 on any difference.
"""
import math
import sys

import h5py
import numpy as np
import pandas as pd

OUT, CSV, RUNS = sys.argv[1], sys.argv[2], sys.argv[3:]
bad = []


def check(cond, msg):
    if not cond:
        bad.append(msg)


def text(v):
    return v.decode() if isinstance(v, (bytes, np.bytes_)) else str(v)


def parse_ini(s):
    out, prefix = {}, ""
    for line in s.split("\n"):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        if line[0] == "[" and line[-1] == "]":
            prefix = line[1:-1].strip()
            prefix = prefix + "." if prefix else ""
            continue
        if "=" not in line:
            continue
        k, v = line.split("=", 1)
        k, v = prefix + k.strip(), v.strip()
        out[k] = out[k] + "\n" + v if k in out else v
    return out


def expected_row(path):
    with h5py.File(path, "r") as f:
        a = f.attrs
        row = {"path": path, "command": text(a["command"]), "git_commit": text(a["git_commit"]),
               "slurm_array_job_id": text(a["slurm_array_job_id"]) if "slurm_array_job_id" in a else "",
               "slurm_array_task_id": int(text(a["slurm_array_task_id"])) if "slurm_array_task_id" in a else -1,
               "ranks": int(a["ranks"]), "threads": int(np.max(a["threads"])),
               "wall_seconds": float(f["run"].attrs["wall_seconds"]),
               "peak_rss_bytes": int(np.max(f["run"].attrs["peak_rss_bytes"]))}
        g = next(f[n] for n in ("ingest", "flow", "ports") if n in f and "records_read" in f[n].attrs)
        for k in ("records_read", "records_used", "records_rejected"):
            row[k] = int(g.attrs[k])
        fig = {}
        cmd = row["command"]
        if cmd == "scan":
            fig = {"open_observations": f["ingest"].attrs["open_observations"],
                   "services": f["multiprobe"].attrs["services"], "hosts": f["hosts"].attrs["hosts"]}
        elif cmd in ("gps simulate", "gps evaluate"):
            m = f["gps/evaluation/method"][()]
            fr = f["gps/evaluation/fraction"][()][m == b"gps"]
            fig = {"plan_probes": f["gps"].attrs["plan_probes"], "plan_fraction": fr[0], "final_fraction": fr[-1]}
        elif cmd == "gps model":
            fig = {"seed_services": f["gps"].attrs["seed_services"], "rules": len(f["gps/rules/p1"]),
                   "plan_probes": f["gps"].attrs["plan_probes"]}
        elif cmd == "gps predict":
            fig = {"predictions": len(f["gps/predictions/ip"]), "plan_scan_services": f["gps"].attrs["plan_scan_services"]}
        elif cmd == "flow top":
            first = sorted(f["flow/top"].keys())[0]
            t = f["flow/top"][first]
            fig = {"records_selected": f["flow"].attrs["records_selected"],
                   "top_share": sum(p for v, p in zip(t["value"][()], t["pct"][()]) if v != b"Other")}
        elif cmd == "flow series":
            fig = {"records_selected": f["flow"].attrs["records_selected"], "intervals": len(f["flow/series/time"])}
        elif cmd == "flow intersect":
            fig = {"records_selected": f["flow"].attrs["records_selected"],
                   "intersection_share": f["flow/intersection"].attrs["share"]}
        elif cmd == "flow convert":
            fig = {"ft4_rows": f["flow"].attrs["ft4_rows"], "ft4_files": f["flow"].attrs["ft4_files"]}
        elif cmd == "ports":
            fig = {"events": f["ports"].attrs["events"]}
            if "ports/top" in f:
                port, count = f["ports/top/port"][()], f["ports/top/count"][()].astype(float)
                fig["ports_top_share"] = count[port != -1].sum() / count.sum()
        if "ingest/files" in f:
            inputs = list(zip([text(p) for p in f["ingest/files/path"][()]], f["ingest/files/bytes"][()].tolist()))
        else:
            inputs = text(next(f[n].attrs["files"] for n in ("flow", "ports") if n in f))
        return row, {k: float(v) for k, v in fig.items()}, parse_ini(text(a["config"])), inputs


rows, figs, configs, inputs = zip(*[expected_row(p) for p in RUNS])
with h5py.File(OUT, "r") as f:
    t = f["gather/runs"]
    cols = [text(c) for c in t.attrs["columns"]]
    got = {c: t[c][()] for c in cols}
    n = len(got["path"])
    check(n == len(RUNS), f"{n} rows for {len(RUNS)} runs")
    fixed = ["path", "command", "git_commit", "slurm_array_job_id", "slurm_array_task_id", "ranks", "threads",
             "wall_seconds", "peak_rss_bytes", "records_read", "records_used", "records_rejected"]
    check(cols[:len(fixed)] == fixed, f"first columns {cols[:len(fixed)]}")
    for i, want in enumerate(rows[:n]):
        for k, v in want.items():
            g = got[k][i]
            g = text(g) if isinstance(g, (bytes, np.bytes_)) else g.item()
            check(g == v, f"row {i} {k}: {g!r} != {v!r}")
    # headline figures: a column for each figure some run has, NaN for the others
    fig_cols = sorted({k for fg in figs for k in fg})
    got_figs = [c for c in cols if c not in fixed and not c.startswith("param:")]
    check(sorted(got_figs) == fig_cols, f"figure columns {got_figs} != {fig_cols}")
    for c in fig_cols:
        for i, fg in enumerate(figs[:n]):
            g = float(got[c][i]) if c in got else None
            if c in fg:
                check(g == fg[c], f"row {i} {c}: {g} != {fg[c]}")
            else:
                check(g is not None and math.isnan(g), f"row {i} {c}: {g}, expected NaN")
    # options: those that differ are columns, the others constants
    names = []
    for cfg in configs:
        names += [k for k in cfg if k not in names]
    varying = [k for k in names if len({cfg.get(k) for cfg in configs}) > 1]
    constant = [k for k in names if k not in varying]
    check([c for c in cols if c.startswith("param:")] == ["param:" + k for k in varying],
          f"param columns {[c for c in cols if c.startswith('param:')]} != {varying}")
    for k in varying:
        for i, cfg in enumerate(configs[:n]):
            g = text(got["param:" + k][i])
            check(g == cfg.get(k, ""), f"row {i} param:{k}: {g!r} != {cfg.get(k, '')!r}")
    c = f["gather/constants"]
    check([text(x) for x in c["option"][()]] == constant, f"constants {[text(x) for x in c['option'][()]]} != {constant}")
    check([text(x) for x in c["value"][()]] == [configs[0][k] for k in constant], "constant values")
    a = f["gather"].attrs
    check(a["runs"] == len(RUNS), f"runs {a['runs']}")
    check(a["failed"] == len(f["gather/failed/path"]), "failed = rows of /gather/failed")
    check(a["same_commit"] == int(len({r["git_commit"] for r in rows}) == 1), "same_commit")
    check(a["same_command"] == int(len({r["command"] for r in rows}) == 1), "same_command")
    check(a["same_inputs"] == int(all(x == inputs[0] for x in inputs)), "same_inputs")
    # the CSV: the same header and values
    df = pd.read_csv(CSV, keep_default_na=False, dtype=str) if CSV != "-" else pd.DataFrame(
        {c: [text(x) if isinstance(x, (bytes, np.bytes_)) else x for x in got[c]] for c in cols})
    check(list(df.columns) == cols, f"CSV header {list(df.columns)} != {cols}")
    for col in cols:
        for i in range(min(n, len(df))):
            g, h = df[col][i], got[col][i]
            if isinstance(h, (bytes, np.bytes_)):
                ok = g == text(h)
            elif isinstance(h, np.floating):
                ok = (math.isnan(h) and str(g) == "nan") or float(g) == float(h)
            else:
                ok = int(g) == int(h)
            check(ok, f"CSV row {i} {col}: {g!r} != {h!r}")
    check(len(df) == n, f"CSV rows {len(df)} != {n}")

for b in bad:
    print("FAIL:", b)
print(f"gather_check: {len(RUNS)} runs, {len(cols)} columns, {'ok' if not bad else f'{len(bad)} differences'}")
sys.exit(1 if bad else 0)
