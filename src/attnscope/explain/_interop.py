"""An :class:`Attribution` in the tools of the field: pandas, AnnData and shap.

Three conversions, each a method of :class:`Attribution` as well:

- :func:`to_dataframe`: samples x features (``layout="wide"``) or one row per
  (sample, feature) (``layout="long"``);
- :func:`to_anndata`: per-feature importances into ``adata.var``, per-sample values into
  ``adata.obsm``, aligned by ``obs_names`` / ``var_names``;
- :func:`to_shap`: a ``shap.Explanation`` with the base values, for shap's plots.

Values with more than one feature axis (DNA hypothetical contributions: position x base;
time series: time x variable) keep every cell: MultiIndex columns in a DataFrame, one
flattened feature per cell for shap (named ``"12:A"``, ``"5:HR"``). The last axis is the one
``feature_names`` names; the others are numbered from 0.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from attnscope.errors import DataError

if TYPE_CHECKING:
    import pandas as pd
    import shap
    from anndata import AnnData

    from attnscope.explain._attribution import Attribution

__all__ = ["to_anndata", "to_dataframe", "to_shap"]

_LAYOUTS = ("wide", "long")
#: Dataset attributes (and saved ``inputs``) that can be an attribution's data, in order.
_DATA_FIELDS = ("X", "values", "genotypes", "dosage", "tokens")


def _level_names(attr: Attribution, ndim: int) -> list[str]:
    """Names of the feature axes: from ``meta["layout"]`` or ``meta["feature_axis"]``."""
    for key, skip in (("layout", 1), ("feature_axis", 0)):
        text = attr.meta.get(key)
        if isinstance(text, str):
            parts = [p.strip() for p in text.split(" x ")][skip:]
            if len(parts) == ndim and all(parts):
                return parts
    if ndim == 1:
        return ["feature"]
    return [*(f"axis{i}" for i in range(1, ndim)), "feature"]


def _axis_labels(attr: Attribution) -> list[np.ndarray]:
    """Labels of each feature axis: ``feature_names`` on the last, positions elsewhere."""
    shape = attr.values.shape[1:]
    labels = [np.arange(d) for d in shape]
    names = attr.feature_names
    if names is not None and shape and np.asarray(names).size == shape[-1]:
        labels[-1] = np.asarray(names).astype(str).reshape(-1)
    return labels


def _sample_index(attr: Attribution) -> pd.Index:
    import pandas as pd

    if attr.sample_ids is None:
        return pd.RangeIndex(attr.n_samples, name="sample")
    return pd.Index(np.asarray(attr.sample_ids).astype(str), name="sample")


def _columns(attr: Attribution) -> pd.Index:
    import pandas as pd

    labels = _axis_labels(attr)
    names = _level_names(attr, len(labels))
    if len(labels) == 1:
        return pd.Index(labels[0], name=names[0])
    return pd.MultiIndex.from_product(labels, names=names)


def to_dataframe(attr: Attribution, *, layout: str = "wide") -> pd.DataFrame:
    """The attribution values as a pandas DataFrame.

    Parameters
    ----------
    attr : Attribution
        ``values`` of shape (n_samples, *feature_shape).
    layout : {"wide", "long"}, default "wide"
        ``"wide"``: one row per sample (index ``sample``: the sample ids, else 0..n-1),
        one column per feature (named by ``feature_names``), as scikit-learn and shap lay
        out a table. With several feature axes (position x base, time x variable) the
        columns are a MultiIndex with one level per axis, e.g. ``("time", "variable")``;
        ``df.T.groupby(level="position").sum().T`` sums the bases out.
        ``"long"`` (tidy): one row per (sample, feature cell) with columns ``sample``,
        ``target`` (the explained class index), one column per feature axis, ``value``.

    Returns
    -------
    DataFrame
        Wide: shape (n_samples, prod(feature_shape)). Long: n_samples x
        prod(feature_shape) rows.
    """
    import pandas as pd

    if layout not in _LAYOUTS:
        raise DataError(f"layout must be one of {_LAYOUTS}, got {layout!r}.")
    n = attr.n_samples
    flat = np.asarray(attr.values).reshape(n, -1)
    index, columns = _sample_index(attr), _columns(attr)
    if layout == "wide":
        return pd.DataFrame(flat, index=index, columns=columns)
    m = flat.shape[1]
    out: dict[str, Any] = {
        "sample": np.repeat(index.to_numpy(), m),
        "target": np.repeat(attr.target, m),
    }
    for name in columns.names:
        out[str(name)] = np.tile(columns.get_level_values(name).to_numpy(), n)
    out["value"] = flat.reshape(-1)
    return pd.DataFrame(out)


def _positions(have: pd.Index, want: np.ndarray, what: str, where: str) -> np.ndarray:
    """Index of each of ``want`` in ``have``; a DataError naming the first misses."""
    if not have.is_unique:
        raise DataError(
            f"adata.{where} are not unique; make them unique first "
            f"(adata.{where.replace('_names', '')}_names_make_unique())."
        )
    if len(set(want.tolist())) != len(want):
        raise DataError(f"the attribution's {what} are not unique; cannot align them by name.")
    pos = have.get_indexer(want)
    missing = want[pos < 0]
    if missing.size:
        raise DataError(
            f"{missing.size} of {want.size} attributed {what} are not in adata.{where} "
            f"(e.g. {missing[:5].tolist()}); pass the AnnData the model was explained on, "
            "or subset the attribution to the shared ones."
        )
    return pos


def _align(attr: Attribution, adata: AnnData) -> tuple[np.ndarray, np.ndarray]:
    """Rows of ``adata.obs`` and of ``adata.var`` of the attribution's samples and features."""

    n, m = attr.values.shape
    var_pos = _axis(attr.feature_names, m, adata.var_names, "features", "var_names", "names")
    obs_pos = _axis(attr.sample_ids, n, adata.obs_names, "samples", "obs_names", "sample ids")
    return obs_pos, var_pos


def _axis(labels: Any, n: int, index: Any, what: str, where: str, named: str) -> np.ndarray:
    """Positions in ``index`` (an AnnData axis) of the attribution's ``labels`` along one axis.

    Without labels the two axes can only be matched one to one (same length, same order).
    """
    import pandas as pd

    if labels is None:
        if n != len(index):
            raise DataError(
                f"the attribution has {n} {what} without {named} for {len(index)} {where}; "
                f"without {named} they can only be matched one to one."
            )
        return np.arange(n)
    flat = np.asarray(labels).astype(str).reshape(-1)
    return _positions(pd.Index(index.astype(str)), flat, what, where)


def to_anndata(
    attr: Attribution, adata: AnnData, *, key: str | None = None, copy: bool = False
) -> AnnData | None:
    """Write an attribution into an AnnData, aligned by ``obs_names`` and ``var_names``.

    Samples are matched to observations by ``sample_ids`` and features to variables by
    ``feature_names`` (by position only when the attribution has none and the counts
    agree), so a reordered or larger AnnData is filled correctly. Observations that were
    not explained (e.g. the training samples of a held-out explanation) and variables
    without an attribution get NaN. Everything is checked before anything is written.

    Parameters
    ----------
    attr : Attribution
        ``values`` of shape (n_samples, n_features): one value per variable (genes,
        proteins). Sum other axes first.
    adata : AnnData
    key : str, optional
        Name of the entries; default the method name (e.g. ``integrated_gradients``).
    copy : bool, default False
        As scanpy: False writes into ``adata`` and returns None; True returns a new AnnData
        and leaves ``adata`` untouched.

    Returns
    -------
    AnnData or None
        With ``obsm[key]`` (n_obs, n_vars) float, the per-sample values in ``var`` order;
        ``var[f"{key}_mean_abs"]`` and ``var[f"{key}_mean"]``, the mean absolute and signed
        value over the explained samples; ``obs[f"{key}_base_value"]`` (see
        :attr:`Attribution.base_values`) and ``obs[f"{key}_target"]`` (class index, -1 where
        not explained); ``uns[key]`` with the method, its options and ``completeness``.

    Raises
    ------
    DataError
        Values with more than one feature axis, a sample id or feature name missing from
        the AnnData, duplicated names, or unnamed axes whose sizes differ.
    """
    from anndata import AnnData

    if not isinstance(adata, AnnData):
        raise DataError(f"to_anndata takes an AnnData, got {type(adata).__name__}.")
    values = np.asarray(attr.values)
    if values.ndim != 2:
        raise DataError(
            f"an AnnData holds one value per variable, but these values have shape "
            f"{values.shape}; reduce the extra axes first (e.g. sum over bases)."
        )
    obs_pos, var_pos = _align(attr, adata)
    key = attr.method if key is None else str(key)
    dtype = np.float32 if values.dtype == np.float32 else np.float64
    matrix = np.full((adata.n_obs, adata.n_vars), np.nan, dtype=dtype)
    matrix[np.ix_(obs_pos, var_pos)] = values
    mean_abs = np.full(adata.n_vars, np.nan)
    mean_abs[var_pos] = np.abs(values).mean(axis=0)
    mean = np.full(adata.n_vars, np.nan)
    mean[var_pos] = values.mean(axis=0)
    base = np.full(adata.n_obs, np.nan)
    if attr.base_values is not None:
        base[obs_pos] = attr.base_values
    target = np.full(adata.n_obs, -1, dtype=np.int64)
    target[obs_pos] = attr.target
    import json

    info = {
        "method": attr.method,
        "completeness": attr.completeness,
        "n_samples": attr.n_samples,
        "meta_json": json.dumps(attr.meta, default=str),
    }
    out = adata.copy() if copy else adata
    out.obsm[key] = matrix
    out.var[f"{key}_mean_abs"] = mean_abs
    out.var[f"{key}_mean"] = mean
    out.obs[f"{key}_base_value"] = base
    out.obs[f"{key}_target"] = target
    out.uns[key] = info
    return out if copy else None


def _data_array(attr: Attribution, data: Any) -> np.ndarray | None:
    """The explained inputs, shaped as ``values``: from ``data`` or the saved inputs."""
    import pandas as pd

    shape = attr.values.shape
    if data is None:
        for name in _DATA_FIELDS:
            if name in attr.inputs and np.asarray(attr.inputs[name]).shape == shape:
                return np.asarray(attr.inputs[name])
        return None
    if isinstance(data, pd.DataFrame) and attr.feature_names is not None and len(shape) == 2:
        names = [str(f) for f in np.asarray(attr.feature_names).reshape(-1)]
        missing = [f for f in names if f not in set(map(str, data.columns))]
        if missing:
            raise DataError(
                f"data has no column for {len(missing)} attributed features "
                f"(e.g. {missing[:5]}); pass the table that was explained."
            )
        data = data.set_axis([str(c) for c in data.columns], axis=1)[names]
    if hasattr(data, "modality"):  # an attnscope Dataset
        if getattr(data, "omics", None):
            arr = np.concatenate([np.asarray(v) for v in data.omics.values()], axis=1)
        else:
            found = [getattr(data, f) for f in _DATA_FIELDS if getattr(data, f, None) is not None]
            same = [np.asarray(a) for a in found if np.asarray(a).shape == shape]
            if not same:
                raise DataError(
                    f"the {data.modality} data has no array of the attribution's shape {shape}."
                )
            arr = same[0]
    else:
        arr = np.asarray(data)
    if arr.shape != shape:
        raise DataError(f"data has shape {arr.shape}; the attribution's values have {shape}.")
    return arr


def to_shap(attr: Attribution, data: Any = None) -> shap.Explanation:
    """A ``shap.Explanation`` of the attribution, for shap's plots.

    Parameters
    ----------
    attr : Attribution
    data : array-like, DataFrame or attnscope Dataset, optional
        The explained inputs, shaped as ``values`` (a DataFrame is realigned to the
        feature names). Default: the inputs saved with the attribution (``X``,
        ``genotypes``, DNA ``tokens``) when their shape matches, else none.

    Returns
    -------
    shap.Explanation
        ``values`` (n_samples, n_features), ``base_values`` (n_samples,) (see
        :attr:`Attribution.base_values`; NaN for methods without completeness, whose
        waterfall and force plots are meaningless), ``data`` and ``feature_names``.
        Several feature axes are flattened, one feature per cell, named
        ``"position:base"`` / ``"time:variable"``.

    Raises
    ------
    DataError
        ``data`` of another shape, or a DataFrame missing attributed features.
    """
    import shap

    n = attr.n_samples
    columns = _columns(attr)
    if columns.nlevels == 1:
        names = [str(c) for c in columns]
    else:
        names = [":".join(str(p) for p in c) for c in columns]
    data_arr = _data_array(attr, data)
    return shap.Explanation(
        values=np.asarray(attr.values).reshape(n, -1),
        base_values=attr.base_values,
        data=None if data_arr is None else data_arr.reshape(n, -1),
        feature_names=names,
    )
