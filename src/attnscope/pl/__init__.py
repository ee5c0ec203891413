"""Plots: each function returns a matplotlib Figure or Axes (the ``*_figure`` functions of
``_interactive`` a plotly Figure); none shows or saves."""

from attnscope._utils.lazy import lazy_exports

__getattr__, __dir__ = lazy_exports(__name__, __path__)
