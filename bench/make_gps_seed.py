#!/usr/bin/env python3
"""Writes a seed in GPS's own NDJSON format (ip, p, asn, data, fingerprint, w), the second
input family for the GPS benchmark: made here, not by `scanhpc synth gps`, with other shapes.

It looks like an LZR 1% scan filtered as GPS filters it: hosts spread over most /16s (not
clustered), half of them with one port, the rest with 2-10 ports from a few dozen device
kinds; every service has data. HTTP answers carry the lines a real server sends, among them
high-cardinality ones (Date, Content-Length, ETag, Set-Cookie) that make millions of distinct
features; TLS answers are binary bytes escaped in JSON; SSH, SMTP, FTP, telnet, Redis and
MySQL greet with their own lines. One line per service, in random host order.

usage: make_gps_seed.py SERVICES OUT.json [--seed S]
"""
import argparse
import json
import random

KINDS = [  # (weight, ports): multi-port device kinds; port choice within a kind varies below
    (30, [80, 443]), (10, [80, 443, 8080]), (8, [22, 80, 443]), (6, [135, 139, 445, 3389]),
    (5, [21, 22, 80, 3306]), (4, [25, 110, 143, 465, 587, 993, 995]), (4, [23, 80, 8081]),
    (3, [80, 443, 60443]), (3, [22, 5432, 6379]), (3, [9200, 9300]), (2, [554, 80, 8000]),
    (2, [161, 80, 515, 631, 9100]), (2, [8443, 4443]), (2, [22, 2222]), (2, [7547, 80]),
    (1, [1723, 80, 443]), (1, [5060, 80]), (1, [8291, 8728, 80, 22, 21, 23]),
]
SERVERS = ["nginx", "nginx/1.18.0", "Apache/2.4.41 (Ubuntu)", "Apache", "Microsoft-IIS/10.0",
           "lighttpd/1.4.55", "Boa/0.94.14rc21", "GoAhead-Webs", "mini_httpd/1.19 19dec2003",
           "cloudflare", "openresty", "Jetty(9.4.z-SNAPSHOT)", "RomPager/4.07 UPnP/1.0",
           "uhttpd", "thttpd/2.25b 29dec2003", "Server", "micro_httpd", "DNVRS-Webs", "Cisco AWARE 2.0"]
STATUS = ["200 OK", "301 Moved Permanently", "302 Found", "401 Unauthorized", "403 Forbidden",
          "404 Not Found", "400 Bad Request", "503 Service Unavailable"]
SSH = ["SSH-2.0-OpenSSH_7.4", "SSH-2.0-OpenSSH_8.2p1 Ubuntu-4ubuntu0.2", "SSH-2.0-dropbear_2019.78",
       "SSH-2.0-OpenSSH_7.9p1 Debian-10+deb10u2", "SSH-2.0-ROSSSH", "SSH-1.99-Cisco-1.25",
       "SSH-2.0-OpenSSH_5.3", "SSH-2.0-libssh_0.8.9"]
WINDOWS = [29200, 65535, 64240, 14600, 5840, 8192, 16384, 28960, 26883, 4128, 1024, 43690, 65160]
DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def http(r, port):
    lines = [f"HTTP/1.1 {r.choice(STATUS)}", f"Server: {r.choice(SERVERS)}",
             f"Date: {r.choice(DAYS)}, {r.randint(1, 28):02d} Apr 2021 {r.randint(0, 23):02d}:"
             f"{r.randint(0, 59):02d}:{r.randint(0, 59):02d} GMT",
             f"Content-Type: {r.choice(['text/html', 'text/html; charset=UTF-8', 'text/plain', 'application/json'])}",
             f"Content-Length: {r.randint(0, 40000)}"]
    if r.random() < 0.5:
        lines.append("Connection: " + r.choice(["close", "keep-alive"]))
    if r.random() < 0.3:
        lines.append(f'ETag: "{r.getrandbits(32):x}-{r.getrandbits(20):x}"')
    if r.random() < 0.2:
        lines.append(f"Set-Cookie: SESSIONID={r.getrandbits(64):016x}; path=/; HttpOnly")
    if r.random() < 0.2:
        lines.append('WWW-Authenticate: Basic realm="' + r.choice(["router", "DVR", "admin", "Login", port and str(port)]) + '"')
    return "\r\n".join(lines) + "\r\n\r\n", "http"


def tls(r, port):
    # a ServerHello's first bytes and a certificate length: binary, escaped in JSON
    body = bytes([0x16, 0x03, r.choice([1, 3]), r.randint(0, 255), r.randint(0, 255), 0x02, 0, 0,
                  r.randint(40, 90), 0x03, 0x03]) + r.getrandbits(64).to_bytes(8, "little")
    return body.decode("latin-1"), "tls"


def greet(r, port):
    if port in (22, 2222):
        return r.choice(SSH) + "\r\n", "ssh"
    if port in (25, 465, 587):
        return f"220 mail{r.randint(1, 99)}.example{r.randint(1, 5000)}.net ESMTP {r.choice(['Postfix', 'Exim 4.94', 'Sendmail'])}\r\n", "smtp"
    if port == 21:
        return r.choice(["220 (vsFTPd 3.0.3)", "220 ProFTPD Server ready.", "220 FileZilla Server 0.9.60 beta",
                         "220 Microsoft FTP Service"]) + "\r\n", "ftp"
    if port in (23, 2323):
        return r.choice(["\xff\xfd\x18\xff\xfd \xff\xfd#\xff\xfd'", "login: ", "\r\nUser Access Verification\r\n\r\nUsername: "]), "telnet"
    if port == 6379:
        return "-NOAUTH Authentication required.\r\n", "redis"
    if port in (3306,):
        return f"J\x00\x00\x00\n5.7.{r.randint(10, 33)}-log\x00", "mysql"
    if port in (110, 995):
        return "+OK POP3 ready\r\n", "pop3"
    if port in (143, 993):
        return "* OK [CAPABILITY IMAP4rev1 LITERAL+ SASL-IR LOGIN-REFERRALS] Dovecot ready.\r\n", "imap"
    if port in (443, 8443, 4443, 60443, 993, 995, 465):
        return tls(r, port)
    if port in (161, 5060, 1723, 135, 139, 445, 3389, 9300, 8291, 8728, 515, 9100):
        return "\x00" * r.randint(1, 4) + f"\x05{r.randint(0, 9)}", r.choice(["unknown", "rdp", "smb"])
    return http(r, port)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("services", type=int)
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    r = random.Random(a.seed)
    weights = [w for w, _ in KINDS]
    asn_of = {}
    seen = set()
    n = 0
    with open(a.out, "w", encoding="ascii") as out:
        while n < a.services:
            ip = r.getrandbits(32)
            if ip >> 24 in (0, 10, 127) or ip >> 28 >= 14 or ip in seen:
                continue
            seen.add(ip)
            s16 = ip >> 16
            asn = asn_of.setdefault(s16, 1000 + r.randrange(30000))
            if r.random() < 0.5:
                ports = [r.choice([80, 443, 22, 7547, 8080, 21, 25, r.randint(1, 65535), r.randint(1024, 65535)])]
            else:
                kind = r.choices(KINDS, weights)[0][1]
                ports = [p for p in kind if r.random() < 0.85] or kind[:1]
                if r.random() < 0.15:  # an odd extra port, often a vendor's
                    ports.append(r.randint(1, 65535))
                ports = sorted(set(ports))[:10]
            w = r.choice(WINDOWS)
            dotted = f"{ip >> 24}.{ip >> 16 & 255}.{ip >> 8 & 255}.{ip & 255}"
            for p in ports:
                data, fp = greet(r, p)
                out.write(json.dumps({"ip": dotted, "p": p, "asn": asn, "data": data, "fingerprint": fp,
                                      "w": w if r.random() < 0.9 else r.choice(WINDOWS)}) + "\n")
                n += 1
                if n >= a.services:
                    break


if __name__ == "__main__":
    main()
