"""scikit-learn's input contract for attnscope estimators.

Table estimators (MLP, HAIN) validate plain inputs with scikit-learn's ``validate_data``
(``n_features_in_``, ``feature_names_in_``, its error wording for sparse, complex, empty
or non-finite input) and realign DataFrame / AnnData columns by name. Every estimator
shares the label handling (``classes_`` from ``np.unique(y)``, original dtype kept), the
sample and class weights and the small-data validation rule defined here.
"""

from __future__ import annotations

import math
import numbers
import sys
import warnings
from typing import Any

import numpy as np

from attnscope.data import TabularDataset, align_labels, id_strings
from attnscope.errors import AttnscopeWarning, DataError

__all__ = [
    "align_columns",
    "class_weight_vector",
    "fit_labels",
    "is_anndata",
    "sample_weights",
    "table_from_arrays",
    "validation_share_fits",
]


def is_anndata(X: Any) -> bool:
    """True for an ``anndata.AnnData`` (without importing anndata)."""
    mod = sys.modules.get("anndata")
    return mod is not None and isinstance(X, mod.AnnData)


def checked_labels(y: Any, X: Any = None) -> np.ndarray:
    """``y`` as an array; DataError for a missing label (None, NaN) or text mixed with numbers.

    Both ended in ``np.unique`` as a TypeError ('<' not supported between 'NoneType' and
    'str'), or NaN became a class of its own. A Series ``y`` indexed by the sample ids of a
    DataFrame ``X`` is put in ``X``'s order (:func:`attnscope.data._labels.align_labels`).
    """
    if hasattr(X, "iloc"):  # a DataFrame, or a Series of sequences
        y = align_labels(y, X.index)
    listed = isinstance(y, list | tuple)  # numpy would turn ["a", 0] into strings silently
    arr = np.asarray(y, dtype=object) if listed else np.asarray(y)
    if arr.dtype.kind == "f" or arr.dtype == object:
        import pandas as pd

        missing = np.asarray(pd.isna(arr)).reshape(-1)
        if missing.any():
            first = int(np.argmax(missing))
            where = f"{first} ({str(X.index[first])!r})" if hasattr(X, "iloc") else first
            raise DataError(
                f"y holds {int(missing.sum())} missing label(s) (None or NaN), the first at "
                f"sample {where}; drop those samples or give their labels."
            )
    if arr.dtype == object:
        text = np.fromiter((isinstance(v, str) for v in arr.reshape(-1)), bool, arr.size)
        if text.any() and not text.all():
            flat = arr.reshape(-1)
            raise DataError(
                f"y mixes text and numbers (e.g. {flat[np.argmax(text)]!r} and "
                f"{flat[np.argmin(text)]!r}); give every label the same type (e.g. "
                "y.astype(str))."
            )
    return np.asarray(arr.tolist()) if listed else arr


def fit_labels(y: Any) -> tuple[np.ndarray, np.ndarray]:
    """Check classification targets; return ``(classes, codes)`` with ``classes`` as np.unique.

    Raises DataError (a ValueError, in scikit-learn's words: "Unknown label type: ...") for
    continuous targets, and :func:`checked_labels`' errors.
    """
    from sklearn.utils.multiclass import check_classification_targets

    y = checked_labels(y)
    try:
        check_classification_targets(y)
    except ValueError as exc:
        raise DataError(f"{exc} attnscope classifies: give class labels.") from None
    classes, codes = np.unique(y, return_inverse=True)
    return classes, codes.reshape(-1).astype(np.int64)


def align_columns(X: Any, fitted: np.ndarray, what: str = "X") -> Any:
    """Reorder the columns of a DataFrame ``X`` to the fitted feature names.

    Unknown or missing names raise :class:`DataError` naming them; ``X`` is never used
    by position when it carries names.
    """
    cols = np.asarray(X.columns).astype(str)
    fitted_list = [str(f) for f in fitted]
    if cols.tolist() == fitted_list:
        return X
    missing = [f for f in fitted_list if f not in set(cols.tolist())]
    unknown = [c for c in cols.tolist() if c not in set(fitted_list)]
    if missing or unknown:
        parts = []
        if missing:
            parts.append(f"missing {len(missing)} fitted feature(s) {missing[:5]}")
        if unknown:
            parts.append(f"{len(unknown)} unknown feature(s) {unknown[:5]}")
        raise DataError(
            f"{what} has {' and '.join(parts)}; give the columns the model was fitted on "
            f"(feature_names_in_, {len(fitted_list)} names)."
        )
    return X.loc[:, fitted_list] if hasattr(X, "loc") else X[fitted_list]


def table_from_arrays(
    est: Any, X: Any, y: Any | None, *, reset: bool, layer: str | None = None
) -> TabularDataset:
    """Validate a (samples x features) table the way scikit-learn estimators do.

    Parameters
    ----------
    est : BaseClassifier
        Receives ``n_features_in_`` (and ``feature_names_in_`` for named columns) when
        ``reset``; otherwise the table is checked against them.
    X : array-like, DataFrame, list of lists or AnnData, shape (n_samples, n_features)
        Sparse matrices are refused with scikit-learn's message (densify them); an
        AnnData's ``X`` or ``layers[layer]`` may be sparse.
    y : array-like of shape (n_samples,), str or None
        Labels (any dtype), or for an AnnData the ``obs`` column holding them.
    reset : bool
        True in ``fit``.

    Returns
    -------
    TabularDataset
        Labels coded against ``np.unique(y)`` in ``fit``; class names are ``str`` of them.
    """
    from sklearn.utils.validation import validate_data

    if is_anndata(X):
        return _from_anndata(est, X, y, reset=reset, layer=layer)
    fitted = getattr(est, "feature_names_in_", None)
    if not reset and fitted is not None and hasattr(X, "columns"):
        X = align_columns(X, fitted)
    ids = X.index if hasattr(X, "columns") else None  # a DataFrame's (a list has .index too)
    if y is not None:  # by sample id (a Series of labels), and before scikit-learn's check,
        y = checked_labels(y, X)  # which fails on pandas' NA (a TypeError)
    kwargs: dict[str, Any] = {"dtype": np.float32, "reset": reset, "ensure_min_features": 1}
    try:
        if reset:  # scikit-learn's "requires y to be passed" when y is None
            arr, y = validate_data(est, X, y, **kwargs)
        else:
            arr = validate_data(est, X, **kwargs)
    except (ValueError, TypeError) as exc:  # scikit-learn's own words, as a DataError
        if isinstance(exc, TypeError) and not hasattr(X, "columns"):
            raise  # scikit-learn's contract: an array holding a dict is a TypeError
        raise _data_error(exc, X) from None
    names = getattr(est, "feature_names_in_", None)
    spec_names = getattr(est, "spec_", {}).get("feature_names")
    if names is not None:
        feature_names = np.asarray(names).astype(str)
    elif spec_names is not None and len(spec_names) == arr.shape[1]:
        feature_names = np.asarray(spec_names)
    else:
        feature_names = np.array([f"f{j}" for j in range(arr.shape[1])])
    labels, class_names = None, [str(c) for c in getattr(est, "classes_", [])]
    if y is not None:
        classes, labels = (
            fit_labels(y) if reset else np.unique(checked_labels(y), return_inverse=True)
        )
        class_names = [str(c) for c in classes]
        if reset:
            est.classes_ = classes
    sample_ids = np.arange(len(arr)).astype(str)
    if ids is not None and len(np.unique(given := id_strings(ids))) == len(arr):
        sample_ids = given
    return TabularDataset(
        labels=None if labels is None else np.asarray(labels).reshape(-1),
        sample_ids=sample_ids,
        class_names=class_names,
        truth=None,
        meta={},
        X=np.ascontiguousarray(arr, dtype=np.float32),
        feature_names=feature_names,
    )


def sample_weights(sample_weight: Any, n: int) -> np.ndarray:
    """``sample_weight`` checked as scikit-learn does (float32, one per sample, >= 0).

    Raises DataError for weights that are negative, not finite or not one per sample.
    """
    from sklearn.utils.validation import _check_sample_weight

    try:
        return _check_sample_weight(
            sample_weight, np.zeros((n, 1)), dtype=np.float32, ensure_non_negative=True
        )
    except ValueError as exc:
        raise DataError(f"sample_weight: {exc}") from None


def _data_error(exc: Exception, X: Any = None) -> DataError:
    """scikit-learn's input error (a ValueError) as a DataError in its words; for NaN or inf
    its first line and attnscope's fix (the rest recommends other estimators); for a
    DataFrame whose columns are not all numbers (text, dates: "could not convert string to
    float: 'M'"), the columns by name."""
    if isinstance(exc, DataError):
        return exc
    text = str(exc).strip() or type(exc).__name__
    first = text.splitlines()[0]
    if hasattr(X, "columns") and (bad := _non_numeric_columns(X)):
        said = f" ({first})" if not isinstance(exc, TypeError) else ""  # not numpy's DTypes
        return DataError(
            f"X has columns that are not numbers: {bad[:5]}{' ...' if len(bad) > 5 else ''}"
            f"{said}; convert them (pandas.to_numeric) or drop them (ids, labels and "
            "dates are not features)."
        )
    if "NaN" in first or "infinity" in first:
        return DataError(
            f"{first} Impute or drop those values first; attnscope's models take none."
        )
    return DataError(text)


def _non_numeric_columns(X: Any) -> list[str]:
    """Names of the columns of a DataFrame ``X`` that hold what is not a number (text that
    pandas.to_numeric cannot read, dates, ...)."""
    import pandas as pd

    bad = []
    for j, dtype in enumerate(X.dtypes):
        if dtype.kind in "fiub":
            continue
        column = X.iloc[:, j]
        try:
            lost = dtype.kind in "mM" or bool(
                (pd.to_numeric(column, errors="coerce").isna() & column.notna()).any()
            )
        except (TypeError, ValueError):
            lost = True
        if lost:
            bad.append(str(X.columns[j]))
    return bad


def _from_anndata(
    est: Any, adata: Any, y: Any | None, *, reset: bool, layer: str | None
) -> TabularDataset:
    from attnscope.io import from_anndata

    if reset:
        est.anndata_layer_ = layer
    elif layer is None:
        layer = getattr(est, "anndata_layer_", None)
    key = y if isinstance(y, str) else None
    data = from_anndata(adata, label_key=key, layer=layer)
    if y is not None and key is None:
        from dataclasses import replace

        classes, codes = (
            fit_labels(y) if reset else np.unique(checked_labels(y), return_inverse=True)
        )
        if len(codes) != len(data):
            raise DataError(f"y has {len(codes)} labels for {len(data)} observations.")
        data = replace(data, labels=codes.reshape(-1), class_names=[str(c) for c in classes])
    if reset:
        est.n_features_in_ = data.n_features
        est.feature_names_in_ = np.asarray(data.feature_names, dtype=object)
        if data.labels is not None:
            est.classes_ = np.asarray(data.class_names)
            if y is not None and key is None:
                est.classes_ = fit_labels(y)[0]
    return data


def class_weight_vector(class_weight: Any, classes: np.ndarray, codes: np.ndarray) -> Any:
    """Per-class loss weights (a float32 tensor) for ``None``, ``"balanced"`` or a dict.

    Dict keys are class labels as in ``classes_``; classes not named get weight 1, as in
    scikit-learn. Returns None for ``class_weight=None``.
    """
    import torch
    from sklearn.utils.class_weight import compute_class_weight

    if class_weight is None:
        return None
    if isinstance(class_weight, dict):
        if classes.dtype.kind in "US":
            class_weight = {str(k): v for k, v in class_weight.items()}
        _check_class_weight_dict(class_weight, classes)
    w = compute_class_weight(class_weight, classes=classes, y=classes[codes])
    return torch.tensor(np.asarray(w, dtype=np.float64), dtype=torch.float32)


def _check_class_weight_dict(class_weight: dict[Any, Any], classes: np.ndarray) -> None:
    """ConfigError for a key that is not a class (scikit-learn's ValueError) or a weight that
    is not a number >= 0 (a negative one trained to NaN, then failed in roc_auc_score)."""
    from attnscope.errors import ConfigError

    known = set(classes.tolist())
    unknown = [k for k in class_weight if k not in known]
    if unknown:
        raise ConfigError(
            f"class_weight names {unknown[:5]}, not classes of y (classes_ "
            f"{classes.tolist()}); key it by the labels as given."
        )
    for key, value in class_weight.items():
        ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
        if not ok or not math.isfinite(float(value)) or float(value) < 0:
            raise ConfigError(
                f"class_weight[{key!r}] = {value!r}: a class weight must be a number >= 0."
            )
    if not any(float(class_weight.get(c, 1.0)) > 0 for c in known):
        raise ConfigError("class_weight gives every class weight 0; the loss would be empty.")


def validation_share_fits(codes: np.ndarray, val_size: float) -> bool:
    """Whether a stratified ``val_size`` share can hold every class (else warn, return False).

    The stratified split needs a sample of each class on both sides and (as
    :func:`attnscope.data.train_val_test_split` checks) three of every class.
    """
    n = len(codes)
    counts = np.bincount(codes)
    counts = counts[counts > 0]
    n_val = math.ceil(val_size * n)
    if n_val >= len(counts) and n - n_val >= len(counts) and counts.min() >= 3:
        return True
    warnings.warn(
        f"{n} training samples ({counts.tolist()} per class) cannot hold a stratified "
        f"val_size={val_size} share with every class; training on all of them without "
        "early stopping (the last epoch is kept). Set val_size=0 to silence this.",
        AttnscopeWarning,
        stacklevel=3,
    )
    return False
