"""Clinical time series in long format: one row per observation (id, time, variable, value).

The table needs the columns ``id``, ``time``, ``variable`` and ``value`` (any case; comma
or tab separated). ``time`` is numeric hours since the start of the stay, ``HH:MM`` or
``HH:MM:SS`` (hours may exceed 24). Observations are gridded exactly as PhysioNet records
are (see :func:`attnscope.io.grid_observations`): bin means, an observed mask, forward fill
within a stay and 0 before the first observation; negative times and times after ``hours``
are dropped. Stays keep the order in which their ids first appear.
"""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from attnscope.data import TimeSeriesDataset, encode_labels
from attnscope.data._encode import MISSING_LABELS, warn_case_variants
from attnscope.errors import AttnscopeWarning, DataError, UnlabelledSamplesError
from attnscope.io._labelfile import read_label_file
from attnscope.io._seqtable import lines_above_header
from attnscope.io._textio import (
    check_header_unique,
    number_hint,
    one_line,
    open_text,
    read_csv,
)
from attnscope.io._timegrid import check_grid, grid_observations, parse_times

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["read_long_timeseries"]

_REQUIRED = ("id", "time", "variable", "value")


def _sep(path: Path) -> str:
    if path.name.endswith((".tsv", ".tsv.gz", ".tab")):
        return "\t"
    with open_text(path) as fh:
        first = fh.readline()
    counts = {sep: first.count(sep) for sep in (",", "\t", ";")}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] > counts[","] else ","


def read_long_timeseries(
    path: str | os.PathLike[str],
    *,
    labels: str | os.PathLike[str] | None = None,
    label_col: str | None = None,
    hours: float | None = None,
    step_hours: float = 1.0,
    variables: Sequence[str] | None = None,
) -> TimeSeriesDataset:
    """Read a long-format time-series table onto a fixed grid.

    Parameters
    ----------
    path : path-like
        CSV/TSV (optionally gzipped) with columns id, time, variable, value.
    labels : path-like, optional
        Per-stay labels, read as every reader reads a labels file: stay ids in the first
        column, a header row optional, ``label_col`` naming the label column of a file of
        several. Stays without a label are dropped with an AttnscopeWarning.
    label_col : str, optional
        Label column of ``labels``; without ``labels``, a column of ``path`` itself whose
        value is constant within each stay.
    hours : float, optional
        Grid length; default the latest observation time, rounded up to a whole step.
    step_hours : float, default 1.0
        Bin width in hours.
    variables : sequence of str, optional
        Channels in this order; other variables are ignored. Default: every variable
        found, sorted.

    Returns
    -------
    TimeSeriesDataset
        ``values`` and ``mask`` of shape (n_stays, ceil(hours / step_hours), n_variables),
        raw units; ``static`` has zero columns.
    """
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise DataError(f"time-series file {path} not found; check the path.")
    if path.stat().st_size == 0:
        raise DataError(f"{path} is empty; expected a header 'id,time,variable,value'.")
    sep = _sep(path)
    try:
        # ids and variables as written ('001' is not stay '1'), in whatever case the header
        # names the columns
        above = lines_above_header(path, sep)  # a tool's '#' notes above the header
        check_header_unique(path, sep, above)
        head = read_csv(path, sep=sep, nrows=0, skiprows=above).columns
        text = {c: str for c in head if str(c).strip().lower() in ("id", "variable")}
        table = read_csv(path, sep=sep, dtype=text, skiprows=above)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataError(f"{path} is not a readable CSV/TSV table ({one_line(exc)}).") from exc
    first = above + 2  # the file line of the table's first row
    lower = {str(c).strip().lower(): c for c in table.columns}
    missing = [c for c in _REQUIRED if c not in lower]
    if missing:
        raise DataError(
            f"{path}: columns {missing} not found (found {list(table.columns)[:8]}); a long "
            "time-series table needs the columns id, time, variable, value."
        )
    if table.empty:
        raise DataError(f"{path} has a header but no observations.")
    for column in ("id", "variable"):  # a blank one became the stay or variable 'nan'
        blank = table[lower[column]].isna().to_numpy()
        if blank.any():
            raise DataError(
                f"{path}, line {int(np.argmax(blank)) + first}: the {column} is {_MISSING} "
                f"({int(blank.sum())} such lines); fix or remove the line."
            )
    ids = table[lower["id"]].astype(str).str.strip().to_numpy()
    var = table[lower["variable"]].astype(str).str.strip().to_numpy()
    t_hours, ok = parse_times(table[lower["time"]].to_numpy())
    if not ok.all():
        bad = int(np.argmax(~ok))
        cell = _cell(table[lower["time"]].iloc[bad])
        what = (
            f"the time is {_MISSING}"
            if cell == _MISSING
            else f"time {cell} is neither a number of hours nor HH:MM[:SS]"
        )
        fix = number_hint(table[lower["time"]].iloc[bad], sep) or (
            "Dates are not read: write hours since the start of each stay."
            if re.search(r"\d-\d", cell)
            else "Fix or remove the line."
        )
        raise DataError(f"{path}, line {bad + first}: {what}. {fix}")
    value = pd.to_numeric(table[lower["value"]], errors="coerce").to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        fine = np.abs(value) <= np.finfo(np.float32).max  # False for NaN, inf, beyond float32
    if not fine.all():
        bad = int(np.argmax(~fine))
        cell = table[lower["value"]].iloc[bad]
        what = (
            "the value is missing (empty or NA)"
            if _cell(cell) == _MISSING
            else f"value {_cell(cell)} is not a finite number within float32 range"
        )
        fix = number_hint(cell, sep) or "Fix or remove the line (missing observations need no row)."
        raise DataError(f"{path}, line {bad + first}: {what}. {fix}")
    if not (np.isfinite(step_hours) and step_hours > 0):
        raise DataError(f"step_hours must be a positive number of hours, got {step_hours!r}.")
    sample_idx, sample_ids = pd.factorize(ids, sort=False)
    if variables is None:
        names = sorted(set(var.tolist()))
        warn_case_variants(names, str(path), "variables", ("variable", "variables"))
    else:
        names = [str(v) for v in variables]
        absent = sorted(set(names) - set(var.tolist()))
        if absent:
            warnings.warn(
                f"{path}: variables {absent[:8]} have no observation; their channels are empty.",
                AttnscopeWarning,
                stacklevel=2,
            )
    lookup = {v: k for k, v in enumerate(names)}
    var_idx = np.fromiter((lookup.get(v, -1) for v in var.tolist()), np.int64, len(var))
    use = var_idx >= 0
    _warn_dropped(path, ids, var, t_hours, value, use, first)
    if hours is None:
        # The bin holding the latest observation is the last bin.
        latest = float(t_hours[use].max()) if use.any() else 0.0
        hours = (np.floor(max(latest, 0.0) / step_hours + 1e-9) + 1) * step_hours
        row = int(np.flatnonzero(use)[np.argmax(t_hours[use])]) if use.any() else 0
        check_grid(
            len(sample_ids),
            float(np.ceil(hours / step_hours - 1e-9)),
            len(names),
            what=f"{path}, line {row + first} (stay {ids[row]!r}): time {latest:.4g} h sets the "
            f"grid length; a grid of {len(sample_ids)} stays x {hours / step_hours:.4g} steps x "
            f"{len(names)} variables",
        )
    values, mask, grid = grid_observations(
        sample_idx[use],
        var_idx[use],
        t_hours[use],
        value[use],
        n_samples=len(sample_ids),
        n_variables=len(names),
        hours=float(hours),
        step_hours=step_hours,
    )
    sample_ids = np.asarray(sample_ids, dtype=str)
    codes: np.ndarray | None = None
    class_names: list[str] = []
    if labels is not None or label_col is not None:
        raw = _stay_labels(path, table, ids, sample_ids, labels, label_col, lower)
        known = pd.notna(raw)
        if not known.any():
            raise DataError(f"no stay of {path} has a label; check the ids of the labels.")
        if not known.all():
            warnings.warn(
                f"{path}: {int((~known).sum())} stays without a label were dropped "
                f"(first: {sample_ids[~known][:3].tolist()}).",
                AttnscopeWarning,
                stacklevel=2,
            )
            values, mask, sample_ids, raw = (
                values[known],
                mask[known],
                sample_ids[known],
                raw[known],
            )
        numeric = pd.to_numeric(pd.Series(raw), errors="coerce").to_numpy(dtype=float)
        label_values = numeric if np.isfinite(numeric).all() else raw.astype(str)
        codes, class_names = encode_labels(label_values, source=str(labels or path))
    n = len(sample_ids)
    return TimeSeriesDataset(
        labels=codes,
        sample_ids=sample_ids,
        class_names=class_names,
        truth=None,
        meta={
            "source": str(path),
            "format": "long",
            "hours": float(hours),
            "step_hours": float(step_hours),
            "normalized": False,
            "fill": "bin mean; forward fill within a stay; 0 (raw) before the first observation",
        },
        values=values,
        mask=mask,
        static=np.zeros((n, 0), dtype=np.float32),
        variable_names=np.asarray(names, dtype=str),
        static_names=np.zeros(0, dtype=str),
        times=grid,
    )


_MISSING = "missing (empty or NA)"


def _warn_dropped(
    path: Path,
    ids: np.ndarray,
    var: np.ndarray,
    t_hours: np.ndarray,
    value: np.ndarray,
    use: np.ndarray,
    first: int,
) -> None:
    """Warn about observations the grid drops or merges without saying so (``first``: the
    file line of row 0).

    Times before 0 fall outside the grid; one (id, time, variable)
    written twice with different values is averaged into one bin.
    """
    import pandas as pd

    outside = use & (t_hours < 0)  # (those after an ``hours`` given are cut on purpose)
    if outside.any():
        row = int(np.argmax(outside))
        warnings.warn(
            f"{path}: {int(outside.sum())} observations at times before 0 h were dropped (first: "
            f"line {row + first}, stay {ids[row]!r}, time {t_hours[row]:g} h); times are hours "
            "from the start of each stay: shift them if the stays start before 0.",
            AttnscopeWarning,
            stacklevel=3,
        )
    keys = pd.DataFrame({"id": ids, "time": t_hours, "variable": var, "value": value})
    repeated = keys.duplicated(["id", "time", "variable"], keep=False).to_numpy()
    clash = np.zeros(len(keys), dtype=bool)
    if repeated.any():  # only the repeated keys are grouped (a hash pass over all lines)
        part = keys[repeated]
        spread = part.groupby(["id", "time", "variable"], sort=False)["value"].transform("nunique")
        clash[np.flatnonzero(repeated)] = spread.to_numpy() > 1
    if clash.any():
        row = int(np.argmax(clash))
        warnings.warn(
            f"{path}: {int(clash.sum())} lines give one stay, time and variable different "
            f"values (first: line {row + first}, stay {ids[row]!r}, time {t_hours[row]:g} h, "
            f"{var[row]!r}); they are averaged. Remove the duplicates if that is wrong.",
            AttnscopeWarning,
            stacklevel=3,
        )


def _cell(value: Any) -> str:
    """A table cell as the user wrote it: quoted text, or 'missing (empty or NA)'."""
    import pandas as pd

    if not isinstance(value, str) and pd.isna(value):
        return _MISSING
    return repr(value if isinstance(value, str) else str(value))


def _stay_labels(
    path: Path,
    table: pd.DataFrame,
    ids: np.ndarray,
    sample_ids: np.ndarray,
    labels: str | os.PathLike[str] | None,
    label_col: str | None,
    lower: dict[str, Any],
) -> np.ndarray:
    """One label per stay (object array, NaN where unknown)."""
    import pandas as pd

    if labels is None:
        if label_col not in table.columns:
            # Unlabelled stays (new data for a run fitted with --label-col reads unlabelled:
            # :mod:`attnscope.run._stored`).
            raise UnlabelledSamplesError(
                f"{path}: label column {label_col!r} not found; columns are "
                f"{list(table.columns)[:8]}."
            )
        per = pd.DataFrame({"id": ids, "label": table[label_col].to_numpy()}).dropna()
        n_distinct = per.groupby("id")["label"].nunique()
        if (n_distinct > 1).any():
            sid = n_distinct.index[int(np.argmax(n_distinct.to_numpy() > 1))]
            raise DataError(
                f"{path}: stay {sid} has several values in label column {label_col!r}; "
                "a stay needs one label."
            )
        first = per.groupby("id")["label"].first()
        return first.reindex(sample_ids).to_numpy(dtype=object)
    lpath = Path(labels)
    if not lpath.is_file():
        raise DataError(f"labels file {lpath} not found; check the path.")
    # the one labels-file reader (header optional, its column named by label_col)
    series = pd.Series(read_label_file(lpath, label_col), dtype=object)
    if not series.index.isin(sample_ids).any():  # other data: a run reads it unlabelled
        raise UnlabelledSamplesError(
            f"labels file {lpath}: none of its ids (e.g. {series.index[:3].tolist()}) is a "
            f"stay of {path} (e.g. {np.asarray(sample_ids)[:3].tolist()}); check that the "
            "labels belong to these data (ids are compared as written: '001' is not '1')."
        )
    series = series.where(~series.str.lower().isin(MISSING_LABELS))  # 'NA': no label
    return series.reindex(sample_ids).to_numpy(dtype=object)
