"""Stability of attributions: under small input noise and across training seeds."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import torch

from attnscope.errors import ConfigError, DataError

__all__ = ["max_sensitivity", "rank_correlation_rows", "seed_stability", "topk_jaccard_rows"]


def rank_correlation_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Spearman correlation per sample between two attribution arrays (NaN if constant)."""
    from scipy.stats import rankdata

    x = np.asarray(a, dtype=np.float64).reshape(len(a), -1)
    y = np.asarray(b, dtype=np.float64).reshape(len(b), -1)
    if x.shape != y.shape:
        raise DataError(f"attributions differ in shape: {x.shape} vs {y.shape}.")
    rx = rankdata(x, axis=1)
    ry = rankdata(y, axis=1)
    rx -= rx.mean(axis=1, keepdims=True)
    ry -= ry.mean(axis=1, keepdims=True)
    den = np.sqrt((rx**2).sum(axis=1) * (ry**2).sum(axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, (rx * ry).sum(axis=1) / np.where(den > 0, den, 1), np.nan)


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


def max_sensitivity(
    estimator: Any,
    data: Any,
    *,
    method: str,
    attribution: Any = None,
    n_perturb: int = 5,
    radius: float = 0.02,
    random_state: int = 0,
    **options: Any,
) -> np.ndarray:
    """Largest relative change of the attribution under small input noise (Yeh et al. 2019).

    Each perturbed copy adds uniform noise in ``[-r, r]`` with ``r = radius x (max - min)``
    of each model input (``spec.inputs``: one-hot, expression, embeddings); the raw inputs
    move with it when they are the same tensors (CNN, MLP). All copies are attributed in
    one call. The explained class stays the original one.

    Returns
    -------
    ndarray of shape (n_samples,)
        ``max_p ||a(x + e_p) - a(x)|| / ||a(x)||`` (lower is more stable; NaN where
        the original attribution is all zero).
    """
    from attnscope.explain import attribute_spec

    if n_perturb < 1 or radius <= 0:
        raise ConfigError("n_perturb must be >= 1 and radius > 0.")
    data = estimator.as_dataset(data)
    spec = estimator.attribution_spec(data)
    if attribution is None:
        attribution = attribute_spec(
            estimator, spec, method=method, random_state=random_state, **options
        )
    n = int(spec.inputs[0].shape[0])
    gen = torch.Generator().manual_seed(int(random_state))
    noisy = []
    for t in spec.inputs:
        r = float(radius * (t.max() - t.min()).clamp_min(1e-12))
        rep = t.detach().repeat(n_perturb, *([1] * (t.ndim - 1)))
        noisy.append(rep + (torch.rand(rep.shape, generator=gen) * 2 - 1) * r)
    raw_map = {id(t): i for i, t in enumerate(spec.inputs)}
    raw = tuple(
        noisy[raw_map[id(t)]] if id(t) in raw_map else t.repeat(n_perturb, *([1] * (t.ndim - 1)))
        for t in spec.raw_inputs
    )
    extra = tuple(
        a.repeat(n_perturb, *([1] * (a.ndim - 1)))
        if torch.is_tensor(a) and a.ndim and a.shape[0] == n
        else a
        for a in spec.additional_args
    )
    layer_inputs = tuple(t.repeat(n_perturb, *([1] * (t.ndim - 1))) for t in spec.layer_inputs)
    big = replace(
        spec, inputs=tuple(noisy), raw_inputs=raw, additional_args=extra, layer_inputs=layer_inputs
    )
    target = np.tile(attribution.target, n_perturb)
    pert = attribute_spec(
        estimator, big, method=method, target=target, random_state=random_state, **options
    )
    a0 = np.asarray(attribution.values, dtype=np.float64).reshape(n, -1)
    ap = np.asarray(pert.values, dtype=np.float64).reshape(n_perturb, n, -1)
    diff = np.linalg.norm(ap - a0[None], axis=2).max(axis=0)
    norm = np.linalg.norm(a0, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(norm > 0, diff / np.where(norm > 0, norm, 1), np.nan)
