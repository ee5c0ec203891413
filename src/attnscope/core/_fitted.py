"""``check_is_fitted``, the one guard every model-using function calls first, and
``CheckedParams``, the one ``set_params`` check of every estimator (attnscope's own and a
wrapped module)."""

from __future__ import annotations

import sys
from typing import Any

from attnscope.errors import ConfigError, NotFittedError

__all__ = ["CheckedParams", "check_is_fitted", "closest_name_hint"]


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


def closest_name_hint(key: str, valid: set[str]) -> str:
    """``"did you mean 'x'?"`` for the closest of ``valid``, else the list of valid names."""
    import difflib

    close = difflib.get_close_matches(key, sorted(valid), n=1)
    return f"did you mean {close[0]!r}?" if close else f"valid: {', '.join(sorted(valid))}."


class CheckedParams:
    """Mixin before ``BaseEstimator``: ``set_params`` with an unknown name is a ConfigError
    naming the closest one (a ValueError, as scikit-learn's own: ``GridSearchCV`` relies
    on it)."""

    def set_params(self, **params: Any) -> Any:
        """scikit-learn's ``set_params``; an unknown name is a ConfigError with a hint."""
        valid = set(self.get_params(deep=True))  # type: ignore[attr-defined]
        unknown = [k for k in params if k not in valid and k.split("__")[0] not in valid]
        if unknown:
            hint = closest_name_hint(unknown[0], valid)
            raise ConfigError(f"{type(self).__name__} has no parameter {unknown[0]!r}; {hint}")
        return super().set_params(**params)  # type: ignore[misc]
