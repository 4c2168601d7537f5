#!/usr/bin/env bash
# Rewrites the generated column list of docs/hdf5-layout.md (between its
# BEGIN/END column list markers) from the column catalogue that the writers
# use (src/h5/column_docs.cpp), as `scanhpc info --columns` prints it.
# test_every_table fails while the two differ.
#   scripts/column-docs.sh [SCANHPC-BINARY]   (default: build/scanhpc)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
exec /usr/bin/python3 - "$root/docs/hdf5-layout.md" "${1:-$root/build/scanhpc}" <<'PY'
import re, subprocess, sys
doc, binary = sys.argv[1], sys.argv[2]
listing = subprocess.run([binary, "info", "--columns"], capture_output=True, text=True, check=True).stdout
text = open(doc).read()
begin, end = "<!-- BEGIN column list: scanhpc info --columns -->\n", "<!-- END column list -->"
pattern = re.compile(re.escape(begin) + ".*?" + re.escape(end), re.S)
if not pattern.search(text):
    sys.exit(f"{doc}: no '{begin.strip()}' ... '{end}' markers")
new = pattern.sub(lambda _: begin + listing + end, text)
if new != text:
    open(doc, "w").write(new)
    print(f"{doc}: column list rewritten")
else:
    print(f"{doc}: column list up to date")
PY
