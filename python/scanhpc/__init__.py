"""Read scanhpc's HDF5 outputs into pandas.

    import scanhpc
    run = scanhpc.open("out.h5")          # its tables and provenance
    hosts = scanhpc.read_table("out.h5", "hosts/table")

A table (docs/hdf5-layout.md) is an HDF5 group of equal-length 1-D columns
whose ``columns`` attribute gives their order; each column carries ``units``
and ``description`` attributes. read_table returns the columns in that order
with strings decoded, ports (units ``port``) as categories, columns in Unix
seconds or days (CF units ``seconds since 1970-01-01 00:00:00``, ``days since
1970-01-01``) as UTC datetimes, and bitmasks (CF ``flag_masks`` and
``flag_meanings``: ``known``) as named booleans. Files written before the
columns had attributes are read by column name, as before.
Pure Python over h5py, numpy and pandas; import it by path
(``sys.path.insert(0, "<repo>/python")``) or ``pip install -e python``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Union

import h5py
import numpy as np
import pandas as pd

__all__ = ["open", "read_table", "tables", "Run"]

PathLike = Union[str, Path, h5py.File]

# For columns without attributes (files written before scanhpc wrote them, or
# by other tools): the column names that hold Unix seconds or days since
# 1970-01-01, TCP/UDP ports (categories, not numbers to add), and the known
# bitmask of the hosts table and of observations (core/codes.hpp KnownBits).
_SECONDS = {"first_seen", "last_seen", "ts", "timestamp", "time", "interval_start", "start", "end"}
_DAYS = {"day"}
_PORTS = {"port", "p1", "p2", "pred_port", "rule_port", "dst_port", "src_port", "neededP", "a", "b"}
_KNOWN_BITS = {"known_ts": 1, "known_reason": 2, "known_ttl": 4}
# CF units of the Unix epoch: "seconds since 1970-01-01 00:00:00" and other spellings.
_EPOCH_UNITS = re.compile(r"(?P<unit>seconds|second|sec|s|days|day|d) since 1970-01-01"
                          r"(?:[ T]0{1,2}:0{1,2}:0{1,2}(?:\.0*)?)?(?: ?(?:Z|UTC|\+00:00|\+0000))?")


def _text(v) -> str:
    return v.decode("utf-8", "surrogateescape") if isinstance(v, bytes) else str(v)


def _with_file(path: PathLike):
    if isinstance(path, h5py.File):
        return path, False
    return h5py.File(path, "r"), True


def _is_table(obj) -> bool:
    # A table's `columns` is an array of names (/ports has a string `columns`
    # attribute of another meaning: the CSV column mapping).
    return isinstance(obj, h5py.Group) and "columns" in obj.attrs and np.ndim(obj.attrs["columns"]) == 1


def tables(path: PathLike) -> List[str]:
    """Every table of the file, as group paths, in the file's order."""
    f, close = _with_file(path)
    try:
        out: List[str] = []
        f.visititems(lambda name, obj: out.append(name) if _is_table(obj) else None)
        return out
    finally:
        if close:
            f.close()


def _decode(data: np.ndarray) -> np.ndarray:
    """Bytes to str: UTF-8 where every value is UTF-8, else Latin-1 (banners are raw bytes)."""
    try:
        return np.array([x.decode("utf-8") for x in data], dtype=object)
    except UnicodeDecodeError:
        return np.array([x.decode("latin-1") for x in data], dtype=object)


def _time_unit(ds: h5py.Dataset, name: str) -> str:
    """'s' or 'D' for a column of Unix seconds or days since 1970-01-01, else ''."""
    if "units" not in ds.attrs:
        return "s" if name in _SECONDS else "D" if name in _DAYS else ""
    units = _text(ds.attrs["units"])
    if units == "unix seconds":
        return "s"
    m = _EPOCH_UNITS.fullmatch(units)
    if not m:
        return ""
    return "D" if m.group("unit") in ("days", "day", "d") else "s"


def _is_port(ds: h5py.Dataset, name: str) -> bool:
    return _text(ds.attrs["units"]) == "port" if "units" in ds.attrs else name in _PORTS


def _flags(ds: h5py.Dataset, name: str) -> Dict[str, int]:
    """A bitmask column's {meaning: mask} (CF flag_masks, flag_meanings), else {}."""
    if "flag_masks" in ds.attrs and "flag_meanings" in ds.attrs:
        masks = np.atleast_1d(ds.attrs["flag_masks"])
        return dict(zip(_text(ds.attrs["flag_meanings"]).split(), (int(m) for m in masks)))
    return dict(_KNOWN_BITS) if name == "known" and "units" not in ds.attrs else {}


def read_table(path: Union[PathLike, h5py.Group], group: str = "", *, times: bool = True,
               categories: bool = True, known_bits: bool = True) -> pd.DataFrame:
    """One table as a DataFrame, columns in the table's order.

    `path` is a file name or an open h5py.File with `group` the table's path
    in it, or the table's h5py.Group itself (group left empty).

    times: columns in Unix seconds or days as UTC datetimes (an unknown
    first_seen, 0, is 1970-01-01: read `known`). categories: ports and
    string columns of repeated labels as pandas Categorical. known_bits:
    bitmask columns (`known`) as one boolean per flag in their place
    (known_ts, known_reason, known_ttl).
    """
    if isinstance(path, h5py.Group) and not isinstance(path, h5py.File):
        f, close, g = path.file, False, path
    else:
        f, close = _with_file(path)
        g = f[group]
    try:
        if not _is_table(g):
            raise KeyError(f"{group} is not a table of {f.filename}; its tables: {', '.join(tables(f))}")
        cols: Dict[str, object] = {}
        for name in (_text(c) for c in g.attrs["columns"]):
            ds = g[name]
            data = ds[()]
            if data.dtype.kind in ("S", "O"):
                if data.dtype.kind == "S" or any(isinstance(x, bytes) for x in data[:1]):
                    data = _decode(np.asarray(data, dtype=object))
                if categories and len(data) and len(set(data)) <= len(data) // 2:  # repeated labels
                    data = pd.Categorical(data)
                cols[name] = data
                continue
            unit = _time_unit(ds, name) if data.dtype.kind in "ui" else ""
            flags = _flags(ds, name) if data.dtype.kind == "u" else {}
            if times and unit:
                cols[name] = pd.to_datetime(data.astype("int64"), unit=unit, utc=True)
            elif known_bits and flags:
                for bit_name, bit in flags.items():
                    cols[bit_name] = (data & bit) != 0
            elif categories and _is_port(ds, name) and data.dtype.kind in "ui":
                cols[name] = pd.Categorical(data)
            else:
                cols[name] = data
        return pd.DataFrame(cols)
    finally:
        if close:
            f.close()


@dataclass
class Run:
    """What an output holds: its tables and the provenance of the run."""
    path: str
    command: str
    provenance: Dict[str, object] = field(default_factory=dict)
    tables: List[str] = field(default_factory=list)

    def read(self, group: str, **kw) -> pd.DataFrame:
        return read_table(self.path, group, **kw)


def open(path: Union[str, Path]) -> Run:  # noqa: A001 (the package's verb, as h5py.File)
    """The file's tables and provenance (the root attributes: command, config, commit, ranks, ...)."""
    with h5py.File(path, "r") as f:
        prov = {k: (_text(v) if isinstance(v, (bytes, np.bytes_)) else v) for k, v in f.attrs.items()}
        return Run(str(path), str(prov.get("command", "")), prov, tables(f))
