"""Plots: each function returns a matplotlib Figure or Axes; none shows or saves."""

from attnscope._utils.lazy import lazy_exports

__getattr__, __dir__ = lazy_exports(__name__, __path__)
