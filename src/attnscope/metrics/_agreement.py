"""Agreement between attribution maps: per-sample rank correlation, top-k overlap, seeds."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from attnscope.errors import ConfigError, DataError

__all__ = [
    "average_ranks",
    "centred_ranks",
    "correlation_of_centred",
    "rank_correlation_rows",
    "seed_stability",
    "topk_jaccard_rows",
]


def average_ranks(x: np.ndarray) -> np.ndarray:
    """Ranks along the last axis, ties given their average rank: scipy's ``rankdata``.

    A row holding NaN is all NaN (``nan_policy='propagate'``).

    Parameters
    ----------
    x : ndarray of shape (..., n)

    Returns
    -------
    ndarray of shape (..., n), float64
        Ranks from 1 to n.
    """
    x = np.asarray(x)
    if x.ndim == 0 or x.shape[-1] == 0 or x.dtype.kind not in "fiub":
        from scipy.stats import rankdata

        return np.asarray(rankdata(x, axis=-1), dtype=np.float64)
    # Fast path (a small map's ranks cost scipy's array-API dispatch more than the sort):
    # without ties the ranks are the inverse permutation of one argsort.
    order = np.argsort(x, axis=-1)
    ordered = np.take_along_axis(x, order, axis=-1)
    if (ordered[..., 1:] == ordered[..., :-1]).any():  # ties (inf == inf, too)
        from scipy.stats import rankdata

        return np.asarray(rankdata(x, axis=-1), dtype=np.float64)
    ranks = np.empty(x.shape, dtype=np.float64)
    count = np.broadcast_to(np.arange(1.0, x.shape[-1] + 1), x.shape)
    np.put_along_axis(ranks, order, count, axis=-1)
    if x.dtype.kind == "f":  # NaN sorts last: its row is all NaN, as in scipy
        ranks[np.isnan(ordered[..., -1])] = np.nan
    return ranks


def centred_ranks(a: np.ndarray) -> np.ndarray:
    """Each sample's average ranks minus their mean: one side of a Spearman correlation.

    Rank a map once with this when it is compared with many others (the original map of
    a randomisation cascade); :func:`correlation_of_centred` finishes each comparison.

    Parameters
    ----------
    a : ndarray of shape (n_samples, ...)
        Each sample's features are flattened.

    Returns
    -------
    ndarray of shape (n_samples, n_features), float64
    """
    r = average_ranks(np.asarray(a, dtype=np.float64).reshape(len(a), -1))
    return r - r.mean(axis=-1, keepdims=True)


def correlation_of_centred(rx: np.ndarray, ry: np.ndarray) -> np.ndarray:
    """Per-sample correlation of two centred rank arrays from :func:`centred_ranks`.

    Parameters
    ----------
    rx, ry : ndarray of shape (n_samples, n_features)

    Returns
    -------
    ndarray of shape (n_samples,)
        NaN for a sample whose map is constant in either (or holds NaN).
    """
    if rx.shape != ry.shape:
        raise DataError(f"attributions differ in shape: {rx.shape} vs {ry.shape}.")
    den = np.sqrt((rx**2).sum(axis=1) * (ry**2).sum(axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, (rx * ry).sum(axis=1) / np.where(den > 0, den, 1), np.nan)


def rank_correlation_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Spearman correlation per sample between two attribution arrays.

    Parameters
    ----------
    a, b : ndarray of shape (n_samples, ...)
        Same shape; each sample's features are flattened.

    Returns
    -------
    ndarray of shape (n_samples,)
        NaN for a sample whose map is constant in ``a`` or ``b`` or holds NaN.
    """
    x = np.asarray(a, dtype=np.float64).reshape(len(a), -1)
    y = np.asarray(b, dtype=np.float64).reshape(len(b), -1)
    if x.shape != y.shape:
        raise DataError(f"attributions differ in shape: {x.shape} vs {y.shape}.")
    r = average_ranks(np.stack([x, y]))  # one sort for both
    rx, ry = r - r.mean(axis=-1, keepdims=True)
    return correlation_of_centred(rx, ry)


def topk_jaccard_rows(a: np.ndarray, b: np.ndarray, k: int) -> np.ndarray:
    """Jaccard index of the top-``k`` features by ``|a|`` and by ``|b|``, per sample."""
    x = np.abs(np.asarray(a, dtype=np.float64).reshape(len(a), -1))
    y = np.abs(np.asarray(b, dtype=np.float64).reshape(len(b), -1))
    if not 1 <= k <= x.shape[1]:
        raise ConfigError(f"k must lie in 1..{x.shape[1]}, got {k}.")
    m = x.shape[1]
    ta = np.zeros_like(x, dtype=bool)
    tb = np.zeros_like(y, dtype=bool)
    np.put_along_axis(ta, np.argsort(-x, axis=1, kind="stable")[:, :k], True, axis=1)
    np.put_along_axis(tb, np.argsort(-y, axis=1, kind="stable")[:, :k], True, axis=1)
    inter = (ta & tb).sum(axis=1)
    return inter / np.minimum(2 * k - inter, m)


def seed_stability(attributions: Sequence[Any], *, k: int = 10) -> dict[str, np.ndarray]:
    """Agreement of attributions from models trained with different seeds.

    Parameters
    ----------
    attributions : sequence of Attribution (or arrays), two or more
        Same samples and features, one per fitted model.
    k : int, default 10
        Top features compared by the Jaccard index.

    Returns
    -------
    dict
        ``spearman`` and ``jaccard``: arrays of shape (n_samples,), each the mean over
        all model pairs of the per-sample Spearman correlation of ``|a|`` and the top-k
        Jaccard index.
    """
    from attnscope.metrics._consistency import mean_pairwise_spearman, topk_jaccard

    vals = [np.asarray(getattr(a, "values", a)) for a in attributions]
    if len(vals) < 2:
        raise ConfigError("seed_stability needs attributions from two or more models.")
    maps = np.stack(vals)  # (N models, S samples, *F)
    return {
        "spearman": mean_pairwise_spearman(maps),
        "jaccard": topk_jaccard(maps, k=k, max_pairs=None),
    }
