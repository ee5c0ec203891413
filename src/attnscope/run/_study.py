"""What every path of a seed-consistency study shares: its inputs and the consensus vote."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["SeedStudy", "cell_names", "summary_stats", "top_cell_examples"]


@dataclass(frozen=True)
class SeedStudy:
    """What every path of a seed study starts from: the fixed split, seeds and methods.

    ``template`` is the unfitted estimator; ``train``, ``val`` and ``test`` the split's
    datasets; ``explain_idx`` the indices of the explained test samples; ``seeds`` one per
    variant; ``methods`` canonical method names; ``ig_steps`` the integrated-gradients steps;
    ``random_state`` the study's seed (chunk seeding and attribution).
    """

    template: Any
    train: Any
    val: Any
    test: Any
    explain_idx: np.ndarray
    seeds: list[int]
    methods: list[str]
    ig_steps: int
    random_state: int


def _consensus(proba: np.ndarray) -> np.ndarray:
    """Majority predicted class per sample over variants; proba (N, n, C)."""
    votes = np.zeros(proba.shape[1:], dtype=np.int64)
    np.add.at(votes, (np.arange(proba.shape[1])[None, :], proba.argmax(-1)), 1)
    return np.asarray(votes.argmax(axis=1))


def summary_stats(values: np.ndarray) -> dict[str, float]:
    """Mean, median, quartiles and count of the finite ``values`` (NaN and n=0 if none)."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return {"mean": float("nan"), "median": float("nan"), "q25": float("nan"),
                "q75": float("nan"), "n": 0}  # fmt: skip
    q25, med, q75 = np.quantile(v, [0.25, 0.5, 0.75])
    return {"mean": float(v.mean()), "median": float(med), "q25": float(q25),
            "q75": float(q75), "n": int(v.size)}  # fmt: skip


def top_cell_examples(
    maps: dict[str, np.ndarray],
    methods: Sequence[str],
    sample_ids: np.ndarray,
    test: Any,
    explain_idx: np.ndarray,
    top_k: int,
    n_show: int = 4,
) -> dict[str, Any]:
    """Weights of each sample's top cells (by the variants' mean map) across variants.

    For the first ``n_show`` explained samples and each method: ``cells`` (names of the
    top cells) and ``weights`` of shape (N, top_k), each map scaled to sum 1 in magnitude.
    """
    names = cell_names(test, maps[methods[0]].shape[2:])
    out: dict[str, Any] = {"sample_ids": sample_ids[:n_show].tolist(), "methods": {}}
    for name in methods:
        m = np.abs(
            maps[name][:, :n_show].reshape(
                maps[name].shape[0], min(n_show, maps[name].shape[1]), -1
            )
        )
        tot = m.sum(-1, keepdims=True)
        m = m / np.where(tot > 0, tot, 1)
        top = np.argsort(-m.mean(0), axis=-1, kind="stable")[:, :top_k]  # (n_show, k)
        weights = np.take_along_axis(m, top[None], axis=2)  # (N, n_show, k)
        out["methods"][name] = {
            "cells": [[names[j] for j in row] for row in top],
            "weights": weights.transpose(1, 0, 2),
        }
    return out


def cell_names(test: Any, shape: tuple[int, ...]) -> list[str]:
    """Readable names of the flattened cells (``t=12h HR`` for time series)."""
    var = getattr(test, "variable_names", None)
    times = getattr(test, "times", None)
    if var is not None and times is not None and len(shape) == 2:
        return [f"t={float(t):g}h {v}" for t in times for v in var]
    feats = getattr(test, "feature_names", None)
    size = int(np.prod(shape)) if shape else 1
    if feats is not None and len(feats) == size:
        return [str(f) for f in feats]
    return [str(i) for i in range(size)]
