"""mkdocs hook: expand ``<!-- api PACKAGE -->`` into one mkdocstrings block per public name.

The API pages then always list every public name of a package, including the names
``attnscope.io``, ``.pl`` and ``.datasets`` re-export lazily from their private modules.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from typing import Any

_MARKER = re.compile(r"^<!-- api ([\w.]+) -->$", flags=re.M)


def public_names(package: str) -> list[tuple[str, str]]:
    """``(name, target)`` per public name; ``target`` is what mkdocstrings resolves."""
    pkg = importlib.import_module(package)
    eager = list(getattr(pkg, "__all__", []))
    out = [(n, f"{package}.{n}") for n in eager if not n.startswith("__")]
    seen = {n for n, _ in out}
    if not hasattr(pkg, "__getattr__"):  # no lazy re-exports: __all__ is the whole API
        return sorted(out, key=lambda item: item[0].lower())
    for info in pkgutil.iter_modules(pkg.__path__):
        if not info.name.startswith("_") or info.name.startswith("__"):
            continue
        module = importlib.import_module(f"{package}.{info.name}")
        for name in getattr(module, "__all__", ()):
            if name not in seen:
                seen.add(name)
                out.append((name, f"{module.__name__}.{name}"))
    return sorted(out, key=lambda item: item[0].lower())


def expand(markdown: str) -> str:
    """Replace every marker by the blocks of its package."""

    def blocks(match: re.Match[str]) -> str:
        return "\n".join(f"::: {target}\n" for _, target in public_names(match.group(1)))

    return _MARKER.sub(blocks, markdown)


def on_page_markdown(markdown: str, **kwargs: Any) -> str:
    """mkdocs event."""
    return expand(markdown)
