"""Expression matrices as CSV/TSV in either orientation, and UCI TCGA PANCAN folders.

h5ad / AnnData, class-row tables and the shared table builder are :mod:`._tabular`.
"""

from __future__ import annotations

import csv
import itertools
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np

from attnscope.data import TabularDataset
from attnscope.errors import AttnscopeWarning, DataError, UnlabelledSamplesError
from attnscope.io._labelfile import join_labels, read_label_file
from attnscope.io._seqtable import (
    PathLike,
    lines_above_header,
    need_file,
    open_text,
    sniff_sep,
)
from attnscope.io._tabular import _LABEL_NAMES, _numeric, _unique, build_tabular
from attnscope.io._textio import one_line, read_csv

__all__ = ["read_expression", "read_pancan"]

Orientation = Literal["auto", "samples_by_features", "features_by_samples"]


def read_expression(
    path: PathLike,
    *,
    labels: PathLike | Mapping[str, Any] | None = None,
    label_col: str | None = None,
    orientation: Orientation = "auto",
    sample_col: str | None = None,
    class_names: Sequence[str] | None = None,
) -> TabularDataset:
    """Read an expression matrix from CSV/TSV (delimiter sniffed, gzip ok).

    Orientation rule (``orientation="auto"``), first that applies:

    1. ``label_col`` names a header column -> samples are rows; it names a row (first-column
       entry) -> samples are columns.
    2. ``sample_col`` is given -> samples are rows.
    3. ``labels`` is given -> the axis (header or first column) holding more of its ids.
    4. Otherwise the longer axis holds the features (expression tables measure more genes
       than samples): more data rows than columns -> samples are columns.

    The first column holds the row names (sample ids or feature names) unless
    ``sample_col`` names another; a header one field shorter than the rows (R's
    ``write.csv`` style) is accepted. A samples-by-features table whose first column is
    the label column (``class,g1,g2,...``) or holds measurements (numbers, some with
    decimals) has no id column: its samples are named by their data row, ``"1"`` to
    ``"n"``, with an :class:`AttnscopeWarning`.

    Parameters
    ----------
    path : str or Path
    labels : str, Path or mapping, optional
        ``id,label`` file or mapping sample id -> label.
    label_col : str, optional
        Column (or row, for features x samples tables) holding the labels; with
        ``labels``, the column of the labels file holding them.
    orientation : {"auto", "samples_by_features", "features_by_samples"}, default "auto"
    sample_col : str, optional
        Column of sample ids (samples-by-features tables); default the first column.
    class_names : sequence of str, optional
        Fixed class order.

    Returns
    -------
    TabularDataset
        ``X`` of shape (n_samples, n_features), float32. Samples whose label is missing
        (empty, NA) are dropped with an :class:`AttnscopeWarning`. ``meta["orientation"]``
        says which way round the table was read.

    Raises
    ------
    UnlabelledSamplesError
        ``label_col`` names neither a column nor a row (a :class:`DataError`).
    DataError
        Empty file, one class only, NaN/inf or non-numeric
        values (line and column named), duplicate sample ids or feature names.
    """
    import pandas as pd

    p = need_file(path, "expression table")
    label_file_col: str | None = None
    if labels is not None and label_col is not None:
        if isinstance(labels, Mapping):
            raise DataError("give labels= (a mapping) or label_col=, not both.")
        label_file_col, label_col = label_col, None  # the labels file's column
    sep = sniff_sep(p)
    header, above = _header(p, sep)  # blank lines above the header are skipped
    try:
        body = read_csv(
            p,
            sep=sep,
            header=None,
            skiprows=above + 1,
            dtype={0: str},  # row names as written: sample '001' is not sample '1'
            **({"engine": "python"} if sep == r"\s+" else {"engine": "c", "low_memory": False}),
            skipinitialspace=True,
        )
    except pd.errors.EmptyDataError as exc:
        raise DataError(f"{p}: only a header row; the table has no data.") from exc
    except pd.errors.ParserError as exc:
        raise DataError(
            f"{p}: could not parse the table ({one_line(exc)}); rows differ in length?"
        ) from exc
    header = _drop_trailing_empty(p, header, body)
    if len(header) == body.shape[1] - 1:
        header = ["", *header]
    if len(header) != body.shape[1]:
        raise DataError(
            f"{p}: the header has {len(header)} fields but rows have {body.shape[1]}; "
            "fix the header row."
        )
    body.columns = list(range(body.shape[1]))
    row_names = body[0].astype(str).str.strip().tolist()
    mapping: Mapping[str, Any] | None = None
    if labels is not None:
        mapping = labels if isinstance(labels, Mapping) else read_label_file(labels, label_file_col)
    orient = _orientation(p, orientation, header, row_names, label_col, sample_col, mapping, body)
    label_values: list[Any] | None = None
    if orient == "samples_by_features":
        id_idx: int | None = 0 if sample_col is None else _col_index(p, header, sample_col)
        drop = set()
        if label_col is not None:
            lab_idx = _col_index(p, header, label_col)
            drop.add(lab_idx)
            label_values = body[lab_idx].tolist()
        if sample_col is None:
            id_idx = _id_column(p, header, body, is_label=0 in drop)
        if id_idx is None:
            sample_ids = [str(i) for i in range(1, len(body) + 1)]
        else:
            drop.add(id_idx)
            blank = np.flatnonzero(body[id_idx].isna().to_numpy())
            if blank.size:
                raise DataError(
                    f"{p}, line {int(blank[0]) + above + 2}: no sample id in column "
                    f"{id_idx + 1} ({blank.size} such rows); give every row an id."
                )
            sample_ids = body[id_idx].astype(str).str.strip().tolist()
        keep = [j for j in range(len(header)) if j not in drop]
        features = [header[j] for j in keep]
        _unique(features, p, "feature names")  # a repeated label column too, before parsing
        block = body[keep]
        X = _numeric(
            block,
            p,
            sample_ids,
            features,
            samples_are_rows=True,
            lines=range(above + 2, len(body) + above + 2),
            sep=sep,
        )
    else:
        lab_row: int | None = None
        if label_col is not None:
            lab_row = [r.lower() for r in row_names].index(label_col.lower())
            label_values = body.iloc[lab_row, 1:].tolist()
        rows = [i for i in range(len(row_names)) if i != lab_row]
        sample_ids = header[1:]
        if "" in sample_ids:
            raise DataError(
                f"{p}, line {above + 1}: column {sample_ids.index('') + 2} of the header has no "
                "sample id; give every column a name."
            )
        features = [row_names[i] for i in rows]
        block = body.iloc[rows, 1:]
        X = _numeric(
            block,
            p,
            sample_ids,
            features,
            samples_are_rows=False,
            lines=[i + above + 2 for i in rows],
            sep=sep,
        )
    _unique(sample_ids, p, "sample ids")
    _unique(features, p, "feature names")
    if mapping is not None:
        label_values, _ = join_labels(
            sample_ids,
            mapping,
            source=str(p) if isinstance(labels, Mapping) else f"labels {labels}",
            what=f"samples of {p}",
        )
    # The orientation is kept (a run stores it) so that new tables without the labels that
    # decided it are read the same way round.
    meta: dict[str, Any] = {"orientation": orient}
    if label_values is None:
        meta["label_hint"] = _label_hint(header, row_names)
    return build_tabular(
        X, sample_ids, features, label_values, source=str(p), class_names=class_names, meta=meta
    )


def _label_hint(header: Sequence[str], row_names: Sequence[str]) -> str:
    """What to pass when a table was read without labels; names a likely label column."""
    hint = "give a label column (--label-col NAME) or a labels file (--labels FILE)"
    for names, where in ((header, "a column"), (row_names, "a row")):
        found = [n for n in names if str(n).strip().lower() in _LABEL_NAMES]
        if found:
            name = found[0]
            return f"the table has {where} {name!r}: add --label-col {name}, or give --labels FILE"
    return hint


def read_pancan(folder: PathLike) -> TabularDataset:
    """Read the UCI "gene expression cancer RNA-Seq" (TCGA PANCAN) layout.

    ``<folder>/data.csv`` (samples x genes, first column the sample id) and
    ``<folder>/labels.csv`` (sample id, ``Class``). 801 x 20,531 in the UCI release.

    Returns
    -------
    TabularDataset
    """
    root = Path(folder)
    data, lab = root / "data.csv", root / "labels.csv"
    for f in (data, lab):
        if not f.is_file():
            raise DataError(f"{f}: not found; the PANCAN folder holds data.csv and labels.csv.")
    return read_expression(data, labels=lab, orientation="samples_by_features")


def _drop_trailing_empty(path: Path, header: list[str], body: Any) -> list[str]:
    """Drop a nameless last column without values (a delimiter ending every line)."""
    width = body.shape[1]
    if width < 2 or not body[body.columns[-1]].isna().all():
        return header
    if len(header) == width and header[-1] == "":
        body.drop(columns=body.columns[-1], inplace=True)
        return header[:-1]
    if len(header) == width - 1:  # R's unnamed row-name column, or a trailing delimiter?
        raise DataError(
            f"{path}: every data row ends with an empty field that the header does not have "
            "(a delimiter at the end of each line?); remove it, or name that column."
        )
    return header


def _id_column(path: Path, header: list[str], body: Any, *, is_label: bool) -> int | None:
    """0 when the first column names the samples (rows); None when it cannot: it is the
    label column, or it holds measurements (numbers, some with decimals: ids such as
    ``1`` or ``001`` are whole). Samples are then named by their data row, with a warning."""
    import pandas as pd

    if is_label:
        what = "the label column"
    else:
        values = pd.to_numeric(body[0], errors="coerce").to_numpy(dtype=float)
        if not (np.isfinite(values).all() and (values != np.round(values)).any()):
            return 0
        what = f"measurements ({header[0]!r}: {body[0].iloc[0]}, ...), a feature"
    warnings.warn(
        f"{path}: no sample id column (the first column is {what}); samples are named by "
        f"their data row, 1 to {len(body)}. Add an id column first to name them.",
        AttnscopeWarning,
        stacklevel=3,
    )
    return None


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _header(path: Path, sep: str) -> tuple[list[str], int]:
    """The header row's fields and the number of lines above it: blank ones, and '#'
    comments without the delimiter (a tool's '# Program:...' line; '#gene<TAB>s1' is the
    header)."""
    blank = lines_above_header(path, sep)
    with open_text(path) as fh:
        first = next(itertools.islice(fh, blank, None), "").rstrip("\r\n")
    if sep == r"\s+":
        return first.split(), blank
    return [c.strip() for c in next(csv.reader([first], delimiter=sep))], blank


def _col_index(path: Path, header: list[str], name: str) -> int:
    lower = [h.lower() for h in header]
    same = [j + 1 for j, h in enumerate(header) if h == name]
    if len(same) > 1:
        raise DataError(
            f"{path}: columns {same} are all named {name!r}; rename or remove the repeats."
        )
    if name in header:
        return header.index(name)
    if name.lower() in lower:
        return lower.index(name.lower())
    raise DataError(
        f"{path}: column {name!r} not found; columns are {header[:20]}"
        f"{' ...' if len(header) > 20 else ''}. Pass the right name."
    )


def _orientation(
    path: Path,
    orientation: str,
    header: list[str],
    row_names: list[str],
    label_col: str | None,
    sample_col: str | None,
    mapping: Mapping[str, Any] | None,
    body: Any,
) -> str:
    if orientation in ("samples_by_features", "features_by_samples"):
        if label_col is not None:
            where = header if orientation == "samples_by_features" else row_names
            if label_col not in where and label_col.lower() not in [h.lower() for h in where]:
                axis = "columns" if orientation == "samples_by_features" else "row names"
                raise DataError(
                    f"{path}: label {axis[:-1]} {label_col!r} not found; {axis} are "
                    f"{where[:20]}. Give --label-col NAME (label_col= in Python)."
                )
        return orientation
    if orientation != "auto":
        raise DataError(
            f"orientation must be 'auto', 'samples_by_features' or 'features_by_samples', "
            f"got {orientation!r}."
        )
    if label_col is not None:
        if label_col in header or label_col.lower() in [h.lower() for h in header]:
            return "samples_by_features"
        if label_col.lower() in [r.lower() for r in row_names]:
            return "features_by_samples"
        numbers = sum(_is_number(h) for h in header[1:])
        fix = (
            "The first line holds numbers, not column names: add a header row."
            if numbers > len(header[1:]) / 2
            else "Give --label-col NAME (label_col= in Python)."
        )
        # Unlabelled samples: a run fitted with --label-col reads new tables without it.
        raise UnlabelledSamplesError(
            f"{path}: label column {label_col!r} not found; columns are {header[:20]} "
            f"and the first column starts {row_names[:5]}. {fix}"
        )
    if sample_col is not None:
        return "samples_by_features"
    if mapping is not None:
        in_cols = len(set(header[1:]) & set(mapping))
        in_rows = len(set(row_names) & set(mapping))
        if in_cols == in_rows == 0:
            raise DataError(
                f"{path}: none of the labelled ids (e.g. {list(mapping)[:3]}) is a row or "
                f"column name here (rows start {row_names[:3]}, columns {header[1:4]}); "
                "check that the labels file belongs to this table."
            )
        return "features_by_samples" if in_cols > in_rows else "samples_by_features"
    n_rows, n_cols = body.shape
    return "features_by_samples" if n_rows > n_cols - 1 else "samples_by_features"
