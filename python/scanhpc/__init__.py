"""Read scanhpc's HDF5 outputs into pandas.

    import scanhpc
    run = scanhpc.open("out.h5")          # its tables and provenance
    hosts = scanhpc.read_table("out.h5", "hosts/table")

A table (docs/hdf5-layout.md) is an HDF5 group of equal-length 1-D columns
whose ``columns`` attribute gives their order. read_table returns them in that
order with strings decoded, ports as categories, Unix-second and day-number
columns as UTC datetimes, and the ``known`` bitmask as named booleans.
Pure Python over h5py, numpy and pandas; import it by path
(``sys.path.insert(0, "<repo>/python")``) or ``pip install -e python``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Union

import h5py
import numpy as np
import pandas as pd

__all__ = ["open", "read_table", "tables", "Run"]

PathLike = Union[str, Path, h5py.File]

# Column names that hold Unix seconds or days since 1970-01-01, where the
# column carries no `units` attribute (docs/hdf5-layout.md).
_SECONDS = {"first_seen", "last_seen", "ts", "timestamp", "time", "interval_start", "start", "end"}
_DAYS = {"day"}
# Column names that hold TCP/UDP ports: categories, not numbers to add.
_PORTS = {"port", "p1", "p2", "pred_port", "rule_port", "dst_port", "src_port", "neededP", "a", "b"}
# The known bitmask of the hosts table and of observations (core/codes.hpp KnownBits).
_KNOWN_BITS = {"known_ts": 1, "known_reason": 2, "known_ttl": 4}


def _text(v) -> str:
    return v.decode("utf-8", "surrogateescape") if isinstance(v, bytes) else str(v)


def _with_file(path: PathLike):
    if isinstance(path, h5py.File):
        return path, False
    return h5py.File(path, "r"), True


def tables(path: PathLike) -> List[str]:
    """Every table of the file, as group paths, in the file's order."""
    f, close = _with_file(path)
    try:
        out: List[str] = []
        f.visititems(lambda name, obj: out.append(name) if isinstance(obj, h5py.Group) and "columns" in obj.attrs else None)
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


def _unit(ds: h5py.Dataset, name: str) -> str:
    if "units" in ds.attrs:
        return _text(ds.attrs["units"])
    if name in _SECONDS:
        return "unix seconds"
    if name in _DAYS:
        return "days since 1970-01-01"
    return ""


def read_table(path: Union[PathLike, h5py.Group], group: str = "", *, times: bool = True,
               categories: bool = True, known_bits: bool = True) -> pd.DataFrame:
    """One table as a DataFrame, columns in the table's order.

    `path` is a file name or an open h5py.File with `group` the table's path
    in it, or the table's h5py.Group itself (group left empty).

    times: Unix-second and day columns as UTC datetimes (a 0 in a seconds
    column that is not known stays NaT). categories: ports and short string
    columns as pandas Categorical. known_bits: the `known` bitmask as
    known_ts, known_reason and known_ttl booleans in its place.
    """
    if isinstance(path, h5py.Group) and not isinstance(path, h5py.File):
        f, close, g = path.file, False, path
    else:
        f, close = _with_file(path)
        g = f[group]
    try:
        if not isinstance(g, h5py.Group) or "columns" not in g.attrs:
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
            unit = _unit(ds, name)
            if times and unit == "unix seconds":
                cols[name] = pd.to_datetime(data.astype("int64"), unit="s", utc=True)
            elif times and unit.startswith("days since 1970"):
                cols[name] = pd.to_datetime(data.astype("int64"), unit="D", utc=True)
            elif known_bits and name == "known" and data.dtype.kind == "u":
                for bit_name, bit in _KNOWN_BITS.items():
                    cols[bit_name] = (data & bit) != 0
            elif categories and name in _PORTS and data.dtype.kind in "ui":
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
