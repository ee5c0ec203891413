"""Warnings on the command line: one ``warning: ...`` line each, no source location."""

from __future__ import annotations

import sys
import warnings
from typing import Any, TextIO

__all__ = ["install"]


def _show(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: TextIO | None = None,
    line: str | None = None,
) -> None:
    text = " ".join(str(message).split())
    stream: Any = file if file is not None else sys.stderr
    try:
        stream.write(f"warning: {text}\n")
    except (OSError, ValueError):  # stderr closed: nothing sensible left to do
        pass


def install() -> None:
    """Print every warning (attnscope's and its libraries') as one ``warning:`` line."""
    warnings.showwarning = _show
