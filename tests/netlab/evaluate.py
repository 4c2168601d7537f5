#!/usr/bin/python3
"""Scores scanhpc's multiprobe causes and loss estimate against netlab truths.

usage: evaluate.py SCANHPC OUTDIR LABDIR...   (each LABDIR holds scan.oJ[.gz] and truth.json[.gz])

For every lab scan: runs `scanhpc scan --analyses multiprobe`, then compares
/multiprobe/service_causes with truth.json's labels (the services seen more than
once) and, where the scan has planted loss, the loss interval with the true share
of planted services never reported. Prints one row per scan and the totals;
exits 1 when a check given with --min-accuracy / --min-covered fails.
"""
import argparse
import gzip
import json
import os
import subprocess
import sys

import h5py


def ip_text(u):
    return ".".join(str((int(u) >> s) & 255) for s in (24, 16, 8, 0))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("scanhpc")
    ap.add_argument("outdir")
    ap.add_argument("labs", nargs="+")
    ap.add_argument("--min-accuracy", type=float)
    ap.add_argument("--min-covered", type=int)
    ap.add_argument("--schedules", action="store_true",
                    help="fail unless every scan with retries and no retransmissions gets the retry count "
                         "and spacing (within 0.3 s) its capture shows")
    ap.add_argument("--ranks", type=int, default=0, help="run under mpirun -n RANKS (0: no mpirun)")
    a = ap.parse_args()
    os.makedirs(a.outdir, exist_ok=True)
    right = total = covered = loss_scans = sched_ok = sched_scans = 0
    print(f"{'scan':28} {'truth labels':34} {'correct':>12} {'schedule':44} loss: true / estimate [95%]")
    for lab in a.labs:
        name = os.path.basename(os.path.normpath(lab))
        t_path = f"{lab}/truth.json"
        truth = json.load(open(t_path) if os.path.exists(t_path) else gzip.open(t_path + ".gz", "rt"))
        scan = f"{lab}/scan.oJ" if os.path.exists(f"{lab}/scan.oJ") else f"{lab}/scan.oJ.gz"
        out = f"{a.outdir}/{name}.h5"
        cmd = [a.scanhpc, "scan", "--analyses", "multiprobe", "--force", "-q", "-o", out, scan]
        if a.ranks:
            cmd = ["mpirun", "-n", str(a.ranks), "--oversubscribe"] + cmd
        subprocess.run(cmd, check=True)
        with h5py.File(out, "r") as f:
            t = f["/multiprobe/service_causes"]
            got = {(ip_text(ip), int(p)): int(c) for ip, p, c in zip(t["ip"][:], t["port"][:], t["cause"][:])}
            at = dict(f["/multiprobe/causes"].attrs)
        want = {(ip, p): c for ip, p, n, c in truth["services"] if n > 1}
        ok = sum(1 for k, c in want.items() if got.get(k) == c)
        right += ok
        total += len(want)
        labels = {}
        for c in want.values():
            labels[c] = labels.get(c, 0) + 1
        sched = at["schedule"] if isinstance(at["schedule"], str) else at["schedule"].decode()
        line = f"{name:28} {json.dumps(labels, sort_keys=True):34} {ok:>5}/{len(want):<6} {sched[:44]:44}"
        cfg = truth["config"]
        if cfg.get("retries", 0) > 0 and not cfg.get("drop_rst") and "probes_per_target_mode" in truth:
            sched_scans += 1
            want_r, want_s = truth["probes_per_target_mode"] - 1, truth["probe_spacing_median"]
            good = int(at["retries"]) == want_r and abs(float(at["retry_spacing_seconds"]) - want_s) <= 0.3
            sched_ok += good
            line += f" capture: {want_r} retries {want_s:.2f} s {'=' if good else 'DIFFERENT'}"
        if cfg.get("synack_drop_pct", 0) > 0 and cfg.get("retries", 0) > 0 and not cfg.get("drop_rst"):
            loss_scans += 1
            if at.get("loss_estimable"):
                lo, hi, est = at["loss_missed_share_low"], at["loss_missed_share_high"], at["loss_missed_share"]
                inside = lo <= truth["true_loss"] <= hi
                covered += inside
                line += f" {truth['true_loss']:.4f} / {est:.4f} [{lo:.4f}, {hi:.4f}] {'covered' if inside else 'MISSED'}"
            else:
                line += f" {truth['true_loss']:.4f} / not estimable"
        print(line)
    acc = right / total if total else 0.0
    print(f"labelled correctly: {right}/{total} = {acc:.4f}; loss intervals covering the truth: {covered}/{loss_scans}; "
          f"retry schedules as the capture shows them: {sched_ok}/{sched_scans}")
    failed = (a.min_accuracy is not None and acc < a.min_accuracy) or \
             (a.min_covered is not None and covered < a.min_covered) or \
             (a.schedules and sched_ok < sched_scans)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
