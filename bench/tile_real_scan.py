#!/usr/bin/python3
"""Benchmark input (not a test): a real scan file tiled to a given size, each copy's
addresses moved to another /15 (10.0.0.0/15 onwards, in order; the low 17 bits kept) and its timestamps one
scan later, so that the tiles are distinct hosts with the real file's record shapes
(sizes, banners, ports, closed rows, repeats). Reads masscan -oJ (records one per line)
or ZMap CSV (a header naming saddr); writes the same format.

usage: bench/tile_real_scan.py IN OUT MEGABYTES
"""
import ipaddress, re, sys

src, dst, megabytes = sys.argv[1], sys.argv[2], float(sys.argv[3])
limit = int(megabytes * 1e6)
lines = open(src, encoding="utf-8").read().splitlines()
zmap = lines[0].startswith("saddr")


def moved(ip, tile):
    low17 = int(ipaddress.IPv4Address(ip)) & 0x1FFFF
    return str(ipaddress.IPv4Address((10 << 24) + (tile << 17) + low17))


with open(dst, "w", encoding="utf-8") as out:
    written, tile = 0, 0
    if zmap:
        fields = lines[0].split(",")
        ip_col, ts_col = fields.index("saddr"), next(i for i, f in enumerate(fields) if f in ("timestamp-ts", "timestamp_ts"))
        out.write(lines[0] + "\n")
        rows = [l.split(",") for l in lines[1:] if l]
        while written < limit and tile < 31488:
            for r in rows:
                r2 = list(r)
                r2[ip_col] = moved(r[ip_col], tile)
                r2[ts_col] = str(int(r[ts_col]) + tile * 3600)
                s = ",".join(r2) + "\n"
                out.write(s)
                written += len(s)
            tile += 1
    else:
        recs = [l for l in lines if l.lstrip().startswith("{")]
        ip_re = re.compile(r'"ip": "([0-9.]+)"')
        ts_re = re.compile(r'"timestamp": "([0-9]+)"')
        out.write("[\n")
        first = True
        while written < limit and tile < 31488:  # 10.0.0.0 + tile << 17 stays an address
            for r in recs:
                r2 = ip_re.sub(lambda m: '"ip": "%s"' % moved(m.group(1), tile), r.rstrip(","))
                r2 = ts_re.sub(lambda m: '"timestamp": "%d"' % (int(m.group(1)) + tile * 3600), r2)
                s = ("" if first else ",\n") + r2 + "\n"
                first = False
                out.write(s)
                written += len(s)
            tile += 1
        out.write("]\n")
print(f"{dst}: {written / 1e6:.1f} MB, {tile} tiles of {src}", file=sys.stderr)
