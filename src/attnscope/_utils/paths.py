"""Where the shared real data sets live (``ATTNSCOPE_DATA`` or ``../shared/data``)."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["shared_data_dir"]


def shared_data_dir() -> Path:
    """Folder of the public data sets: ``$ATTNSCOPE_DATA``, else ``../shared/data`` of the repo."""
    env = os.environ.get("ATTNSCOPE_DATA")
    if env:
        return Path(env)
    here = Path(__file__).resolve()
    for parent in here.parents:
        candidate = parent.parent / "shared" / "data"
        if (parent / "pyproject.toml").is_file() and candidate.is_dir():
            return candidate
    return Path.cwd().parent / "shared" / "data"
