"""Lazy re-export of the public names of a package's private modules.

``attnscope.io``, ``.datasets`` and ``.pl`` each hold one private module per format or
plot family; their ``__init__`` re-exports every name in each module's ``__all__`` on
first access, so nothing heavy is imported at start-up and adding a module needs no
edit of a shared export list.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(
    package: str, path: list[str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """Return ``(__getattr__, __dir__)`` for ``package`` located at ``path``."""
    index: dict[str, str] = {}

    def _build() -> dict[str, str]:
        if not index:
            for info in pkgutil.iter_modules(path):
                if info.name.startswith("_") and not info.name.startswith("__"):
                    mod = importlib.import_module(f"{package}.{info.name}")
                    for name in getattr(mod, "__all__", ()):
                        index.setdefault(name, mod.__name__)
        return index

    def __getattr__(name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        module = _build().get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(module), name)

    def __dir__() -> list[str]:
        return sorted(_build())

    return __getattr__, __dir__
