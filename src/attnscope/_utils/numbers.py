"""One test of "a finite real number" for option checks."""

from __future__ import annotations

import math

import numpy as np

__all__ = ["is_finite_number"]


def is_finite_number(value: object) -> bool:
    """True for an int or float (numpy scalars included) that is a finite float64.

    False for bools, text, NaN, inf and ints beyond the float range (10**400).
    ``np.isfinite`` raised TypeError on a Python int beyond 64 bits (``--n-samples
    99999999999999999999``), which ended as an internal error instead of the option's message.
    """
    if isinstance(value, bool | np.bool_) or not isinstance(
        value, int | float | np.integer | np.floating
    ):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # an int too large for a float
        return False
