"""One place that turns ``random_state`` into generators."""

from __future__ import annotations

import numpy as np

__all__ = ["check_random_state", "torch_generator"]


def check_random_state(random_state: int | np.random.Generator | None) -> np.random.Generator:
    """Return a numpy Generator for an int seed, a Generator or None (seed 0)."""
    if isinstance(random_state, np.random.Generator):
        return random_state
    return np.random.default_rng(0 if random_state is None else int(random_state))


def torch_generator(random_state: int | None):  # type: ignore[no-untyped-def]
    """Return a CPU ``torch.Generator`` seeded from ``random_state`` (None means 0)."""
    import torch

    gen = torch.Generator()
    gen.manual_seed(0 if random_state is None else int(random_state))
    return gen
