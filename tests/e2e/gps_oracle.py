#!/usr/bin/python3
"""Independent oracle for `scanhpc gps model`: GPS's SQL semantics (shared/reference/gps.md)
written plainly over a masscan -oJ file or GPS's seed NDJSON, compared with the HDF5 tables by
feature TEXT.

usage: gps_oracle.py SEED.oJ OUT.h5 [--expect-cisco]
Defaults as scanhpc: /16 net features, crosses with /16, hosts with 2..10 ports,
support > 2, hitrate > 1e-5, plan at /16."""
import json, sys
from collections import defaultdict
import h5py

MIN_PORTS, MAX_PORTS, MIN_SUPPORT, CUTOFF, STEP = 2, 10, 2, 1e-5, 16


def ip_u32(s):
    a, b, c, d = (int(x) for x in s.split("."))
    return (a << 24) | (b << 16) | (c << 8) | d


def lines_of(text):
    """GPS's split of data into "http line" features: '\n'-split, a trailing '\r' cut, empty lines skipped."""
    out = set()
    for l in text.split("\n"):
        l = l[:-1] if l.endswith("\r") else l
        if l:
            out.add("http line: " + l)
    return out


def load_gps_seed(path):
    """GPS's seed NDJSON (ip, p, asn, data, fingerprint, w; LZR's saddr/sport/window too)."""
    services, asn_of = defaultdict(set), {}
    for line in open(path, encoding="utf-8"):
        if not line.strip():
            continue
        rec = json.loads(line)
        key = (ip_u32(rec.get("ip", rec.get("saddr"))), int(rec.get("p", rec.get("sport"))))
        app = set()
        if rec.get("data"):
            app |= lines_of(rec["data"])
        if rec.get("fingerprint"):
            app.add("fingerprint: " + rec["fingerprint"])
        w = rec.get("w", rec.get("window"))
        if w is not None:
            app.add("window: %d" % w)
        services[key] |= app
        if rec.get("asn") is not None:
            asn_of[key] = rec["asn"]
    return services, asn_of


def load(path):
    """(ip, port) -> set of feature texts; banners add app features (latin-1 bytes as str)."""
    first = open(path, encoding="utf-8", errors="replace").readline()
    if '"p"' in first or '"sport"' in first:
        services, asn_of = load_gps_seed(path)
    else:
        services, asn_of = load_masscan(path), {}
    feats = {}
    for (ip, port), app in services.items():
        hex16 = "%08x" % (ip & 0xFFFF0000)
        f = {"L4", "s16: " + hex16} | app | {"16:%s-%s" % (a, hex16) for a in app}
        if (ip, port) in asn_of:
            asn = "asn: %d" % asn_of[(ip, port)]
            f |= {asn} | {"asn:%s-%s" % (a, asn) for a in app}
        feats[(ip, port)] = f
    return feats


def load_masscan(path):
    """(ip, port) -> set of app feature texts from a masscan -oJ file."""
    services = defaultdict(set)
    for line in open(path, encoding="ascii"):
        line = line.strip().strip(",")
        if not line.startswith("{") or line.replace(" ", "") == "{finished:1}":
            continue
        rec = json.loads(line)
        ip = ip_u32(rec["ip"])
        for p in rec["ports"]:
            key = (ip, p["port"])
            if "status" in p:
                if p["status"] == "open":
                    services[key]  # the service exists
                continue
            svc = p["service"]
            app = set()
            if svc.get("name"):
                app.add("service: " + svc["name"])
            for l in svc.get("banner", "").split("\n"):
                l = l[:-1] if l.endswith("\r") else l
                if l:
                    app.add("http line: " + l)
            services[key] |= app
    return services


def model(feats):
    ports_of = defaultdict(set)
    for ip, port in feats:
        ports_of[ip].add(port)
    used = {ip for ip, ps in ports_of.items() if MIN_PORTS <= len(ps) <= MAX_PORTS}
    base, pairs = defaultdict(int), defaultdict(int)
    for (ip, p1), fs in feats.items():
        if ip not in used:
            continue
        for f in fs:
            base[(p1, f)] += 1
            for p2 in ports_of[ip]:
                if p2 != p1:
                    pairs[(p1, f, p2)] += 1
    rules = {}
    for (p1, f, p2), c in pairs.items():
        hit = c / base[(p1, f)]
        if c > MIN_SUPPORT and hit > CUTOFF:
            rules[(p1, f, p2)] = (c, base[(p1, f)], hit)
    preds = {}
    for ip in sorted(ports_of):
        ps = ports_of[ip]
        if len(ps) == 1:
            (p,) = ps
            preds[(ip, p)] = (p, None, 0, 0.0)
            continue
        if ip not in used:
            continue
        for p in ps:
            best = None
            for q in ps:
                if q == p:
                    continue
                for f in feats[(ip, q)]:
                    r = rules.get((q, f, p))
                    if r and (best is None or (-r[2], q, f) < (-best[3], best[0], best[1])):
                        best = (q, f, r[0], r[2])
            if best:
                preds[(ip, p)] = best
    plan = defaultdict(int)
    for (ip, p), (q, f, s, h) in preds.items():
        plan[(q, ip & ~((1 << (32 - STEP)) - 1))] += 1
    block = 2 ** (32 - STEP)
    plan_rows = sorted(((-c, port, pre) for (port, pre), c in plan.items() if c / block > CUTOFF))
    return rules, preds, [(port, pre, -c) for c, port, pre in plan_rows]


def escape(t):
    """scanhpc's feature text in HDF5: non-printable ASCII and backslash as \\xNN."""
    return "".join(c if 0x20 <= ord(c) < 0x7F and c != "\\" else "\\x%02x" % ord(c) for c in t)


def main():
    sys.exit(check(load(sys.argv[1]), sys.argv[2], "--expect-cisco" in sys.argv))


def check(feats, out, expect_cisco=False):
    """Compares the model of `feats` ((ip, port) -> feature texts) with OUT.h5; 0 when equal."""
    rules, preds, plan = model(feats)  # on raw texts: ties break on raw bytes, as in scanhpc
    rules = {(p1, escape(t), p2): v for (p1, t, p2), v in rules.items()}
    preds = {k: (q, None if t is None else escape(t), s, h) for k, (q, t, s, h) in preds.items()}
    f = h5py.File(out)
    text = dict(zip(f["gps/features/id"][()], (t.decode("latin-1") for t in f["gps/features/text"][()])))
    g = lambda t, c: f[f"gps/{t}/{c}"][()]
    got_rules = {(int(a), text[int(b)], int(c)): (int(d), int(e), float(h))
                 for a, b, c, d, e, h in zip(g("rules", "p1"), g("rules", "feature"), g("rules", "p2"),
                                             g("rules", "support"), g("rules", "base"), g("rules", "hitrate"))}
    got_preds = {(int(ip), int(p)): (int(q), text[int(fe)] if fe else None, int(s), float(h))
                 for ip, p, q, fe, s, h in zip(g("predictors", "ip"), g("predictors", "port"),
                                               g("predictors", "pred_port"), g("predictors", "feature"),
                                               g("predictors", "support"), g("predictors", "hitrate"))}
    got_plan = list(zip(g("plan", "port").tolist(), g("plan", "prefix").tolist(), g("plan", "services").tolist()))
    fails = []
    if got_rules != rules:
        fails.append(f"rules differ: {len(got_rules)} vs oracle {len(rules)}; "
                     f"e.g. {sorted(set(got_rules.items()) ^ set(rules.items()))[:3]}")
    if got_preds != preds:
        fails.append(f"predictors differ: {len(got_preds)} vs oracle {len(preds)}; "
                     f"e.g. {sorted(set(got_preds.items()) ^ set(preds.items()))[:3]}")
    if got_plan != plan:
        fails.append(f"plan differs: {got_plan[:5]} vs oracle {plan[:5]}")
    # The four probability families: the rules split by the kind of their feature.
    def kind(t):
        if t == "L4":
            return "p_a_given_b"
        if t.startswith(("service: ", "http line: ", "fingerprint: ", "window: ", "ssh banner: ", "tls cert: ")):
            return "p_a_given_b_app"
        if t.startswith("s") and t[1:3].isdigit() and t[3:5] == ": " or t.startswith("asn: "):
            return "p_a_given_b_net"
        return "p_a_given_b_app_net"
    for fam in ["p_a_given_b", "p_a_given_b_app", "p_a_given_b_net", "p_a_given_b_app_net"]:
        want = {k: v for k, v in rules.items() if kind(k[1]) == fam}
        h = lambda c: f[f"gps/families/{fam}/{c}"][()]
        got = {(int(a), text[int(b)], int(c)): (int(d), int(e), float(x))
               for b, a, c, d, e, x in zip(h("feature"), h("p1"), h("p2"), h("support"), h("base"), h("hitrate"))}
        if got != want:
            fails.append(f"family {fam}: {len(got)} rows vs oracle {len(want)}")
        ids = h("feature")
        if list(ids) != sorted(ids):
            fails.append(f"family {fam}: not sorted by feature")
    if expect_cisco:
        cisco = [v for (p1, t, p2), v in got_rules.items() if p1 == 80 and p2 == 60443 and "cisco" in t.lower()
                 and t.startswith("http line:")]
        if not cisco or max(v[2] for v in cisco) != 1.0:
            fails.append(f"P(60443 | 80, cisco Server line) != 1: {cisco}")
        for a, b in [(445, 3389), (3389, 445)]:
            h = got_rules.get((a, "L4", b))
            if not h or h[2] < 0.9:
                fails.append(f"P({b} | {a}, L4) not learned: {h}")
    print(f"gps_oracle: {len(rules)} rules, {len(preds)} predictors, {len(plan)} plan rows: "
          + ("equal" if not fails else "DIFFERENT"))
    for x in fails:
        print("FAIL:", x, file=sys.stderr)
    return 1 if fails else 0


if __name__ == "__main__":
    main()
