#!/usr/bin/python3
"""Seed 003's measures computed with pandas, as the seed computes them in R, compared with
`scanhpc ports` output; and a writer of the same events as FT4 Avro (python3-avro).

usage: ports_oracle.py check CSV PORTS.h5
       ports_oracle.py to-ft4 CSV OUT.avro      (one FT4 row per CSV row; sensor i -> 44.i.0.0)
       ports_oracle.py same A.h5 B.h5           (the port tables of a CSV run and an FT4 run agree)"""
import json, sys

import h5py
import numpy as np
import pandas as pd

FT4_SCHEMA = {"type": "record", "namespace": "org.caida.corsaro", "name": "flowtuple4", "fields": [
    {"name": n, "type": t} for n, t in [
        ("time", "long"), ("src_ip", "long"), ("dst_net", "long"), ("dst_port", "int"), ("protocol", "int"),
        ("packet_cnt", "long"), ("uniq_dst_ips", "int"), ("uniq_pkt_sizes", "int"), ("uniq_ttls", "int"),
        ("uniq_src_ports", "int"), ("uniq_tcp_flags", "int"), ("first_syn_length", "int"), ("first_tcp_rwin", "int")]
] + [{"name": n, "type": {"type": "array", "items": "long"}} for n in [
    "common_pktsizes", "common_pktsize_freqs", "common_ttls", "common_ttl_freqs", "common_srcports",
    "common_srcport_freqs", "common_tcpflags", "common_tcpflag_freqs"]
] + [{"name": n, "type": "string"} for n in ["maxmind_continent", "maxmind_country", "netacq_continent",
                                              "netacq_country"]
] + [{"name": n, "type": "long"} for n in ["prefix2asn", "spoofed_packet_cnt", "masscan_packet_cnt"]]}
PROTO = {"TCP": 6, "UDP": 17, "ICMP": 1}


def load(csv):
    df = pd.read_csv(csv, dtype={"spt": "Int64", "dpt": "Int64", "type": "Int64"})
    df["t"] = pd.to_datetime(df["datetime"]).astype("int64") // 10**9
    df["day"] = df["t"] // 86400
    df["protocol"] = df["proto"].str.upper()
    return df


def check(csv, h5):
    df = load(csv)
    f = h5py.File(h5)
    dec = lambda a: [x.decode() for x in a]
    fails = []
    # Unique sources per (day, sensor, protocol, port): duplicates of the tuple removed first.
    ported = df[df["dpt"].notna()]
    u = ported.drop_duplicates(["day", "host", "src", "protocol", "dpt"])
    daily = u.groupby(["day", "host", "protocol", "dpt"]).size().rename("sources").reset_index()
    d = f["ports/daily"]
    got = pd.DataFrame({"day": d["day"][()], "host": dec(d["sensor"][()]), "protocol": dec(d["protocol"][()]),
                        "dpt": d["port"][()], "sources": d["sources"][()]})
    want = daily.sort_values(["day", "host", "protocol", "dpt"]).reset_index(drop=True)
    if not (len(got) == len(want) and (got[["day", "protocol", "sources"]].values ==
                                         want[["day", "protocol", "sources"]].values).all()
            and list(got["host"]) == list(want["host"]) and list(got["dpt"]) == list(want["dpt"].astype(int))):
        fails.append(f"daily: {len(got)} rows vs pandas {len(want)}")
    # Mean over sensors per (day, protocol, port), as R's aggregate(freq ~ day + dpt, FUN = mean).
    mean = daily.groupby(["day", "protocol", "dpt"])["sources"].agg(["mean", "size"]).reset_index()
    m = f["ports/daily_mean"]
    got_m = pd.DataFrame({"day": m["day"][()], "protocol": dec(m["protocol"][()]), "dpt": m["port"][()],
                          "mean": m["mean_sources"][()], "sensors": m["sensors"][()]})
    if len(got_m) != len(mean) or not np.allclose(got_m["mean"].values, mean["mean"].values, rtol=0, atol=1e-12) \
            or list(got_m["sensors"]) != list(mean["size"]) or list(got_m["dpt"]) != list(mean["dpt"].astype(int)):
        fails.append(f"daily_mean: {len(got_m)} rows vs pandas {len(mean)}")
    # Top ports per protocol as a factor (events), with (Other).
    t = f["ports/top"]
    got_t = list(zip(dec(t["protocol"][()]), t["port"][()].tolist(), t["count"][()].tolist()))
    want_t = []
    for proto, g in ported.groupby("protocol"):
        c = g["dpt"].value_counts()
        c = sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))
        n = int(f["ports"].attrs.get("top", 10)) if "top" in f["ports"].attrs else 10
        want_t += [(proto, int(p), int(k)) for p, k in c[:n]]
        rest = sum(k for _, k in c[n:])
        if rest:
            want_t.append((proto, -1, rest))
    if got_t != want_t:
        fails.append(f"top: {got_t[:4]} vs pandas {want_t[:4]}")
    a = f["ports"].attrs
    if not (a["records_read"] == len(df) == a["records_used"] + a["records_rejected"]):
        fails.append("record counts")
    print(f"ports_oracle: {len(df)} rows, {len(want)} daily rows, {len(mean)} daily means, {len(want_t)} top rows: "
          + ("equal" if not fails else "DIFFERENT"))
    for x in fails:
        print("FAIL:", x, file=sys.stderr)
    return 1 if fails else 0


def to_ft4(csv, out):
    import avro.datafile, avro.io, avro.schema
    df = load(csv)
    hosts = sorted(df["host"].unique())
    net = {h: (44 << 24) | (i << 16) for i, h in enumerate(hosts)}
    schema = avro.schema.parse(json.dumps(FT4_SCHEMA))
    with open(out, "wb") as fh:
        w = avro.datafile.DataFileWriter(fh, avro.io.DatumWriter(), schema, codec="deflate")
        for r in df.itertuples():
            p = PROTO[r.protocol]
            port = int(r.dpt) if p != 1 else (int(r.type) << 8 if not pd.isna(r.type) else 0)
            rec = {k["name"]: ([] if isinstance(k["type"], dict) else "??" if k["type"] == "string" else 0)
                   for k in FT4_SCHEMA["fields"]}
            rec.update(time=int(r.t), src_ip=int(r.src), dst_net=net[r.host], dst_port=port, protocol=p, packet_cnt=1)
            w.append(rec)
        w.close()
    return 0


def same(a, b):
    fa, fb = h5py.File(a), h5py.File(b)
    fails = []
    for table in ["top", "daily_mean", "box", "neighbours"]:
        for col in fa[f"ports/{table}"].attrs["columns"]:
            col = col.decode()
            if not np.array_equal(fa[f"ports/{table}/{col}"][()], fb[f"ports/{table}/{col}"][()]):
                fails.append(f"{table}/{col}")
    # daily: the sensors are named differently (host names, 44.i.0.0 nets), in the same order
    for col in ["day", "protocol", "port", "sources"]:
        if not np.array_equal(fa[f"ports/daily/{col}"][()], fb[f"ports/daily/{col}"][()]):
            fails.append(f"daily/{col}")
    print("ports_oracle same: " + ("equal" if not fails else f"DIFFERENT in {fails}"))
    return 1 if fails else 0


if __name__ == "__main__":
    cmd = sys.argv[1]
    sys.exit(check(*sys.argv[2:4]) if cmd == "check" else to_ft4(*sys.argv[2:4]) if cmd == "to-ft4"
             else same(*sys.argv[2:4]))
