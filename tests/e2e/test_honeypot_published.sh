#!/usr/bin/env bash
# `scanhpc ports` on honeypot logs as they are published (docs/honeypot-csv.md):
# - the first 20,000 rows of the real marx.csv.gz (tests/data/honeypot/README.md): the gzip
#   file (also named .csv), the same through a pipe (-, and /dev/stdin at 2 ranks) and the
#   decompressed file give identical HDF5 at 1 and 3 ranks, and equal pandas doing what the seed does (ports_oracle.py);
# - the same events with Kaggle's M/D/YY H:MM dates and with ISO 8601 dates carrying zone
#   offsets (written here by python from the standard file) give the standard form's tables;
# - a file with 7 bad dates: rows read = used + rejected, the first 5 rejections on stderr
#   with file and byte, then the pointer to /ports/errors; the other rows as if alone.
# Usage (ctest): bash tests/e2e/test_honeypot_published.sh <scanhpc-binary> <repo-root>
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_setup honeypot_published "$@"

GZ="$ROOT/tests/data/honeypot/marx_head20000.csv.gz"
cp "$GZ" marx.csv.gz
zcat marx.csv.gz >marx.csv
cp marx.csv.gz named-like-text.csv  # gzip is found by its magic bytes, not by the name
outs=()
for n in 1 3; do
  timeout 300 mpirun -n "$n" "$SCANHPC" ports -q -o "plain-$n.h5" marx.csv >/dev/null && outs+=("plain-$n.h5") \
    || fail "ports on the decompressed file at $n rank(s)"
  timeout 300 mpirun -n "$n" "$SCANHPC" ports -q -o "gz-$n.h5" marx.csv.gz >/dev/null && outs+=("gz-$n.h5") \
    || fail "ports on the gzip file at $n rank(s)"
  timeout 300 mpirun -n "$n" "$SCANHPC" ports -q -o "named-$n.h5" named-like-text.csv >/dev/null \
    && outs+=("named-$n.h5") || fail "ports on a gzip file named .csv at $n rank(s)"
  # shellcheck disable=SC2002  # a pipe is the point
  zcat marx.csv.gz | timeout 300 mpirun -n "$n" "$SCANHPC" ports -q -o "pipe-$n.h5" - >/dev/null \
    && outs+=("pipe-$n.h5") || fail "ports on standard input at $n rank(s)"
done
# shellcheck disable=SC2002
cat marx.csv | timeout 300 mpirun -n 2 "$SCANHPC" ports -q -o devstdin.h5 /dev/stdin >/dev/null \
  && outs+=("devstdin.h5") || fail "ports on /dev/stdin (a pipe of the decompressed file)"
# Only the file names differ (standard input is recorded as such).
"$PY" "$ROOT/tests/compare_h5.py" --ignore /ports@files "${outs[@]}" >/dev/null \
  && echo "  ok   marx.csv.gz, a pipe, /dev/stdin and the decompressed file: identical at 1, 2 and 3 ranks" \
  || fail "gzip / pipe / plain outputs differ"
"$PY" - pipe-3.h5 gz-1.h5 <<'PYEOF' || fail "counts of the real slice"
import sys, h5py
p, g = (h5py.File(x)["ports"].attrs for x in sys.argv[1:])
assert p["files"] == b"standard input" and g["files"] == b"marx.csv.gz", (p["files"], g["files"])
for a in (p, g):
    assert (a["records_read"], a["records_used"], a["records_rejected"]) == (20000, 20000, 0)
PYEOF
"$PY" "$ROOT/tests/e2e/ports_oracle.py" check marx.csv gz-3.h5 >/dev/null \
  && echo "  ok   the real slice from gzip equals pandas" || fail "the real slice differs from pandas"

# Date forms: whole minutes (Kaggle writes no seconds), then the same instants three ways.
"$PY" - marx.csv <<'PYEOF' || fail "writing the date variants"
import csv, datetime as dt, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
head, rows = rows[0], rows[1:]
def write(name, fmt):
    with open(name, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(head)
        for i, r in enumerate(rows):
            t = dt.datetime.strptime(r[0], "%Y-%m-%d %H:%M:%S").replace(second=0)
            w.writerow([fmt(i, t)] + r[1:])
write("std.csv", lambda i, t: t.strftime("%Y-%m-%d %H:%M:%S"))
write("kaggle.csv", lambda i, t: f"{t.month}/{t.day}/{t:%y} {t.hour}:{t:%M}")
# ISO 8601 with a zone per row (some cross midnight), Z, or none, and fractional seconds.
zones = [dt.timedelta(hours=5, minutes=30), dt.timedelta(hours=-8), dt.timedelta(0), None, dt.timedelta(hours=14)]
def iso(i, t):
    z = zones[i % len(zones)]
    if z is None:
        return t.strftime("%Y-%m-%dT%H:%M:%S") + ".25"
    local = t.replace(tzinfo=dt.timezone.utc).astimezone(dt.timezone(z))
    s = local.isoformat(timespec="milliseconds" if i % 2 else "seconds")
    return s.replace("+00:00", "Z") if i % 3 == 0 else (s[:-3] + s[-2:] if i % 7 == 0 else s)
write("iso.csv", iso)
PYEOF
head -3 kaggle.csv | tail -2 | sed 's/^/         kaggle: /'
head -3 iso.csv | tail -2 | sed 's/^/         iso:    /'
for v in std kaggle iso; do
  timeout 300 mpirun -n 3 "$SCANHPC" ports -q -o "$v.h5" "$v.csv" >/dev/null || fail "ports on $v.csv"
done
"$PY" "$ROOT/tests/compare_h5.py" --ignore /ports@files std.h5 kaggle.h5 iso.h5 >/dev/null \
  && echo "  ok   Kaggle M/D/YY H:MM and ISO 8601 with zones give the standard form's tables" \
  || fail "date forms give different tables"
gzip -c kaggle.csv | timeout 300 mpirun -n 2 "$SCANHPC" ports -q -o kaggle-pipe.h5 - >/dev/null \
  && "$PY" "$ROOT/tests/compare_h5.py" --ignore /ports@files std.h5 kaggle-pipe.h5 >/dev/null \
  && echo "  ok   a gzip Kaggle file through a pipe" || fail "gzip Kaggle file through a pipe"

# Bad dates: 7 rows; the other 19,993 as a file of their own.
"$PY" - std.csv <<'PYEOF' || fail "writing the bad-date file"
import sys
lines = open(sys.argv[1]).read().splitlines(keepends=True)
bad = {5: "2013-02-29 10:00:00", 100: "2013-03-04 25:00:00", 2000: "3/4/13 1:00", 7000: "2013-03-07",
       9000: "yesterday", 15000: "2013-03-10T10:00:00+25:00", 19999: "1969-12-31 23:59:59"}
out, good, offsets = [], [], []
pos = 0
for i, line in enumerate(lines):
    if i in bad:
        line = bad[i] + line[line.index(","):]
        offsets.append(pos)
    else:
        good.append(line)
    out.append(line)
    pos += len(line.encode())
open("bad.csv", "w").write("".join(out))
open("good.csv", "w").write("".join(good))
open("bad.offsets", "w").write("\n".join(map(str, offsets)) + "\n")
PYEOF
timeout 300 mpirun -n 3 "$SCANHPC" ports -o bad.h5 bad.csv >bad.out 2>bad.err || fail "ports on bad.csv"
timeout 300 mpirun -n 2 "$SCANHPC" ports -q -o good.h5 good.csv >/dev/null || fail "ports on good.csv"
# The first 5 rejections by byte offset, each printed once, then the pointer.
expected=$(head -5 bad.offsets | sed 's/.*/  rejected: bad.csv: byte &: bad datetime/')
got=$(grep '^  rejected: ' bad.err | sed 's/ bad datetime .*/ bad datetime/')
[ "$got" = "$expected" ] && echo "  ok   the first 5 bad dates on stderr with file and byte" \
  || { fail "rejected lines on stderr"; diff <(echo "$expected") <(echo "$got") >&2 || true; }
grep -qx '  ... (first 7 in /ports/errors)' bad.err || fail "no pointer to /ports/errors on stderr"
grep -q 'records read 20000 = used 19993 + rejected 7' bad.err || fail "summary counts of bad.csv"
"$PY" - bad.h5 good.h5 bad.offsets <<'PYEOF' || fail "bad-date counts"
import sys, h5py
b, g = h5py.File(sys.argv[1]), h5py.File(sys.argv[2])
a = b["ports"].attrs
assert (a["records_read"], a["records_used"], a["records_rejected"]) == (20000, 19993, 7)
msgs = [m.decode() for m in b["ports/errors/message"][()]]
offs = [int(x) for x in open(sys.argv[3]).read().split()]
assert [m.split(": ")[1] for m in msgs] == [f"byte {o}" for o in offs], msgs
for t in ("top", "daily", "daily_mean", "neighbours"):
    for c in b["ports"][t].attrs["columns"]:
        assert (b["ports"][t][c][()] == g["ports"][t][c][()]).all(), (t, c)
print("  ok   7 bad dates: 20000 read = 19993 used + 7 rejected at their byte offsets; the rest as if alone")
PYEOF
[ "$failures" -eq 0 ] && echo "test_honeypot_published: ok" || { echo "test_honeypot_published: $failures failure(s)"; exit 1; }
