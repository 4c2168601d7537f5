#!/usr/bin/python3
"""The true cause of every observation of a multiprobe-lab scan, from the scanner's capture.

Reads OUT/scanner.pcap, OUT/scan.oJ, OUT/planted.json, OUT/config.json, OUT/scan-starts.txt;
writes OUT/truth.json. For each SYN-ACK the scanner received (in capture order):
  first          the first SYN-ACK of the (ip, port) in this scan run;
  retry          a later one that came within 0.5 s after a probe (SYN) to that (ip, port) that
                 no SYN-ACK had answered yet: the answer to one of the scanner's retries;
  retransmission any other later one: the target's SYN-ACK timer;
  rescan         the first one of a second scan run when the first run saw the service.
masscan 1.3.2 reports a SYN-ACK unless its duplicate table already holds the (ip, port), and its
receive side loses some packets of a burst, so a service's records are a subset of its SYN-ACKs:
each record (whole seconds, masscan's clock) is matched to the earliest unmatched SYN-ACK of the
service that arrived in that second or the next. A reported service's true label is the set of
causes of its matched repeats (bit 1 retry, 2 retransmission, 4 rescan), as the classifier
reports it; records that match no SYN-ACK are counted (unmatched).
"""
import json
import struct
import sys
from collections import Counter, defaultdict

CAUSE_BIT = {"retry": 1, "retransmission": 2, "rescan": 4}


def packets(path):
    data = open(path, "rb").read()
    magic = struct.unpack("<I", data[:4])[0]
    assert magic in (0xA1B2C3D4, 0xA1B23C4D), "not a little-endian pcap"
    nano = magic == 0xA1B23C4D
    linktype = struct.unpack("<I", data[20:24])[0]
    assert linktype == 1, "expected Ethernet"
    off = 24
    while off + 16 <= len(data):
        sec, frac, incl, _ = struct.unpack("<IIII", data[off:off + 16])
        pkt = data[off + 16:off + 16 + incl]
        off += 16 + incl
        t = sec + frac / (1e9 if nano else 1e6)
        if len(pkt) < 14 + 20 or struct.unpack("!H", pkt[12:14])[0] != 0x0800:
            continue
        ip = pkt[14:]
        ihl = (ip[0] & 15) * 4
        if ip[9] != 6 or len(ip) < ihl + 14:
            continue
        src, dst = struct.unpack("!II", ip[12:20])
        tcp = ip[ihl:]
        sport, dport, seq, ack = struct.unpack("!HHII", tcp[:12])
        flags = tcp[13]
        yield t, src, dst, sport, dport, seq, ack, flags, ip[8]


def dotted(a):
    return ".".join(str((a >> s) & 255) for s in (24, 16, 8, 0))


def main(out):
    cfg = json.load(open(f"{out}/config.json"))
    starts = [float(x) for x in open(f"{out}/scan-starts.txt").read().split()]
    planted = {(ip, p) for ip, p in json.load(open(f"{out}/planted.json"))}
    run_of = lambda t: sum(1 for s in starts[1:] if t >= s)
    syn_pending = defaultdict(list)          # (run, ip, port) -> times of unanswered SYNs
    seen = defaultdict(set)                  # (ip, port) -> runs with a SYN-ACK
    events = []                              # (t, ip, port, cause, ttl)
    probes = Counter()
    probe_times = defaultdict(list)
    synacks_received = 0
    for t, src, dst, sport, dport, seq, ack, flags, ttl in packets(f"{out}/scanner.pcap"):
        run = run_of(t)
        if flags & 0x12 == 0x02 and dotted(src) == "10.88.0.1":      # a probe
            key = (dotted(dst), dport)
            syn_pending[(run, *key)].append(t)
            probes[key] += 1
            probe_times[(run, *key)].append(t)
        elif flags & 0x12 == 0x12 and dotted(dst) == "10.88.0.1":    # a SYN-ACK
            synacks_received += 1
            key = (dotted(src), sport)
            pend = [s for s in syn_pending[(run, *key)] if t - s <= 0.5]
            if run not in seen[key]:
                cause = "rescan" if seen[key] else "first"
                seen[key].add(run)
            elif pend:
                cause = "retry"
            else:
                cause = "retransmission"
            syn_pending[(run, *key)] = []          # answered
            events.append((t, key[0], key[1], cause, ttl))
    records = defaultdict(list)
    for line in open(f"{out}/scan.oJ"):
        line = line.strip().rstrip(",")
        if line.startswith("{"):
            r = json.loads(line)
            for p in r["ports"]:
                if p.get("status") == "open":
                    records[(r["ip"], p["port"])].append(int(r["timestamp"]))
    by_service = defaultdict(list)
    for e in events:
        by_service[(e[1], e[2])].append(e)
    causes, unmatched, reported_causes = {}, 0, Counter()
    for key, stamps in records.items():
        evs, used, mask = by_service.get(key, []), set(), 0
        for n, ts in enumerate(sorted(stamps)):
            pick = next((i for i, e in enumerate(evs) if i not in used and 0 <= int(e[0]) - ts <= 1), None)
            if pick is None:
                unmatched += 1
                continue
            used.add(pick)
            reported_causes[evs[pick][3]] += 1
            if n > 0 and evs[pick][3] != "first":   # the earliest record is the sighting itself
                mask |= CAUSE_BIT[evs[pick][3]]
        causes[key] = mask
    all_causes = Counter(e[3] for e in events)
    gaps = sorted(b - a for v in probe_times.values() for a, b in zip(v, v[1:]) if b - a < 20)
    found = {k for k in records if k in planted}
    services = sorted(records)
    truth = {
        "config": cfg,
        "planted": len(planted),
        "found": len(found),
        "true_loss": 1 - len(found) / len(planted) if planted else 0.0,
        "probes_to_planted": sum(probes[k] for k in planted),
        # what the scanner did, from its capture: probes per target (most common) and the
        # median time between a target's consecutive probes (under 20 s: one scan)
        "probes_per_target_mode": Counter(len(v) for v in probe_times.values()).most_common(1)[0][0]
        if probe_times else 0,
        "probe_spacing_median": gaps[len(gaps) // 2] if gaps else None,
        "synacks_received": synacks_received,
        "synacks_by_cause": dict(all_causes),
        "records_by_cause": dict(reported_causes),
        "records_unmatched": unmatched,
        "services": [[ip, port, len(records[(ip, port)]), causes[(ip, port)]] for ip, port in services],
    }
    json.dump(truth, open(f"{out}/truth.json", "w"))
    multi = Counter(s[3] for s in truth["services"] if s[2] > 1)
    print(f"truth: {len(planted)} planted, {len(found)} found (loss {truth['true_loss']:.3f}), "
          f"{synacks_received} SYN-ACKs {dict(all_causes)}, records {dict(reported_causes)} "
          f"({unmatched} unmatched); services seen more than once by cause bits {dict(multi)}")


if __name__ == "__main__":
    main(sys.argv[1])
