"""Tables already in memory or in one container: the shared builder of every expression
reader (:func:`build_tabular`), h5ad / AnnData, and class-row tables (TCGA PAM50 layout)."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from attnscope.data import TabularDataset, encode_labels
from attnscope.data._encode import MISSING_LABELS
from attnscope.errors import AttnscopeWarning, DataError, UnlabelledSamplesError
from attnscope.io._seqtable import PathLike, need_file, sniff_sep
from attnscope.io._textio import number_hint, one_line, read_csv

__all__ = ["from_anndata", "read_class_row_table", "read_h5ad"]

_LABEL_NAMES = {"label", "labels", "class", "y", "target", "group", "cancer", "diagnosis"}


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
    if np.ndim(X) == 2 and np.shape(X)[1] == 0:
        _no_features(source)
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
        sep=sep,
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
        try:
            X = adata.X
        except KeyError:  # a backed (on-disk) AnnData without X
            X = None
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
    if hasattr(X, "to_memory"):  # backed sparse (read_h5ad(..., backed="r")): read it
        X = X.to_memory()
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


def _no_features(source: Any) -> None:
    raise DataError(
        f"{source}: the table has no feature columns, only sample ids (and labels); a model "
        "needs measured features: check the separator of a text table, or give the data "
        "matrix itself."
    )


def _numeric(
    block: Any,
    path: Path,
    sample_ids: list[str],
    features: list[str],
    *,
    samples_are_rows: bool,
    lines: Sequence[int],
    sep: str | None = None,
) -> np.ndarray:
    """Numeric matrix (n_samples, n_features) from a data block; DataError on bad cells
    (``sep``, the table's delimiter, words the fix of a number with a comma)."""
    import pandas as pd

    if not len(features):
        _no_features(path)

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
            else " " + (number_hint(block.iat[r, c], sep) or "Fix or remove non-numeric entries.")
        )
        raise DataError(
            f"{path}, line {lines[r]}: value {block.iat[r, c]!r} is not a "
            f"number (sample {sample_ids[s]!r}, feature {features[f]!r}; "
            f"{int(bad_text.sum())} such cells).{hint}"
        )
    X = values if samples_are_rows else values.T
    _check_finite_named(X, path, sample_ids, features)
    return np.ascontiguousarray(X, dtype=np.float32)
