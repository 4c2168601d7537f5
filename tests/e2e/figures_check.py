#!/usr/bin/python3
"""Checks what the figures draw against the HDF5 file they were drawn from.

    figures_check.py FIGDIR H5 [--drawn NAME ...] [--skipped NAME[=TEXT] ...]

Every notebook writes, beside each PNG, NAME.json with the numbers it plots (notebooks/figlib.py).
For each NAME.json in FIGDIR this script reads the tables those numbers come from with h5py (raw
columns, not through the reader package) and recomputes what the figure must show: the same rows,
counts, quartiles, curves and annotations. A figure without a check here is an error, so a new
figure needs a check. --drawn names figures that must have been drawn (PNG and data), --skipped
names figures that must have been skipped (TEXT: a part of the message).
Exit status 0 when every figure agrees, 1 otherwise (each difference printed).
"""
from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
from collections import Counter
from pathlib import Path

import h5py
import numpy as np

problems: list[str] = []


def bad(name, message):
    problems.append(f"{name}: {message}")


def col(f, group, name):
    return f[group][name][()]


def strs(a):
    return [x.rstrip(b"\0").decode("utf-8", "replace") if isinstance(x, bytes) else str(x) for x in a]


def same(name, what, got, want, rel=1e-12):
    """Equal lists (numbers within a relative 1e-12: the JSON holds the doubles as written)."""
    got = [] if got is None else list(got)
    want = list(np.asarray(want).tolist()) if not isinstance(want, list) else want
    if len(got) != len(want):
        bad(name, f"{what}: {len(got)} values drawn, {len(want)} in the file")
        return False
    for i, (g, w) in enumerate(zip(got, want)):
        if isinstance(g, int) and isinstance(w, int) and not isinstance(g, bool):
            ok = g == w  # exact: u64 feature ids and probe counts do not fit a double
        elif isinstance(w, (bytes, str)) or isinstance(g, str):
            ok = str(g) == (w.decode() if isinstance(w, bytes) else str(w))
        elif g is None or w is None or (isinstance(w, float) and math.isnan(w)):
            ok = (g is None) and (w is None or math.isnan(w))
        else:
            ok = math.isclose(float(g), float(w), rel_tol=rel, abs_tol=0.0) or float(g) == float(w)
        if not ok:
            bad(name, f"{what}[{i}]: drawn {g!r}, file {w!r}")
            return False
    return True


def close(name, what, got, want, rel=1e-9):
    if got is None or want is None or not math.isclose(float(got), float(want), rel_tol=rel):
        bad(name, f"{what}: drawn {got!r}, file {want!r}")


# ---- seed 000: multiprobe -----------------------------------------------------------------------
def check_multiprobe(f, name, d):
    if name == "multiprobe_probes_per_service":
        same(name, "probes", d["probes"], col(f, "multiprobe/probes_per_service", "probes"))
        same(name, "services", d["services"], col(f, "multiprobe/probes_per_service", "services"))
    elif name == "multiprobe_reasons_per_service":
        same(name, "reasons", d["reasons"], col(f, "multiprobe/reasons_per_service", "reasons"))
        same(name, "services", d["services"], col(f, "multiprobe/reasons_per_service", "services"))
    elif name == "multiprobe_causes":
        if "multiprobe/causes" not in f:
            if d["seconds"]:
                bad(name, "bars drawn without /multiprobe/causes")
            return True
        g = f["multiprobe/cause_intervals"]
        cause, secs, reps = g["cause"][()], g["seconds"][()], g["repeats"][()]
        if len(secs):
            keep = secs <= d["xmax"]
            same(name, "cause", d["cause"], cause[keep])
            same(name, "seconds", d["seconds"], secs[keep])
            same(name, "repeats", d["repeats"], reps[keep])
            if int(d["not_drawn"]) != int(reps[~keep].sum()):
                bad(name, f"not_drawn {d['not_drawn']} != {int(reps[~keep].sum())}")
        a = f["multiprobe/causes"].attrs
        sched = a["schedule"].decode() if isinstance(a["schedule"], bytes) else str(a["schedule"])
        if d["schedule"] != sched:
            bad(name, f"schedule: drawn {d['schedule']!r}, file {sched!r}")
        if int(a["loss_estimable"]):
            close(name, "missed_share", d["missed_share"], a["loss_missed_share"])
        elif d["missed_share"] is not None:
            bad(name, "a loss drawn where the file has none")
    elif name in ("multiprobe_intervals", "multiprobe_interval_stats"):
        g = f["multiprobe/intervals"]
        secs, counts = g["seconds"][()], g["count"][()]
        if int(d["n"]) != int(g.attrs["n"]) or int(counts.sum()) != int(g.attrs["n"]):
            bad(name, f"n: drawn {d['n']}, file {int(g.attrs['n'])} (counts sum {int(counts.sum())})")
        if name == "multiprobe_intervals":
            if len(secs):
                keep = secs <= d["xmax"]
                same(name, "seconds", d["seconds"], secs[keep])
                same(name, "count", d["count"], counts[keep])
                if int(d["not_drawn"]) != int(counts[~keep].sum()):
                    bad(name, f"not_drawn {d['not_drawn']} != {int(counts[~keep].sum())}")
                close(name, "median", d["median"], g.attrs["median"])
                close(name, "mean", d["mean"], g.attrs["mean"])
            elif d["seconds"] or d["count"]:
                bad(name, "bars drawn for an empty table")
        else:
            for k in ["mean", "std", "min", "q25", "median", "q75", "max", "mode", "iqr"]:
                want = float(g.attrs[k])
                if math.isnan(want):
                    if d[k] is not None:
                        bad(name, f"{k}: drawn {d[k]}, file NaN")
                else:
                    close(name, k, d[k], want, rel=1e-12)
    else:
        return False
    return True


# ---- seed 001: hosts ----------------------------------------------------------------------------
def check_hosts(f, name, d):
    t = f["hosts/table"]
    known = t["known"][()]
    if name == "hosts_ports_per_host":
        same(name, "ports", d["ports"], col(f, "hosts/ports_per_host", "ports"))
        same(name, "hosts", d["hosts"], col(f, "hosts/ports_per_host", "hosts"))
    elif name in ("hosts_ttl_min", "hosts_ttl_max"):
        ttl = t[name[len("hosts_"):]][()][(known & 4) != 0]
        same(name, "hosts per ttl", d["hosts"], np.bincount(ttl.astype(np.int64), minlength=256))
        if int(d["without_ttl"]) != int(((known & 4) == 0).sum()):
            bad(name, "hosts without ttl")
    elif name == "hosts_reasons_per_host":
        c = sorted(Counter(t["reasons"][()][(known & 2) != 0].tolist()).items())
        same(name, "reasons", d["reasons"], [k for k, _ in c])
        same(name, "hosts", d["hosts"], [v for _, v in c])
    elif name == "hosts_records_per_host":
        c = sorted(Counter(t["records"][()].tolist()).items())
        same(name, "records", d["records"], [k for k, _ in c])
        same(name, "hosts", d["hosts"], [v for _, v in c])
    elif name == "hosts_top20_by_ports":
        ip, ports, records = t["ip"][()], t["ports"][()], t["records"][()]
        order = sorted(range(len(ip)), key=lambda i: (-int(ports[i]), -int(records[i]), int(ip[i])))[:20]
        same(name, "ip", d["ip"], [int(ip[i]) for i in order])
        same(name, "ports", d["ports"], [int(ports[i]) for i in order])
        same(name, "records", d["records"], [int(records[i]) for i in order])
    else:
        return False
    return True


# ---- seed 002: gps ------------------------------------------------------------------------------
def check_gps(f, name, d):
    if name == "gps_coverage":
        e, a = f["gps/evaluation"], f["gps"].attrs
        method = np.array(strs(e["method"][()]))
        probes, frac = e["probes"][()], e["fraction"][()]
        exhaustive = float(a["exhaustive_probes"])
        for m in ["gps", "popularity"]:
            same(name, f"{m} probes", d[m]["probes"], probes[method == m])
            same(name, f"{m} fraction", d[m]["fraction"], frac[method == m])
        if "fraction_excluding_sinks" in e:
            same(name, "gps fraction_excluding_sinks", d["gps"]["fraction_excluding_sinks"],
                 e["fraction_excluding_sinks"][()][method == "gps"])
        seed = int(a["seed_services_in_truth"] if "seed_services_in_truth" in a else a["seed_services"])
        if int(d["seed_services_found"]) != seed:
            bad(name, f"seed services {d['seed_services_found']} != {seed}")
        close(name, "seed level", d["seed_level"], seed / int(a["truth_services"]))
        sent = probes[probes > 0] / exhaustive
        lo, hi = d["xlim"]
        if len(sent) and not (lo <= sent.min() and lo > sent.min() / 100):
            bad(name, f"log axis starts at {lo:g}, first probe at {sent.min():g}")
        if hi < 1.0:
            bad(name, f"log axis ends at {hi:g}, before the exhaustive scan (1)")
        g, q = probes[method == "gps"], frac[method == "gps"]
        pop_p, pop_f = probes[method == "popularity"], frac[method == "popularity"]
        s = d["saving"]
        if len(g) and g[-1] > 0:
            fy, P = float(q[-1]), int(g[-1])
            reach = pop_p[pop_f >= fy]
            other, target = (float(reach[0]), "popularity") if len(reach) else (exhaustive, "an exhaustive scan")
            if s is None:
                bad(name, "no saving annotated")
            else:
                close(name, "saving fraction", s["fraction"], fy)
                if int(s["gps_probes"]) != P or s["compared_with"] != target:
                    bad(name, f"saving against {s['compared_with']} at {s['gps_probes']}, want {target} at {P}")
                close(name, "saving probes", s["compared_probes"], other)
                close(name, "saving ratio", s["ratio"], other / P)
        elif s is not None:
            bad(name, "a saving annotated although GPS sends no probes")
    elif name == "gps_predictions":
        port, hitrate = col(f, "gps/predictions", "port"), col(f, "gps/predictions", "hitrate")
        c = sorted(Counter(port.tolist()).items(), key=lambda kv: (-kv[1], kv[0]))
        same(name, "top ports", d["top_ports"], [p for p, _ in c[:20]])
        same(name, "top counts", d["top_counts"], [n for _, n in c[:20]])
        if int(d["other"]) != sum(n for _, n in c[20:]) or int(d["predictions"]) != len(port):
            bad(name, "other or total predictions")
        same(name, "hitrate edges", d["hitrate_edges"], np.linspace(0, 1, 21))
        same(name, "hitrate counts", d["hitrate_counts"], np.histogram(hitrate, bins=np.linspace(0, 1, 21))[0])
    elif name == "gps_top_rules":
        r = f["gps/rules"]
        cols = {k: r[k][()] for k in ["p1", "feature", "p2", "support", "base", "hitrate"]}
        idx = [i for i in range(len(cols["p1"])) if cols["hitrate"][i] >= 0.5]
        idx = sorted(idx, key=lambda i: (-int(cols["support"][i]), -float(cols["hitrate"][i])))[:20]
        for k in cols:
            same(name, k, d[k], [cols[k][i] for i in idx])
    elif name == "gps_plan":
        p = f["gps/plan"]
        for k in ["priority", "port", "prefix", "prefix_len", "services"]:
            same(name, k, d[k], p[k][()][:20])
        if int(d["rows"]) != len(p["port"]):
            bad(name, "plan rows")
    else:
        return False
    return True


# ---- seed 004: flowtuples -----------------------------------------------------------------------
def check_flow(f, name, d):
    if name.startswith("flow_top_"):
        t = f["flow/top"][name[len("flow_top_"):]]
        same(name, "value", d["value"], strs(t["value"][()]))
        for k in ["rank", "count", "pct", "cumpct"]:
            same(name, k, d[k], t[k][()])
        if d["field"] in ("dst_port", "src_port"):
            cond = f["flow"].attrs["conditions"].decode()
            if len(set(re.findall(r"\bprotocol\s*==\s*(\d+)", cond))) != 1:
                bad(name, f"a port chart drawn for a selection of several protocols ({cond})")
    elif name == "flow_series":
        s = f["flow/series"]
        for k in ["time", "packets", "src_ips", "asns", "dst_nets"]:
            same(name, k, d[k], s[k][()])
        first = np.datetime64(int(s["time"][0]), "s").astype(object).strftime("%Y-%m-%d %H:%M")
        if d["first_utc"] != first:
            bad(name, f"axis starts {d['first_utc']}, file {first}")
    elif name == "flow_intersection":
        a = f["flow/intersection"].attrs
        for k in ["baseline", "intersection"]:
            if int(d[k]) != int(a[k]):
                bad(name, f"{k}: drawn {d[k]}, file {int(a[k])}")
        if int(a["baseline"]):
            close(name, "share", d["share"], float(a["share"]))
        n = int(d["sample_rows"])
        sample = f["flow/intersection/sample"]
        if n != min(10, len(sample["src_ip"])):
            bad(name, f"{n} sample rows listed, {len(sample['src_ip'])} in the file")
        same(name, "sample src_ip", d["sample_src_ip"], sample["src_ip"][()][:n])
        same(name, "sample time", d["sample_time"], sample["time"][()][:n])
    elif name == "flow_convert":
        a = f["flow"].attrs
        for k in ["ft3_rows", "ft4_rows", "ft4_files"]:
            if int(d[k]) != int(a[k]):
                bad(name, f"{k}: drawn {d[k]}, file {int(a[k])}")
    else:
        return False
    return True


# ---- seed 003: ports ----------------------------------------------------------------------------
def ports_tables(f):
    def table(name):
        g = f["ports"][name]
        return {k: (np.array(strs(g[k][()])) if g[k].dtype.kind == "S" else g[k][()]) for k in g.keys()}
    return {n: table(n) for n in ["top", "daily", "daily_mean", "box", "box_outliers"] if n in f["ports"]}


def ranked(daily, proto):
    m = daily["protocol"] == proto
    tuples = Counter()
    for p, s in zip(daily["port"][m].tolist(), daily["sources"][m].tolist()):
        tuples[p] += s
    return [p for p, _ in sorted(tuples.items(), key=lambda kv: (-kv[1], kv[0]))]


def check_ports(f, name, d, cache={}):
    key = f.filename
    if key not in cache:
        cache[key] = ports_tables(f)
    t = cache[key]
    m = re.fullmatch(r"ports_(top|box_top10|monthly_top10|daily_top10)_([a-z0-9]+)", name)
    if not m:
        return False
    kind, proto = m.group(1), d["protocol"]
    if proto.lower() != m.group(2):
        bad(name, f"protocol {proto} in a figure named {m.group(2)}")
    if kind == "top":
        top = t["top"]
        sel = top["protocol"] == proto
        order = np.argsort(top["rank"][sel], kind="stable")
        for k in ["port", "count", "share"]:
            same(name, k, d[k], top[k][sel][order])
        return True
    daily, means = t["daily"], t["daily_mean"]
    ports_ranked = ranked(daily, proto)
    if kind == "box_top10":
        box, out = t["box"], t["box_outliers"]
        whole = (box["protocol"] == proto) & (box["month"] == 0)
        in_box = set(box["port"][whole].tolist())
        same(name, "ports (by deduplicated tuples)", d["ports"], [p for p in ports_ranked if p in in_box])
        top = d["ylim_top"]
        clipped = {c["port"]: sorted(c["values"]) for c in d["clipped"]}
        for i, p in enumerate(d["ports"]):
            r = np.flatnonzero(whole & (box["port"] == p))[0]
            for k, dk in [("days", "days"), ("q1", "q1"), ("median", "median"), ("q3", "q3"), ("lower", "lower"),
                          ("upper", "upper")]:
                close(name, f"port {p} {k}", d[dk][i], box[k][r], rel=1e-12)
            o = (out["protocol"] == proto) & (out["port"] == p) & (out["month"] == 0)
            want = sorted(out["mean_sources"][o].tolist())
            same(name, f"port {p} outliers", d["outliers"][i], want)
            if len(want) != int(box["outliers"][r]):
                bad(name, f"port {p}: {len(want)} outlier rows, box says {int(box['outliers'][r])}")
            if top is not None:
                if box["upper"][r] > top or box["q3"][r] > top:
                    bad(name, f"port {p}: the box or whisker ({box['upper'][r]}) is cut by the axis ({top})")
                if sorted(v for v in want if v > top) != clipped.get(p, []):
                    bad(name, f"port {p}: outliers above the axis {sorted(v for v in want if v > top)} are not all "
                              f"marked ({clipped.get(p, [])})")
        days_all = len(np.unique(means["day"][means["protocol"] == proto]))
        if days_all < 7:
            bad(name, f"a box plot drawn from {days_all} days")
    elif kind == "monthly_top10":
        for fc in d["facets"]:
            p = fc["port"]
            sel = (means["protocol"] == proto) & (means["port"] == p)
            order = np.argsort(means["day"][sel], kind="stable")
            same(name, f"port {p} days", fc["day"], means["day"][sel][order])
            same(name, f"port {p} means", fc["mean_sources"], means["mean_sources"][sel][order])
            if fc["loess"] is not None and len(fc["loess"]) != len(fc["loess_day"]):
                bad(name, f"port {p}: loess line and its days differ in length")
            days, values = fc["day"], fc["mean_sources"]
            if sorted(fc["loess_day"] + fc["not_fitted_days"]) != sorted(days):
                bad(name, f"port {p}: the loess line's days and the days left out are not the port's days")
            top = fc["ylim_top"]
            above = sorted(d for d, v in zip(days, values) if top is not None and v > top)
            if sorted(fc["clipped_days"]) != above:
                bad(name, f"port {p}: days above the axis {above} are not those marked {fc['clipped_days']}")
            value = dict(zip(days, values))
            fitted, left_out = [value[d] for d in fc["loess_day"]], [value[d] for d in fc["not_fitted_days"]]
            if left_out and fitted and min(left_out) <= max(fitted):
                bad(name, f"port {p}: a day left out of the loess line is not above every fitted day")
        want_ports = [p for p in ports_ranked if "box" not in t or p in
                      set(t["box"]["port"][(t["box"]["protocol"] == proto) & (t["box"]["month"] == 0)].tolist())][:10]
        same(name, "ports", d["ports"], want_ports)
    elif kind == "daily_top10":
        sel = means["protocol"] == proto
        days = sorted(set(means["day"][sel].tolist()))
        same(name, "days", d["days"], days)
        if len(days) >= 7:
            bad(name, "daily bars drawn for 7 days or more")
        for j, day in enumerate(d["days"]):
            for i, p in enumerate(d["ports"]):
                r = np.flatnonzero(sel & (means["port"] == p) & (means["day"] == day))
                want = float(means["mean_sources"][r[0]]) if len(r) else None
                got = d["mean_sources"][j][i]
                if (want is None) != (got is None) or (want is not None and not math.isclose(got, want, rel_tol=1e-12)):
                    bad(name, f"port {p} day {day}: drawn {got}, file {want}")
    return True


# ---- sweeps: scanhpc gather (notebooks/sweep.ipynb) ------------------------------------------------
def sweep_dims(g):
    """The swept parameters of /gather/runs as the notebook finds them: the param:* columns in table
    order but param:output, param:threads as the threads column, then ranks and threads; those that vary.
    A parameter whose values all parse as finite numbers is numeric (values as floats), else text."""
    def dim(c):
        raw = strs(g[c][()]) if c.startswith("param:") else [str(int(v)) for v in g[c][()]]
        try:
            num = [float(x) for x in raw]
            numeric = all(math.isfinite(x) for x in num)
        except ValueError:
            numeric = False
        return dict(column=c, numeric=numeric, values=num if numeric else raw, text=raw)
    names = strs(g.attrs["columns"])
    dims = [dim("threads" if c == "param:threads" else c) for c in names if c.startswith("param:") and c != "param:output"]
    dims += [dim(c) for c in ["ranks", "threads"] if all(d["column"] != c for d in dims)]
    return [d for d in dims if len(set(d["values"])) > 1]


def positive_span(values, factor):
    v = [x for x in values if x is not None and math.isfinite(x)]
    return bool(v) and min(v) > 0 and max(v) / min(v) > factor


def check_sweep_axes(name, d, n, x_column, x_numeric, x_values, line_dims):
    """The x axis, its log decision and the lines: every run drawn once, a line per value of line_dims."""
    if d["x"]["column"] != x_column:
        bad(name, f"x axis {d['x']['column']}, want {x_column}")
        return
    if (d["x"]["kind"] == "numeric") != x_numeric:
        bad(name, f"x axis kind {d['x']['kind']}, want {'numeric' if x_numeric else 'category'}")
    same(name, "x values", d["x"]["values"], x_values)
    if bool(d["x"]["log"]) != (x_numeric and positive_span(x_values, 10)):
        bad(name, f"x log {d['x']['log']}, values {min(x_values)}..{max(x_values)}")
    if d["lines"]["columns"] != [ld["column"] for ld in line_dims]:
        bad(name, f"lines per {d['lines']['columns']}, want {[ld['column'] for ld in line_dims]}")
    drawn = sorted(i for s in d["series"] for i in s["rows"])
    if drawn != list(range(n)):
        bad(name, f"rows drawn {drawn}, want each of the {n} runs once")
        return
    key = lambda i: tuple(ld["values"][i] for ld in line_dims)  # noqa: E731
    keys = [key(s["rows"][0]) for s in d["series"]]
    if len(set(keys)) != len(keys):
        bad(name, "two lines for the same parameter values")
    for s in d["series"]:
        if any(key(i) != key(s["rows"][0]) for i in s["rows"]):
            bad(name, f"line {s['label']} mixes parameter values")
        xs = [x_values[i] for i in s["rows"]]
        if x_numeric and xs != sorted(xs):
            bad(name, f"line {s['label']} not in x order")


def check_sweep(f, name, d):
    if name not in ("sweep_headline", "sweep_cost"):
        return False
    g = f["gather/runs"]
    n = len(g["path"])
    dims = sweep_dims(g)
    same(name, "paths", d["paths"], strs(g["path"][()]))
    if n < 2 or not dims:
        bad(name, f"drawn although {'the file gathers ' + str(n) + ' run(s)' if n < 2 else 'no parameter varies'}")
        return True
    if name == "sweep_headline":
        xd = max((x for x in dims if x["numeric"]), key=lambda x: len(set(x["text"])), default=dims[0])
        check_sweep_axes(name, d, n, xd["column"], xd["numeric"], xd["values"], [x for x in dims if x is not xd])
        want = [c for c in strs(g.attrs["columns"]) if g[c].dtype.kind == "f" and c != "wall_seconds"
                and np.isfinite(g[c][()]).any()]
        if d["columns"] != want:
            bad(name, f"panels {d['columns']}, want the headline columns {want}")
        for c in want:
            y = g[c][()]
            same(name, c, d["y"][c], y)
            if bool(d["ylog"][c]) != positive_span(y.tolist(), 50):
                bad(name, f"{c}: y log {d['ylog'][c]}")
        return True
    wall, rss = g["wall_seconds"][()], g["peak_rss_bytes"][()].astype(float) / 2**20
    same(name, "wall_seconds", d["wall_seconds"], wall)
    same(name, "peak_rss_mib", d["peak_rss_mib"], rss)
    for k, y in [("wall_seconds", wall), ("peak_rss_mib", rss)]:
        if bool(d["ylog"][k]) != positive_span(y.tolist(), 50):
            bad(name, f"{k}: y log {d['ylog'][k]}")
    ranks, threads = g["ranks"][()].astype(int), g["threads"][()].astype(int)
    cols = [x["column"] for x in dims]
    scaling = "ranks" in cols or "threads" in cols
    if bool(d["scaling"]) != scaling:
        bad(name, f"scaling view {d['scaling']}, want {scaling} (ranks or threads vary: {scaling})")
        return True
    if not scaling:
        xd = max((x for x in dims if x["numeric"]), key=lambda x: len(set(x["text"])), default=dims[0])
        check_sweep_axes(name, d, n, xd["column"], xd["numeric"], xd["values"], [x for x in dims if x is not xd])
        return True
    others = [x for x in dims if x["column"] not in ("ranks", "threads")]
    line_dims = others + [x for x in dims if x["column"] == "ranks" and "threads" in cols]
    cores = (ranks * threads).tolist()
    check_sweep_axes(name, d, n, "ranks*threads", True, [float(c) for c in cores], line_dims)
    same(name, "cores", d["cores"], cores)
    key = lambda i: tuple(x["values"][i] for x in others)  # noqa: E731
    base = [next((j for j in range(n) if ranks[j] == 1 and threads[j] == 1 and key(j) == key(i)), None)
            for i in range(n)]
    same(name, "baseline rows", d["baseline_row"], base)
    same(name, "speed-up", d["speedup"], [float(wall[b] / wall[i]) if b is not None and wall[i] > 0 else None
                                          for i, b in enumerate(base)])
    return True


# ---- issue 14: structure ------------------------------------------------------------------------
def check_structure(f, name, d):
    pc = f["structure/port_clusters"]
    proto, port, cluster = strs(pc["proto"][()]), pc["port"][()].tolist(), pc["cluster"][()].tolist()
    if name == "structure_port_pairs":
        n = min(40, len(port))
        chosen = sorted(range(n), key=lambda i: (cluster[i], i))
        same(name, "ports", d["ports"], [f"{proto[i]}/{port[i]}" for i in chosen])
        same(name, "clusters", d["cluster"], [cluster[i] for i in chosen])
        pp = f["structure/port_pairs"]
        both = {}
        for ap, a, bp, b, p in zip(strs(pp["a_proto"][()]), pp["a_port"][()].tolist(), strs(pp["b_proto"][()]),
                                   pp["b_port"][()].tolist(), pp["p_a_given_b"][()].tolist()):
            both[(ap, a, bp, b)] = p
        hosts = pc["hosts"][()].tolist()
        want = [[(1.0 if hosts[i] > 0 else 0.0) if i == j else both.get((proto[i], port[i], proto[j], port[j]), 0.0)
                 for j in chosen] for i in chosen]
        for r, (got_row, want_row) in enumerate(zip(d["p_a_given_b"], want)):
            if not same(name, f"P(a | b) row {r}", got_row, want_row):
                break
        if len(d["p_a_given_b"]) != len(want):
            bad(name, "heat map size")
    elif name == "structure_profiles":
        pr = f["structure/profiles"]
        k = min(20, len(pr["profile"]))
        same(name, "profile", d["profile"], pr["profile"][()][:k])
        same(name, "ports", d["ports"], strs(pr["ports"][()][:k]))
        same(name, "hosts_exact", d["hosts_exact"], pr["hosts_exact"][()][:k])
        same(name, "hosts", d["hosts"], pr["hosts"][()][:k])
    else:
        return False
    return True


def check_scanner(f, name, d):
    g = f["scanner"]
    if name == "scanner_rate":
        for c in ("second", "services", "observations"):
            same(name, c, d[c], g["rate"][c][()])
        same(name, "pause starts", d["pause_start"], g["pauses"]["start"][()])
        same(name, "pause lengths", d["pause_seconds"], g["pauses"]["seconds"][()])
    elif name == "scanner_order":
        cells = g["order"]["services"][()]
        b = int(round(math.sqrt(len(cells))))
        for r, row in enumerate(d["services"]):
            if not same(name, f"grid row {r}", row, cells[r * b:(r + 1) * b]):
                break
        if len(d["services"]) != b:
            bad(name, "grid size")
        same(name, "correlation", [d["correlation"]], [float(g.attrs["ip_time_correlation"])])
    else:
        return False
    return True


CHECKS = {"multiprobe_": check_multiprobe, "hosts_": check_hosts, "gps_": check_gps, "flow_": check_flow,
          "ports_": check_ports, "sweep_": check_sweep,
          "structure_": check_structure, "scanner_": check_scanner}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("figdir")
    ap.add_argument("h5")
    ap.add_argument("--drawn", nargs="*", default=[])
    ap.add_argument("--skipped", nargs="*", default=[])
    args = ap.parse_args()
    figdir = Path(args.figdir)
    records = {p.stem: json.loads(p.read_text()) for p in sorted(figdir.glob("*.json"))}
    drawn, skipped = [], []
    with h5py.File(args.h5, "r") as f:
        for name, r in records.items():
            if os.path.realpath(r["h5"]) != os.path.realpath(args.h5):
                bad(name, f"drawn from {r['h5']}, not {args.h5}")
                continue
            if "skipped" in r:
                skipped.append(name)
                if not r["skipped"]:
                    bad(name, "skipped without a message")
                continue
            png = figdir / r["figure"]
            if not png.is_file() or png.read_bytes()[:8] != b"\x89PNG\r\n\x1a\n":
                bad(name, f"{png} missing or not a PNG")
            for k in ["command_line", "git_commit", "scanhpc_version", "created_utc"]:
                if k not in r["provenance"]:
                    bad(name, f"provenance lacks {k}")
            drawn.append(name)
            try:
                check = next((c for prefix, c in CHECKS.items() if name.startswith(prefix)), None)
                if check is None or not check(f, name, r["data"]):
                    bad(name, "no check for this figure in tests/e2e/figures_check.py")
            except Exception as e:  # noqa: BLE001 (any failure of a check is a finding)
                bad(name, f"check failed: {type(e).__name__}: {e}")
    for name in args.drawn:
        if name not in drawn:
            bad(name, "expected to be drawn" + (f", skipped: {records[name]['skipped']}" if name in skipped else ""))
    for spec in args.skipped:
        name, _, part = spec.partition("=")
        if name not in skipped:
            bad(name, "expected to be skipped with a message")
        elif part and part not in records[name]["skipped"]:
            bad(name, f"message lacks '{part}': {records[name]['skipped']}")
    for p in problems:
        print("FAIL figures_check:", p, file=sys.stderr)
    print(f"figures_check: {len(drawn)} figure(s) {'checked' if problems else 'equal to'} {args.h5}"
          f"{' (' + ', '.join(drawn) + ')' if drawn else ''}; {len(skipped)} skipped with a message")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
