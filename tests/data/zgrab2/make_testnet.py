#!/usr/bin/python3
"""Writes the constructed ZGrab2 output of the scanners-testnet hosts (testnet.zgrab2.json) and the
masscan -oJ banner records of the same responses (testnet-banners.oJ), from one table of what each
planted service answers. Run from this folder: /usr/bin/python3 make_testnet.py

The services are those of ../scanners-testnet/planted.csv (which ZMap and masscan really found);
their answers are invented (the capture's listeners close every connection without a word), and
the records are laid out as zgrab2 (zmap/zgrab2 e8fbc9e) writes them: the http module's Response
(status_line, protocol, headers as Go's map of lower-case, '_'-joined names with "unknown" for the
headers zgrab2 does not list, headers_raw in base64 with --raw-headers), the ssh module's server_id,
the tls module's handshake_log; records of a multi-module ini carry the scan names of the ini;
failed grabs carry status and error as zgrab2's status.go names them. masscan -oJ writes each
banner as out-json.c does (1.3.x layout, normalize_json_string's escapes)."""
import base64, csv, hashlib, json, os

HERE = os.path.dirname(os.path.abspath(__file__))
PLANTED = os.path.join(HERE, "..", "scanners-testnet", "planted.csv")
TS = "2026-12-06T10:15:02Z"
MASSCAN_TS = 1796527830

# Headers zgrab2 knows by name (lib/http/header.go knownHeaders); others go to "unknown".
KNOWN = set("""accept accept_charset accept_encoding accept_language accept_patch accept_ranges
    access_control_allow_origin age allow alt_svc alternate_protocol authorization cache_control connection
    content_disposition content_encoding content_language content_length content_location content_md5 content_range
    content_security_policy content_type cookie date etag expect expires from host if_match if_modified_since
    if_none_match if_unmodified_since last_modified link location max_forwards p3p pragma proxy_agent
    proxy_authenticate proxy_authorization public_key_pins range referer refresh retry_after server set_cookie status
    strict_transport_security trailer transfer_encoding upgrade user_agent vary via warning www_authenticate
    x_content_duration x_content_security_policy x_content_type_options x_forwarded_for x_frame_options x_powered_by
    x_real_ip x_ua_compatible x_webkit_csp x_xss_protection""".split())


def body(title):
    return "<html><head><title>%s</title></head><body>%s</body></html>" % (title, title)


def http_answer(server, extra=(), title="It works"):
    b = body(title)
    head = [("Server", server), ("Date", "Sun, 06 Dec 2026 10:15:02 GMT"), ("Content-Type", "text/html"),
            ("Content-Length", str(len(b)))] + list(extra)
    return {"status": "200 OK", "proto": "HTTP/1.1", "headers": head, "body": b}


LIGHTTPD = http_answer("lighttpd/1.4.35", [("Accept-Ranges", "bytes"), ("Last-Modified", "Fri, 09 Feb 2018 20:18:50 GMT"),
                                            ("Etag", '"2262550883"')], "HTTP INDEX")
NGINX = http_answer("nginx/1.18.0 (Ubuntu)", [("Connection", "keep-alive"), ("X-Frame-Options", "SAMEORIGIN")],
                    "Welcome to nginx!")
APACHE = http_answer("Apache/2.4.41 (Ubuntu)", [("Vary", "Accept-Encoding"), ("Last-Modified", "Mon, 02 Nov 2026 08:00:00 GMT")],
                     "Apache2 Ubuntu Default Page")
JETTY = http_answer("Jetty(9.4.44.v20210927)", [("X-Powered-By", "Jenkins"), ("X-Jenkins", "2.319.1")], "Dashboard [Jenkins]")
# With --raw-headers zgrab2 keeps the bytes: a name's own case survives (ETag).
JETTY_RAW = http_answer("Jetty(9.4.44.v20210927)", [("ETag", 'W/"1a2b3c"'), ("X-Powered-By", "Jenkins"),
                                                    ("X-Jenkins", "2.319.1")], "Dashboard [Jenkins]")
JETTY_RAW["raw"] = True
SSH_7 = "SSH-2.0-OpenSSH_7.2p2 Ubuntu-4ubuntu2.4"
SSH_8 = "SSH-2.0-OpenSSH_8.2p1 Ubuntu-4ubuntu0.5"
CA = "O=scanhpc, CN=scanhpc testnet CA"


def answer(ip, port):
    """What the planted service at (ip, port) answers: ("http", ...), ("ssh", id), ("tls", subject, issuer), or a failure."""
    host = int(ip.split(".")[-1])
    if port == 80:
        return ("http", LIGHTTPD if host <= 18 else NGINX if host <= 24 else APACHE)
    if port == 8080:
        if host == 29:
            return ("fail", "io-timeout", "read tcp 10.77.0.1:40022->10.77.0.29:8080: i/o timeout")
        return ("http", JETTY_RAW if host in (11, 17) else JETTY)
    if port == 22:
        return ("ssh", SSH_7 if host <= 20 else SSH_8)
    if port == 443:
        if host == 28:
            return ("fail", "handshake-error", "remote error: tls: handshake failure")
        if host in (10, 13):  # self-signed, as the zgrab2 integration test's server
            return ("tls", "CN=target", "CN=target")
        return ("tls", "CN=host%d.testnet" % host, CA)
    raise ValueError(port)


def raw_head(a):
    return "%s %s\r\n" % (a["proto"], a["status"]) + "".join("%s: %s\r\n" % kv for kv in a["headers"]) + "\r\n"


def http_result(ip, port, a):
    headers, unknown = {}, []
    for name, value in a["headers"]:
        key = name.lower().replace("-", "_")
        if key in KNOWN:
            headers.setdefault(key, []).append(value)
        else:
            unknown.append({"key": key, "value": [value]})
    if unknown:
        headers["unknown"] = unknown
    response = {"status_line": a["status"], "status_code": int(a["status"].split()[0]), "protocol": a["proto"],
                "protocol_major": 1, "protocol_minor": 1, "headers": dict(sorted(headers.items()))}
    if a.get("raw"):
        response["headers_raw"] = base64.b64encode(raw_head(a).encode()).decode()
    response.update({"body": a["body"], "body_sha256": hashlib.sha256(a["body"].encode()).hexdigest(),
                     "content_length": len(a["body"]),
                     "request": {"url": {"scheme": "http", "host": ip + ("" if port == 80 else ":%d" % port), "path": "/"},
                                 "method": "GET", "headers": {"unknown": [{"key": "accept", "value": ["*/*"]},
                                                                          {"key": "user_agent", "value": ["Mozilla/5.0 zgrab/0.x"]}]},
                                 "host": ip}})
    return {"response": response}


KEX = {"kex_algorithms": ["curve25519-sha256@libssh.org", "ecdh-sha2-nistp256", "diffie-hellman-group14-sha1"],
       "host_key_algorithms": ["ssh-rsa", "rsa-sha2-512", "rsa-sha2-256", "ecdsa-sha2-nistp256", "ssh-ed25519"],
       "client_to_server_ciphers": ["chacha20-poly1305@openssh.com", "aes128-ctr"],
       "server_to_client_ciphers": ["chacha20-poly1305@openssh.com", "aes128-ctr"],
       "client_to_server_macs": ["hmac-sha2-256", "hmac-sha1"], "server_to_client_macs": ["hmac-sha2-256", "hmac-sha1"],
       "client_to_server_compression": ["none", "zlib@openssh.com"],
       "server_to_client_compression": ["none", "zlib@openssh.com"], "first_kex_follows": False, "reserved": 0}


def ssh_result(ident):
    _, version, rest = ident.split("-", 2)
    software, _, comment = rest.partition(" ")
    sid = {"raw": ident, "version": version, "software": software}
    if comment:
        sid["comment"] = comment
    return {"server_id": sid, "server_key_exchange": KEX,
            "algorithm_selection": {"dh_kex_algorithm": "curve25519-sha256@libssh.org", "host_key_algorithm": "ecdsa-sha2-nistp256"}}


def name_fields(dn):
    keys = {"CN": "common_name", "O": "organization"}
    out = {}
    for part in dn.split(", "):
        k, v = part.split("=", 1)
        out.setdefault(keys[k], []).append(v)
    return out


def tls_result(subject, issuer, serial):
    parsed = {"version": 3, "serial_number": str(serial),
              "signature_algorithm": {"name": "SHA256-RSA", "oid": "1.2.840.113549.1.1.11"},
              "issuer": name_fields(issuer), "issuer_dn": issuer,
              "validity": {"start": "2026-01-01T00:00:00Z", "end": "2027-01-01T00:00:00Z", "length": 31536000},
              "subject": name_fields(subject), "subject_dn": subject,
              "subject_key_info": {"key_algorithm": {"name": "RSA"}}}
    return {"handshake_log": {
        "server_hello": {"version": {"name": "TLSv1.2", "value": 771},
                         "cipher_suite": {"hex": "0xC02F", "name": "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "value": 49199},
                         "compression_method": 0, "secure_renegotiation": True},
        "server_certificates": {"certificate": {"parsed": parsed}, "validation": {"browser_trusted": False}}},
        "handshake_completed_successfully": True}


def module(protocol, port, answer_, ip):
    kind = answer_[0]
    if kind == "fail":
        return {"status": answer_[1], "protocol": protocol, "port": port, "result": {}, "timestamp": TS, "error": answer_[2]}
    if kind == "http":
        result = http_result(ip, port, answer_[1])
    elif kind == "ssh":
        result = ssh_result(answer_[1])
    else:
        result = tls_result(answer_[1], answer_[2], 1000 + port * 100 + int(ip.split(".")[-1]))
    return {"status": "success", "protocol": protocol, "port": port, "result": result, "timestamp": TS}


PROTOCOL = {80: "http", 8080: "http", 22: "ssh", 443: "tls"}


def main():
    planted = [(r["ip"], int(r["port"])) for r in csv.DictReader(open(PLANTED))]
    by_host = {}
    for ip, port in planted:
        by_host.setdefault(ip, []).append(port)
    lines, masscan = [], []
    for ip, ports in by_host.items():
        host = int(ip.split(".")[-1])
        if host in (14, 20):  # one zgrab2 run with a multi-module ini: scan names of the ini
            data = {"%s%d" % (PROTOCOL[p], p): module(PROTOCOL[p], p, answer(ip, p), ip) for p in sorted(ports)}
            lines.append({"ip": ip, "data": data})
        else:
            for p in sorted(ports):
                name = "http8080" if p == 8080 else PROTOCOL[p]
                rec = {"ip": ip, "data": {name: module(PROTOCOL[p], p, answer(ip, p), ip)}}
                if p == 443 and host == 16:
                    rec = {"ip": ip, "port": 443, **{"data": rec["data"]}}  # a target given as ip,,,port
                lines.append(rec)
        for p in sorted(ports):
            a = answer(ip, p)
            if a[0] == "http":
                masscan.append((ip, p, "http", raw_head(a[1])))
            elif a[0] == "ssh":
                masscan.append((ip, p, "ssh", a[1] + "\r\n"))
    # Grabs of services ZMap did not see (no service to join: dropped and counted), failures.
    lines.append({"ip": "10.77.0.15", "data": {"http": module("http", 80, ("http", NGINX), "10.77.0.15")}})
    lines.append({"ip": "10.77.0.12", "data": {"http8080": module("http", 8080, ("http", JETTY), "10.77.0.12")}})
    lines.append({"ip": "10.77.0.21", "data": {"ssh": module("ssh", 22, ("fail", "connection-refused",
                  "dial tcp 10.77.0.21:22: connect: connection refused"), "10.77.0.21")}})
    lines.append({"port": 80, "domain": "gone.testnet",
                  "error": "could not resolve domain gone.testnet: lookup gone.testnet: no such host"})
    with open(os.path.join(HERE, "testnet.zgrab2.json"), "w") as f:
        for rec in lines:
            text = json.dumps(rec, separators=(",", ":"))  # Go's encoder also escapes <, > and & (HTML-safe)
            f.write(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026") + "\n")

    def esc(s):  # masscan's normalize_json_string
        return "".join(c if 0x20 <= ord(c) < 0x7F and c not in "<>&\\\"'" else "\\u%04x" % ord(c) for c in s)
    with open(os.path.join(HERE, "testnet-banners.oJ"), "w") as f:
        f.write("[\n")
        for i, (ip, p, name, text) in enumerate(masscan):
            if i:
                f.write(",\n")
            f.write('{   "ip": "%s",   "timestamp": "%d", "ports": [ {"port": %d, "proto": "tcp", "service": '
                    '{"name": "%s", "banner": "%s"} } ] }\n' % (ip, MASSCAN_TS, p, name, esc(text)))
        f.write("]\n")


if __name__ == "__main__":
    main()
