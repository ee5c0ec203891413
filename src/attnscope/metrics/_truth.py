"""Ground truth: how well attribution scores recover a planted truth mask."""

from __future__ import annotations

from typing import Any

import numpy as np

from attnscope.errors import ConfigError, DataError
from attnscope.metrics._agreement import average_ranks

__all__ = ["auprc_rows", "auroc_rows", "precision_at_k", "truth_recovery"]


def _rows(scores: np.ndarray, truth: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    s = np.asarray(scores, dtype=np.float64)
    t = np.asarray(truth).astype(bool)
    if s.shape != t.shape:
        raise DataError(f"scores have shape {s.shape}, the truth mask {t.shape}; align them.")
    if s.ndim == 1:
        return s[None, :], t[None, :]
    return s.reshape(s.shape[0], -1), t.reshape(t.shape[0], -1)


def precision_at_k(scores: np.ndarray, truth: np.ndarray, k: int | None = None) -> np.ndarray:
    """Share of true features among the ``k`` highest scores, per row.

    Parameters
    ----------
    scores, truth : ndarray of shape (n_features,) or (n_samples, *feature_shape)
    k : int, optional
        Default: the number of true features of each row (R-precision).

    Returns
    -------
    ndarray of shape (n_rows,)
        NaN for rows without true features when ``k`` is None.
    """
    s, t = _rows(scores, truth)
    order = np.argsort(-s, axis=1, kind="stable")
    hits = np.take_along_axis(t, order, axis=1)
    csum = np.cumsum(hits, axis=1)
    if k is None:
        kk = t.sum(axis=1)
        got = np.take_along_axis(csum, np.maximum(kk - 1, 0)[:, None], axis=1)[:, 0]
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(kk > 0, got / np.maximum(kk, 1), np.nan)
    if not 1 <= int(k) <= s.shape[1]:
        raise ConfigError(f"k must lie in 1..{s.shape[1]}, got {k}.")
    return csum[:, int(k) - 1] / int(k)


def auroc_rows(scores: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """Area under the ROC curve per row (Mann-Whitney, ties averaged); NaN if one class."""
    s, t = _rows(scores, truth)
    ranks = average_ranks(s)
    pos = t.sum(axis=1)
    neg = t.shape[1] - pos
    u = (ranks * t).sum(axis=1) - pos * (pos + 1) / 2
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where((pos > 0) & (neg > 0), u / np.maximum(pos * neg, 1), np.nan)


def auprc_rows(scores: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """Average precision per row (as scikit-learn, without tie interpolation)."""
    s, t = _rows(scores, truth)
    order = np.argsort(-s, axis=1, kind="stable")
    hits = np.take_along_axis(t, order, axis=1).astype(np.float64)
    prec = np.cumsum(hits, axis=1) / np.arange(1, hits.shape[1] + 1)[None, :]
    pos = hits.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(pos > 0, (prec * hits).sum(axis=1) / np.maximum(pos, 1), np.nan)


def truth_recovery(
    attribution: Any, truth: np.ndarray, *, k: int | None = None, absolute: bool = True
) -> dict[str, Any]:
    """Precision@k, AUROC and AUPRC of attribution scores against a truth mask.

    Parameters
    ----------
    attribution : Attribution or ndarray of shape (n_samples, *feature_shape)
    truth : ndarray of bool
        Shape (n_samples, *feature_shape): scored per sample and averaged (planted motif
        positions); shape feature_shape: scored once on the global importance, mean
        ``|a|`` over samples (causal genes or SNPs).
    k : int, optional
        Default the number of true features (per sample, or in the global mask).
    absolute : bool, default True
        Rank by ``|a|`` (a feature can matter by pushing either way).

    Returns
    -------
    dict
        ``precision_at_k``, ``auroc``, ``auprc`` (means over samples with both classes),
        ``random_precision`` (share of true features, what a random ranking expects),
        ``level`` ("sample" or "global").
    """
    values = np.asarray(getattr(attribution, "values", attribution), dtype=np.float64)
    t = np.asarray(truth).astype(bool)
    s = np.abs(values) if absolute else values
    if t.shape == values.shape:
        level = "sample"
    elif t.shape == values.shape[1:]:
        level = "global"
        s = s.mean(axis=0)
    else:
        raise DataError(
            f"the truth mask has shape {t.shape}; expected {values.shape} (per sample) "
            f"or {values.shape[1:]} (per feature)."
        )
    return {
        "precision_at_k": float(np.nanmean(precision_at_k(s, t, k))),
        "auroc": float(np.nanmean(auroc_rows(s, t))),
        "auprc": float(np.nanmean(auprc_rows(s, t))),
        "random_precision": float(t.mean()),
        "level": level,
    }
