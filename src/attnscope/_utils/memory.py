"""A memory budget checked before large arrays are allocated.

The budget is half of this machine's physical memory, or ``ATTNSCOPE_MAX_MEMORY_GB``
(gibibytes) when that environment variable is set. A reader whose output would exceed it
refuses with the sizes and the option that makes the data smaller, instead of asking the
operating system for tens of gigabytes.
"""

from __future__ import annotations

import os

from attnscope.errors import DataError

__all__ = ["check_memory", "format_bytes", "memory_budget"]

_ENV = "ATTNSCOPE_MAX_MEMORY_GB"


def memory_budget() -> int:
    """Bytes one array set may take: ``ATTNSCOPE_MAX_MEMORY_GB``, else half the RAM."""
    env = os.environ.get(_ENV, "").strip()
    if env:
        try:
            value = float(env)
        except ValueError:
            value = -1.0
        if not value > 0:
            raise DataError(f"{_ENV}={env!r} must be a positive number of gibibytes.")
        return int(value * 2**30)
    try:
        total = int(os.sysconf("SC_PHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        total = 16 * 2**30
    return total // 2


def format_bytes(n: float) -> str:
    """``1536`` -> ``"1.5 KiB"``."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if abs(n) < 1024 or unit == "PiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} PiB"  # pragma: no cover


def check_memory(n_bytes: float, *, what: str, fix: str) -> None:
    """Raise DataError when ``n_bytes`` exceeds :func:`memory_budget`.

    Parameters
    ----------
    n_bytes : float
        Estimated size of the arrays about to be allocated.
    what : str
        What they are, with the file or record responsible (starts the message).
    fix : str
        The option that makes them smaller.
    """
    budget = memory_budget()
    if n_bytes > budget:
        raise DataError(
            f"{what} would need {format_bytes(n_bytes)}, more than the memory budget of "
            f"{format_bytes(budget)} (half this machine's RAM; set {_ENV} to change it); "
            f"{fix}"
        )
