#!/usr/bin/python3
"""Writes the flowtuple Avro fixtures in tests/data/flow/ with Debian's
python3-avro (an Avro implementation independent of scanhpc's), plus
expected.json: for each file the records a reader must return and the counts
it must report. Corrupt copies are made here by editing bytes at block
offsets that this script finds with its own block walker.

usage: /usr/bin/python3 tests/data/make_flow_fixtures.py [OUTDIR]
Re-running gives identical files (fixed seeds, sync markers from the names).
"""
import hashlib
import json
import os
import random
import sys

import avro.datafile
import avro.io
import avro.schema

U32 = 2**32 - 1
I64 = 2**63 - 1
GEO = ["??", "US", "CN", "RU", "NL", "DE", "BR", "EU", "AS", "NA", "SA", "AF", "OC"]


def field(name, typ):
    return {"name": name, "type": typ}


LONG_ARRAY = {"type": "array", "items": "long"}
FT3_FIELDS = [field(n, t) for n, t in [
    ("time", "long"), ("src_ip", "long"), ("dst_ip", "long"), ("src_port", "int"), ("dst_port", "int"),
    ("protocol", "int"), ("ttl", "int"), ("tcp_flags", "int"), ("ip_len", "int"), ("tcp_synlen", "int"),
    ("tcp_synwinlen", "int"), ("packet_cnt", "long"), ("is_spoofed", "int"), ("is_masscan", "int"),
    ("maxmind_continent", "string"), ("maxmind_country", "string"), ("netacq_continent", "string"),
    ("netacq_country", "string"), ("prefix2asn", "long")]]
FT4_HEAD = [field(n, t) for n, t in [
    ("time", "long"), ("src_ip", "long"), ("dst_net", "long"), ("dst_port", "int"), ("protocol", "int"),
    ("packet_cnt", "long"), ("uniq_dst_ips", "int"), ("uniq_pkt_sizes", "int"), ("uniq_ttls", "int"),
    ("uniq_src_ports", "int"), ("uniq_tcp_flags", "int"), ("first_syn_length", "int"), ("first_tcp_rwin", "int")]]
ARRAYS = ["common_pktsizes", "common_pktsize_freqs", "common_ttls", "common_ttl_freqs",
          "common_srcports", "common_srcport_freqs", "common_tcpflags", "common_tcpflag_freqs"]
FT4_ARRAYS = [field(n, LONG_ARRAY) for n in ARRAYS]
MAXMIND = [field("maxmind_continent", "string"), field("maxmind_country", "string")]
NETACQ_ASN = [field("netacq_continent", "string"), field("netacq_country", "string"), field("prefix2asn", "long")]
COUNTS = [field("spoofed_packet_cnt", "long"), field("masscan_packet_cnt", "long")]

FT4_FIELDS = FT4_HEAD + FT4_ARRAYS + MAXMIND + NETACQ_ASN + COUNTS
FT4_V1_FIELDS = FT4_HEAD + FT4_ARRAYS + MAXMIND + NETACQ_ASN
FT4_DRAFT_FIELDS = FT4_HEAD + FT4_ARRAYS + NETACQ_ASN

# Fields no flowtuple column holds: a reader must skip every one correctly.
EXTRA_FIELDS = [
    field("x_int", "int"), field("x_string", "string"), field("x_longs", LONG_ARRAY),
    field("x_map", {"type": "map", "values": "string"}), field("x_opt", ["null", "string"]),
    field("x_double", "double"), field("x_bool", "boolean"), field("x_float", "float"),
    field("x_fixed", {"type": "fixed", "name": "four", "size": 4}), field("x_bytes", "bytes"),
    field("x_enum", {"type": "enum", "name": "colour", "symbols": ["RED", "GREEN"]}),
    field("x_rec", {"type": "record", "name": "inner", "fields": [
        field("a", "long"), field("b", {"type": "array", "items": "string"}),
        field("c", {"type": "fixed", "name": "three", "size": 3}), field("d", "three")]}),
]


def schema(name, fields, doc="fixture"):
    return {"type": "record", "namespace": "org.caida.corsaro", "name": name, "doc": doc, "fields": fields}


def ft3_row(rng, i):
    proto = rng.choice([1, 6, 6, 17, 47])
    r = {"time": 1600000000 + 60 * (i // 50), "src_ip": rng.randrange(U32 + 1), "dst_ip": 0x2C000000 | rng.randrange(1 << 24),
         "src_port": rng.randrange(65536), "dst_port": rng.randrange(65536), "protocol": proto,
         "ttl": rng.randrange(256), "tcp_flags": rng.randrange(256) if proto == 6 else 0, "ip_len": rng.randrange(20, 65536),
         "tcp_synlen": rng.choice([0, 20, 24, 40]), "tcp_synwinlen": rng.choice([0, 1024, 65535]),
         "packet_cnt": rng.choice([1, 2, 7, rng.randrange(1, 2**40)]), "is_spoofed": rng.randrange(2),
         "is_masscan": rng.randrange(2), "maxmind_continent": rng.choice(GEO), "maxmind_country": rng.choice(GEO),
         "netacq_continent": rng.choice(GEO), "netacq_country": rng.choice(GEO), "prefix2asn": rng.choice([0, rng.randrange(U32 + 1)])}
    if proto == 1:  # FT3 keeps the ICMP type in src_port and the code in dst_port
        r["src_port"], r["dst_port"] = rng.choice([(8, 0), (0, 0), (3, 3), (11, 0)])
    return r


def ft3_limits():
    return [{"time": U32, "src_ip": U32, "dst_ip": U32, "src_port": 65535, "dst_port": 65535, "protocol": 255, "ttl": 255,
             "tcp_flags": 255, "ip_len": 65535, "tcp_synlen": 65535, "tcp_synwinlen": 65535, "packet_cnt": I64,
             "is_spoofed": 1, "is_masscan": 1, "maxmind_continent": "NA", "maxmind_country": "US",
             "netacq_continent": "EU", "netacq_country": "NL", "prefix2asn": U32},
            {k: 0 if isinstance(v, int) else "??" for k, v in ft3_row(random.Random(0), 0).items()}]


def common(rng):
    n = rng.choice([0, 0, 1, 2, 5])
    values = sorted(rng.sample(range(0, 1500), n))
    return values, [rng.randrange(1, 10**6) for _ in values]


def ft4_row(rng, i):
    proto = rng.choice([1, 6, 6, 17, 47])
    r = {"time": 1600000200 + 300 * (i // 70), "src_ip": rng.randrange(U32 + 1), "dst_net": 0x2C000000 | (rng.randrange(256) << 16),
         "dst_port": rng.randrange(65536) if proto in (6, 17) else 0, "protocol": proto,
         "packet_cnt": rng.choice([1, 3, rng.randrange(1, 2**45)]), "uniq_dst_ips": rng.randrange(1, 65537),
         "uniq_pkt_sizes": rng.randrange(1, 100), "uniq_ttls": rng.randrange(1, 10), "uniq_src_ports": rng.randrange(0, 60000),
         "uniq_tcp_flags": rng.randrange(0, 9), "first_syn_length": rng.choice([0, 20, 40]),
         "first_tcp_rwin": rng.choice([0, 1024, 29200, 65535]),
         "maxmind_continent": rng.choice(GEO), "maxmind_country": rng.choice(GEO), "netacq_continent": rng.choice(GEO),
         "netacq_country": rng.choice(GEO), "prefix2asn": rng.choice([0, rng.randrange(U32 + 1)]),
         "spoofed_packet_cnt": rng.randrange(0, 5), "masscan_packet_cnt": rng.randrange(0, 5)}
    if proto == 1:  # FT4 ICMP: dst_port = type << 8 | code
        t, c = rng.choice([(8, 0), (0, 0), (3, 3), (11, 0)])
        r["dst_port"] = (t << 8) | c
    for k in range(0, 8, 2):
        r[ARRAYS[k]], r[ARRAYS[k + 1]] = common(rng)
    return r


def ft4_limits():
    r = {"time": U32, "src_ip": U32, "dst_net": U32, "dst_port": 65535, "protocol": 255, "packet_cnt": I64,
         "uniq_dst_ips": 2**31 - 1, "uniq_pkt_sizes": 2**31 - 1, "uniq_ttls": 2**31 - 1, "uniq_src_ports": 2**31 - 1,
         "uniq_tcp_flags": 2**31 - 1, "first_syn_length": 65535, "first_tcp_rwin": 65535,
         "maxmind_continent": "??", "maxmind_country": "??", "netacq_continent": "AS", "netacq_country": "CN",
         "prefix2asn": U32, "spoofed_packet_cnt": I64, "masscan_packet_cnt": I64}
    for k in range(0, 8, 2):
        r[ARRAYS[k]], r[ARRAYS[k + 1]] = [0, U32], [0, I64]
    return [r]


def extra_values(rng):
    return {"x_int": rng.randrange(-2**31, 2**31), "x_string": "ab" * rng.randrange(0, 40), "x_longs": [rng.randrange(-2**62, 2**62) for _ in range(rng.randrange(0, 4))],
            "x_map": {"k%d" % j: "v" * j for j in range(rng.randrange(0, 3))}, "x_opt": rng.choice([None, "yes"]),
            "x_double": rng.random(), "x_bool": rng.random() < 0.5, "x_float": 1.5, "x_fixed": b"\x00\x80\xff\x01",
            "x_bytes": bytes(rng.randrange(0, 6)), "x_enum": rng.choice(["RED", "GREEN"]),
            "x_rec": {"a": -5, "b": ["x", "yz"], "c": b"abc", "d": b"xyz"}}


def write_avro(path, schema_obj, rows, codec, per_block):
    parsed = avro.schema.parse(json.dumps(schema_obj))
    with open(path, "wb") as f:
        w = avro.datafile.DataFileWriter(f, avro.io.DatumWriter(), parsed, codec=codec)
        # A fixed marker instead of python-avro's random one: re-running gives identical files.
        w.sync_marker = hashlib.md5(os.path.basename(path).encode()).digest()
        for i, r in enumerate(rows):
            w.append(r)
            if (i + 1) % per_block == 0:
                w.sync()  # ends the block: several blocks per file
        w.close()
    # Python-avro reads back what it wrote (a check on this script).
    with open(path, "rb") as f:
        back = list(avro.datafile.DataFileReader(f, avro.io.DatumReader()))
    assert back == rows, path


def varint(buf, pos):
    shift = value = 0
    while True:
        b = buf[pos]
        pos += 1
        value |= (b & 0x7F) << shift
        shift += 7
        if b < 0x80:
            return (value >> 1) ^ -(value & 1), pos


def walk(buf):
    """(header_end, sync, [(offset, records, data_offset, size)]): an independent block walker."""
    assert buf[:4] == b"Obj\x01"
    pos = 4
    while True:
        n, pos = varint(buf, pos)
        if n == 0:
            break
        if n < 0:
            n = -n
            _, pos = varint(buf, pos)
        for _ in range(2 * n):
            ln, pos = varint(buf, pos)
            pos += ln
    sync = buf[pos:pos + 16]
    pos += 16
    header_end, blocks = pos, []
    while pos < len(buf):
        count, p = varint(buf, pos)
        size, p = varint(buf, p)
        blocks.append((pos, count, p, size))
        assert buf[p + size:p + size + 16] == sync
        pos = p + size + 16
    return header_end, sync, blocks


def expected_row(r, version, fields):
    names = {f["name"] for f in fields}
    cols = [f["name"] for f in (FT3_FIELDS if version == "ft3" else FT4_FIELDS)]
    out = {n: r[n] if n in names else ("??" if n.endswith(("continent", "country")) else (0 if not n.startswith("common") else []))
           for n in cols}
    return out


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "flow")
    os.makedirs(out, exist_ok=True)
    fixtures = []

    def add(name, version, variant, fields, rows, codec, per_block, record_name, good=None, expect=None):
        path = os.path.join(out, name)
        write_avro(path, schema(record_name, fields), rows, codec, per_block)
        good = rows if good is None else good
        entry = {"file": name, "version": version, "variant": variant, "codec": codec,
                 "records": [expected_row(r, version, fields) for r in good],
                 "records_read": len(rows), "records_used": len(good), "records_rejected": len(rows) - len(good),
                 "blocks": len(walk(open(path, "rb").read())[2]), "blocks_rejected": 0, "error_offsets": [], "bytes_unknown": 0}
        entry.update(expect or {})
        fixtures.append(entry)
        return path, entry

    rng = random.Random(20261123)
    ft3_rows = ft3_limits() + [ft3_row(rng, i) for i in range(200)]
    add("ft3_deflate.avro", "ft3", "ft3", FT3_FIELDS, ft3_rows, "deflate", 64, "flowtuple")
    ft3_null_path, ft3_null = add("ft3_null.avro", "ft3", "ft3", FT3_FIELDS, ft3_rows[:120], "null", 50, "flowtuple")
    ft4_rows = ft4_limits() + [ft4_row(rng, i) for i in range(249)]
    ft4_path, ft4 = add("ft4_deflate.avro", "ft4", "ft4", FT4_FIELDS, ft4_rows, "deflate", 40, "flowtuple4")
    v1_rows = [{k: v for k, v in r.items() if k not in ("spoofed_packet_cnt", "masscan_packet_cnt")} for r in ft4_rows[:150]]
    add("ft4_v1_null.avro", "ft4", "ft4-without-spoofed-masscan", FT4_V1_FIELDS, v1_rows, "null", 40, "flowtuple4")
    draft_rows = [{k: v for k, v in r.items() if not k.startswith("maxmind") and not k.endswith("_packet_cnt") or k == "packet_cnt"}
                  for r in ft4_rows[:90]]
    add("ft4_draft_flowtuple3.avro", "ft4", "ft4-draft-flowtuple3", FT4_DRAFT_FIELDS, draft_rows, "deflate", 30, "flowtuple3")
    shuffled = FT4_FIELDS + EXTRA_FIELDS
    random.Random(7).shuffle(shuffled)
    extra_rows = [dict(r, **extra_values(rng)) for r in ft4_rows[:120]]
    add("ft4_reordered_extra.avro", "ft4", "ft4", shuffled, extra_rows, "deflate", 50, "flowtuple4")
    shuffled3 = FT3_FIELDS + EXTRA_FIELDS[:6]
    random.Random(8).shuffle(shuffled3)
    add("ft3_reordered_extra.avro", "ft3", "ft3", shuffled3, [dict(r, **{k: v for k, v in extra_values(rng).items() if k in {f["name"] for f in EXTRA_FIELDS[:6]}})
                                                      for r in ft3_rows[:80]],
        "null", 30, "flowtuple")

    # Values the column types cannot hold: each such record is rejected.
    bad3 = [dict(ft3_rows[5], time=U32 + 1), dict(ft3_rows[6], src_port=65536), dict(ft3_rows[7], netacq_country="USA"),
            dict(ft3_rows[8], src_ip=-1), dict(ft3_rows[9], ttl=256), dict(ft3_rows[10], maxmind_continent=""),
            dict(ft3_rows[11], prefix2asn=U32 + 1), dict(ft3_rows[12], packet_cnt=-3)]
    mixed3 = [r for pair in zip(ft3_rows[20:28], bad3) for r in pair]
    add("ft3_out_of_range.avro", "ft3", "ft3", FT3_FIELDS, mixed3, "deflate", 6, "flowtuple", good=ft3_rows[20:28])
    bad4 = [dict(ft4_rows[5], dst_net=U32 + 1), dict(ft4_rows[6], dst_port=70000), dict(ft4_rows[7], uniq_ttls=-1),
            dict(ft4_rows[8], protocol=256), dict(ft4_rows[9], common_ttls=[2**32], common_ttl_freqs=[1]),
            dict(ft4_rows[10], common_srcports=[1, 2], common_srcport_freqs=[5]),
            dict(ft4_rows[11], common_tcpflag_freqs=[-1], common_tcpflags=[2]), dict(ft4_rows[12], masscan_packet_cnt=-1),
            dict(ft4_rows[13], first_tcp_rwin=65536), dict(ft4_rows[14], maxmind_country="X")]
    mixed4 = [r for pair in zip(ft4_rows[30:40], bad4) for r in pair]
    add("ft4_out_of_range.avro", "ft4", "ft4", FT4_FIELDS, mixed4, "null", 7, "flowtuple4", good=ft4_rows[30:40])

    # Corrupt copies of ft4_deflate.avro (7 blocks: 6 of 40 records, 1 of 10) and ft3_null.avro.
    buf = open(ft4_path, "rb").read()
    _, sync, blocks = walk(buf)
    per = [b[1] for b in blocks]

    def corrupt(name, data, base, lost_block, expect):
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
        e = dict(base, file=name, error_offsets=[blocks_of(base)[lost_block][0]], **expect)
        # The records of `base` without rows [first, end) (the lost block), by reference: smaller JSON.
        rows = [i for i in range(len(base["records"])) if block_index(base, i) == lost_block]
        del e["records"]
        e["records_from"] = base["file"]
        e["drop_rows"] = [rows[0], rows[-1] + 1]
        e["records_used"] = len(base["records"]) - len(rows)
        fixtures.append(e)

    def blocks_of(base):
        return walk(open(os.path.join(out, base["file"]), "rb").read())[2]

    def block_index(base, row):
        acc = 0
        for k, b in enumerate(blocks_of(base)):
            acc += b[1]
            if row < acc:
                return k
        raise AssertionError

    b1 = blocks[1]
    flipped = bytearray(buf)
    flipped[b1[2] + b1[3] + 5] ^= 0x40  # block 1's trailing sync marker
    corrupt("ft4_bad_sync.avro", bytes(flipped), ft4, 1,
            {"records_rejected": per[1], "blocks_rejected": 1})
    last = blocks[-1]
    corrupt("ft4_truncated.avro", buf[:last[2] + last[3] // 2], ft4, len(blocks) - 1,
            {"records_rejected": per[-1], "blocks_rejected": 1})
    bad_deflate = bytearray(buf)
    bad_deflate[blocks[2][2]] = 0x07  # BFINAL=1, BTYPE=11: an invalid deflate block type
    corrupt("ft4_bad_deflate.avro", bytes(bad_deflate), ft4, 2,
            {"records_rejected": per[2], "blocks_rejected": 1})
    garbage = bytearray(buf)
    b3 = blocks[3]
    garbage[b3[0]:b3[0] + 10] = b"\xff" * 10  # block 3's header is no varint: unframed until its sync marker
    corrupt("ft4_bad_header.avro", bytes(garbage), ft4, 3,
            {"records_read": len(ft4_rows) - per[3], "records_rejected": 0, "blocks": len(blocks) - 1,
             "bytes_unknown": b3[2] + b3[3] + 16 - b3[0]})
    # Null codec, block 0's record count one too high: its records run past its data.
    nbuf = open(ft3_null_path, "rb").read()
    _, _, nblocks = walk(nbuf)
    n0 = nblocks[0]
    assert n0[1] == 50 and nbuf[n0[0]] == 100  # zigzag(50)
    bumped = bytearray(nbuf)
    bumped[n0[0]] = 102  # zigzag(51)
    corrupt("ft3_bad_count.avro", bytes(bumped), ft3_null, 0,
            {"records_read": len(ft3_null["records"]) + 1, "records_rejected": 51, "blocks_rejected": 1})

    # A codec other than null and deflate: opening fails, naming file and codec.
    write_avro(os.path.join(out, "ft4_bzip2.avro"), schema("flowtuple4", FT4_FIELDS), ft4_rows[:10], "bzip2", 100)
    fixtures.append({"file": "ft4_bzip2.avro", "open_error": "bzip2"})

    with open(os.path.join(out, "expected.json"), "w") as f:  # one fixture a line
        f.write('{"fixtures": [\n' + ",\n".join(json.dumps(x, separators=(",", ":")) for x in fixtures) + "\n]}\n")
    print("wrote %d fixtures to %s" % (len(fixtures), out))


if __name__ == "__main__":
    main()
