"""Shared fixtures: small simulated data sets and the shared real-data folder."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from hypothesis import HealthCheck, settings

from attnscope._utils.paths import shared_data_dir

torch.set_num_threads(2)

# Property-based tests: reproducible examples (CI and local runs see the same ones), no
# example database written into the checkout, no per-example deadline (CPU is shared).
settings.register_profile(
    "attnscope",
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.differing_executors],
)
settings.load_profile("attnscope")


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
