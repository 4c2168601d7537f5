#!/usr/bin/python3
"""Independent answers to seed 004's three questions, read with Debian's python3-avro and
plain Python, compared with scanhpc's HDF5 outputs.

usage: flow_oracle.py DIR TOP.h5 SERIES.h5 INTERSECT.h5
  TOP.h5:       flow top --field netacq_country --by flows -n 5 --common ttls=200-255
  SERIES.h5:    flow series --src-prefix 130.0.0.0/8
  INTERSECT.h5: flow intersect --where 'netacq_country == RU' --where 'uniq_dst_ips >= 60000'"""
import glob, sys
from collections import Counter, defaultdict

import avro.datafile, avro.io
import h5py


def records(directory):
    for path in sorted(glob.glob(directory + "/*.avro")):
        with open(path, "rb") as f:
            yield from avro.datafile.DataFileReader(f, avro.io.DatumReader())


def main():
    directory, top_h5, series_h5, inter_h5 = sys.argv[1:5]
    flows_ttl = Counter()
    series = defaultdict(lambda: [0, set(), set(), set()])
    ru = ru_wide = n = 0
    for r in records(directory):
        n += 1
        if any(200 <= t <= 255 for t in r["common_ttls"]):  # a row counts once, however many TTLs match
            flows_ttl[r["netacq_country"]] += 1
        if r["src_ip"] >> 24 == 130:
            s = series[r["time"]]
            s[0] += r["packet_cnt"]
            s[1].add(r["src_ip"]); s[2].add(r["dst_net"]); s[3].add(r["prefix2asn"])
        if r["netacq_country"] == "RU":
            ru += 1
            ru_wide += r["uniq_dst_ips"] >= 60000
    fails = []
    # 1. Top 5 countries by flows among flows with a common TTL >= 200, with Other.
    total = sum(flows_ttl.values())
    ranked = sorted(flows_ttl.items(), key=lambda kv: (-kv[1], kv[0]))
    want = [(v, c) for v, c in ranked[:5]]
    other = total - sum(c for _, c in want)
    if other:
        want.append(("Other", other))
    t = h5py.File(top_h5)["flow/top/netacq_country_by_flows"]
    got = [(v.decode(), int(c)) for v, c in zip(t["value"][()], t["count"][()])]
    if got != want:
        fails.append(f"top countries: {got} vs oracle {want}")
    if abs(t["cumpct"][()][-1] - 1.0) > 1e-12:
        fails.append("cumpct does not end at 1")
    # 2. Series for 130.0.0.0/8.
    s = h5py.File(series_h5)["flow/series"]
    got = [tuple(int(x) for x in row) for row in zip(s["time"][()], s["packets"][()], s["src_ips"][()],
                                                      s["dst_nets"][()], s["asns"][()])]
    want_s = [(t, v[0], len(v[1]), len(v[2]), len(v[3])) for t, v in sorted(series.items())]
    if got != want_s:
        fails.append(f"series: {got[:3]} vs oracle {want_s[:3]} ({len(got)} vs {len(want_s)} rows)")
    # 3. Share of Russian flows hitting >= 60,000 addresses.
    i = h5py.File(inter_h5)["flow/intersection"]
    got_i = (int(i.attrs["baseline"]), int(i.attrs["intersection"]))
    if got_i != (ru, ru_wide):
        fails.append(f"intersection: {got_i} vs oracle {(ru, ru_wide)}")
    read = int(h5py.File(top_h5)["flow"].attrs["records_read"])
    if read != n:
        fails.append(f"records read {read} vs {n} in the files")
    print(f"flow_oracle: {n} records; top {want[:2]}...; {len(want_s)} series rows; RU {ru_wide}/{ru}: "
          + ("equal" if not fails else "DIFFERENT"))
    for f in fails:
        print("FAIL:", f, file=sys.stderr)
    sys.exit(1 if fails else 0)


if __name__ == "__main__":
    main()
