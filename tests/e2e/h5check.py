#!/usr/bin/python3
"""Assertions on scanhpc HDF5 outputs for the end-to-end shell tests.

  h5check.py expect H5 EXPR...        every EXPR (Python) must be true
  h5check.py same A.h5 B.h5 PATH...   the datasets at or below each PATH are
                                      byte-identical (dtype, shape, bytes)
  h5check.py accounting H5            records_read == used + rejected, in total
                                      and per file; /ingest/errors consistent

EXPR is evaluated with:
  f                  the open h5py.File
  attr(path, name)   an attribute (bytes decoded to str, numpy scalars to int/float)
  table(group)       {column: list} of a table
  rows(group)        the rows of a table as dicts
  countmap(group)    {value: count} of a two-column countmap table
  exists(path)       whether an object exists
  ingest             dict of the /ingest attributes
  files              list of /ingest/files rows as dicts (path, format, bytes, records, rejected)
  errors             list of /ingest/errors rows as dicts (file, offset, cause)
  ip(dotted)         dotted quad -> u32
  np, re
On failure of `A == B` (or !=, <, <=, >, >=, in) both sides are printed.
Exit status 1 if any check fails.
"""
import re
import sys

import h5py
import numpy as np

sys.path.insert(0, __import__("os").path.dirname(__import__("os").path.abspath(__file__)))
from oracle import ip_to_u32  # noqa: E402


def _py(v):
    if isinstance(v, bytes):
        return v.decode("ascii", "replace")
    if isinstance(v, np.ndarray):
        return [_py(x) for x in v.tolist()] if v.dtype.kind == "S" else v.tolist()
    if isinstance(v, np.generic):
        return v.item()
    return v


def table(f, group):
    g = f[group]
    cols = [c.decode() for c in g.attrs["columns"]]
    return {c: [_py(x) for x in g[c][()]] for c in cols}


def rows(f, group):
    t = table(f, group)
    names = list(t)
    return [dict(zip(names, vals)) for vals in zip(*t.values())]


def countmap(f, group):
    t = table(f, group)
    keys, counts = list(t.values())
    return dict(zip(keys, counts))


def namespace(f):
    ns = dict(f=f, np=np, re=re, ip=ip_to_u32,
              attr=lambda p, n: _py(f[p].attrs[n]),
              table=lambda g: table(f, g), rows=lambda g: rows(f, g), countmap=lambda g: countmap(f, g),
              exists=lambda p: p in f)
    if "/ingest" in f:
        ns["ingest"] = {k: _py(v) for k, v in f["/ingest"].attrs.items()}
        ns["files"] = rows(f, "/ingest/files")
        ns["errors"] = rows(f, "/ingest/errors")
    return ns


_OPS = [" == ", " != ", " <= ", " >= ", " < ", " > ", " not in ", " in "]


def _short(x, n=400):
    s = repr(x)
    return s if len(s) <= n else s[:n] + "..."


def check_expr(ns, expr):
    """(ok, message) for one expression."""
    try:
        ok = bool(eval(expr, ns))  # noqa: S307 - test helper, trusted input
    except Exception as e:
        return False, "FAIL %s  (raised %s: %s)" % (expr, type(e).__name__, e)
    if ok:
        return True, "ok   " + expr
    for op in _OPS:
        if op in expr:
            lhs, rhs = expr.split(op, 1)
            try:
                return False, "FAIL %s\n       left:  %s\n       right: %s" % (
                    expr, _short(eval(lhs, ns)), _short(eval(rhs, ns)))
            except Exception:
                break
    return False, "FAIL " + expr


def expect(path, exprs):
    ok = True
    with h5py.File(path, "r") as f:
        ns = namespace(f)
        for e in exprs:
            good, msg = check_expr(ns, e)
            print("  " + msg)
            ok &= good
    return ok


def datasets_below(f, path):
    obj = f[path]
    if isinstance(obj, h5py.Dataset):
        return [path]
    out = []
    obj.visititems(lambda n, o: out.append(path.rstrip("/") + "/" + n) if isinstance(o, h5py.Dataset) else None)
    return sorted(out)


def same(a, b, paths):
    """Byte-equality of the datasets at or below each path; returns (ok, messages)."""
    ok, msgs = True, []
    with h5py.File(a, "r") as fa, h5py.File(b, "r") as fb:
        for p in paths:
            if p not in fa or p not in fb:
                msgs.append("FAIL %s missing in %s" % (p, a if p not in fa else b))
                ok = False
                continue
            da, db = datasets_below(fa, p), datasets_below(fb, p)
            if da != db:
                msgs.append("FAIL %s: different datasets %s vs %s" % (p, da, db))
                ok = False
                continue
            bad = []
            for d in da:
                x, y = fa[d], fb[d]
                if x.dtype.str != y.dtype.str or x.shape != y.shape:
                    bad.append("%s: %s%s vs %s%s" % (d, x.dtype.str, x.shape, y.dtype.str, y.shape))
                elif np.asarray(x[()]).tobytes() != np.asarray(y[()]).tobytes():
                    bad.append("%s: values differ: %s vs %s" % (d, _short(_py(x[()])), _short(_py(y[()]))))
            if bad:
                ok = False
                msgs.append("FAIL %s differs:\n       %s" % (p, "\n       ".join(bad)))
            else:
                msgs.append("ok   %s identical (%d dataset(s))" % (p, len(da)))
    return ok, msgs


def accounting(path):
    """records_read == used + rejected in total and per file; errors table consistent."""
    exprs = [
        "ingest['records_read'] == ingest['records_used'] + ingest['records_rejected']",
        "sum(r['records'] for r in files) == ingest['records_read']",
        "sum(r['rejected'] for r in files) == ingest['records_rejected']",
        "all(0 <= r['rejected'] <= r['records'] for r in files)",
        "len(errors) == min(100, ingest['records_rejected'])",
        "all(e['file'] in [r['path'] for r in files] for e in errors)",
        "errors == sorted(errors, key=lambda e: ([r['path'] for r in files].index(e['file']), e['offset']))",
        "ingest['banner_records'] <= ingest['records_used']",
    ]
    return expect(path, exprs)


def main(argv):
    if len(argv) >= 2 and argv[0] == "expect":
        return 0 if expect(argv[1], argv[2:]) else 1
    if len(argv) >= 3 and argv[0] == "same":
        ok, msgs = same(argv[1], argv[2], argv[3:])
        print("\n".join("  " + m for m in msgs))
        return 0 if ok else 1
    if len(argv) == 2 and argv[0] == "accounting":
        return 0 if accounting(argv[1]) else 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
