"""Expression matrices: CSV/TSV in either orientation, h5ad, UCI TCGA PANCAN, class-row tables."""

from __future__ import annotations

import csv
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np

from attnscope.data import TabularDataset, encode_labels
from attnscope.data._encode import MISSING_LABELS
from attnscope.errors import AttnscopeWarning, DataError, UnlabelledSamplesError
from attnscope.io._seqtable import (
    PathLike,
    labels_for,
    need_file,
    open_text,
    read_label_file,
    sniff_sep,
)
from attnscope.io._textio import number_hint, one_line, read_csv

__all__ = ["from_anndata", "read_class_row_table", "read_expression", "read_h5ad", "read_pancan"]

Orientation = Literal["auto", "samples_by_features", "features_by_samples"]
_LABEL_NAMES = {"label", "labels", "class", "y", "target", "group", "cancer", "diagnosis"}


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
    ``write.csv`` style) is accepted.

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
    header = _header(p, sep)
    try:
        body = read_csv(
            p,
            sep=sep,
            header=None,
            skiprows=1,
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
        id_idx = 0 if sample_col is None else _col_index(p, header, sample_col)
        drop = {id_idx}
        if label_col is not None:
            lab_idx = _col_index(p, header, label_col)
            drop.add(lab_idx)
            label_values = body[lab_idx].tolist()
        keep = [j for j in range(len(header)) if j not in drop]
        blank = np.flatnonzero(body[id_idx].isna().to_numpy())
        if blank.size:
            raise DataError(
                f"{p}, line {int(blank[0]) + 2}: no sample id in column {id_idx + 1} "
                f"({blank.size} such rows); give every row an id."
            )
        sample_ids = body[id_idx].astype(str).str.strip().tolist()
        features = [header[j] for j in keep]
        _unique(features, p, "feature names")  # a repeated label column too, before parsing
        block = body[keep]
        X = _numeric(
            block, p, sample_ids, features, samples_are_rows=True, lines=range(2, len(body) + 2)
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
                f"{p}, line 1: column {sample_ids.index('') + 2} of the header has no sample "
                "id; give every column a name."
            )
        features = [row_names[i] for i in rows]
        block = body.iloc[rows, 1:]
        X = _numeric(
            block, p, sample_ids, features, samples_are_rows=False, lines=[i + 2 for i in rows]
        )
    _unique(sample_ids, p, "sample ids")
    _unique(features, p, "feature names")
    if mapping is not None:
        label_values = labels_for(
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


def build_tabular(
    X: np.ndarray,
    sample_ids: Sequence[str],
    features: Sequence[str],
    label_values: Sequence[Any] | None,
    *,
    source: str,
    class_names: Sequence[str] | None = None,
    min_class_size: int = 1,
    meta: dict[str, Any] | None = None,
) -> TabularDataset:
    """Drop unlabelled (NA) and odd-label samples with a warning, encode labels, build."""
    ids = np.asarray(sample_ids).astype(str)
    codes: np.ndarray | None = None
    names: list[str] = []
    if label_values is not None:
        vals = np.asarray([_clean_label(v) for v in label_values], dtype=object)
        keep = np.array([v is not None for v in vals], dtype=bool)
        if not keep.size:
            raise DataError(f"{source}: no samples (0 rows of data).")
        if not keep.any():
            raise DataError(
                f"{source}: every sample's label is missing (empty or NA); check the label "
                "column or the labels file."
            )
        if not keep.all():
            warnings.warn(
                f"{source}: {int((~keep).sum())} samples without a label dropped "
                f"(e.g. {ids[~keep][:3].tolist()}).",
                AttnscopeWarning,
                stacklevel=3,
            )
        if min_class_size > 1 and keep.any():
            uniq, counts = np.unique(vals[keep].astype(str), return_counts=True)
            rare = set(uniq[counts < min_class_size].tolist())
            if rare and len(uniq) - len(rare) >= 2:
                odd = keep & np.isin(vals.astype(str), list(rare))
                warnings.warn(
                    f"{source}: dropped {int(odd.sum())} sample(s) with an odd label "
                    + ", ".join(f"{s}={v!r}" for s, v in zip(ids[odd][:5], vals[odd][:5]))
                    + f" (fewer than {min_class_size} samples share it).",
                    AttnscopeWarning,
                    stacklevel=3,
                )
                keep &= ~odd
        ids, X, vals = ids[keep], X[keep], vals[keep]
        arr = vals.astype(str)
        try:
            typed: np.ndarray = arr.astype(np.float64)
        except ValueError:
            typed = arr
        codes, names = encode_labels(typed, class_names=class_names, source=source)
    return TabularDataset(
        labels=codes,
        sample_ids=ids,
        class_names=names,
        truth=None,
        meta={"source": source, **(meta or {})},
        X=X,
        feature_names=np.asarray(features).astype(str),
    )


def read_class_row_table(path: PathLike, *, min_class_size: int = 2) -> TabularDataset:
    """Read a genes x samples table whose row 1 holds sample ids and row 2 the class.

    This is the layout of ``shared/data/expression/TCGA_*_PAM50.tsv``: the first cell of
    each row names it (``id``, ``class-ERstatus``, then one gene per row). Labels are
    stripped of surrounding white space (a stray carriage return included). Samples whose
    label is missing, or shared by fewer than ``min_class_size`` samples while at least two
    real classes remain, are dropped with an :class:`AttnscopeWarning`.

    Parameters
    ----------
    path : str or Path
    min_class_size : int, default 2

    Returns
    -------
    TabularDataset
        ``X`` of shape (n_samples, n_genes); ``meta["label_name"]`` is row 2's first cell.
    """
    import pandas as pd

    p = need_file(path, "expression table")
    sep = sniff_sep(p)
    try:
        frame = read_csv(
            p, sep=sep, header=None, dtype=str, engine="python" if sep == r"\s+" else "c"
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataError(f"{p}: could not parse the table ({one_line(exc)}).") from exc
    if frame.shape[0] < 3 or frame.shape[1] < 2:
        raise DataError(
            f"{p}: expected row 1 = sample ids, row 2 = classes, then one row per gene; "
            f"found {frame.shape[0]} rows x {frame.shape[1]} columns."
        )
    sample_ids = frame.iloc[0, 1:].fillna("").str.strip().tolist()
    label_values = frame.iloc[1, 1:].tolist()
    features = frame.iloc[2:, 0].fillna("").str.strip().tolist()
    X = _numeric(
        frame.iloc[2:, 1:],
        p,
        sample_ids,
        features,
        samples_are_rows=False,
        lines=range(3, frame.shape[0] + 1),
    )
    _unique(sample_ids, p, "sample ids")
    _unique(features, p, "feature names")
    return build_tabular(
        X,
        sample_ids,
        features,
        label_values,
        source=str(p),
        min_class_size=min_class_size,
        meta={"label_name": str(frame.iloc[1, 0]).strip()},
    )


def read_h5ad(path: PathLike, *, label_key: str | None = None) -> TabularDataset:
    """Read an AnnData ``.h5ad`` file (cells/samples x genes) via anndata.

    Parameters
    ----------
    path : str or Path
    label_key : str, optional
        Column of ``obs`` holding the class; None reads unlabelled data.

    Returns
    -------
    TabularDataset
        ``X`` of shape (n_obs, n_vars) (sparse matrices are densified), ids from
        ``obs_names``, features from ``var_names``.
    """
    import anndata

    p = need_file(path, "h5ad file")
    try:
        with warnings.catch_warnings():
            # anndata warns of repeated obs/var names; from_anndata refuses them, naming them.
            warnings.filterwarnings("ignore", message=".*names are not unique")
            adata = anndata.read_h5ad(p)
    except Exception as exc:  # h5py/anndata raise many types on a damaged HDF5 file
        raise DataError(
            f"{p}: not a readable h5ad file ({type(exc).__name__}: {one_line(exc)}); write it "
            "again with anndata."
        ) from exc
    return from_anndata(adata, label_key=label_key, source=str(p))


def from_anndata(
    adata: Any,
    *,
    label_key: str | None = None,
    layer: str | None = None,
    source: str = "AnnData",
) -> TabularDataset:
    """Convert an in-memory ``anndata.AnnData`` (obs x var) into a TabularDataset.

    Parameters
    ----------
    adata : AnnData
        ``X`` (or ``layers[layer]``) of shape (n_obs, n_vars), dense or sparse (sparse is
        densified to float32).
    label_key : str, optional
        Column of ``obs`` holding the class; None gives unlabelled data.
    layer : str, optional
        Read ``adata.layers[layer]`` instead of ``adata.X``.
    source : str
        Named in error messages.

    Returns
    -------
    TabularDataset
        ids from ``obs_names``, features from ``var_names``.
    """
    if layer is None:
        X = adata.X
    elif layer in adata.layers:
        X = adata.layers[layer]
    else:
        raise DataError(
            f"{source}: no layer {layer!r}; layers are {list(adata.layers.keys())} "
            "(layer=None reads adata.X)."
        )
    if X is None:
        raise DataError(f"{source}: adata.X is empty; give layer= naming a layer.")
    from attnscope._utils.memory import check_memory

    check_memory(
        float(adata.n_obs) * adata.n_vars * 4.0,
        what=f"{source}: the dense {adata.n_obs} x {adata.n_vars} float32 matrix",
        fix="subset the cells or genes first (e.g. adata[:, genes].write_h5ad(...)).",
    )
    X = X.toarray() if hasattr(X, "toarray") else np.asarray(X)
    X = np.asarray(X, dtype=np.float32)
    sample_ids = adata.obs_names.astype(str).tolist()
    features = adata.var_names.astype(str).tolist()
    _check_finite_named(X, source, sample_ids, features)
    _unique(sample_ids, source, "obs names (sample ids)")
    _unique(features, source, "var names (features)")
    values: list[Any] | None = None
    if label_key is not None:
        if label_key not in adata.obs.columns:
            # Unlabelled cells: a run fitted with --label-col reads new data without it.
            raise UnlabelledSamplesError(
                f"{source}: obs has no column {label_key!r}; columns are "
                f"{list(adata.obs.columns)}. Give --label-col KEY (label_key= in Python)."
            )
        values = adata.obs[label_key].astype(object).tolist()
    return build_tabular(X, sample_ids, features, values, source=source)


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


def _header(path: Path, sep: str) -> list[str]:
    with open_text(path) as fh:
        first = fh.readline().rstrip("\r\n")
    if sep == r"\s+":
        return first.split()
    return [c.strip() for c in next(csv.reader([first], delimiter=sep))]


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
        # Unlabelled samples: a run fitted with --label-col reads new tables without it.
        raise UnlabelledSamplesError(
            f"{path}: label column {label_col!r} not found; columns are {header[:20]} "
            f"and the first column starts {row_names[:5]}. "
            "Give --label-col NAME (label_col= in Python)."
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


def _numeric(
    block: Any,
    path: Path,
    sample_ids: list[str],
    features: list[str],
    *,
    samples_are_rows: bool,
    lines: Sequence[int],
) -> np.ndarray:
    """Numeric matrix (n_samples, n_features) from a data block; DataError on bad cells."""
    import pandas as pd

    conv = (
        block.apply(pd.to_numeric, errors="coerce")
        if (block.dtypes == np.dtype(object)).any()
        else block
    )
    values = conv.to_numpy(dtype=np.float64)
    bad_text = block.notna().to_numpy() & np.isnan(values)
    if bad_text.any():
        r, c = (int(i) for i in np.argwhere(bad_text)[0])
        s, f = (r, c) if samples_are_rows else (c, r)
        label_like = [
            n for n in (sample_ids[s], features[f]) if str(n).strip().lower() in _LABEL_NAMES
        ]
        hint = (
            f" The table has a {label_like[0]!r} row/column: pass --label-col {label_like[0]} "
            "(label_col=) to use it as the labels."
            if label_like
            else " " + (number_hint(block.iat[r, c]) or "Fix or remove non-numeric entries.")
        )
        raise DataError(
            f"{path}, line {lines[r]}: value {block.iat[r, c]!r} is not a "
            f"number (sample {sample_ids[s]!r}, feature {features[f]!r}; "
            f"{int(bad_text.sum())} such cells).{hint}"
        )
    X = values if samples_are_rows else values.T
    _check_finite_named(X, path, sample_ids, features)
    return np.ascontiguousarray(X, dtype=np.float32)


def _check_finite_named(
    X: np.ndarray, path: Path | str, samples: list[str], feats: list[str]
) -> None:
    bad = ~np.isfinite(X)
    if bad.any():
        s, f = (int(i) for i in np.argwhere(bad)[0])
        raise DataError(
            f"{path}: {int(bad.sum())} missing (NaN/empty) or infinite values; first at "
            f"sample {samples[s]!r}, feature {feats[f]!r}. Impute or drop them first."
        )
    huge = np.abs(X) > np.finfo(np.float32).max
    if huge.any():
        s, f = (int(i) for i in np.argwhere(huge)[0])
        raise DataError(
            f"{path}: value {X[s, f]:g} (sample {samples[s]!r}, feature {feats[f]!r}) is beyond "
            "the float32 range (about 3.4e38) the models use; rescale (e.g. log) the data."
        )


def _unique(names: Sequence[str], path: Path | str, what: str) -> None:
    uniq, counts = np.unique(np.asarray(names, dtype=str), return_counts=True)
    if (counts > 1).any():
        dup = uniq[counts > 1][:3].tolist()
        raise DataError(
            f"{path}: duplicate {what} {dup} ({int((counts > 1).sum())} repeated); they must be "
            "unique: rename them or aggregate the repeats."
        )


def _clean_label(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    text = str(value).strip()
    if text.lower() in MISSING_LABELS:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return text
