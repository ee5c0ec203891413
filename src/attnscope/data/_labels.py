"""Labels given as a pandas Series are paired with the samples by their index."""

from __future__ import annotations

from typing import Any

import numpy as np

from attnscope.errors import DataError

__all__ = ["align_labels", "id_strings"]


def id_strings(values: Any) -> np.ndarray:
    """Sample ids or column names (a pandas index, any array) as an array of ``str``.

    The levels of a MultiIndex entry (a tuple) are joined by ``":"`` (``"rna:TP53"``).
    """
    return np.array(
        [":".join(map(str, v)) if isinstance(v, tuple) else str(v) for v in values], dtype=str
    ).reshape(-1)


def align_labels(y: Any, sample_ids: Any) -> Any:
    """``y`` in the order of ``sample_ids`` when it is a pandas Series (or one-column
    DataFrame) indexed by sample ids; anything else is returned as given (by position).

    A default index (0, 1, ..., n - 1, as ``pd.Series(labels)`` gives) pairs by position,
    and so do rows selected from one in order (increasing integers sharing no id with the
    data: a fold of ``cross_val_score``). The same ids in another order are reordered; other
    ids are a DataError: by position they gave samples their neighbours' labels, silently.

    Parameters
    ----------
    y : array-like or pandas Series, shape (n_samples,)
    sample_ids : array-like of shape (n_samples,)
        The data's sample ids (a DataFrame's index, a Dataset's ``sample_ids``).

    Returns
    -------
    y, aligned when it carries sample ids.
    """
    index = getattr(y, "index", None)
    if index is None or not hasattr(y, "iloc") or sample_ids is None:
        return y
    import pandas as pd

    n = len(index)
    if isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1:
        return y  # no ids of its own: by position
    ids = id_strings(sample_ids)
    keys = id_strings(index)
    if n == ids.size and (keys == ids).all():
        return y
    if (
        n == ids.size
        and pd.api.types.is_integer_dtype(index)
        and index.is_monotonic_increasing
        and index.is_unique
        and not set(keys.tolist()) & set(ids.tolist())
    ):  # rows of a default-indexed Series, as scikit-learn's CV folds select them
        return y
    if index.is_unique and n == ids.size and set(keys.tolist()) == set(ids.tolist()):
        return y.iloc[pd.Index(keys).get_indexer(ids)]
    missing = sorted(set(ids.tolist()) - set(keys.tolist()))[:3]
    raise DataError(
        f"y's index does not hold the data's sample ids (e.g. {ids[:3].tolist()}; y has "
        f"{keys[:3].tolist()}{', no labels for ' + str(missing) if missing else ''}"
        f"{', repeated ids' if not index.is_unique else ''}); give labels indexed by the same "
        "samples, or y.to_numpy() to pair them by position."
    )
