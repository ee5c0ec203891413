"""Loaders of the public real data sets (from ``$ATTNSCOPE_DATA`` or ``../shared/data``)."""

from attnscope._utils.lazy import lazy_exports

__getattr__, __dir__ = lazy_exports(__name__, __path__)
