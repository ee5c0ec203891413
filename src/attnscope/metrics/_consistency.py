"""Per-sample agreement of explanation maps across N model variants (seeds).

Every function takes ``maps`` of shape (N, S, *F): N variants (e.g. models that differ
only in their random seed), S samples, and the feature axes F of one map (time x
variable cells, positions, genes). Each returns one number per sample (or per variant and
sample), so the distribution of consistency over samples can be plotted and related to
anything else known per sample.

By default maps are compared by magnitude (``absolute=True``): a gradient attribution of
-2 marks a cell as important as +2, and attention is non-negative anyway. The same
convention is used by :func:`attnscope.metrics.seed_stability`.

Costs (N variants, S samples, F cells per map):

- :func:`mean_pairwise_spearman`: exact over all N(N-1)/2 pairs in O(N S F log F): with
  standardised ranks ``z_i`` the sum over pairs of ``z_i . z_j`` is
  ``(|sum_i z_i|^2 - sum_i |z_i|^2) / 2``, so no pair is formed explicitly.
- :func:`topk_jaccard`: exact over all pairs by comparing top-k index sets,
  O(N^2 S k^2), or over ``max_pairs`` random pairs when there are more.
- :func:`mean_pairwise_kendall`: tau-b over all F cells, on ``n_pairs`` random variant
  pairs (scipy's O(F log F) algorithm per pair and sample); the pairs are drawn once from
  ``random_state`` and used for every sample.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from attnscope._utils.random import check_random_state
from attnscope.errors import ConfigError, DataError
from attnscope.metrics._agreement import average_ranks

__all__ = [
    "coefficient_of_variation",
    "consistency_summary",
    "mean_pairwise_kendall",
    "mean_pairwise_spearman",
    "sample_pairs",
    "top_cell_agreement",
    "topk_jaccard",
]


def _as_maps(maps: Any, *, absolute: bool = True, min_variants: int = 2) -> np.ndarray:
    """Validate ``maps`` and return a float array of shape (N, S, F)."""
    arr = np.asarray(maps, dtype=np.float64)
    if arr.ndim < 3:
        raise DataError(
            f"maps must have shape (n_variants, n_samples, *features), got {arr.shape}; "
            "stack one (n_samples, *features) map per variant along a new first axis."
        )
    if arr.shape[0] < min_variants:
        raise DataError(
            f"consistency needs maps from {min_variants} or more variants, got {arr.shape[0]}."
        )
    if not np.isfinite(arr).all():
        raise DataError("maps hold NaN or infinite values; check the attributions.")
    arr = arr.reshape(arr.shape[0], arr.shape[1], -1)
    return np.abs(arr) if absolute else arr


def sample_pairs(
    n_variants: int, max_pairs: int | None, random_state: int | np.random.Generator | None = 0
) -> np.ndarray:
    """Variant pairs ``(i, j)`` with ``i < j``: all of them, or ``max_pairs`` drawn at random.

    Returns
    -------
    ndarray of shape (n_pairs, 2), int
    """
    i, j = np.triu_indices(n_variants, k=1)
    pairs = np.stack([i, j], axis=1)
    if max_pairs is not None and len(pairs) > max_pairs:
        if max_pairs < 1:
            raise ConfigError(f"max_pairs must be positive, got {max_pairs}.")
        rng = check_random_state(random_state)
        pairs = pairs[np.sort(rng.choice(len(pairs), size=max_pairs, replace=False))]
    return pairs


def _standardised_ranks(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Average ranks along the last axis, centred and scaled to unit norm.

    Returns the ranks and a bool array marking rows that are not constant.
    """
    r = average_ranks(x)
    r -= r.mean(axis=-1, keepdims=True)
    norm = np.sqrt((r * r).sum(axis=-1, keepdims=True))
    ok = norm[..., 0] > 0
    return r / np.where(norm > 0, norm, 1.0), ok


def _spearman_both(x: np.ndarray, chunk_size: int) -> tuple[np.ndarray, np.ndarray]:
    """(mean over pairs (S,), each variant's mean with the others (N, S)) of (N, S, F)."""
    n, s, _ = x.shape
    mean = np.full(s, np.nan)
    each = np.full((n, s), np.nan)
    for lo in range(0, s, max(1, int(chunk_size))):
        z, ok = _standardised_ranks(x[:, lo : lo + chunk_size])  # (N, s', F), (N, s')
        z = z * ok[..., None]
        total = z.sum(axis=0)  # (s', F)
        k = ok.sum(axis=0).astype(float)  # variants with a non-constant map
        with np.errstate(invalid="ignore", divide="ignore"):
            mean[lo : lo + chunk_size] = np.where(
                k > 1, ((total * total).sum(-1) - k) / (k * (k - 1)), np.nan
            )
            own = (z * total[None]).sum(-1) - 1.0  # sum over the others
            each[:, lo : lo + chunk_size] = np.where(ok & (k > 1), own / (k - 1), np.nan)
    return mean, each


def mean_pairwise_spearman(
    maps: Any, *, absolute: bool = True, per_variant: bool = False, chunk_size: int = 64
) -> np.ndarray:
    """Mean Spearman correlation over all pairs of variants, per sample.

    Parameters
    ----------
    maps : array-like of shape (N, S, *F)
    absolute : bool, default True
        Rank ``|maps|``.
    per_variant : bool, default False
        Also return each variant's mean correlation with the N - 1 others.
    chunk_size : int, default 64
        Samples ranked at a time (bounds memory to ``N x chunk_size x F`` floats).

    Returns
    -------
    ndarray of shape (S,), or of shape (N, S) when ``per_variant``
        NaN where fewer than two variants give a non-constant map.
    """
    x = _as_maps(maps, absolute=absolute)
    mean, each = _spearman_both(x, chunk_size)
    return each if per_variant else mean


def mean_pairwise_kendall(
    maps: Any,
    *,
    absolute: bool = True,
    n_pairs: int = 10,
    random_state: int | np.random.Generator | None = 0,
) -> np.ndarray:
    """Mean Kendall tau-b over a random subsample of variant pairs, per sample.

    Kendall's tau needs O(F log F) per pair and sample and has no shortcut over pairs,
    so it runs on ``n_pairs`` pairs drawn once (all pairs when there are fewer), exactly
    over every cell.

    Parameters
    ----------
    maps : array-like of shape (N, S, *F)
    absolute : bool, default True
    n_pairs : int, default 10
    random_state : int or Generator, default 0
        Draws the pairs.

    Returns
    -------
    ndarray of shape (S,)
        NaN where every sampled pair has a constant map.
    """
    from scipy.stats import kendalltau

    x = _as_maps(maps, absolute=absolute)
    pairs = sample_pairs(x.shape[0], n_pairs, random_state)
    s = x.shape[1]
    taus = np.full((len(pairs), s), np.nan)
    # A loop over the (few) sampled pairs and the samples: scipy's tau-b is O(F log F)
    # per call, a vectorised O(F^2) count would be slower for thousands of cells.
    for p, (i, j) in enumerate(pairs):
        for k in range(s):
            if np.ptp(x[i, k]) > 0 and np.ptp(x[j, k]) > 0:
                taus[p, k] = kendalltau(x[i, k], x[j, k]).statistic
    with np.errstate(invalid="ignore"):
        valid = np.isfinite(taus)
        count = valid.sum(axis=0)
        return np.where(count > 0, np.where(valid, taus, 0).sum(0) / np.maximum(count, 1), np.nan)


def _topk_sets(x: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` largest entries along the last axis, shape (N, S, k)."""
    f = x.shape[-1]
    if not 1 <= k <= f:
        raise ConfigError(f"top_k must lie in 1..{f} (cells per map), got {k}.")
    # Stable order: ties broken by the lower cell index, identically in every variant.
    return np.argsort(-x, axis=-1, kind="stable")[..., :k]


def topk_jaccard(
    maps: Any,
    *,
    k: int = 10,
    absolute: bool = True,
    max_pairs: int | None = 5000,
    random_state: int | np.random.Generator | None = 0,
) -> np.ndarray:
    """Mean Jaccard index of the top-``k`` cells over pairs of variants, per sample.

    Parameters
    ----------
    maps : array-like of shape (N, S, *F)
    k : int, default 10
    absolute : bool, default True
    max_pairs : int or None, default 5000
        All pairs (N = 100 has 4,950) unless there are more; then this many random ones.
    random_state : int or Generator, default 0

    Returns
    -------
    ndarray of shape (S,)
        1 when every variant picks the same k cells, 0 when no two share one.
    """
    x = _as_maps(maps, absolute=absolute)
    top = _topk_sets(x, k)  # (N, S, k)
    pairs = sample_pairs(x.shape[0], max_pairs, random_state)
    total = np.zeros(x.shape[1])
    for lo in range(0, len(pairs), 256):
        p = pairs[lo : lo + 256]
        a, b = top[p[:, 0]], top[p[:, 1]]  # (P, S, k)
        inter = (a[..., :, None] == b[..., None, :]).any(-1).sum(-1)  # (P, S)
        total += (inter / (2 * k - inter)).sum(0)
    return total / len(pairs)


def top_cell_agreement(maps: Any, *, absolute: bool = True) -> np.ndarray:
    """Share of variants whose top cell is the most frequent top cell, per sample.

    Returns
    -------
    ndarray of shape (S,)
        1 when all variants agree; ``1 / N`` at worst.
    """
    x = _as_maps(maps, absolute=absolute)
    n, s, f = x.shape
    top = x.argmax(axis=-1)  # (N, S), first index on ties
    counts = np.zeros((s, f), dtype=np.int64)
    np.add.at(counts, (np.broadcast_to(np.arange(s), (n, s)), top), 1)
    return counts.max(axis=1) / n


def coefficient_of_variation(maps: Any, *, absolute: bool = True) -> np.ndarray:
    """Per-cell coefficient of variation across variants, ``std / mean``.

    Returns
    -------
    ndarray of shape (S, *F)
        NaN where the mean over variants is 0 (the cell is zero in every variant).
    """
    raw = np.asarray(maps)
    x = _as_maps(maps, absolute=absolute)
    mean = x.mean(axis=0)
    sd = x.std(axis=0, ddof=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        cv = np.where(mean > 0, sd / np.where(mean > 0, mean, 1.0), np.nan)
    return cv.reshape(raw.shape[1:])


def consistency_summary(
    maps: Any,
    *,
    top_k: int = 10,
    absolute: bool = True,
    kendall_pairs: int = 10,
    max_pairs: int | None = 5000,
    random_state: int | np.random.Generator | None = 0,
) -> dict[str, np.ndarray]:
    """Every per-sample consistency measure of one set of maps.

    Parameters
    ----------
    maps : array-like of shape (N, S, *F)
    top_k : int, default 10
    absolute : bool, default True
    kendall_pairs : int, default 10
        Variant pairs behind the Kendall estimate (0 skips Kendall: NaN).
    max_pairs : int or None, default 5000
        Pairs behind the Jaccard index (all pairs up to this many).
    random_state : int, default 0

    Returns
    -------
    dict of str -> ndarray
        ``spearman``, ``kendall``, ``jaccard``, ``top_agreement`` and ``cv_top`` (mean
        coefficient of variation over the top-k cells of the variants' mean map), each
        of shape (S,); ``spearman_per_variant`` of shape (N, S).
    """
    x = _as_maps(maps, absolute=absolute)
    s = x.shape[1]
    spearman, per_variant = _spearman_both(x, 64)
    cv = coefficient_of_variation(x, absolute=False)  # (S, F)
    top_mean = _topk_sets(x.mean(axis=0), top_k)  # (S, k)
    top_cv = np.take_along_axis(cv, top_mean, axis=1)
    n_ok = np.isfinite(top_cv).sum(axis=1)
    cv_top = np.where(n_ok > 0, np.nansum(top_cv, axis=1) / np.maximum(n_ok, 1), np.nan)
    kendall = (
        mean_pairwise_kendall(x, absolute=False, n_pairs=kendall_pairs, random_state=random_state)
        if kendall_pairs > 0
        else np.full(s, np.nan)
    )
    return {
        "spearman": spearman,
        "kendall": kendall,
        "jaccard": topk_jaccard(
            x, k=top_k, absolute=False, max_pairs=max_pairs, random_state=random_state
        ),
        "top_agreement": top_cell_agreement(x, absolute=False),
        "cv_top": cv_top,
        "spearman_per_variant": per_variant,
    }
