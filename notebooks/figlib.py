"""What every notebook in notebooks/ shares: its input and output paths, the provenance of
the input, and saving a figure together with the numbers it plots.

    import figlib
    H5, FIGDIR = figlib.setup("gps.ipynb", default_h5="out/example.h5")
    ...
    figlib.save(fig, "gps_coverage", data={...}, sources=["/gps/evaluation"])
    figlib.skip("gps_coverage", "no /gps/evaluation in the file: coverage figure skipped")

save() writes FIGDIR/NAME.png and, beside it, FIGDIR/NAME.json: the numbers drawn (`data`),
the HDF5 tables they come from (`sources`), the input file and its provenance (command line,
version, commit, creation time). tests/e2e/figures_check.py compares `data` with the HDF5
tables; scripts/reproduce.sh builds out/figures/index.md from these files. skip() prints why
a figure is not drawn and writes NAME.json with `skipped` (the message) and no `data`.

Time columns: the reader package (python/scanhpc) may return Unix seconds and day numbers as
integers or as datetimes; seconds() and days() turn either into integers.
"""
from __future__ import annotations

import json
import math
import os
import sys
from pathlib import Path

import h5py
import numpy as np
import pandas as pd

ROOT = Path.cwd().parent if Path.cwd().name == "notebooks" else Path.cwd()
H5: Path = ROOT / "out/example.h5"
FIGDIR: Path = ROOT / "out/figures"
NOTEBOOK = ""
PROVENANCE: dict = {}
PROVENANCE_KEYS = ["command", "command_line", "scanhpc_version", "git_commit", "created_utc", "ranks"]


def text(v, encoding="utf-8"):
    """An HDF5 string (fixed-length, NUL-padded bytes) as str."""
    if isinstance(v, (bytes, np.bytes_)):
        return bytes(v).rstrip(b"\0").decode(encoding, "replace")
    return v


def setup(notebook: str, default_h5: str):
    """Paths from SCANHPC_H5 and SCANHPC_FIGDIR (scripts/figures.sh exports both as absolute
    paths; relative ones are taken from the repository root), and the input's provenance."""
    global H5, FIGDIR, NOTEBOOK, PROVENANCE
    NOTEBOOK = notebook
    H5 = ROOT / os.environ.get("SCANHPC_H5", default_h5)
    FIGDIR = ROOT / os.environ.get("SCANHPC_FIGDIR", "out/figures")
    FIGDIR.mkdir(parents=True, exist_ok=True)
    if str(ROOT / "python") not in sys.path:
        sys.path.insert(0, str(ROOT / "python"))  # the project's reader package (python/scanhpc)
    with h5py.File(H5, "r") as f:
        PROVENANCE = {k: plain(text(f.attrs[k])) for k in PROVENANCE_KEYS if k in f.attrs}
    print("input  ", H5)
    print("figures", FIGDIR)
    return H5, FIGDIR


def plain(x):
    """numpy and pandas values as JSON values (NaN and infinities as null)."""
    if isinstance(x, dict):
        return {str(k): plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [plain(v) for v in x]
    if isinstance(x, (np.ndarray, pd.Series, pd.Index)):
        return [plain(v) for v in np.asarray(x).tolist()]
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        return float(x) if math.isfinite(float(x)) else None
    if isinstance(x, (np.bool_,)):
        return bool(x)
    if isinstance(x, (bytes, np.bytes_)):
        return text(x)
    if isinstance(x, pd.Timestamp):
        return x.isoformat()
    return x


def _record(name: str, sources) -> dict:
    return {"figure": f"{name}.png", "notebook": NOTEBOOK, "h5": str(H5), "sources": list(sources),
            "provenance": PROVENANCE}


def save(fig, name: str, data: dict, sources, title: str | None = None):
    """FIGDIR/NAME.png and FIGDIR/NAME.json (the numbers plotted, their tables, provenance)."""
    png = FIGDIR / f"{name}.png"
    fig.savefig(png, dpi=120, bbox_inches="tight")
    if title is None:
        title = fig._suptitle.get_text() if fig._suptitle is not None else ""
        if not title and fig.axes:
            title = fig.axes[0].get_title()
    record = _record(name, sources)
    record.update(title=title, data=data)
    (FIGDIR / f"{name}.json").write_text(json.dumps(plain(record), indent=1) + "\n")
    print("saved", png)


def skip(name: str, message: str, sources=()):
    """A figure not drawn: the reason, printed and in FIGDIR/NAME.json."""
    print(message)
    record = _record(name, sources)
    record.update(skipped=message)
    (FIGDIR / f"{name}.json").write_text(json.dumps(plain(record), indent=1) + "\n")


def seconds(values) -> np.ndarray:
    """Unix seconds as int64, from integers or datetimes (naive ones are UTC)."""
    s = pd.Series(values)
    if pd.api.types.is_datetime64_any_dtype(s):
        if s.dt.tz is not None:
            s = s.dt.tz_convert("UTC").dt.tz_localize(None)
        return (s.astype("datetime64[ns]").astype("int64") // 10**9).to_numpy()
    return s.astype("int64").to_numpy()


def days(values) -> np.ndarray:
    """Days since 1970-01-01 as int64, from integers or datetimes."""
    s = pd.Series(values)
    if pd.api.types.is_datetime64_any_dtype(s):
        return seconds(s) // 86400
    return s.astype("int64").to_numpy()


def utc(secs) -> pd.DatetimeIndex:
    """Unix seconds as naive UTC datetimes (what matplotlib's date axes expect)."""
    return pd.to_datetime(np.asarray(secs, dtype="int64"), unit="s")


def codes(values) -> np.ndarray:
    """Integer codes (ports, protocols) from integers or pandas categories."""
    s = pd.Series(values)
    if isinstance(s.dtype, pd.CategoricalDtype):
        s = s.astype(s.cat.categories.dtype)
    return s.astype("int64").to_numpy()


def strings(values) -> np.ndarray:
    """Strings from bytes, str or categories."""
    return np.array([text(v) for v in pd.Series(values).astype(object)], dtype=object)


def table_figure(df, title, left=(), width=8):
    """A DataFrame drawn as a matplotlib table (cells already formatted as text; `left` columns left-aligned)."""
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(width, 0.6 + 0.25 * (len(df) + 1)))
    ax.axis("off")
    rows = [[str(i), *row] for i, row in zip(df.index, df.values.tolist())]
    t = ax.table(cellText=rows, colLabels=[df.index.name or "", *df.columns], loc="center", cellLoc="right")
    for (r, c), cell in t.get_celld().items():
        if r > 0 and c > 0 and df.columns[c - 1] in left:
            cell.set_text_props(ha="left")
            cell.PAD = 0.02
    t.auto_set_font_size(False)
    t.set_fontsize(9)
    t.auto_set_column_width(list(range(len(df.columns) + 1)))
    t.scale(1, 1.3)
    ax.set_title(title)
    return fig


def count_axis(ax, counts, what):
    """Counts on a log axis when they span more than 50x (else linear, where bar heights compare); the label says which."""
    c = np.asarray(counts, dtype=float)
    c = c[c > 0]
    log = len(c) > 0 and c.max() / c.min() > 50
    if log:
        ax.set_yscale("log")
    else:
        ax.set_ylim(0, (c.max() if len(c) else 1) * 1.12)
    ax.set_ylabel(f"{what} (log scale)" if log else what)
    return log


def no_data(ax, message):
    """Replaces a plot by a message (an empty table is a valid result)."""
    print(message)
    ax.text(0.5, 0.5, message, ha="center", va="center", fontsize=14, transform=ax.transAxes)
    ax.set_xticks([])
    ax.set_yticks([])
