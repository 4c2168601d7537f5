#!/usr/bin/env bash
# ZGrab2 JSON as banner input for GPS (tests/data/zgrab2: real records of
# zmap/zgrab2's schema tests, and a constructed ZGrab2 scan of the
# scanners-testnet hosts, see its README). ZGrab2's banners join the services
# that other inputs found open (here ZMap's real JSON output):
# - gps model on ZMap + ZGrab2 at 1 and 3 ranks: identical HDF5, and the
#   features, rules, predictors, plan and counts equal an independent Python
#   reading of the same files (ZMap's successes as services; each ZGrab2
#   module's banner as GPS features; grabs of services no other input found
#   dropped and counted; failed grabs counted as used without observation);
# - "ZMap services + ZGrab2 banners" against "masscan services + masscan
#   banners" of the same answers: the same services and the same "http line"
#   features and rules;
# - bad lines rejected with file and byte offset (and --on-error=fail stops);
# - a gzip file of two members read by members, with --port for a module
#   without a default port; scan reads ZGrab2 records as banner records.
# Usage (ctest): bash tests/e2e/test_zgrab2.sh <scanhpc-binary> <repo-root>
set -uo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_setup zgrab2 "$@"
D="$ROOT/tests/data/zgrab2"
NET="$ROOT/tests/data/scanners-testnet"
ZMAP=("$NET"/zmap-22.json "$NET"/zmap-80.json "$NET"/zmap-443.json "$NET"/zmap-8080.json)

# The services of the upstream records' containers, as ZMap -O json would list them.
for p in 80 443 22 21 25 110; do
  echo "{\"saddr\":\"172.17.0.3\",\"sport\":$p,\"classification\":\"synack\",\"success\":true}"
done >containers.zmap.json
echo '{"saddr":"172.17.0.2","sport":23,"classification":"synack","success":true}' >>containers.zmap.json
echo '{"saddr":"172.17.0.2","sport":80,"classification":"synack","success":true}' >>containers.zmap.json
INPUTS=("${ZMAP[@]}" containers.zmap.json "$D/testnet.zgrab2.json" "$D"/upstream/*.json)

echo "== gps model on ZMap + ZGrab2, 1 and 3 ranks, against Python"
for n in 1 3; do
  run "model-$n" "$((n > 1 ? n : 0))" "$SCANHPC" gps model -q --all-features -o "model-$n.h5" "${INPUTS[@]}" && expect_rc "model-$n" 0
done
"$PY" "$ROOT/tests/compare_h5.py" model-1.h5 model-3.h5 >cmp.txt 2>&1 && ok "3 ranks = 1 rank" ||
  { fail "3 ranks differ"; head -5 cmp.txt >&2; }

cat >zgrab2_oracle.py <<'PY'
"""An independent reading of ZMap JSON and ZGrab2 JSON as GPS seed features."""
import base64, json, sys
from collections import defaultdict

DEFAULT_PORT = {"http": 80, "https": 443, "ssh": 22, "tls": 443, "ftp": 21, "smtp": 25, "pop3": 110, "imap": 143,
                "telnet": 23, "banner": 80, "mysql": 3306}


def ip_u32(s):
    a, b, c, d = (int(x) for x in s.split("."))
    return (a << 24) | (b << 16) | (c << 8) | d


def lines(text):
    return {"http line: " + (l[:-1] if l.endswith("\r") else l) for l in text.split("\n")} - {"http line: "}


def zmap_services(paths):
    services, records = set(), 0
    for path in paths:
        for line in open(path):
            if not line.strip():
                continue
            r, records = json.loads(line), records + 1
            if r.get("success") in (1, True) or ("success" not in r and r.get("classification") == "synack"):
                services.add((ip_u32(r["saddr"]), r["sport"]))
    return services, records


def http_head(resp):
    if resp.get("headers_raw"):
        return base64.b64decode(resp["headers_raw"]).decode("latin-1")
    proto = resp.get("protocol")
    proto = proto.get("name") if isinstance(proto, dict) else proto
    out = []
    status = resp.get("status_line") or (str(resp["status_code"]) if "status_code" in resp else None)
    if proto and status:
        out.append(proto + " " + status)
    name = lambda k: "-".join(w.capitalize() for w in k.split("_"))
    headers = resp.get("headers", {})
    for k, vs in headers.items():
        if k == "unknown":
            out += [name(u["key"]) + ": " + v for u in vs for v in u["value"]]
        else:
            out += [name(k) + ": " + v for v in vs]
    named = set(headers) | {u["key"] for u in headers.get("unknown", [])}
    if resp.get("transfer_encoding") and "transfer_encoding" not in named:
        out.append("Transfer-Encoding: " + ", ".join(resp["transfer_encoding"]))
    return "\r\n".join(out)


def certs(log):
    parsed = log.get("server_certificates", {}).get("certificate", {}).get("parsed", {})
    return {"tls cert: %s=%s" % (k, parsed[k + "_dn"]) for k in ("subject", "issuer") if parsed.get(k + "_dn")}


def zgrab2(paths, default_port=None):
    """(ip, port) -> app features; and the counts of its records."""
    feats, c = defaultdict(set), dict(read=0, banner=0, without=0)
    for path in paths:
        for line in open(path, encoding="utf-8"):
            if not line.strip():
                continue
            rec = json.loads(line)
            if "data" not in rec and "statuses" in rec:
                continue
            c["read"] += 1
            got = False
            for name, m in rec.get("data", {}).items():
                r = m.get("result")
                if m.get("status") != "success" or m.get("error") or not r:
                    continue
                f, tls = set(), False
                if "response" in r:
                    f |= lines(http_head(r["response"]))
                    req = r["response"].get("request", {})
                    if "handshake_log" in req.get("tls_log", {}):
                        f |= certs(req["tls_log"]["handshake_log"])
                        tls = True
                    tls |= req.get("url", {}).get("scheme") == "https"
                if "server_id" in r:
                    f |= {"ssh banner: " + r["server_id"]["raw"]} | lines(r["server_id"]["raw"])
                if r.get("banner") and "server_id" not in r:  # ssh's is its user-auth message
                    f |= lines(r["banner"])
                for log in (r.get("handshake_log"), r.get("tls", {}).get("handshake_log")):
                    if log:
                        f |= certs(log)
                        tls = True
                if not f:
                    continue
                proto = m.get("protocol") or name
                port = rec.get("port") or m.get("port") or default_port or (443 if tls and proto == "http" else DEFAULT_PORT[proto])
                feats[(ip_u32(rec["ip"]), port)] |= f
                got = True
            c["banner" if got else "without"] += 1
    return feats, c


def seed(services, app):
    out = {}
    for ip, port in services:
        hex16 = "%08x" % (ip & 0xFFFF0000)
        a = app.get((ip, port), set())
        out[(ip, port)] = {"L4", "s16: " + hex16} | a | {"16:%s-%s" % (x, hex16) for x in a}
    return out
PY

"$PY" - "$ROOT/tests/e2e" "$D" "${ZMAP[@]}" containers.zmap.json <<'PY' && ok "features, rules, predictors, plan and counts equal the Python reading" || fail "gps model on ZMap + ZGrab2 differs from Python"
import glob, sys, h5py
sys.path.insert(0, sys.argv[1]); sys.path.insert(0, ".")
import gps_oracle, zgrab2_oracle as z
D = sys.argv[2]
services, zmap_records = z.zmap_services(sys.argv[3:])
app, c = z.zgrab2([D + "/testnet.zgrab2.json"] + sorted(glob.glob(D + "/upstream/*.json")))
feats = z.seed(services, app)
joined = sum(1 for k in app if k in services)
unmatched = len(app) - joined
assert joined >= 30 and unmatched == 2 and c["without"] == 4, (joined, unmatched, c)  # the files hold these cases
for n in (1, 3):
    h = h5py.File(f"model-{n}.h5")
    assert gps_oracle.check(feats, f"model-{n}.h5") == 0, n
    texts = {t.decode("latin-1") for t in h["gps/features/text"][()]}
    want = {gps_oracle.escape(t) for fs in feats.values() for t in fs}
    assert texts == want, (n, sorted(texts ^ want)[:5])
    ing = dict(h["ingest"].attrs)
    got = {k: int(ing[k]) for k in ("records_read", "records_used", "records_rejected", "banner_records",
                                    "records_without_observation", "banner_services_joined", "banner_services_unmatched")}
    expect = {"records_read": zmap_records + c["read"], "records_used": zmap_records + c["read"], "records_rejected": 0,
              "banner_records": c["banner"], "records_without_observation": c["without"],
              "banner_services_joined": joined, "banner_services_unmatched": unmatched}
    assert got == expect, (n, got, expect)
    assert int(h["gps"].attrs["seed_services"]) == len(services), n
for prefix in ("ssh banner: ", "tls cert: subject=", "tls cert: issuer=", "http line: Server: nginx"):
    assert any(t.startswith(prefix) for t in texts), prefix
print(f"  {len(services)} services, {joined} with ZGrab2 banners, {unmatched} grabs without a service, "
      f"{c['without']} records without a banner, {len(texts)} features")
PY

echo "== ZMap services + ZGrab2 banners against masscan services + masscan banners"
run zg 0 "$SCANHPC" gps model -q --all-features -o zg.h5 "${ZMAP[@]}" "$D/testnet.zgrab2.json" && expect_rc zg 0
run ms 0 "$SCANHPC" gps model -q --all-features -o ms.h5 "$NET/masscan.oJ" "$D/testnet-banners.oJ" && expect_rc ms 0
"$PY" - <<'PY' && ok "same services, same 'http line' features and rules from either source" || fail "ZGrab2 and masscan banners give different features"
import h5py
def load(path):
    h = h5py.File(path)
    text = dict(zip(h["gps/features/id"][()].tolist(), (t.decode("latin-1") for t in h["gps/features/text"][()])))
    common = lambda t: t == "L4" or t.startswith(("s16: ", "http line: ", "16:http line: "))
    g = lambda c: h["gps/rules/" + c][()].tolist()
    rules = {(p1, text[f], p2, s, b, r) for p1, f, p2, s, b, r in zip(g("p1"), g("feature"), g("p2"), g("support"),
                                                                        g("base"), g("hitrate")) if common(text[f])}
    return ({t for t in text.values() if common(t)}, rules,
            (int(h["gps"].attrs["seed_services"]), int(h["gps"].attrs["seed_hosts"])))
zf, zr, zs = load("zg.h5")
mf, mr, ms = load("ms.h5")
assert zs == ms, (zs, ms)
assert zf == mf, sorted(zf ^ mf)[:6]
assert zr == mr, sorted(zr ^ mr)[:6]
assert sum(t.startswith("http line: ") for t in zf) >= 15 and any(t[:1] != "L" and "http line" in t for t in {r[1] for r in zr})
print(f"  {zs[0]} services on {zs[1]} hosts; {sum(t.startswith('http line: ') for t in zf)} 'http line' features; "
      f"{len(zr)} rules on L4, /16 and 'http line' features")
PY

echo "== bad lines: rejected with file and byte offset"
{ head -n 3 "$D/testnet.zgrab2.json"; echo '{"ip":"10.77.0.10","data":{"http":{"status":"succ'; echo 'garbage';
  tail -n +4 "$D/testnet.zgrab2.json"; } >bad.json
run bad 0 "$SCANHPC" gps model -o bad.h5 "${ZMAP[@]}" bad.json && expect_rc bad 0
"$PY" - <<'PY' && ok "two bad lines: their offsets and causes in /ingest/errors, read = used + rejected" || fail "bad lines not reported as expected"
import h5py
data = open("bad.json", "rb").read()
lines = data.split(b"\n")
offsets = [sum(len(l) + 1 for l in lines[:i]) for i in (3, 4)]
h = h5py.File("bad.h5")
e = h["ingest/errors"]
got = [(f.decode(), int(o), c.decode()) for f, o, c in zip(e["file"][()], e["offset"][()], e["cause"][()])]
assert [(f.endswith("bad.json"), o) for f, o, _ in got] == [(True, offsets[0]), (True, offsets[1])], (got, offsets)
assert all(c.startswith("zgrab2: ") for _, _, c in got) and "invalid JSON" in got[0][2] and "not a JSON object" in got[1][2], got
a = h["ingest"].attrs
assert int(a["records_rejected"]) == 2 and int(a["records_read"]) == int(a["records_used"]) + 2
PY
first_bad=$(head -n 3 bad.json | wc -c)
run badfail 0 "$SCANHPC" gps model -q --on-error=fail -o badfail.h5 "${ZMAP[@]}" bad.json
if [ "$RC" -ne 0 ] && grep -q "bad.json: byte $first_bad: zgrab2: invalid JSON" badfail.err && [ ! -e badfail.h5 ]; then
  ok "--on-error=fail: exit $RC, no output, the file and byte $first_bad named"
else fail "--on-error=fail: exit $RC"; sed 's/^/    /' badfail.err | tail -3 >&2; fi

echo "== a gzip file of two members, read by members at 2 ranks, with --port"
# A module without a default port (protocol "odd") needs --port: the member reader passes it on.
for ip in 10 12 13 14 16 18; do
  echo "{\"ip\":\"10.77.0.$ip\",\"data\":{\"x\":{\"status\":\"success\",\"protocol\":\"odd\",\"result\":{\"banner\":\"hello odd $((ip % 2))\\r\\n\"}}}}"
done >odd.json
head -n 3 odd.json | gzip -c >odd.json.gz
tail -n +4 odd.json | gzip -c >>odd.json.gz
run odd 2 "$SCANHPC" gps model -q --all-features --port 80 -o odd.h5 "$NET/zmap-80.json" odd.json.gz && expect_rc odd 0
"$PY" - <<'PY' && ok "--port reaches the records of both members: their lines on port 80" || fail "gzip members with --port"
import h5py
h = h5py.File("odd.h5")
texts = {t.decode() for t in h["gps/features/text"][()]}
assert {"http line: hello odd 0", "http line: hello odd 1"} <= texts, sorted(texts)[:10]
a = h["ingest"].attrs
assert int(a["banner_services_joined"]) == 6 and int(a["records_rejected"]) == 0, dict(a)
f = h["ingest/files"]
assert [x.decode() for x in f["format"][()]][-1] == "zgrab2+gzip"
assert int(h["run"].attrs["gzip_member_ranks"]) >= 1  # read by members, not as one stream
PY
run noport 0 "$SCANHPC" gps model -q --on-error=fail -o noport.h5 "$NET/zmap-80.json" odd.json.gz
grep -q -- "--port N" noport.err && grep -q "odd.json.gz: byte 0: zgrab2: data.x: no port" noport.err &&
  ok "without --port: rejected, the hint names --port" || fail "no hint for a module without a port"

run alone 0 "$SCANHPC" gps model -o alone.h5 "$D/testnet.zgrab2.json" && expect_rc alone 0
grep -q "no ZGrab2 banner names a service" alone.err && ok "ZGrab2 alone: a warning that its banners join other inputs' services" ||
  fail "no warning for ZGrab2 input without services"

echo "== scan reads ZGrab2 records as banner records"
run scan 0 "$SCANHPC" scan -q -o scan.h5 "$NET/zmap-80.json" "$D/testnet.zgrab2.json" && expect_rc scan 0
"$PY" - "$D/testnet.zgrab2.json" "$NET/zmap-80.json" <<'PY' && ok "scan: banner records counted as in Python, the hosts are ZMap's" || fail "scan with ZGrab2 input"
import sys, h5py
sys.path.insert(0, ".")
import zgrab2_oracle as z
_, c = z.zgrab2([sys.argv[1]])
services, records = z.zmap_services([sys.argv[2]])
h = h5py.File("scan.h5")
a = h["ingest"].attrs
assert (int(a["banner_records"]), int(a["records_without_observation"])) == (c["banner"], c["without"]), (dict(a), c)
assert int(a["records_read"]) == records + c["read"] and int(a["records_rejected"]) == 0, dict(a)
assert len(h["hosts/table/ip"]) == len({ip for ip, _ in services})
PY

if [ $failures -ne 0 ]; then
  echo "test_zgrab2: $failures failure(s)" >&2
  exit 1
fi
echo "test_zgrab2: ok"
