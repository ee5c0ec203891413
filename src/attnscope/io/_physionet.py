"""PhysioNet/CinC Challenge 2012 ICU stays (set-a/b/c) on an hourly grid.

Each stay is one ``<RecordID>.txt`` file with the header ``Time,Parameter,Value`` and times
``HH:MM`` since admission. All records are concatenated into one long table and parsed by
pandas in one pass; the gridding is :func:`attnscope.io.grid_observations`.

Static descriptors (``static``, ``static_names``):

- ``Age``, ``Gender`` (0 female, 1 male), ``Height`` (cm), ``Weight`` (kg) from the rows at
  time 00:00; a value of -1 (or a Height/Weight of 0) is missing. ``Weight`` is the first
  positive Weight of the stay (the 00:00 descriptor, else the first later measurement).
- ``ICUType_1`` .. ``ICUType_4`` one-hot (coronary care, cardiac surgery recovery, medical,
  surgical); all zero when ICUType is missing.
- ``Age_missing``, ``Gender_missing``, ``Height_missing``, ``Weight_missing``: 1 where the
  value was missing. The reader fills those cells with the median of the stays read
  (the most frequent value for Gender);
  :class:`attnscope.io.TimeSeriesNormalizer` re-imputes them with the **training** median.

Time series: the 36 variables of :data:`PHYSIONET_VARIABLES` (Weight measurements after
admission are used only for the static Weight). Values are raw (units of the challenge);
bins hold the mean of their observations, ``mask`` marks observed cells, unobserved cells
are forward-filled within the stay and cells before the first observation are 0 (raw).
Normalise with :class:`attnscope.io.TimeSeriesNormalizer` fitted on the training split,
which puts those leading cells at the training mean (0 after normalisation).

Tasks (labels from the Outcomes file, ``Outcomes-a.txt`` beside the records by default):

- ``"mortality"``: ``In-hospital_death`` (0 survived, 1 died).
- ``"severity"``: SAPS-I tertiles, classes ``low`` (SAPS-I <= q1), ``medium``
  (q1 < SAPS-I <= q2), ``high``; q1, q2 = 1/3 and 2/3 quantiles of SAPS-I over every stay
  of the Outcomes file with a valid score (stored in ``meta["severity_cut_points"]``).
  Stays with SAPS-I -1 are dropped with an AttnscopeWarning.
- ``None``: unlabelled; no Outcomes file needed.
"""

from __future__ import annotations

import io
import os
import re
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np

from attnscope.data import TimeSeriesDataset
from attnscope.errors import AttnscopeWarning, DataError
from attnscope.io._physionet_files import load_records, outcomes_path, outcomes_table
from attnscope.io._timegrid import grid_observations

if TYPE_CHECKING:
    pass

__all__ = ["PHYSIONET_STATIC", "PHYSIONET_VARIABLES", "read_physionet2012"]

#: The 36 time-series variables of the challenge, in channel order.
PHYSIONET_VARIABLES = (
    "Albumin", "ALP", "ALT", "AST", "Bilirubin", "BUN", "Cholesterol", "Creatinine",
    "DiasABP", "FiO2", "GCS", "Glucose", "HCO3", "HCT", "HR", "K", "Lactate", "Mg", "MAP",
    "MechVent", "Na", "NIDiasABP", "NIMAP", "NISysABP", "PaCO2", "PaO2", "pH", "Platelets",
    "RespRate", "SaO2", "SysABP", "Temp", "TroponinI", "TroponinT", "Urine", "WBC",
)  # fmt: skip
#: Static columns, in order.
PHYSIONET_STATIC = (
    "Age", "Gender", "Height", "Weight", "ICUType_1", "ICUType_2", "ICUType_3", "ICUType_4",
    "Age_missing", "Gender_missing", "Height_missing", "Weight_missing",
)  # fmt: skip
_DESCRIPTORS = ("RecordID", "Age", "Gender", "Height", "ICUType", "Weight")
_HEADER = b"Time,Parameter,Value"


def read_physionet2012(
    path: str | os.PathLike[str],
    *,
    outcomes: str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | None = None,
    task: Literal["mortality", "severity"] | None = "mortality",
    hours: float = 48,
    step_hours: float = 1.0,
    sets: Sequence[str] | None = None,
) -> TimeSeriesDataset:
    """Read PhysioNet 2012 ICU stays onto a fixed grid, with mortality or severity labels.

    Parameters
    ----------
    path : path-like
        Folder of ``<RecordID>.txt`` records, or the ``set-a.tar.gz`` archive (read in
        memory, nothing extracted), or a folder holding ``set-*.tar.gz`` archives (all of
        them, or those chosen by ``sets``). Only ``set-a/<RecordID>.txt`` members of
        ``set-a.tar.gz`` (or ``.txt`` members at the archive root) are stays; other members
        are not read, with an AttnscopeWarning.
    outcomes : path-like or sequence of path-likes, optional
        ``Outcomes-a.txt`` (several files are concatenated); default: each set's
        ``Outcomes-<x>.txt`` found beside its archive or folder, so labels are matched per
        set. Severity tertiles are computed over every Outcomes file read.
    task : {"mortality", "severity"} or None, default "mortality"
        See the module notes; None reads the stays unlabelled.
    hours : float, default 48
        Grid length; observations after it are dropped.
    step_hours : float, default 1.0
        Bin width.
    sets : sequence of str, optional
        With a folder of archives: the sets to read, e.g. ``("a", "b")`` for
        ``set-a.tar.gz`` and ``set-b.tar.gz``; default all of them.

    Returns
    -------
    TimeSeriesDataset
        ``values`` and ``mask`` of shape (n_stays, ceil(hours / step_hours), 36) in raw
        units, ``static`` of shape (n_stays, 12) (see :data:`PHYSIONET_STATIC`),
        ``sample_ids`` the RecordIDs, ordered by record name.
    """
    import pandas as pd

    if task not in ("mortality", "severity", None):
        raise DataError(f"task must be 'mortality', 'severity' or None, got {task!r}.")
    path = Path(path)
    names, blobs, sources = load_records(path, sets)
    bodies: list[bytes] = []
    n_lines = np.zeros(len(names), dtype=np.int64)
    for k, (name, blob) in enumerate(zip(names, blobs)):
        head, _, body = blob.partition(b"\n")
        if head.strip().lstrip(b"\xef\xbb\xbf") != _HEADER:
            raise DataError(
                f"{name}, line 1: header is {head[:40].decode(errors='replace')!r}; expected "
                "'Time,Parameter,Value'. Is this a PhysioNet 2012 record?"
            )
        if body and not body.endswith(b"\n"):
            body += b"\n"
        bodies.append(body)
        n_lines[k] = body.count(b"\n")
    starts = np.concatenate([[0], np.cumsum(n_lines)[:-1]])

    def where(row: int) -> str:
        rec = int(np.searchsorted(starts, row, side="right")) - 1
        line = int(row - starts[rec])
        text = bodies[rec].split(b"\n")[line].decode(errors="replace").rstrip("\r")
        return f"{names[rec]}, line {line + 2} ({text[:60]!r})"

    # "HH:MM" becomes two numeric fields, so the C parser does all the number parsing.
    try:
        table = pd.read_csv(
            io.BytesIO(b"".join(bodies).replace(b":", b",")),
            header=None,
            names=["hh", "mm", "Parameter", "Value"],
            dtype={"Parameter": str, "hh": str},  # a sign survives as text ("-00")
            skip_blank_lines=False,
        )
    except pd.errors.ParserError as exc:
        found = re.search(r"line (\d+)", str(exc))
        at = where(int(found.group(1)) - 1) if found else str(path)
        raise DataError(
            f"{at}: expected 'HH:MM,Parameter,Value' (one ':' in the time, three "
            "comma-separated fields); fix or remove the line."
        ) from exc
    except pd.errors.EmptyDataError as exc:
        raise DataError(f"{path}: the records hold no observations.") from exc
    except UnicodeDecodeError as exc:
        for name, body in zip(names, bodies):
            try:
                body.decode("utf-8")
            except UnicodeDecodeError as err:
                line = body[: err.start].count(b"\n") + 2
                raise DataError(
                    f"{name}, line {line}: the text is not UTF-8 (byte 0x{body[err.start]:02x}); "
                    "convert it, e.g. iconv -f cp1252 -t utf-8."
                ) from exc
        raise DataError(f"{path}: the records are not UTF-8 text.") from exc
    if len(table) != int(n_lines.sum()):
        raise DataError(f"{path}: could not split the records into lines (quoted fields?).")
    rec = np.repeat(np.arange(len(names)), n_lines)
    row = np.arange(len(table))
    cols = {c: pd.to_numeric(table[c], errors="coerce").to_numpy(float) for c in ("hh", "mm")}
    value = pd.to_numeric(table["Value"], errors="coerce").to_numpy(dtype=float)
    codes, uniques = pd.factorize(table["Parameter"])
    blank = (codes < 0) & ~np.isfinite(cols["hh"]) & ~np.isfinite(cols["mm"])
    blank &= table["Value"].isna().to_numpy()
    if blank.any():
        keep_rows = ~blank
        rec, row, value, codes = rec[keep_rows], row[keep_rows], value[keep_rows], codes[keep_rows]
        cols = {k: v[keep_rows] for k, v in cols.items()}
    hh, mm = cols["hh"], cols["mm"]
    # "-00:30" parses as 0 hours: a time before admission read as +30 min without this
    signed = table["hh"].astype(str).str.lstrip().str.startswith("-").to_numpy()
    if blank.any():
        signed = signed[keep_rows]
    ok = np.isfinite(hh) & (hh >= 0) & ~signed & (hh == np.floor(hh)) & np.isfinite(mm)
    ok &= (mm >= 0) & (mm < 60) & (mm == np.floor(mm)) & (codes >= 0)
    if not ok.all():
        bad = int(np.argmax(~ok))
        raise DataError(
            f"{where(int(row[bad]))}: the time is not HH:MM (hours:minutes since "
            "admission); fix the time or remove the line."
        )
    t_hours = hh + mm / 60.0
    with np.errstate(invalid="ignore"):
        fine = np.abs(value) <= np.finfo(np.float32).max  # False for NaN, inf, beyond float32
    if not fine.all():
        bad = int(np.argmax(~fine))
        raise DataError(
            f"{where(int(row[bad]))}: the value is not a number within float32 range; fix or "
            "remove the line."
        )
    pnames = [str(u).strip() for u in uniques]

    def is_param(name: str) -> np.ndarray:
        hits = [k for k, u in enumerate(pnames) if u == name]
        return np.isin(codes, hits) if hits else np.zeros(codes.shape, dtype=bool)

    # RecordID: first RecordID row of each record.
    is_id = is_param("RecordID")
    has_id = np.zeros(len(names), dtype=bool)
    has_id[rec[is_id]] = True
    if not has_id.all():
        miss = int(np.argmax(~has_id))
        raise DataError(
            f"{names[miss]}: no RecordID line (expected '00:00,RecordID,<id>' after the "
            "header); add it or remove the record."
        )
    id_rec, first = np.unique(rec[is_id], return_index=True)
    record_ids = np.empty(len(names), dtype=np.int64)
    record_ids[id_rec] = value[is_id][first].astype(np.int64)
    uniq, counts = np.unique(record_ids, return_counts=True)
    if (counts > 1).any():
        dup = int(uniq[counts > 1][0])
        files = [names[i] for i in np.flatnonzero(record_ids == dup)[:2]]
        raise DataError(f"RecordID {dup} appears in two records {files}; remove the copy.")

    static, static_names = _static_table(rec, is_param, t_hours, value, len(names))
    var_lookup = {v: k for k, v in enumerate(PHYSIONET_VARIABLES)}
    lut = np.array([var_lookup.get(u, -1) for u in pnames], dtype=np.int64)
    var_idx = lut[codes]
    is_var = var_idx >= 0
    unknown = sorted({u for u in pnames if u not in var_lookup} - set(_DESCRIPTORS))
    if unknown:
        warnings.warn(
            f"{path}: parameters {unknown[:8]} are not PhysioNet 2012 variables and were ignored.",
            AttnscopeWarning,
            stacklevel=2,
        )
    values, mask, grid = grid_observations(
        rec[is_var],
        var_idx[is_var],
        t_hours[is_var],
        value[is_var],
        n_samples=len(names),
        n_variables=len(PHYSIONET_VARIABLES),
        hours=hours,
        step_hours=step_hours,
    )
    meta: dict[str, object] = {
        "source": str(path),
        "format": "physionet2012",
        "task": task,
        "hours": float(hours),
        "step_hours": float(step_hours),
        "normalized": False,
        "fill": "bin mean; forward fill within a stay; 0 (raw) before the first observation",
        "static_imputation": "median of the stays read where <name>_missing is 1",
    }
    labels: np.ndarray | None = None
    class_names: list[str] = []
    keep = np.ones(len(names), dtype=bool)
    if task is not None:
        if outcomes is None:
            out_paths = list(dict.fromkeys(outcomes_path(src) for src, _ in sources))
        elif isinstance(outcomes, (str, os.PathLike)):
            out_paths = [Path(outcomes)]
        else:
            out_paths = [Path(o) for o in outcomes]
        labels, class_names, keep, extra = _labels(out_paths, record_ids, names, task)
        meta.update(extra)
        meta["outcomes"] = str(out_paths[0]) if len(out_paths) == 1 else [str(o) for o in out_paths]
    if len(sources) > 1:
        meta["sets"] = [str(src) for src, _ in sources]
    return TimeSeriesDataset(
        labels=None if labels is None else labels[keep],
        sample_ids=record_ids[keep].astype(str),
        class_names=class_names,
        truth=None,
        meta=meta,
        values=values[keep],
        mask=mask[keep],
        static=static[keep],
        variable_names=np.asarray(PHYSIONET_VARIABLES),
        static_names=np.asarray(static_names),
        times=grid,
    )


def _static_table(
    rec: np.ndarray,
    is_param: Callable[[str], np.ndarray],
    t_hours: np.ndarray,
    value: np.ndarray,
    n: int,
) -> tuple[np.ndarray, list[str]]:
    """Static descriptors (n, 12) with missing indicators; see the module notes."""
    cols: dict[str, np.ndarray] = {}
    for name in ("Age", "Gender", "Height", "ICUType"):
        sel = is_param(name) & (t_hours == 0)
        r, first = np.unique(rec[sel], return_index=True)
        col = np.full(n, np.nan)
        col[r] = value[sel][first]
        cols[name] = col
    sel = is_param("Weight") & (value > 0)
    r, first = np.unique(rec[sel], return_index=True)
    cols["Weight"] = np.full(n, np.nan)
    cols["Weight"][r] = value[sel][first]
    for name in ("Age", "Gender", "ICUType"):
        cols[name] = np.where(cols[name] < 0, np.nan, cols[name])
    for name in ("Height", "Weight"):
        cols[name] = np.where(cols[name] <= 0, np.nan, cols[name])
    cols["Gender"] = np.where(np.isin(cols["Gender"], (0.0, 1.0)), cols["Gender"], np.nan)
    out = np.zeros((n, len(PHYSIONET_STATIC)), dtype=np.float32)
    for j, name in enumerate(("Age", "Gender", "Height", "Weight")):
        col = cols[name]
        missing = ~np.isfinite(col)
        fill = float(np.nanmedian(col)) if (~missing).any() else 0.0
        if name == "Gender":  # binary: the most frequent value, never 0.5
            fill = float(np.nanmean(col) >= 0.5) if (~missing).any() else 0.0
        out[:, j] = np.where(missing, fill, col)
        out[:, 8 + j] = missing
    icu = cols["ICUType"]
    for k in range(4):
        out[:, 4 + k] = icu == k + 1
    return out, list(PHYSIONET_STATIC)


def _labels(
    paths: list[Path], record_ids: np.ndarray, names: list[str], task: str
) -> tuple[np.ndarray, list[str], np.ndarray, dict[str, object]]:
    import pandas as pd

    need = "In-hospital_death" if task == "mortality" else "SAPS-I"
    tables = [outcomes_table(p, need) for p in paths]
    table = pd.concat(tables) if len(tables) > 1 else tables[0]
    path = paths[0] if len(paths) == 1 else ", ".join(str(p) for p in paths)
    if len(tables) > 1 and table.index.duplicated().any():
        raise DataError(
            f"outcomes files {path}: RecordID {int(table.index[table.index.duplicated()][0])} "
            "is in two of them; give each set its own Outcomes file."
        )
    absent = ~np.isin(record_ids, table.index.to_numpy())
    if absent.any():
        first = [names[i] for i in np.flatnonzero(absent)[:3]]
        raise DataError(
            f"outcomes file {path} has no row for {int(absent.sum())} records "
            f"(RecordIDs {record_ids[absent][:5].tolist()}, files {first}); use the Outcomes "
            "file of the same set or remove those records."
        )
    col = pd.to_numeric(table[need], errors="coerce")
    row = col.reindex(record_ids).to_numpy(dtype=float)
    if task == "mortality":
        bad = ~np.isin(row, (0.0, 1.0))
        if bad.any():
            rid = record_ids[np.argmax(bad)]
            cell = table[need].reindex([rid]).iloc[0]  # as written (to_numeric made it NaN)
            written = "empty" if pd.isna(cell) or not str(cell).strip() else repr(str(cell))
            raise DataError(
                f"outcomes file {path}: In-hospital_death of RecordID {int(rid)} is "
                f"{written}; expected 0 or 1."
            )
        return row.astype(np.int64), ["survived", "died"], np.ones(len(row), bool), {}
    valid_all = col.to_numpy(dtype=float)
    valid_all = valid_all[np.isfinite(valid_all) & (valid_all >= 0)]
    if valid_all.size < 3:
        raise DataError(f"outcomes file {path}: fewer than 3 stays with a valid SAPS-I.")
    q1, q2 = (float(q) for q in np.quantile(valid_all, [1 / 3, 2 / 3]))
    keep = np.isfinite(row) & (row >= 0)
    if not keep.all():
        warnings.warn(
            f"{path}: {int((~keep).sum())} stays without a SAPS-I score (-1) were dropped "
            f"for the severity task (first RecordIDs {record_ids[~keep][:3].tolist()}).",
            AttnscopeWarning,
            stacklevel=3,
        )
    if not keep.any():
        raise DataError(f"outcomes file {path}: none of the stays read has a valid SAPS-I.")
    labels = np.where(row <= q1, 0, np.where(row <= q2, 1, 2)).astype(np.int64)
    return labels, ["low", "medium", "high"], keep, {"severity_cut_points": [q1, q2]}
