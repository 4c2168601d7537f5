# Writes the flow_avro harness's hand-made crashers (the first two crashed or hung
# the decoder, the last was undefined behaviour; see docs/fuzzing.md): /usr/bin/python3 make_avro_crashers.py corpus/flow_avro
import json, zlib, sys
def zz(v): return (v << 1) ^ (v >> 63)
def varint(u):
    out = bytearray()
    while u >= 0x80: out.append((u & 0x7f) | 0x80); u >>= 7
    out.append(u); return bytes(out)
def long_(v): return varint(zz(v) & 0xFFFFFFFFFFFFFFFF)
def bytes_(b): return long_(len(b)) + b
base = [{"name": n, "type": "long"} for n in ("time", "src_ip", "dst_net", "dst_port", "protocol", "packet_cnt")]
def container(extra_fields, record, nrec=1, codec="deflate", header_count=None):
    schema = {"type": "record", "name": "flowtuple4", "fields": base + extra_fields}
    meta = {b"avro.schema": json.dumps(schema).encode(), b"avro.codec": codec.encode()}
    sync = bytes(range(16))
    h = b"Obj\x01"
    if header_count is not None:
        h += header_count  # a hostile block count, then the entries
    else:
        h += long_(len(meta))
    for k, v in meta.items(): h += bytes_(k) + bytes_(v)
    h += long_(0) + sync
    data = record * nrec
    if codec == "deflate":
        c = zlib.compressobj(9, zlib.DEFLATED, -15); data = c.compress(data) + c.flush()
    return h + long_(nrec) + long_(len(data)) + data + sync
fields = b"".join(long_(v) for v in (1612130400, 16909060, 167772160, 80, 6, 1))
# 1. a record nested in itself through a union, a million levels deep
nest = [{"name": "x", "type": {"type": "record", "name": "Nest", "fields": [{"name": "n", "type": ["null", "Nest"]}]}}]
open(sys.argv[1] + "/crash-self-nested-record", "wb").write(container(nest, fields + b"\x02" * 1000000 + b"\x00"))
# 2. an array of nulls claiming 2^62 items
arr = [{"name": "y", "type": {"type": "array", "items": "null"}}]
open(sys.argv[1] + "/crash-null-array-2e62", "wb").write(container(arr, fields + long_(1 << 62) + long_(0)))
# 2b. the same with items that are records without fields
arr2 = [{"name": "y", "type": {"type": "array", "items": {"type": "record", "name": "E", "fields": []}}}]
open(sys.argv[1] + "/crash-empty-record-array-2e62", "wb").write(container(arr2, fields + long_(1 << 62) + long_(0)))
# 3. a header map block count of INT64_MIN (its negation overflows)
open(sys.argv[1] + "/crash-header-count-int64-min", "wb").write(container([], fields, header_count=long_(-(1 << 63)) + long_(10)))
