"""``check_is_fitted``: the one guard every model-using function calls first."""

from __future__ import annotations

from typing import Any

from attnscope.errors import NotFittedError

__all__ = ["check_is_fitted"]


def check_is_fitted(model: Any) -> None:
    """Raise :class:`~attnscope.errors.NotFittedError` unless ``model`` holds a network.

    A fitted attnscope estimator and a wrapped ``nn.Module`` (see
    :func:`attnscope.explain.wrap_module`) both expose the network as ``module_``.
    """
    if getattr(model, "module_", None) is None:
        raise NotFittedError(
            f"this {type(model).__name__} is not fitted yet; call fit(X, y) first, or wrap a "
            "trained torch module with attnscope.explain.wrap_module."
        )
