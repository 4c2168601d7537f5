#!/usr/bin/python3
"""Bad-input cases for test_bad_input.sh: writes them, then checks the results.

  badinput.py make DIR [SCAN.bin]   writes DIR/cases/<case>/<input files> and DIR/manifest.json
  badinput.py list DIR              prints "<case>\t<input files...>\t<extra args...>" per case
  badinput.py check DIR             checks DIR/logs/<case>.{skip,fail}.{rc,err} and the outputs

Each case directory is the working directory of two runs (test_bad_input.sh):
  --on-error=skip -o out_skip.h5 and --on-error=fail -o out_fail.h5.
Expectations per case (manifest.json):
  read/used/rejected/banners   /ingest attributes (and the per-file row)
  errors                       [[offset, [regex...]], ...]: /ingest/errors exactly, in order,
                               each cause matching every regex (case-insensitive)
  skip_ok                      False when the skip run itself must fail cleanly (undetectable input)
  fail_ok                      True when --on-error=fail must succeed too (nothing to reject)
  same_as                      a case whose /multiprobe and /hosts must be identical
Offsets are computed here from the bytes written, independently of scanhpc.
"""
import json
import os
import random
import re
import sys

import h5py

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from h5check import rows, same  # noqa: E402

TS0 = 1629960600
JSON_ANY = ["json|record"]  # any cause that says the line is not a usable -oJ record


def rec(ip, port=80, ts=None, proto="tcp", status="open", reason="syn-ack", ttl=54, ts_raw=None):
    """A masscan 1.3.x -oJ status record line (exact bytes of out-json.c)."""
    t = ts_raw if ts_raw is not None else '"%d"' % (ts if ts is not None else TS0)
    return ('{   "ip": "%s",   "timestamp": %s, "ports": [ {"port": %s, "proto": "%s", "status": "%s", '
            '"reason": "%s", "ttl": %s} ] }' % (ip, t, port, proto, status, reason, ttl)).encode()


def banner_rec(ip, port, banner, ts=TS0, name="http"):
    return ('{   "ip": "%s",   "timestamp": "%d", "ports": [ {"port": %d, "proto": "tcp", "service": '
            '{"name": "%s", "banner": "%s"} } ] }' % (ip, ts, port, name, banner)).encode()


def good_records(n=10, start=0):
    """n good status records: 4 hosts, some services probed twice (intervals)."""
    out = []
    for i in range(start, start + n):
        out.append(rec("10.0.%d.%d" % (i % 4, 1 + i % 4), port=[80, 443, 22][i % 3], ts=TS0 + i))
    return out


def json13(lines):
    """-oJ 1.3.x layout: "[", records separated by "," lines, "]". Returns (bytes, offsets of the lines)."""
    out, offsets = bytearray(b"[\n"), []
    for i, line in enumerate(lines):
        if i:
            out += b",\n"
        offsets.append(len(out))
        out += line + b"\n"
    out += b"]\n"
    return bytes(out), offsets


def text_file(lines, header=b"", trailer=b"", eol=b"\n"):
    out, offsets = bytearray(header), []
    for line in lines:
        offsets.append(len(out))
        out += line + eol
    out += trailer
    return bytes(out), offsets


def junk_bytes(rnd, size):
    """Random bytes (NULs included) cut into lines whose first and last bytes are never
    whitespace, '[', ']', ',' or '{', so every line is exactly one bad record."""
    safe = bytes(b for b in range(256) if b not in b" \t\r\n\v\f[],{}" and not 0x1c <= b <= 0x1f)
    data = bytearray(rnd.getrandbits(8) for _ in range(size))
    data[rnd.randrange(size)] = 0  # at least one NUL
    lines = bytes(data).split(b"\n")
    fixed = []
    for ln in lines:
        ln = bytearray(ln or b"\x00")
        ln[0] = rnd.choice(safe)
        ln[-1] = rnd.choice(safe)
        fixed.append(bytes(ln))
    return fixed


def walk_masscan_binary(data):
    """(complete records, offset of a cut record or None) of masscan -oB bytes.

    Independent of scanhpc: 99-byte header, then [type varint][length varint][payload];
    type 4 carries one byte beyond its length; type 'm' (109) is a header pseudo-record."""
    pos, n, records = 99, len(data), 0
    while pos < n:
        start, vals, i = pos, [], pos
        for _ in range(2):
            v = 0
            while True:
                if i >= n:
                    return records, start
                b = data[i]
                i += 1
                v = (v << 7) | (b & 0x7F)
                if not b & 0x80:
                    break
            vals.append(v)
        typ, length = vals
        end = i + length + (1 if typ == 4 else 0)
        if end > n:
            return records, start
        if typ != 109:
            records += 1
        pos = end
    return records, None


def make(root, scan_bin):
    rnd = random.Random(20240501)
    cases = []

    def add(name, fname, content, read, rejected, errors, banners=0, args=(), skip_ok=True, fail_ok=None,
            same_as=None, skip_stderr=()):
        d = os.path.join(root, "cases", name)
        os.makedirs(d)
        with open(os.path.join(d, fname), "wb") as f:
            f.write(content)
        cases.append(dict(name=name, files=[fname], args=list(args), read=read, used=read - rejected,
                          rejected=rejected, banners=banners, errors=errors, skip_ok=skip_ok,
                          fail_ok=(rejected == 0) if fail_ok is None else fail_ok, same_as=same_as,
                          skip_stderr=list(skip_stderr)))

    G = good_records(10)

    def one_bad(name, bad, regexes, n_bad=1):
        """5 good records, the bad line(s), 5 good records, in the 1.3.x layout; regexes is one
        list for every bad line or a list of lists, one per bad line."""
        bad = bad if isinstance(bad, list) else [bad]
        data, offs = json13(G[:5] + bad + G[5:])
        per_line = regexes if isinstance(regexes[0], list) else [regexes] * len(bad)
        add(name, name + ".oJ", data, 10 + len(bad), len(bad),
            [[o, per_line[k]] for k, o in enumerate(offs[5:5 + len(bad)])])

    data, _ = json13(G)
    add("good", "good.oJ", data, 10, 0, [])
    # invalid JSON in nine ways (each line is rejected by Python's json.loads); the cause must
    # say what is wrong, not just "json"
    invalid = r"invalid|malformed|syntax|improper|comma|never closed|unterminated|unexpected"
    r = rec("10.9.0.1")
    bad_json = [r.replace(b'"open", ', b'"open" '),  # comma missing in ports[]
                r.replace(b'"10.9.0.1",', b'"10.9.0.1"'),  # comma missing, top level
                r.replace(b'"10.9.0.1"', b'"10.9.0.1'),  # string never closed
                r + b" }",  # a second closing brace
                r.replace(b"} ] }", b"} ], }"),  # trailing comma in the record object
                r.replace(b"54} ]", b"54,} ]"),  # trailing comma in the ports[] entry
                r.replace(b"} ] }", b'} ], "x": }'),  # a key without a value
                r.replace(b"} ] }", b'} ], "x": [1,,2] }'),  # an array with a hole
                r.replace(b'"ttl": 54', b'"ttl": 5 4')]  # two numbers, no comma
    for line in bad_json:  # the oracle's own check: Python's json module rejects each
        try:
            json.loads(line)
            raise AssertionError("badinput.py: meant to be invalid JSON: %r" % line)
        except ValueError:
            pass
    one_bad("invalid_json", bad_json, [[invalid]] * 3 + [[invalid + "|trailing"]] + [[invalid]] * 5)
    one_bad("truncated_record", rec("10.9.0.2")[:70], ["invalid|truncat|ended early|incomplete|never closed"])
    one_bad("ipv6", rec("2001:db8::1"), ["ipv4|ipv6|address", re.escape("2001:db8::1")])
    one_bad("ip_256", rec("256.1.1.1"), ["ipv4|address", re.escape("256.1.1.1")])
    one_bad("port_70000", rec("10.9.0.3", port=70000), ["port", "70000|range"])
    one_bad("port_negative", rec("10.9.0.4", port=-1), ["port"])
    one_bad("timestamp_huge", [rec("10.9.0.5", ts_raw='"99999999999999999999"'),
                               rec("10.9.0.5", ts_raw="99999999999999999999")], ["timestamp"])
    one_bad("timestamp_2p32", rec("10.9.0.6", ts=4294967296), ["timestamp", "4294967296|range"])
    one_bad("ttl_300", rec("10.9.0.7", ttl=300), ["ttl", "300|range"])
    one_bad("reason_unknown", rec("10.9.0.8", reason="syn-foo"), ["reason", "syn-foo"])
    one_bad("status_unknown", rec("10.9.0.9", status="filtered"), ["status", "filtered"])
    one_bad("ip_missing", rec("10.9.0.10").replace(b'"ip": "10.9.0.10",   ', b""), [r"\bip\b"])
    one_bad("ports_not_array", rec("10.9.0.11").replace(b'"ports": [', b'"ports": ').replace(b"} ] }", b"} }"),
            ["ports", "array"])
    one_bad("ports_empty", b'{   "ip": "10.9.0.12",   "timestamp": "1629960600", "ports": [ ] }', ["ports"])

    junk = junk_bytes(rnd, 4096)
    one_bad("binary_junk", junk, JSON_ANY)
    junk_file = b"\n".join(junk) + b"\n"
    junk_offsets = [m.start() for m in re.finditer(rb"^", junk_file[:-1], re.M)]
    # A file in no masscan format is one rejected record (a stray file in an
    # input directory is counted, not fatal); --on-error=fail stops on it.
    add("junk_only_auto", "junk.bin", junk_file, 1, 1, [[0, "not masscan output"]], fail_ok=False)
    add("junk_only_forced_json", "junk.bin", junk_file, len(junk_offsets), len(junk_offsets),
        [[o, JSON_ANY] for o in junk_offsets], args=["--format", "json"])

    one_bad("junk_line_1mb", bytes(rnd.choice(b"abcdefghijklmnopqrstuvwxyz0123456789:;!") for _ in range(1 << 20)),
            JSON_ANY)
    big = "".join(rnd.choice("abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789=/.:;")
                  for _ in range(1 << 20))
    big = big[:1000] + "\\u000d\\u000a" + big[1000:]
    data, offs = json13(G[:5] + [banner_rec("10.0.0.1", 80, big)] + G[5:])
    add("banner_1mb", "banner_1mb.oJ", data, 11, 0, [], banners=1, same_as="good")
    data, offs = json13(G[:5] + [banner_rec("10.0.0.1", 80, "x" * 2000)] + G[5:])
    add("max_record_bytes", "long.oJ", data, 11, 1, [[offs[5], ["1000", "longer|long|max-record-bytes"]]],
        args=["--max-record-bytes", "1000"], same_as="good")

    # the same records re-serialized: other key orders, no spaces, unknown keys, numeric
    # timestamps and escapes in strings: valid JSON, every record used, same analyses
    variants = []
    for i, line in enumerate(G):
        obj = json.loads(line)
        items = list(obj.items())
        rnd.shuffle(items)
        obj = dict(items)
        if i % 2:
            obj["timestamp"] = int(obj["timestamp"])
        if i % 3 == 0:
            obj["extra"] = {"nested": [1, 2.5, {"a": "b\\\"c\u00e9"}], "null": None, "t": True}
        obj["ports"] = [dict(reversed(list(e.items()))) for e in obj["ports"]]
        variants.append(json.dumps(obj, separators=(",", ":") if i % 2 else (", ", ": ")).encode())
    data, _ = json13(variants)
    add("json_variants", "variants.oJ", data, 10, 0, [], same_as="good")

    # historic -oJ layouts and an interrupted scan: every record used
    add("layout_1_0_5", "v105.oJ", b"[\n" + b"".join(r + b",\n" for r in G) + b"]\n", 10, 0, [], same_as="good")
    add("layout_1_0_4", "v104.oJ", b"".join(r + b",\n" for r in G) + b"{finished: 1}\n", 10, 0, [],
        same_as="good")
    add("interrupted", "interrupted.oJ", b"[\n" + b",\n".join(r + b"\n" for r in G), 10, 0, [], same_as="good")
    add("empty_file", "empty.oJ", b"", 0, 0, [])
    add("brackets_only", "brackets.oJ", b"[\n]\n", 0, 0, [])

    # -oL, -oG, -oX with bad addresses and ports
    L = [b"open tcp 80 10.0.0.1 1629960600", b"open tcp 80 10.0.0.999 1629960601",
         b"open tcp 70000 10.0.0.2 1629960602", b"open tcp -1 10.0.0.3 1629960603",
         b"open tcp 443 2001:db8::1 1629960604", b"banner tcp 80 10.0.0.1 1629960605 http HTTP/1.1 200 OK",
         b"open tcp 22 10.0.0.4 1629960606"]
    data, offs = text_file(L, b"#masscan\n", b"# end\n")
    add("list_bad", "bad.oL", data, 7, 4,
        [[offs[1], ["ip|address", r"10\.0\.0\.999"]], [offs[2], ["port", "70000"]], [offs[3], ["port"]],
         [offs[4], ["ip|address", "2001:db8::1"]]], banners=1)

    G_ = [b"Timestamp: 1629960600\tHost: 10.0.0.1 ()\tPorts: 80/open/tcp//http//",
          b"Timestamp: 1629960601\tHost: 10.0.0.256 ()\tPorts: 80/open/tcp//http//",
          b"Timestamp: 1629960602\tHost: 10.0.0.2 ()\tPorts: 99999/open/tcp//http//",
          b"Timestamp: 1629960603\tHost: 10.0.0.3 ()\tPorts: x/open/tcp//http//",
          b"Host: 10.0.0.1 ()\tPort: 80\tService: title\tBanner: 404 - Not Found",
          b"Timestamp: 1629960604\tHost: 10.0.0.4 ()\tPorts: 22/open/tcp//ssh//"]
    data, offs = text_file(G_, b"# Masscan 1.3.2 scan initiated Mon Nov 23 04:58:23 2026\n"
                               b"# Ports scanned: TCP(0;) UDP(0;) SCTP(0;) PROTOCOLS(0;)\n",
                           b"# Masscan done at Mon Nov 23 04:58:56 2026\n")
    add("grepable_bad", "bad.oG", data, 6, 3,
        [[offs[1], ["ip|address", r"10\.0\.0\.256"]], [offs[2], ["port", "99999"]], [offs[3], ["port"]]],
        banners=1)

    def xhost(ip, port, ttl=54, ts=1629960600):
        return ('<host endtime="%d"><address addr="%s" addrtype="ipv4"/><ports><port protocol="tcp" portid="%s">'
                '<state state="open" reason="syn-ack" reason_ttl="%s"/></port></ports></host>'
                % (ts, ip, port, ttl)).encode()
    X = [xhost("10.0.0.1", 80), xhost("10.0.0", 80, ts=1629960601), xhost("10.0.0.2", 65536, ts=1629960602),
         xhost("10.0.0.3", 443, ttl=300, ts=1629960603), xhost("10.0.0.4", 22, ts=1629960604)]
    data, offs = text_file(
        X, b'<?xml version="1.0"?>\r\n<!-- masscan v1.0 scan -->\r\n<nmaprun scanner="masscan" start="1629960600" '
           b'version="1.0-BETA"  xmloutputversion="1.03">\r\n<scaninfo type="syn" protocol="tcp" />\r\n',
        b'<runstats>\r\n<finished time="1629960610" timestr="2021-08-26 06:50:10" elapsed="10" />\r\n'
        b'<hosts up="5" down="0" total="5" />\r\n</runstats>\r\n</nmaprun>\r\n', eol=b"\r\n")
    add("xml_bad", "bad.oX", data, 5, 3,
        [[offs[1], ["ip|address", r"10\.0\.0\b"]], [offs[2], ["port", "65536"]], [offs[3], ["ttl", "300"]]])

    if scan_bin:
        with open(scan_bin, "rb") as f:
            cut = f.read(5000)
        complete, cut_at = walk_masscan_binary(cut)
        errors = [[cut_at, ["truncat"]]] if cut_at is not None else []
        add("binary_truncated", "cut.bin", cut, complete + len(errors), len(errors), errors)

    with open(os.path.join(root, "manifest.json"), "w") as f:
        json.dump(cases, f, indent=1)
    print("badinput.py: %d cases in %s" % (len(cases), os.path.join(root, "cases")))


def read(path):
    try:
        with open(path, "rb") as f:
            return f.read().decode("utf-8", "replace")
    except OSError:
        return None


def check_case(root, c, failures):
    name = c["name"]
    d = os.path.join(root, "cases", name)
    logs = os.path.join(root, "logs", name)
    bad = []

    def expect(cond, what):
        if not cond:
            bad.append(what)
        return cond

    def no_crash(mode, rc, err):
        expect(rc not in (None, 124, 137) and rc < 128, "%s run: hung or crashed (exit %s)" % (mode, rc))
        expect(not re.search(r"MPI_ABORT|Segmentation|core dumped|signal \d|terminate called|Aborted", err or ""),
               "%s run: stderr shows an abort or crash:\n%s" % (mode, _tail(err)))

    listing = sorted(os.listdir(d))
    inputs = sorted(c["files"])

    # --- --on-error=skip
    rc, err = _rc(logs + ".skip.rc"), read(logs + ".skip.err")
    no_crash("skip", rc, err)
    out = os.path.join(d, "out_skip.h5")
    if c["skip_ok"]:
        if expect(rc == 0, "skip run: exit %s, expected 0; stderr:\n%s" % (rc, _tail(err))) and \
                expect(os.path.isfile(out), "skip run: no out_skip.h5"):
            with h5py.File(out, "r") as f:
                ing = {k: int(v) for k, v in f["/ingest"].attrs.items()}
                files = rows(f, "/ingest/files")
                errors = rows(f, "/ingest/errors")
            for k, want in (("records_read", c["read"]), ("records_used", c["used"]),
                            ("records_rejected", c["rejected"]), ("banner_records", c["banners"])):
                expect(ing[k] == want, "/ingest @%s = %d, expected %d" % (k, ing[k], want))
            expect(ing["records_read"] == ing["records_used"] + ing["records_rejected"],
                   "/ingest: records_read %(records_read)d != used %(records_used)d + rejected %(records_rejected)d"
                   % ing)
            if expect(len(files) == 1, "/ingest/files has %d rows, expected 1" % len(files)):
                fr = files[0]
                expect(fr["path"] == c["files"][0], "/ingest/files path %r" % fr["path"])
                expect(fr["records"] == c["read"] and fr["rejected"] == c["rejected"],
                       "/ingest/files: records %d rejected %d, expected %d and %d"
                       % (fr["records"], fr["rejected"], c["read"], c["rejected"]))
                expect(fr["records"] == ing["records_read"] and fr["rejected"] == ing["records_rejected"],
                       "/ingest/files row disagrees with the /ingest totals")
                expect(fr["bytes"] == os.path.getsize(os.path.join(d, c["files"][0])),
                       "/ingest/files bytes %d != file size" % fr["bytes"])
            got = [(e["offset"], e["cause"]) for e in errors]
            want_offsets = [o for o, _ in c["errors"]][:100]
            got_offsets = [o for o, _ in got]
            if not expect(got_offsets == want_offsets, "/ingest/errors offsets %s, expected %s"
                          % (_short(got_offsets), _short(want_offsets))):
                missed = [o for o in want_offsets if o not in got_offsets]
                if missed:
                    data = open(os.path.join(d, c["files"][0]), "rb").read()
                    for o in missed[:5]:
                        bad.append("the bad record at byte %d was not rejected: %s"
                                   % (o, _short(data[o:data.find(b"\n", o)].decode("latin-1"), 240)))
            causes = dict(got)
            for o, regexes in c["errors"]:
                if o in causes:
                    for rx in regexes:
                        expect(re.search(rx, causes[o], re.I), "error at byte %d: cause %r does not match /%s/"
                               % (o, causes[o], rx))
            expect(all(e["file"] == c["files"][0] for e in errors), "/ingest/errors file column wrong")
            if c["same_as"]:
                ok, msgs = same(os.path.join(root, "cases", c["same_as"], "out_skip.h5"), out,
                                ["/multiprobe", "/hosts"])
                expect(ok, "analyses differ from case %s: %s" % (c["same_as"], " ".join(m for m in msgs
                                                                                       if m.startswith("FAIL"))))
    else:
        expect(rc not in (0, None), "skip run: exit 0, expected a failure (undetectable input)")
        for rx in c["skip_stderr"]:
            expect(re.search(rx, err or "", re.I), "skip run: stderr does not match /%s/:\n%s" % (rx, _tail(err)))
        expect(not os.path.exists(out), "skip run failed but left out_skip.h5")

    # --- --on-error=fail
    rc, err = _rc(logs + ".fail.rc"), read(logs + ".fail.err")
    no_crash("fail", rc, err)
    out = os.path.join(d, "out_fail.h5")
    if c["fail_ok"]:
        if expect(rc == 0, "fail run: exit %s, expected 0 (nothing to reject); stderr:\n%s" % (rc, _tail(err))):
            expect(os.path.isfile(out), "fail run: no out_fail.h5")
            if c["skip_ok"] and os.path.isfile(out) and os.path.isfile(os.path.join(d, "out_skip.h5")):
                ok, msgs = same(os.path.join(d, "out_skip.h5"), out, ["/ingest", "/multiprobe", "/hosts"])
                expect(ok, "--on-error=fail and skip outputs differ: %s" % " ".join(m for m in msgs
                                                                                  if m.startswith("FAIL")))
    else:
        expect(rc not in (0, None), "fail run: exit 0, expected non-zero")
        expect(not os.path.exists(out), "fail run: left out_fail.h5")
        if c["skip_ok"]:
            expect(c["files"][0] in (err or ""), "fail run: stderr does not name the file %s:\n%s"
                   % (c["files"][0], _tail(err)))
            offs = {o for o, _ in c["errors"]}
            named = {int(m) for m in re.findall(r"byte (\d+)", err or "")}
            expect(named & offs, "fail run: stderr names no expected byte offset %s (names %s):\n%s"
                   % (_short(sorted(offs)), sorted(named), _tail(err)))
        else:
            for rx in c["skip_stderr"]:
                expect(re.search(rx, err or "", re.I), "fail run: stderr does not match /%s/" % rx)

    # --- nothing else written
    allowed = set(inputs) | ({"out_skip.h5"} if c["skip_ok"] else set()) | ({"out_fail.h5"} if c["fail_ok"] else set())
    extra = sorted(set(listing) - allowed)
    expect(not extra, "unexpected files in the case directory: %s" % extra)
    expect(not [x for x in listing if ".tmp." in x], "a .tmp. file remains: %s" % listing)

    status = "ok  " if not bad else "FAIL"
    print("  %s %-22s read %d = used %d + rejected %d%s" % (status, name, c["read"], c["used"], c["rejected"],
                                                          (", " + " ".join(c["args"])) if c["args"] else ""))
    for b in bad:
        print("         - " + b.replace("\n", "\n           "))
    if bad:
        failures.append(name)


def _rc(path):
    s = read(path)
    try:
        return int(s.strip())
    except (AttributeError, ValueError):
        return None


def _tail(s, n=12):
    if not s:
        return "    (empty)"
    return "\n".join("    " + ln for ln in s.rstrip().splitlines()[-n:])


def _short(x, n=200):
    s = repr(x)
    return s if len(s) <= n else s[:n] + "..."


def main(argv):
    if len(argv) >= 2 and argv[0] == "make":
        make(argv[1], argv[2] if len(argv) > 2 else None)
        return 0
    if len(argv) == 2 and argv[0] == "list":
        with open(os.path.join(argv[1], "manifest.json")) as f:
            for c in json.load(f):
                print("\t".join([c["name"], " ".join(c["files"]), " ".join(c["args"])]))
        return 0
    if len(argv) == 2 and argv[0] == "check":
        with open(os.path.join(argv[1], "manifest.json")) as f:
            cases = json.load(f)
        failures = []
        for c in cases:
            check_case(argv[1], c, failures)
        if failures:
            print("badinput.py: %d of %d case(s) failed: %s" % (len(failures), len(cases), " ".join(failures)))
            return 1
        print("badinput.py: all %d cases passed" % len(cases))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
