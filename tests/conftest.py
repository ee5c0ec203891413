"""Shared fixtures: small simulated data sets and the shared real-data folder."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from attnscope._utils.paths import shared_data_dir

torch.set_num_threads(2)


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The shared real data sets (tests skip when a file is absent)."""
    return shared_data_dir()


def need(path: Path) -> Path:
    """Skip the calling test when ``path`` is missing."""
    if not path.exists():
        pytest.skip(f"shared data file {path} is not available")
    return path


@pytest.fixture(scope="session")
def small_dna():
    from attnscope.sim import simulate_dna

    return simulate_dna(300, length=60, motif_length=8, random_state=1)
