"""``check_is_fitted``: the one guard every model-using function calls first."""

from __future__ import annotations

import sys
from typing import Any

from attnscope.errors import NotFittedError

__all__ = ["check_is_fitted"]


def check_is_fitted(model: Any) -> None:
    """Raise :class:`~attnscope.errors.NotFittedError` unless ``model`` holds a network.

    A fitted attnscope estimator and a wrapped ``nn.Module`` (see
    :func:`attnscope.explain.wrap_module`) both expose the network as ``module_``. When
    scikit-learn is loaded the error is also a ``sklearn.exceptions.NotFittedError``, so
    scikit-learn's tools recognise it.
    """
    if getattr(model, "module_", None) is None:
        raise _error_class()(
            f"this {type(model).__name__} is not fitted yet; call fit(X, y) first, or wrap a "
            "trained torch module with attnscope.explain.wrap_module."
        )


def _error_class() -> type[NotFittedError]:
    """attnscope's NotFittedError, also scikit-learn's when scikit-learn is imported."""
    sk = sys.modules.get("sklearn.exceptions")
    if sk is None:
        return NotFittedError
    cached = _CACHE.get(id(sk))
    if cached is None:
        cached = type(
            "NotFittedError",
            (NotFittedError, sk.NotFittedError),
            {"__module__": "attnscope.errors", "__doc__": NotFittedError.__doc__},
        )
        _CACHE[id(sk)] = cached
    return cached


_CACHE: dict[int, type[NotFittedError]] = {}
