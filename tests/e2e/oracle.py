#!/usr/bin/python3
"""Independent Python oracle for the scanhpc end-to-end tests.

Parses masscan -oJ with the plain `json` module, the way peers do (strip the
line, strip ',', skip lines that do not start with '{'), recomputes the
multiprobe and hosts analyses with collections/numpy, and compares them with a
scanhpc HDF5 output. Shares nothing with the C++ code.

Subcommands (exit 0 when every check passes, 1 otherwise):
  planted H5 SCAN.oJ PLANTED.json   the planted-services checks of test_planted.sh
  analyses H5 SCAN.oJ               oracle analyses == H5 (any -oJ file)
  gen-json OUT --services N --seed S [--max-probes K]
                                    a synthetic -oJ 1.3.x file with repeated probes
Module use: load_json(path), analyse(observations), read_table(h5, group), ...
"""
import argparse
import collections
import json
import random
import socket
import struct
import sys

import numpy as np

KNOWN_TS, KNOWN_REASON, KNOWN_TTL = 1, 2, 4


def ip_to_u32(dotted):
    """Dotted quad -> u32 in host order (198.18.0.33 -> 0xC6120021)."""
    return struct.unpack("!I", socket.inet_aton(dotted))[0]


def u32_to_ip(n):
    return socket.inet_ntoa(struct.pack("!I", int(n)))


Observation = collections.namedtuple("Observation", "ip proto port status ts reason ttl")


def load_json(path):
    """Status observations of a masscan -oJ (or -oD) file, plus record counts.

    Returns (observations, counts): one Observation per ports[] entry that has
    a "status" (ts/reason/ttl are None when absent); counts has records,
    banner_records, status_observations.
    """
    obs = []
    counts = collections.Counter()
    with open(path, "rb") as f:
        for raw in f:
            line = raw.decode("utf-8").strip().strip(",").strip()
            if not line.startswith("{"):
                continue
            if line.replace(" ", "") == "{finished:1}":
                continue
            rec = json.loads(line)
            counts["records"] += 1
            ts = int(rec["timestamp"]) if "timestamp" in rec else None
            if "ports" in rec:
                entries = rec["ports"]
            else:  # -oD: flat port/proto, the rest in "data"
                entries = [dict(rec.get("data", {}), port=rec["port"], proto=rec["proto"])]
            n_status = 0
            for e in entries:
                if "status" not in e:
                    continue
                n_status += 1
                obs.append(Observation(ip_to_u32(rec["ip"]), e["proto"], int(e["port"]), e["status"], ts,
                                       e.get("reason"), e.get("ttl")))
            if n_status:
                counts["status_observations"] += n_status
            else:
                counts["banner_records"] += 1
    return obs, counts


def interval_stats(values):
    """The /multiprobe/intervals attributes, computed with numpy from raw values."""
    v = np.asarray(values, dtype=np.float64)
    n = v.size
    if n == 0:
        nan = float("nan")
        return dict(n=0, mean=nan, std=nan, min=nan, q25=nan, median=nan, q75=nan, max=nan, mode=nan, iqr=nan)
    q25, med, q75 = (float(np.quantile(v, q, method="linear")) for q in (0.25, 0.5, 0.75))
    vals, cnt = np.unique(v, return_counts=True)  # sorted: argmax picks the smallest on ties
    return dict(n=n, mean=float(np.mean(v)), std=float(np.std(v, ddof=1)) if n > 1 else float("nan"),
                min=float(v.min()), q25=q25, median=med, q75=q75, max=float(v.max()),
                mode=float(vals[int(np.argmax(cnt))]), iqr=q75 - q25)


def analyse(observations):
    """Multiprobe and hosts analyses of the open observations."""
    services = collections.defaultdict(list)
    hosts = collections.defaultdict(list)
    for o in observations:
        if o.status != "open":
            continue
        services[(o.ip, o.proto, o.port)].append(o)
        hosts[o.ip].append(o)

    probes = collections.Counter()
    reasons = collections.Counter()
    intervals = []
    for group in services.values():
        probes[len(group)] += 1
        rs = {o.reason for o in group if o.reason is not None}
        reasons[len(rs)] += 1  # 0 when the format carries no reason
        ts = sorted(o.ts for o in group if o.ts is not None)
        intervals.extend(b - a for a, b in zip(ts, ts[1:]))

    rows = []
    for ip in sorted(hosts):
        g = hosts[ip]
        ttls = [o.ttl for o in g if o.ttl is not None]
        rsn = {o.reason for o in g if o.reason is not None}
        tss = [o.ts for o in g if o.ts is not None]
        known = (KNOWN_TS if tss else 0) | (KNOWN_REASON if any(o.reason is not None for o in g) else 0) \
            | (KNOWN_TTL if ttls else 0)
        rows.append(dict(ip=ip, records=len(g), ports=len({(o.proto, o.port) for o in g}),
                         ttl_min=min(ttls) if ttls else 0, ttl_max=max(ttls) if ttls else 0,
                         reasons=len(rsn), first_seen=min(tss) if tss else 0,
                         last_seen=max(tss) if tss else 0, known=known))
    table = {c: np.array([r[c] for r in rows], dtype=np.int64)
             for c in ("ip", "records", "ports", "ttl_min", "ttl_max", "reasons", "first_seen", "last_seen",
                       "known")}
    return dict(services=len(services), probes=sum(len(g) for g in services.values()),
                open_observations=sum(len(g) for g in services.values()),
                probes_per_service=dict(probes), reasons_per_service=dict(reasons),
                intervals=dict(collections.Counter(intervals)), interval_values=intervals,
                interval_stats=interval_stats(intervals), hosts_table=table,
                ports_per_host=dict(collections.Counter(r["ports"] for r in rows)), hosts=len(rows))


# --- reading scanhpc output ------------------------------------------------

def read_table(h5, group):
    """{column: numpy array} of a scanhpc table, checking the `columns` attribute."""
    g = h5[group]
    cols = [c.decode() for c in g.attrs["columns"]]
    out = {c: g[c][()] for c in cols}
    lens = {len(v) for v in out.values()}
    if len(lens) > 1:
        raise AssertionError("%s: columns of different lengths %s" % (group, lens))
    return out


def read_countmap(h5, group):
    """{value: count} of a two-column countmap table (values must be sorted, unique)."""
    t = read_table(h5, group)
    keys, counts = list(t.values())
    if list(keys) != sorted(set(int(k) for k in keys)):
        raise AssertionError("%s: values not sorted/unique: %s" % (group, list(keys)))
    return {int(k): int(c) for k, c in zip(keys, counts)}


class Checker:
    """Collects pass/fail lines; `ok` is False after any failure."""

    def __init__(self, name):
        self.name, self.ok = name, True

    def check(self, cond, what, detail=""):
        print("  %s %s%s" % ("ok  " if cond else "FAIL", what, (": " + detail) if (detail and not cond) else ""))
        if not cond:
            self.ok = False
        return cond

    def equal(self, actual, expected, what):
        return self.check(actual == expected, what, "scanhpc %s, expected %s" % (_short(actual), _short(expected)))

    def close(self, actual, expected, what, rel=1e-12):
        a, e = float(actual), float(expected)
        good = (np.isnan(a) and np.isnan(e)) or a == e or abs(a - e) <= rel * max(abs(a), abs(e))
        return self.check(good, "%s = %r" % (what, a), "scanhpc %r, numpy %r" % (a, e))


def _short(x, n=300):
    s = repr(x)
    return s if len(s) <= n else s[:n] + "..."


def compare_analyses(c, h5, ref):
    """Every multiprobe and hosts dataset of h5 against the oracle's `ref`."""
    mp = h5["/multiprobe"]
    c.equal(int(mp.attrs["services"]), ref["services"], "/multiprobe @services")
    c.equal(int(mp.attrs["probes"]), ref["probes"], "/multiprobe @probes")
    c.equal(int(h5["/ingest"].attrs["open_observations"]), ref["open_observations"], "/ingest @open_observations")
    c.equal(read_countmap(h5, "/multiprobe/probes_per_service"), ref["probes_per_service"],
            "/multiprobe/probes_per_service")
    c.equal(read_countmap(h5, "/multiprobe/reasons_per_service"), ref["reasons_per_service"],
            "/multiprobe/reasons_per_service")
    c.equal(read_countmap(h5, "/multiprobe/intervals"), ref["intervals"], "/multiprobe/intervals")
    attrs = h5["/multiprobe/intervals"].attrs
    st = ref["interval_stats"]
    c.equal(int(attrs["n"]), st["n"], "/multiprobe/intervals @n")
    for k in ("mean", "std", "min", "q25", "median", "q75", "max", "mode", "iqr"):
        c.close(attrs[k], st[k], "/multiprobe/intervals @" + k)

    c.equal(int(h5["/hosts"].attrs["hosts"]), ref["hosts"], "/hosts @hosts")
    t = read_table(h5, "/hosts/table")
    for col, want in ref["hosts_table"].items():
        got = t[col].astype(np.int64)
        if len(got) != len(want):
            c.check(False, "/hosts/table/%s" % col, "%d rows, expected %d" % (len(got), len(want)))
            continue
        bad = np.flatnonzero(got != want)
        detail = ""
        if bad.size:
            i = int(bad[0])
            detail = "%d rows differ, first ip %s: scanhpc %d, expected %d" % (
                bad.size, u32_to_ip(ref["hosts_table"]["ip"][i]), got[i], want[i])
        c.check(bad.size == 0, "/hosts/table/%s (%d rows)" % (col, len(got)), detail)
    c.equal(read_countmap(h5, "/hosts/ports_per_host"), ref["ports_per_host"], "/hosts/ports_per_host")


def cmd_analyses(args, c=None):
    import h5py
    c = c or Checker("analyses")
    obs, counts = load_json(args.scan)
    ref = analyse(obs)
    with h5py.File(args.h5, "r") as h5:
        ing = h5["/ingest"].attrs
        c.equal(int(ing["records_read"]), counts["records"], "/ingest @records_read")
        c.equal(int(ing["records_used"]), counts["records"], "/ingest @records_used")
        c.equal(int(ing["records_rejected"]), 0, "/ingest @records_rejected")
        c.equal(int(ing["banner_records"]), counts["banner_records"], "/ingest @banner_records")
        c.equal(int(ing["status_observations"]), counts["status_observations"], "/ingest @status_observations")
        compare_analyses(c, h5, ref)
    return c


def cmd_planted(args):
    import h5py
    c = Checker("planted")
    with open(args.planted) as f:
        planted = json.load(f)
    want_hosts = {ip_to_u32(ip): len(set(ports)) for ip, (_profile, ports) in planted.items() if ports}
    want_services = sum(len(set(ports)) for _ip, (_profile, ports) in planted.items())
    with h5py.File(args.h5, "r") as h5:
        c.equal(int(h5["/multiprobe"].attrs["services"]), want_services,
                "/multiprobe @services == planted services")
        c.equal(want_services, 1831, "planted-services.json lists 1831 services")
        t = read_table(h5, "/hosts/table")
        got_hosts = {int(ip): int(p) for ip, p in zip(t["ip"], t["ports"])}
        missing = sorted(set(want_hosts) - set(got_hosts))
        extra = sorted(set(got_hosts) - set(want_hosts))
        wrong = sorted(ip for ip in set(want_hosts) & set(got_hosts) if want_hosts[ip] != got_hosts[ip])
        c.check(not missing and not extra and not wrong,
                "/hosts/table (ip, ports) == planted hosts with >= 1 port (%d hosts)" % len(want_hosts),
                "missing %s, extra %s, wrong port count %s" % ([u32_to_ip(i) for i in missing[:5]],
                                                              [u32_to_ip(i) for i in extra[:5]],
                                                              [u32_to_ip(i) for i in wrong[:5]]))
    cmd_analyses(args, c)
    return c


def cmd_gen_json(args):
    """Synthetic -oJ 1.3.x: services probed 1..max_probes times, records in timestamp order."""
    rnd = random.Random(args.seed)
    reasons = ["syn-ack", "syn-ack", "syn-ack", "syn-ack-ece", "fin-syn-ack", "syn-psh-ack"]
    ports = [21, 22, 23, 25, 80, 110, 143, 443, 445, 3306, 3389, 8080]
    seen, events = set(), []
    t0 = 1619500000
    while len(seen) < args.services:
        ip = "%d.%d.%d.%d" % (rnd.randint(1, 223), rnd.randint(0, 255), rnd.randint(0, 255), rnd.randint(1, 254))
        port = rnd.choice(ports)
        if (ip, port) in seen:
            continue
        seen.add((ip, port))
        n = 1 if rnd.random() < 0.6 else rnd.randint(2, args.max_probes)
        ts = t0 + rnd.randint(0, 3600)
        for _ in range(n):
            events.append((ts, ip, port, rnd.choice(reasons), rnd.randint(40, 128)))
            ts += rnd.choice([0, 1, 1, 2, 2, 3, 5, 8])
    events.sort()
    with open(args.out, "w") as f:
        f.write("[\n")
        for i, (ts, ip, port, reason, ttl) in enumerate(events):
            if i:
                f.write(",\n")
            f.write('{   "ip": "%s",   "timestamp": "%d", "ports": [ {"port": %d, "proto": "tcp", '
                    '"status": "open", "reason": "%s", "ttl": %d} ] }\n' % (ip, ts, port, reason, ttl))
        f.write("]\n")
    print("oracle.py gen-json: %d services, %d records -> %s" % (len(seen), len(events), args.out))
    return None


def main(argv):
    ap = argparse.ArgumentParser(prog="oracle.py", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("planted")
    p.add_argument("h5")
    p.add_argument("scan")
    p.add_argument("planted")
    p = sub.add_parser("analyses")
    p.add_argument("h5")
    p.add_argument("scan")
    p = sub.add_parser("gen-json")
    p.add_argument("out")
    p.add_argument("--services", type=int, required=True)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--max-probes", type=int, default=8)
    args = ap.parse_args(argv)
    c = {"planted": cmd_planted, "analyses": cmd_analyses, "gen-json": cmd_gen_json}[args.cmd](args)
    if c is None:
        return 0
    if not c.ok:
        print("oracle.py %s: FAILED" % args.cmd)
    return 0 if c.ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
