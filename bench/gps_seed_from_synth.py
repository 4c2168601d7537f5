#!/usr/bin/env python3
"""Rewrites a `scanhpc synth gps` -oJ truth as a seed in GPS's own NDJSON format (ip, p, asn,
data, fingerprint, w): the project generator's family for the GPS benchmark. data = the
service's banner texts joined by newlines, fingerprint = its first banner's service name,
asn and w derived from the address. tests/e2e/test_gps_seed_format.sh imports the two
functions below and writes nulls, LZR's field names and bad lines on top.
usage: gps_seed_from_synth.py SYNTH.oJ OUT.json"""
import json
import sys


def services(path):
    """The truth's (ip, port, [(service name, banner)]) in first-seen order."""
    banners, order = {}, []
    for line in open(path, encoding="ascii"):
        line = line.strip().rstrip(",")
        if not line.startswith("{"):
            continue
        rec = json.loads(line)
        for p in rec["ports"]:
            key = (rec["ip"], p["port"])
            if key not in banners:
                order.append(key)
                banners[key] = []
            if "service" in p:
                banners[key].append((p["service"]["name"], p["service"].get("banner", "")))
    return [(ip, port, banners[(ip, port)]) for ip, port in order]


def gps_record(ip, port, b):
    """One seed record; data and fingerprint are None for a service without a banner."""
    a, c, d = (int(x) for x in ip.split(".")[:3])
    return {"ip": ip, "p": port, "asn": 64512 + (a * 7 + c) % 300,
            "data": "\n".join(t for _, t in b) or None,
            "fingerprint": b[0][0] if b else None,
            "w": [1024, 29200, 65535, 8192][(a + c + d + port) % 4]}


if __name__ == "__main__":
    with open(sys.argv[2], "w") as out:
        for ip, port, b in services(sys.argv[1]):
            rec = gps_record(ip, port, b)
            rec["data"] = rec["data"] or "-"  # the benchmark's seed has no nulls
            rec["fingerprint"] = rec["fingerprint"] or "none"
            out.write(json.dumps(rec) + "\n")
