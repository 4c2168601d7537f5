#!/usr/bin/env python3
"""Rewrites a `scanhpc synth gps` -oJ truth as a seed in GPS's own NDJSON format (ip, p, asn,
data, fingerprint, w): the project generator's family for the GPS benchmark. data = the
service's banner texts joined by newlines, fingerprint = its first banner's service name,
asn and w derived from the address (as tests/e2e/test_gps_seed_format.sh does).
usage: gps_seed_from_synth.py SYNTH.oJ OUT.json"""
import json
import sys

banners, order = {}, []
for line in open(sys.argv[1], encoding="ascii"):
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
with open(sys.argv[2], "w") as out:
    for ip, port in order:
        b = banners[(ip, port)]
        a, c, d = (int(x) for x in ip.split(".")[:3])
        out.write(json.dumps({"ip": ip, "p": port, "asn": 64512 + (a * 7 + c) % 300,
                              "data": "\n".join(t for _, t in b) or "-",
                              "fingerprint": b[0][0] if b else "none",
                              "w": [1024, 29200, 65535, 8192][(a + c + d + port) % 4]}) + "\n")
