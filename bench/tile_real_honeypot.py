#!/usr/bin/python3
"""Benchmark input (not a test): the real public marx honeypot rows
(tests/data/honeypot/marx_head20000.csv.gz: 20,000 rows over 13 days, 2013-03-03 to
2013-03-15, tests/data/honeypot/README.md) tiled to a given size. Tile t is shifted by
(t % 40) * 13 whole days (40 consecutive periods: 520 days, about 17 months) and, for
every further round of 40 tiles, its sources move to another /8 (the first octet plus
37 * (t // 40), modulo 256; the low 24 bits kept). Every tile keeps the real record shapes:
field lengths, the sensors, the protocol mix, empty type/port fields, repeats of a source
on a port, the skew of sources and ports, and the rows' order within the tile. Tiles are
written period by period (all rounds of period 0, then of period 1, ...), so the file's
time runs forward as a log's does.

usage: bench/tile_real_honeypot.py IN.csv[.gz] OUT.csv MEGABYTES
"""
import datetime, gzip, sys

src, dst, megabytes = sys.argv[1], sys.argv[2], float(sys.argv[3])
limit = int(megabytes * 1e6)
opener = gzip.open if src.endswith(".gz") else open
with opener(src, "rt", encoding="utf-8") as f:
    lines = f.read().splitlines()
header, rows = lines[0], [l for l in lines[1:] if l]
names = header.split(",")
t_col, s_col = names.index("datetime"), names.index("src")
parsed = []
for r in rows:
    fs = r.split(",")
    day = datetime.date.fromisoformat(fs[t_col][:10])
    parsed.append((fs, day, fs[t_col][10:], int(fs[s_col])))
PERIODS, SHIFT_DAYS, OCTET_STEP = 40, 13, 37
with open(dst, "w", encoding="utf-8") as out:
    out.write(header + "\n")
    written, tiles, layer = len(header) + 1, 0, 0
    while written < limit:
        for period in range(PERIODS):
            if written >= limit:
                break
            shift = datetime.timedelta(days=period * SHIFT_DAYS)
            dates = {}
            block = []
            for fs, day, clock, s in parsed:
                d = dates.get(day)
                if d is None:
                    d = dates[day] = (day + shift).isoformat()
                fs2 = list(fs)
                fs2[t_col] = d + clock
                top = ((s >> 24) + OCTET_STEP * layer) % 256
                fs2[s_col] = str((top << 24) | (s & 0xFFFFFF))
                block.append(",".join(fs2))
            text = "\n".join(block) + "\n"
            out.write(text)
            written += len(text)
            tiles += 1
        layer += 1
print(f"{dst}: {written / 1e6:.1f} MB, {tiles} tiles ({tiles * len(rows)} rows) of {src}", file=sys.stderr)
