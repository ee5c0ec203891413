"""Stratified k-fold cross-validation of any attnscope estimator."""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from attnscope.data import Dataset, kfold_indices

__all__ = ["cross_validate"]


def cross_validate(
    estimator: Any,
    data: Dataset,
    *,
    n_splits: int = 5,
    random_state: int | None = 0,
    return_estimators: bool = False,
) -> dict[str, Any]:
    """Fit a fresh clone of ``estimator`` on each stratified fold and score the held-out part.

    Parameters
    ----------
    estimator : BaseClassifier
        Not modified; each fold fits ``sklearn.base.clone(estimator)``.
    data : Dataset
        Labelled data.
    n_splits : int, default 5
    random_state : int, optional
        Seeds the fold assignment (the estimator keeps its own ``random_state``).
    return_estimators : bool, default False

    Returns
    -------
    dict
        ``folds``: one dict of predictive metrics per fold (plus ``seconds``);
        ``mean`` and ``std``: per metric over folds; ``test_index``: the held-out indices
        of each fold; ``estimators`` when asked.
    """
    from sklearn.base import clone

    folds: list[dict[str, Any]] = []
    fitted = []
    tests = []
    for train_idx, test_idx in kfold_indices(data.y, n_splits=n_splits, random_state=random_state):
        start = time.perf_counter()
        est = clone(estimator).fit(data.subset(train_idx))
        scores = est.evaluate(data.subset(test_idx))
        scores["seconds"] = time.perf_counter() - start
        folds.append(scores)
        tests.append(test_idx)
        if return_estimators:
            fitted.append(est)
    numeric = [k for k, v in folds[0].items() if isinstance(v, float)]
    out: dict[str, Any] = {
        "folds": folds,
        "mean": {k: float(np.nanmean([f[k] for f in folds])) for k in numeric},
        "std": {k: float(np.nanstd([f[k] for f in folds], ddof=1)) for k in numeric},
        "test_index": tests,
    }
    if return_estimators:
        out["estimators"] = fitted
    return out
