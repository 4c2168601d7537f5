#!/usr/bin/python3
"""Write a fake `scanhpc scan` output file that follows docs/hdf5-layout.md.

A development and test fixture for the notebooks and scripts/figures.sh: it
simulates masscan open observations (hosts, ports, retries, timestamps, ttl,
reasons, three input formats) and derives every table and attribute from them
the way the layout document defines them, so the file is internally
consistent (record accounting, countmaps, interval statistics, host rows).
It is not an oracle for scanhpc itself.

    /usr/bin/python3 tests/data/make_fake_scan_h5.py OUT.h5 [--hosts 3000] [--seed 1]
        [--analyses multiprobe,hosts] [--empty-intervals]

--analyses        which analysis groups to write (as `scanhpc scan --analyses`)
--empty-intervals no service has two timestamped probes: /multiprobe/intervals is
                  empty, its statistics NaN and n = 0
"""
import argparse
import datetime as dt
import os
import sys

import h5py
import numpy as np

# Seed posts: the ports and reasons of the IPv4 2021 scan, the probes per
# service and the intervals countmap of seed 000 (used as distributions).
PORTS = np.array([21, 22, 23, 80, 443, 3389, 4444, 5601, 8000, 8443, 9200], dtype=np.uint16)
PORT_W = np.array([8, 20, 6, 30, 22, 5, 1, 1, 3, 2, 2], dtype=float)
REASONS = {  # masscan TCP flag bits: fin=1 syn=2 rst=4 psh=8 ack=16 urg=32 ece=64 cwr=128
    "syn-ack": 0x12, "syn-ack-ece-cwr": 0xD2, "syn-ack-ece": 0x52,
    "syn-psh-ack": 0x1A, "syn-ack-cwr": 0x92, "fin-syn-ack": 0x13,
}
REASON_CODES = np.array(list(REASONS.values()), dtype=np.uint8)
REASON_W = np.array([90, 4, 3, 1.5, 1, 0.5])
PROBES_W = {1: 80.0, 2: 14.0, 3: 4.5, 4: 1.2, 5: 0.3}  # boosted from seed 000's 64.8M/13k/750/27/1
SEED_INTERVALS = {0: 320, 1: 2793, 2: 585, 3: 2625, 4: 843, 5: 159, 6: 316, 7: 1364, 8: 512,
                  9: 1435, 10: 495, 11: 149, 12: 103, 13: 52, 14: 139, 15: 1715, 16: 828,
                  17: 15, 18: 6, 19: 1, 23: 2, 24: 5, 25: 3, 28: 2, 29: 1, 31: 55, 32: 92,
                  33: 4, 34: 3, 40: 1}
T0 = 1619560000  # late April 2021, as the seed's dataset
KNOWN_TS, KNOWN_REASON, KNOWN_TTL = 1, 2, 4
PROTO_TCP = 1


def fixed(strings):
    """1-D array of fixed-length, NUL-padded ASCII strings (h5py: H5T_STR_NULLPAD)."""
    b = [s.encode("ascii") for s in strings]
    return np.array(b, dtype="S%d" % max([1] + [len(x) for x in b]))


def fixed1(s):
    """A scalar fixed-length ASCII string (for attributes)."""
    return np.bytes_(s.encode("ascii"))


def write_table(parent, name, columns):
    """A table: a group of equal-length 1-D datasets plus the `columns` attribute.
    `columns` is a list of (name, numpy array); rows must already be sorted."""
    g = parent.create_group(name)
    lengths = {len(a) for _, a in columns}
    assert len(lengths) == 1, (name, lengths)
    for col, arr in columns:
        g.create_dataset(col, data=arr)
    g.attrs["columns"] = fixed([c for c, _ in columns])
    return g


def countmap(values, key_dtype, count_dtype=np.uint64):
    keys, counts = np.unique(np.asarray(values), return_counts=True)
    return keys.astype(key_dtype), counts.astype(count_dtype)


def countmap_stats(seconds, counts):
    """Exact statistics from a countmap: std with n-1, linear quantiles (h = (n-1)p),
    mode = most frequent (smallest on ties), iqr = q75 - q25."""
    n = int(counts.sum())
    names = ("mean", "std", "min", "q25", "median", "q75", "max", "mode", "iqr")
    if n == 0:
        return {k: float("nan") for k in names}, 0
    x = np.repeat(seconds.astype(np.float64), counts.astype(np.int64))
    q25, med, q75 = np.quantile(x, [0.25, 0.5, 0.75])
    stats = {"mean": x.mean(), "std": x.std(ddof=1) if n > 1 else float("nan"),
             "min": x.min(), "q25": q25, "median": med, "q75": q75, "max": x.max(),
             "mode": float(seconds[np.argmax(counts)]), "iqr": q75 - q25}
    return {k: float(v) for k, v in stats.items()}, n


def simulate(rng, n_hosts, empty_intervals):
    """Open observations as parallel arrays, plus each host's input file index."""
    ips = np.unique(rng.integers(0x01000000, 0xDF000000, 2 * n_hosts + 16, dtype=np.uint64))
    ips = np.sort(rng.choice(ips, n_hosts, replace=False)).astype(np.uint32)
    # input files: 0 = -oJ (ts, reason, ttl), 1 = -oL (ts), 2 = -oG 1.3 (ts), 3 = -oG 1.0.5 (none)
    host_file = rng.choice(4, n_hosts, p=[0.80, 0.10, 0.06, 0.04])
    n_ports = np.minimum(rng.geometric(0.55, n_hosts), len(PORTS))
    base_ttl = rng.choice([64, 128, 255], n_hosts, p=[0.55, 0.25, 0.20]) - rng.integers(4, 30, n_hosts)
    pk, pw = np.array(list(PROBES_W)), np.array(list(PROBES_W.values()))
    sk, sw = np.array(list(SEED_INTERVALS)), np.array(list(SEED_INTERVALS.values()), dtype=float)
    rows = []  # (ip, port, ts, reason, ttl, file)
    for h in range(n_hosts):
        ports = rng.choice(PORTS, n_ports[h], replace=False, p=PORT_W / PORT_W.sum())
        f = host_file[h]
        for port in ports:
            probes = 1 if empty_intervals else int(rng.choice(pk, p=pw / pw.sum()))
            reason = rng.choice(REASON_CODES, p=REASON_W / REASON_W.sum())
            ts = T0 + int(rng.integers(0, 3 * 86400))
            for k in range(probes):
                if k > 0:
                    ts += int(rng.choice(sk, p=sw / sw.sum()))
                    if rng.random() < 0.01:  # rarely a second reason for the same service
                        reason = rng.choice(REASON_CODES)
                ttl = base_ttl[h] - (rng.random() < 0.1) * int(rng.integers(1, 3))
                rows.append((ips[h], port, ts, reason, ttl, f))
    obs = np.array(rows, dtype=np.int64).reshape(-1, 6)
    ip, port, ts, reason, ttl, f = (obs[:, i] for i in range(6))
    has_ts = f != 3
    has_rt = f == 0
    return dict(ip=ip, port=port, ts=np.where(has_ts, ts, 0), reason=np.where(has_rt, reason, 0),
                ttl=np.where(has_rt, ttl, 0), file=f, has_ts=has_ts, has_rt=has_rt)


def multiprobe(o):
    svc_key = (o["ip"] << 16) | o["port"]  # one proto (tcp)
    order = np.lexsort((o["ts"], svc_key))
    key, ts, has_ts = svc_key[order], o["ts"][order], o["has_ts"][order]
    _, first, probes = np.unique(key, return_index=True, return_counts=True)
    # distinct reasons per service, services without reasons count as 0
    rk = np.unique(np.stack([svc_key, o["reason"], o["has_rt"]], axis=1), axis=0)
    rk = rk[rk[:, 2] == 1]
    per_svc_reasons = dict(zip(*np.unique(rk[:, 0], return_counts=True)))
    reasons = np.array([per_svc_reasons.get(k, 0) for k in key[first]])
    # intervals: consecutive timestamps of the same service, untimestamped left out
    k2, t2 = key[has_ts], ts[has_ts]
    same = k2[1:] == k2[:-1]
    intervals = (t2[1:] - t2[:-1])[same]
    return probes, reasons, intervals


def hosts_table(o):
    rows = []
    for ip in np.unique(o["ip"]):
        m = o["ip"] == ip
        known = 0
        ts, rt = o["has_ts"][m], o["has_rt"][m]
        t_min = t_max = r = ttl_min = ttl_max = 0
        if ts.any():
            known |= KNOWN_TS
            t_min, t_max = o["ts"][m][ts].min(), o["ts"][m][ts].max()
        if rt.any():
            known |= KNOWN_REASON | KNOWN_TTL
            r = len(np.unique(o["reason"][m][rt]))
            ttl_min, ttl_max = o["ttl"][m][rt].min(), o["ttl"][m][rt].max()
        rows.append((ip, m.sum(), len(np.unique(o["port"][m])), ttl_min, ttl_max, r, t_min, t_max, known))
    t = np.array(rows, dtype=np.int64).reshape(-1, 9)
    types = [np.uint32, np.uint32, np.uint32, np.uint8, np.uint8, np.uint32, np.uint32, np.uint32, np.uint8]
    names = ["ip", "records", "ports", "ttl_min", "ttl_max", "reasons", "first_seen", "last_seen", "known"]
    return [(n, t[:, i].astype(ty)) for i, (n, ty) in enumerate(zip(names, types))]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("--hosts", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--analyses", default="multiprobe,hosts")
    ap.add_argument("--empty-intervals", action="store_true")
    ap.add_argument("--ranks", type=int, default=4)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    analyses = [x for x in a.analyses.split(",") if x]
    bad = set(analyses) - {"multiprobe", "hosts"}
    if bad:
        ap.error("unknown analyses: %s" % ",".join(sorted(bad)))

    rng = np.random.default_rng(a.seed)
    o = simulate(rng, a.hosts, a.empty_intervals)
    n_open = len(o["ip"])

    # Record accounting: -oJ/-oL/-oG carry one observation per record here.
    files = [("scans/ipv4-2021.oJ", "json", 130), ("scans/ipv4-2021.oL", "list", 38),
             ("scans/ipv4-2021.oG", "grepable", 70), ("scans/old-1.0.5.oG", "grepable", 62)]
    open_per_file = np.bincount(o["file"], minlength=4)
    closed = int(rng.integers(5, 20))            # --show closed leftovers in the JSON file
    banners = int(0.05 * open_per_file[0])       # banner records in the JSON file
    rejected = np.array([3, 1, 0, 2])
    used = open_per_file + np.array([closed + banners, 0, 0, 0])
    records = used + rejected
    svc = np.stack([o["ip"], o["port"], o["ts"], o["reason"], o["ttl"], o["file"]], axis=1)
    dup = n_open - len(np.unique(svc, axis=0))   # extra copies identical in every field

    cfg = ("[scan]\nformat = auto\nanalyses = %s\non-error = skip\n" % ",".join(analyses))
    tmp = "%s.tmp.%d" % (a.out, os.getpid())
    with h5py.File(tmp, "w") as h:
        h.attrs["scanhpc_version"] = fixed1("0.1.0")
        h.attrs["git_commit"] = fixed1("fake-fixture")
        h.attrs["command"] = fixed1("scan")
        h.attrs["command_line"] = fixed1(
            "scanhpc scan --config configs/scan.ini -o %s --analyses %s %s"
            % (os.path.basename(a.out), ",".join(analyses), " ".join(p for p, _, _ in files)))
        h.attrs["config"] = fixed1(cfg)
        h.attrs["ranks"] = np.uint64(a.ranks)
        h.attrs["threads"] = np.uint64(a.threads)
        h.attrs["created_utc"] = fixed1(dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))

        run = h.create_group("run")
        run.attrs["wall_seconds"] = np.float64(1.25)
        run.attrs["peak_rss_bytes"] = np.full(a.ranks, 50 << 20, dtype=np.uint64)
        bytes_ = np.array([n * w for n, (_, _, w) in zip(records, files)], dtype=np.uint64)
        run.attrs["input_bytes"] = np.uint64(bytes_.sum())

        ing = h.create_group("ingest")
        for k, v in [("records_read", records.sum()), ("records_used", used.sum()),
                     ("records_rejected", rejected.sum()), ("banner_records", banners),
                     ("status_observations", n_open + closed), ("open_observations", n_open),
                     ("duplicate_observations", dup)]:
            ing.attrs[k] = np.uint64(v)
        order = np.argsort([p for p, _, _ in files], kind="stable")
        write_table(ing, "files", [
            ("path", fixed([files[i][0] for i in order])), ("format", fixed([files[i][1] for i in order])),
            ("bytes", bytes_[order]), ("records", records[order].astype(np.uint64)),
            ("rejected", rejected[order].astype(np.uint64))])
        errs = sorted((files[i][0], int(rng.integers(0, bytes_[i])), cause)
                      for i in range(4) for cause in ["invalid JSON", "bad ip", "truncated line"][:rejected[i]])
        write_table(ing, "errors", [("file", fixed([e[0] for e in errs])),
                                    ("offset", np.array([e[1] for e in errs], dtype=np.uint64)),
                                    ("cause", fixed([e[2] for e in errs]))])

        if "multiprobe" in analyses:
            probes, reasons, intervals = multiprobe(o)
            mp = h.create_group("multiprobe")
            mp.attrs["services"] = np.uint64(len(probes))
            mp.attrs["probes"] = np.uint64(probes.sum())
            k, c = countmap(probes, np.uint32)
            write_table(mp, "probes_per_service", [("probes", k), ("services", c)])
            k, c = countmap(reasons, np.uint32)
            write_table(mp, "reasons_per_service", [("reasons", k), ("services", c)])
            k, c = countmap(intervals, np.uint32)
            g = write_table(mp, "intervals", [("seconds", k), ("count", c)])
            stats, n = countmap_stats(k, c)
            for name, v in stats.items():
                g.attrs[name] = np.float64(v)
            g.attrs["n"] = np.uint64(n)

        if "hosts" in analyses:
            cols = hosts_table(o)
            hg = h.create_group("hosts")
            hg.attrs["hosts"] = np.uint64(len(cols[0][1]))
            write_table(hg, "table", cols)
            k, c = countmap(cols[2][1], np.uint32)
            write_table(hg, "ports_per_host", [("ports", k), ("hosts", c)])
    os.replace(tmp, a.out)
    print("wrote %s: %d open observations, %d hosts, analyses %s"
          % (a.out, n_open, len(np.unique(o["ip"])), ",".join(analyses) or "none"), file=sys.stderr)


if __name__ == "__main__":
    main()
