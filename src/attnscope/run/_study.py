"""What every path of a seed-consistency study shares: its inputs and the consensus vote."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["SeedStudy"]


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
