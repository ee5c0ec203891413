"""Attribution methods behind one registry; every method returns an :class:`Attribution`."""

from attnscope.explain import _gradients  # noqa: F401  (registers methods)
from attnscope.explain._attribution import Attribution
from attnscope.explain._core import METHODS, attribute, register_method

__all__ = ["METHODS", "Attribution", "attribute", "register_method"]
