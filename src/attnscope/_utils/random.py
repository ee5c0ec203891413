"""One place that turns ``random_state`` into generators."""

from __future__ import annotations

import numpy as np

from attnscope.errors import ConfigError

__all__ = ["MAX_SEED", "check_random_state", "check_seed", "torch_generator"]

#: The largest seed every generator takes (numpy's legacy seeds and the model's parameter).
MAX_SEED = 2**32 - 1


def check_seed(value: object, name: str = "random_state") -> int:
    """``value`` as a seed in [0, MAX_SEED]; ConfigError naming ``name`` otherwise.

    A negative seed reached numpy's ``default_rng`` and ended as its bare
    'expected non-negative integer'.
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise ConfigError(f"{name} must be an integer in [0, {MAX_SEED}], got {value!r}.")
    if not 0 <= int(value) <= MAX_SEED:
        raise ConfigError(f"{name} must be an integer in [0, {MAX_SEED}], got {int(value)}.")
    return int(value)


def check_random_state(random_state: int | np.random.Generator | None) -> np.random.Generator:
    """Return a numpy Generator for an int seed, a Generator or None (seed 0)."""
    if isinstance(random_state, np.random.Generator):
        return random_state
    return np.random.default_rng(0 if random_state is None else check_seed(random_state))


def torch_generator(random_state: int | None):  # type: ignore[no-untyped-def]
    """Return a CPU ``torch.Generator`` seeded from ``random_state`` (None means 0)."""
    import torch

    gen = torch.Generator()
    gen.manual_seed(0 if random_state is None else check_seed(random_state))
    return gen
