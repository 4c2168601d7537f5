#!/usr/bin/python3
"""Every table of scanhpc's outputs, read four ways and checked against the HDF5.

    every_table.py ROOT SCANHPC WORKDIR OUT.h5...

For every table of every OUT.h5 (found in the file: each group with a `columns`
attribute), against h5py's raw datasets:
  * attributes: every column has non-empty `units` and `description`, string
    columns are at least 2 bytes wide (1 byte is a char array to netCDF and
    xarray), bitmasks have CF `flag_masks`/`flag_meanings`; every column
    is attached to the group's dimension `row` (a netCDF dimension without a
    variable, one entry per row), and the datasets are the columns plus `row`;
  * the documentation: each column's units and description are those of its
    entry in docs/hdf5-layout.md's column list, which is what `scanhpc info
    --columns` prints, and every entry there is met by some output;
  * scanhpc.read_table (python/): columns in order, values after the
    documented decoding (times from their CF units, ports, flags, strings);
  * xarray.open_dataset(path, group=table) with no options (the default
    engine, netCDF4) and with engine="h5netcdf": one dimension `row`, the
    columns as variables in order, times decoded per units equal to the raw
    seconds or days, strings as str (netCDF4) or the stored bytes (h5netcdf,
    which decodes fixed-length strings only with an `_Encoding` attribute,
    which in turn breaks xarray's netCDF4 engine), every other value exact. netCDF-C
    before 4.9.1 crashes reading fixed-length string arrays
    (Unidata/netcdf-c#2159, fixed by #2466: a heap overflow from 2 rows on,
    an unterminated string at 1): with such a netCDF-C the default engine
    opens the tables with string columns and rows with drop_variables=those
    columns, and h5netcdf reads them;
  * `scanhpc export FILE TABLE -o CSV` read by DuckDB's read_csv_auto
    (WORKDIR/duck.mjs, when node and @duckdb/node-api are there): header and
    every value; `--dotted-ip --iso-times` readable forms decided by units.
    Two options, as README.md says: delim=',' (one-column tables of text
    holding ';' are otherwise split there) and types UBIGINT for u64 columns
    (the sniffer's candidates stop at BIGINT: values above 2^63-1, as GPS
    feature ids, would be rounded to DOUBLE).
Exit status 1 on any difference.
"""
import json
import math
import os
import re
import struct
import subprocess
import sys
import datetime
import ipaddress

import h5py
import numpy as np
import pandas as pd

ROOT, SCANHPC, WORK = sys.argv[1], sys.argv[2], sys.argv[3]
OUTPUTS = sys.argv[4:]
sys.path.insert(0, os.path.join(ROOT, "python"))
import scanhpc  # noqa: E402
import xarray as xr  # noqa: E402
import netCDF4  # noqa: E402

EPOCH = re.compile(r"(seconds|days) since 1970-01-01( 00:00:00)?")
NETCDF_FIXED_STRINGS = tuple(int(x) for x in netCDF4.__netcdf4libversion__.split(".")[:3]) >= (4, 9, 1)
bad = []
count = {"outputs": 0, "tables": 0, "columns": 0, "values": 0, "read_table": 0, "xr_default": 0,
         "xr_default_dropped": 0, "xr_h5netcdf": 0, "duckdb": 0, "readable": 0, "doc_entries": 0}


def text(v):
    return v.decode("utf-8") if isinstance(v, (bytes, np.bytes_)) else str(v)


def same_floats(a, b):
    a, b = np.asarray(a, dtype="f8"), np.asarray(b, dtype="f8")
    return a.shape == b.shape and all(struct.pack("<d", x) == struct.pack("<d", y) or (math.isnan(x) and math.isnan(y))
                                      for x, y in zip(a.tolist(), b.tolist()))


def epoch_unit(units):
    m = EPOCH.fullmatch(units)
    return None if not m else ("s" if m.group(1) == "seconds" else "D")


def check(cond, msg):
    if not cond:
        bad.append(msg)
    return cond


# ---- the documentation: docs/hdf5-layout.md's generated list = `scanhpc info --columns`
doc = open(os.path.join(ROOT, "docs/hdf5-layout.md")).read()
m = re.search(r"<!-- BEGIN column list: scanhpc info --columns -->\n(.*?)<!-- END column list -->", doc, re.S)
if not m:
    print("FAIL: docs/hdf5-layout.md has no generated column list")
    sys.exit(1)
printed = subprocess.run([SCANHPC, "info", "--columns"], capture_output=True, text=True, check=True).stdout
check(m.group(1) == printed, "docs/hdf5-layout.md's column list differs from `scanhpc info --columns` "
      "(regenerate it: scripts/column-docs.sh)")


def unescape(cell):
    return re.sub(r"\\(.)", r"\1", cell.strip())


entries = {}  # (table pattern, column) -> (units, description as documented)
table = None
for line in m.group(1).splitlines():
    if line.startswith("`") and line.endswith("`"):
        table = line.strip("`")
    elif line.startswith("| ") and not line.startswith("| column ") and table:
        cells = re.split(r"(?<!\\)\|", line)[1:-1]
        entries[(table, unescape(cells[0]))] = (unescape(cells[1]), unescape(cells[2]))
met = set()


def documented(table, column):
    # `*` in a table pattern, and in a column pattern (gather's param:* of /gather/runs), is any run
    # of characters but '/'
    hits = [k for k in entries if re.fullmatch(re.escape(k[1]).replace(r"\*", "[^/]*"), column)
            and re.fullmatch(k[0].replace("*", "[^/]*"), table)]
    return hits[0] if len(hits) == 1 else None


# ---- every table of every output
exports = []  # (csv, path, table, columns)
readable = []  # (csv, path, table)
for path in OUTPUTS:
    count["outputs"] += 1
    with h5py.File(path, "r") as f:
        tables = scanhpc.tables(f)  # groups whose `columns` attribute names their datasets (/ports has a
        # `columns` attribute of another meaning); the same list as h5py's:
        want = []
        f.visititems(lambda n, o: want.append(n) if isinstance(o, h5py.Group) and "columns" in o.attrs
                     and np.ndim(o.attrs["columns"]) == 1 else None)
        check(tables == want, f"{path}: scanhpc.tables {tables} != {want}")
        check(len(tables) >= 3, f"{path}: only {len(tables)} tables")
        for t in tables:
            where = f"{path} /{t}"
            g = f[t]
            count["tables"] += 1
            cols = [text(c) for c in g.attrs["columns"]]
            raw = {c: g[c][()] for c in cols}
            nrows = len(raw[cols[0]])
            attrs = {c: {k: (text(v) if isinstance(v, (bytes, np.bytes_, str)) else v) for k, v in g[c].attrs.items()}
                     for c in cols}
            # attributes and the dimension
            check(set(g.keys()) == set(cols) | {"row"}, f"{where}: datasets {sorted(g.keys())} are not columns + row")
            row = g.get("row")
            if check(row is not None and text(row.attrs.get("CLASS", b"")) == "DIMENSION_SCALE"
                     and text(row.attrs.get("NAME", b"")).startswith("This is a netCDF dimension but not a netCDF variable")
                     and row.shape == (nrows,), f"{where}: no dimension scale row of {nrows}"):
                for c in cols:
                    dl = g[c].attrs.get("DIMENSION_LIST")
                    check(dl is not None and len(dl) == 1 and len(dl[0]) == 1 and f[dl[0][0]] == row,
                          f"{where}/{c}: not attached to row")
            for c in cols:
                count["columns"] += 1
                a = attrs[c]
                check(a.get("units", "") != "" and a.get("description", "") != "", f"{where}/{c}: no units or description")
                if raw[c].dtype.kind == "S":  # 1 byte would be characters to netCDF and xarray
                    check(raw[c].dtype.itemsize >= 2, f"{where}/{c}: a string column of width {raw[c].dtype.itemsize}")
                key = documented("/" + t, c)
                if check(key is not None, f"{where}/{c}: not in docs/hdf5-layout.md's column list (or twice)"):
                    met.add(key)
                    want_desc = a.get("description", "")
                    if "flag_masks" in a:
                        want_desc += (" (CF flag_masks " + ", ".join(str(int(x)) for x in a["flag_masks"])
                                      + "; flag_meanings " + a["flag_meanings"] + ")")
                    check(entries[key] == (a.get("units", ""), want_desc),
                          f"{where}/{c}: attributes {a.get('units')!r}, {want_desc!r} differ from the docs {entries[key]}")
                if "flag_masks" in a:
                    check(len(a["flag_masks"]) == len(a.get("flag_meanings", "").split()),
                          f"{where}/{c}: flag_masks and flag_meanings differ in length")
                count["values"] += nrows

            # (a) scanhpc.read_table
            df = scanhpc.read_table(path, t)
            want_names = []
            for c in cols:
                want_names += a_meanings.split() if (a_meanings := attrs[c].get("flag_meanings")) else [c]
            if check(list(df.columns) == want_names, f"{where}: read_table columns {list(df.columns)} != {want_names}"):
                for c in cols:
                    a, r = attrs[c], raw[c]
                    if "flag_masks" in a:
                        back = sum(df[m].to_numpy().astype(int) * int(k)
                                   for m, k in zip(a["flag_meanings"].split(), a["flag_masks"]))
                        mask = sum(int(k) for k in a["flag_masks"])
                        check(np.array_equal(np.asarray(back), r & mask), f"{where}/{c}: read_table flags")
                        continue
                    col = df[c]
                    if isinstance(col.dtype, pd.CategoricalDtype):
                        check(r.dtype.kind == "S" or a["units"] == "port", f"{where}/{c}: a category, units {a['units']}")
                        col = col.astype(object) if col.cat.categories.dtype == object else col.astype(col.cat.categories.dtype)
                    elif a["units"] == "port" and nrows:
                        bad.append(f"{where}/{c}: a port column that read_table did not make a category")
                    unit = epoch_unit(a["units"])
                    if r.dtype.kind == "S":
                        check(list(col) == [x.decode("utf-8") for x in r], f"{where}/{c}: read_table strings")
                    elif unit:
                        check(pd.api.types.is_datetime64_any_dtype(col), f"{where}/{c}: read_table did not decode {a['units']}")
                        back = (col - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(1, unit)
                        check(np.array_equal(back.to_numpy(), r.astype("int64")), f"{where}/{c}: read_table times")
                    elif r.dtype.kind == "f":
                        check(same_floats(col, r), f"{where}/{c}: read_table doubles")
                    else:
                        check(np.array_equal(np.asarray(col), r), f"{where}/{c}: read_table values")
                count["read_table"] += 1

            strings = [c for c in cols if raw[c].dtype.kind == "S"]
            exports.append((f"{WORK}/{os.path.basename(path)}-{t.replace('/', '_')}.csv", path, t, cols))
            if any(epoch_unit(attrs[c]["units"]) or attrs[c]["units"] == "ipv4" for c in cols):
                readable.append((exports[-1][0][:-4] + ".readable.csv", path, t))

            # (b) xarray, no options
            runs = [("h5netcdf", {"engine": "h5netcdf"})]
            if NETCDF_FIXED_STRINGS or not (strings and nrows):
                runs.append(("default", {}))
            else:
                runs.append(("default, string columns dropped", {"drop_variables": strings}))
            for name, kw in runs:
                try:
                    ds = xr.open_dataset(path, group=t, **kw)
                    ds.load()
                except Exception as e:  # noqa: BLE001
                    bad.append(f"{where}: xr.open_dataset ({name}) failed: {e}")
                    continue
                want = [c for c in cols if c not in kw.get("drop_variables", [])]
                check(list(ds.data_vars) == want and not ds.coords,
                      f"{where}: xarray ({name}) variables {list(ds.data_vars)} coords {list(ds.coords)} != {want}")
                check(dict(ds.sizes) == ({"row": nrows} if want else {}), f"{where}: xarray ({name}) dims {dict(ds.sizes)}")
                for c in want:
                    if c not in ds:
                        continue
                    v, r, a = ds[c], raw[c], attrs[c]
                    if not check(v.dims == ("row",), f"{where}/{c}: xarray ({name}) dims {v.dims}"):
                        continue
                    unit = epoch_unit(a["units"])
                    if r.dtype.kind == "S":  # netCDF4: str; h5netcdf: the bytes as stored
                        want_s = list(r) if name == "h5netcdf" else [x.decode("utf-8") for x in r]
                        check(list(v.values) == want_s, f"{where}/{c}: xarray ({name}) strings")
                    elif unit:
                        ok = np.issubdtype(v.dtype, np.datetime64) and np.array_equal(
                            v.values.astype(f"datetime64[{unit}]").astype("int64"), r.astype("int64"))
                        check(ok, f"{where}/{c}: xarray ({name}) times not decoded per {a['units']!r} to the raw values")
                    elif r.dtype.kind == "f":
                        check(same_floats(v.values, r), f"{where}/{c}: xarray ({name}) doubles")
                    else:
                        check(v.dtype == r.dtype and np.array_equal(v.values, r), f"{where}/{c}: xarray ({name}) values")
                count["xr_h5netcdf" if name == "h5netcdf" else "xr_default_dropped" if "dropped" in name else "xr_default"] += 1

unmet = sorted(set(entries) - met)
check(not unmet, f"documented columns no output wrote (stale entries, or a command missing here): {unmet}")
count["doc_entries"] = len(entries)

# ---- (c) export, then DuckDB
for csv, path, t, _ in exports:
    subprocess.run([SCANHPC, "export", "-q", path, "/" + t, "-o", csv], check=True)
for csv, path, t in readable:
    subprocess.run([SCANHPC, "export", "-q", "--dotted-ip", "--iso-times", path, "/" + t, "-o", csv], check=True)
u64 = {}
for csv, path, t in [(e[0], e[1], e[2]) for e in exports] + readable:
    with h5py.File(path, "r") as f:
        g = f[t]
        u64[csv] = {text(c): "UBIGINT" for c in g.attrs["columns"] if g[text(c)].dtype == np.uint64
                    and not (csv.endswith(".readable.csv") and epoch_unit(text(g[text(c)].attrs["units"])))}
with open(f"{WORK}/duck-files.json", "w") as out:
    json.dump(u64, out)
duck = None
if os.path.exists(f"{WORK}/duck.mjs"):
    p = subprocess.run(["node", f"{WORK}/duck.mjs", f"{WORK}/duck-files.json"], capture_output=True, text=True)
    if check(p.returncode == 0, f"duckdb failed: {p.stderr[-2000:]}"):
        duck = json.loads(p.stdout)
else:
    print("  SKIP duckdb: node or @duckdb/node-api not available")


def iso(kind, v):
    if kind == "s":
        return datetime.datetime.fromtimestamp(int(v), tz=datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return (datetime.date(1970, 1, 1) + datetime.timedelta(days=int(v))).isoformat()


if duck is not None:
    for csv, path, t, cols in exports:
        where = f"{path} /{t} (export, DuckDB)"
        got = duck[csv]
        with h5py.File(path, "r") as f:
            g = f[t]
            raw = {c: g[c][()] for c in cols}
        if not check(got["columns"] == cols, f"{where}: header {got['columns']} != {cols}"):
            continue
        n = len(raw[cols[0]])
        if not check(len(got["rows"]) == n, f"{where}: {len(got['rows'])} rows, HDF5 {n}"):
            continue
        for i, c in enumerate(cols):
            r, vals, typ = raw[c], [row[i] for row in got["rows"]], got["types"][i]
            if r.dtype.kind == "S":
                want = [x.decode("utf-8") for x in r]
                if typ == "VARCHAR":
                    ok = [("" if v is None else v) for v in vals] == want
                else:  # sniffed as numbers (or booleans): every value reads back as the same one; an empty
                    # string (gather's param:NAME of a run without the option) is an empty field, NULL to DuckDB
                    def same(v, w):
                        if w == "" or v is None:
                            return w == "" and v is None
                        return str(v).lower() == w.lower() if typ == "BOOLEAN" else float(v) == float(w)
                    ok = all(same(v, w) for v, w in zip(vals, want))
                check(ok, f"{where}/{c}: strings ({typ})")
            elif r.dtype.kind == "f":
                check(same_floats([float(v) for v in vals], r), f"{where}/{c}: doubles ({typ})")
            else:
                check(n == 0 or [int(v) for v in vals] == [int(x) for x in r], f"{where}/{c}: integers ({typ})")
        count["duckdb"] += 1
    for csv, path, t in readable:
        where = f"{path} /{t} (export --dotted-ip --iso-times, DuckDB)"
        got = duck[csv]
        with h5py.File(path, "r") as f:
            g = f[t]
            cols = [text(c) for c in g.attrs["columns"]]
            for i, c in enumerate(cols):
                units, r = text(g[c].attrs["units"]), g[c][()]
                vals = [row[i] for row in got["rows"]]
                if units == "ipv4":
                    check(vals == [str(ipaddress.IPv4Address(int(x))) for x in r], f"{where}/{c}: dotted quads")
                elif epoch_unit(units):
                    # DuckDB reads ISO times as TIMESTAMP/DATE: compare their text
                    want = [iso(epoch_unit(units), x) for x in r]
                    norm = [re.sub(r"\+00$", "", v).replace(" ", "T") + ("Z" if len(v) > 10 else "")
                            if isinstance(v, str) else v for v in vals]
                    check(norm == want or vals == want, f"{where}/{c}: ISO forms, e.g. {vals[:2]} vs {want[:2]}")
        count["readable"] += 1

print("  " + ", ".join(f"{k} {v}" for k, v in count.items()))
for b in bad[:40]:
    print("FAIL: " + b)
if len(bad) > 40:
    print(f"... and {len(bad) - 40} more")
sys.exit(1 if bad else 0)
