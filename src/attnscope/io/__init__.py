"""Readers and writers, one private module per format; every reader validates its input.

Public names are re-exported lazily from the private modules' ``__all__``.
"""

from attnscope._utils.lazy import lazy_exports

__getattr__, __dir__ = lazy_exports(__name__, __path__)
