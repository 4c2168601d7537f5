#!/usr/bin/python3
"""Compare scanhpc HDF5 outputs byte for byte.

    /usr/bin/python3 tests/compare_h5.py [--ignore PATH]... A.h5 B.h5 [C.h5 ...]

Every file after the first is compared with the first. Compared:
  * the set of groups and datasets (by path);
  * every dataset: dtype (exact, incl. fixed string length and byte order),
    shape and raw bytes;
  * every attribute of every object: on-disk dtype, shape and raw bytes
    (object references, as in the tables' dimension scales, by the path
    they point to).
Not compared (they depend on how the run was launched, docs/hdf5-layout.md):
  * the root attributes ranks, threads, created_utc, command_line, config,
    git_commit, build_flags, mpi_library and the slurm_* ones;
  * the whole /run group;
  * anything at or below a path given with --ignore (repeatable); PATH@NAME
    ignores one attribute of PATH.
Prints each difference; exit status 1 if there is any, 2 on usage errors.

As a module:
    from compare_h5 import compare_files
    diffs = compare_files("a.h5", "b.h5", ignore=["/ingest/files"])  # [] when equal
"""
import sys

import h5py
import numpy as np

RUN_DEPENDENT_ROOT_ATTRS = frozenset(
    {"ranks", "threads", "created_utc", "command_line", "config", "git_commit", "build_flags", "mpi_library",
     "slurm_cluster_name", "slurm_job_id", "slurm_array_job_id", "slurm_array_task_id", "slurm_job_nodelist",
     "slurm_job_num_nodes"})
RUN_DEPENDENT_PATHS = ("/run",)


def _ignored(path, ignore):
    for p in ignore:
        if "@" in p:  # PATH@ATTRIBUTE: one attribute, not the object
            continue
        p = p.rstrip("/") or "/"
        if p == "/" or path == p or path.startswith(p + "/"):
            return True
    return False


def _objects(f, ignore):
    """{path: 'group'|'dataset'} for every object below the root (root included)."""
    out = {"/": "group"}

    def visit(name, obj):
        path = "/" + name
        if _ignored(path, ignore):
            return
        out[path] = "dataset" if isinstance(obj, h5py.Dataset) else "group"

    f.visititems(visit)
    return out


def _has_refs(dtype):
    """Whether values of `dtype` hold object references (the dimension scales'
    DIMENSION_LIST and REFERENCE_LIST attributes)."""
    if h5py.check_ref_dtype(dtype) is not None:
        return True
    base = h5py.check_vlen_dtype(dtype)
    if base is not None:
        return _has_refs(base)
    if dtype.names:
        return any(_has_refs(dtype.fields[n][0]) for n in dtype.names)
    return dtype.subdtype is not None and _has_refs(dtype.subdtype[0])


def _resolve(value, f):
    """`value` with every object reference replaced by the path it points to."""
    if isinstance(value, h5py.Reference):
        return f[value].name if value else None
    if isinstance(value, (np.void, np.record)) and value.dtype.names:
        return tuple(_resolve(value[n], f) for n in value.dtype.names)
    if isinstance(value, np.ndarray):
        return [_resolve(v, f) for v in value.reshape(-1)]
    if isinstance(value, np.generic):
        return value.item()
    return value


def _read_attr(obj, name):
    """(dtype, shape, raw bytes) of an attribute as stored; references as the
    paths they point to (their bytes are addresses in the file)."""
    aid = h5py.h5a.open(obj.id, name.encode())
    dtype, shape = aid.dtype, aid.shape
    if _has_refs(dtype):
        return str(dtype), shape, repr(_resolve(obj.attrs[name], obj.file)).encode()
    # Variable-length strings are compared by value (they are not expected in
    # scanhpc files, but keep the comparison well defined).
    if h5py.check_string_dtype(dtype) is not None and h5py.check_string_dtype(dtype).length is None:
        value = obj.attrs[name]
        return str(dtype), shape, repr(value).encode()
    arr = np.empty(shape, dtype=dtype)
    aid.read(arr)
    return str(dtype), shape, arr.tobytes()


def _short(raw, limit=120):
    s = repr(raw)
    return s if len(s) <= limit else s[:limit] + "..."


def _attr_value(obj, name):
    try:
        return _short(obj.attrs[name])
    except Exception as e:  # pragma: no cover - diagnostics only
        return "<unreadable: %s>" % e


def _compare_attrs(path, oa, ob, ignore_names, diffs, la, lb):
    na = set(oa.attrs.keys()) - ignore_names
    nb = set(ob.attrs.keys()) - ignore_names
    for n in sorted(na - nb):
        diffs.append("%s: attribute %r only in %s" % (path, n, la))
    for n in sorted(nb - na):
        diffs.append("%s: attribute %r only in %s" % (path, n, lb))
    for n in sorted(na & nb):
        ta, tb = _read_attr(oa, n), _read_attr(ob, n)
        if ta[0] != tb[0] or ta[1] != tb[1]:
            diffs.append("%s @%s: type differs: %s %s vs %s %s"
                         % (path, n, ta[0], ta[1], tb[0], tb[1]))
        elif ta[2] != tb[2]:
            diffs.append("%s @%s: value differs: %s vs %s"
                         % (path, n, _attr_value(oa, n), _attr_value(ob, n)))


def _first_difference(a, b):
    """Where two equal-shape arrays first differ, for the message."""
    size = a.dtype.itemsize
    va = np.frombuffer(a.tobytes(), dtype=np.dtype((np.void, size))) if size else None
    vb = np.frombuffer(b.tobytes(), dtype=np.dtype((np.void, size))) if size else None
    if va is None or va.size == 0:
        return "bytes differ"
    ne = np.flatnonzero(va != vb)
    if ne.size == 0:
        return "bytes differ"
    i = int(ne[0])
    fa, fb = a.reshape(-1), b.reshape(-1)
    return "%d of %d elements differ, first at [%d]: %s vs %s" % (
        ne.size, fa.size, i, _short(fa[i]), _short(fb[i]))


def compare_files(path_a, path_b, ignore=()):
    """List of human-readable differences between two scanhpc HDF5 files."""
    ignore = tuple(RUN_DEPENDENT_PATHS) + tuple(ignore)
    diffs = []
    with h5py.File(path_a, "r") as fa, h5py.File(path_b, "r") as fb:
        oa, ob = _objects(fa, ignore), _objects(fb, ignore)
        for p in sorted(set(oa) - set(ob)):
            diffs.append("%s: %s only in %s" % (p, oa[p], path_a))
        for p in sorted(set(ob) - set(oa)):
            diffs.append("%s: %s only in %s" % (p, ob[p], path_b))
        for p in sorted(set(oa) & set(ob)):
            if oa[p] != ob[p]:
                diffs.append("%s: %s in %s but %s in %s" % (p, oa[p], path_a, ob[p], path_b))
                continue
            a, b = fa[p], fb[p]
            names = {i.split("@", 1)[1] for i in ignore if "@" in i and (i.split("@", 1)[0] or "/") == p}
            _compare_attrs(p, a, b, (RUN_DEPENDENT_ROOT_ATTRS if p == "/" else frozenset()) | names,
                           diffs, path_a, path_b)
            if oa[p] != "dataset":
                continue
            if a.dtype != b.dtype or a.dtype.str != b.dtype.str:
                diffs.append("%s: dtype differs: %s vs %s" % (p, a.dtype.str, b.dtype.str))
                continue
            if a.shape != b.shape:
                diffs.append("%s: shape differs: %s vs %s" % (p, a.shape, b.shape))
                continue
            da, db = a[()], b[()]
            da, db = np.asarray(da), np.asarray(db)
            if da.tobytes() != db.tobytes():
                diffs.append("%s: data differs: %s" % (p, _first_difference(da, db)))
    return diffs


def main(argv):
    ignore, files = [], []
    it = iter(argv)
    for arg in it:
        if arg == "--ignore":
            try:
                ignore.append(next(it))
            except StopIteration:
                print("compare_h5.py: --ignore needs a path", file=sys.stderr)
                return 2
        elif arg.startswith("--ignore="):
            ignore.append(arg.split("=", 1)[1])
        elif arg in ("-h", "--help"):
            print(__doc__)
            return 0
        else:
            files.append(arg)
    if len(files) < 2:
        print("usage: compare_h5.py [--ignore PATH]... A.h5 B.h5 [C.h5 ...]", file=sys.stderr)
        return 2
    status = 0
    for other in files[1:]:
        try:
            diffs = compare_files(files[0], other, ignore)
        except (OSError, KeyError) as e:
            print("compare_h5.py: cannot compare %s and %s: %s" % (files[0], other, e), file=sys.stderr)
            return 2
        if diffs:
            status = 1
            print("DIFFER: %s vs %s (%d difference(s))" % (files[0], other, len(diffs)))
            for d in diffs:
                print("  " + d)
        else:
            print("same: %s vs %s" % (files[0], other))
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
