"""Estimator names used by the CLI (``--model NAME``), imported lazily."""

from __future__ import annotations

import importlib
from typing import Any

from attnscope.errors import ConfigError

__all__ = ["ESTIMATORS", "CheckedParams", "get_estimator_class", "make_estimator", "models_for"]

#: name -> "module:Class"; later models add one line each.
ESTIMATORS: dict[str, str] = {
    "cnn": "attnscope.estimators._cnn:CNNClassifier",
    "mlp": "attnscope.estimators._mlp:MLPClassifier",
    "attngen": "attnscope.estimators._attngen:AttnGenClassifier",
    "hain": "attnscope.estimators._hain:HAINClassifier",
    "hemera": "attnscope.estimators._hemera:HEMERAClassifier",
    "attn_lstm": "attnscope.estimators._attn_lstm:AttnLSTMClassifier",
    "gru": "attnscope.estimators._attn_lstm:GRUClassifier",
    "fusion": "attnscope.estimators._fusion:FusionClassifier",
}


def get_estimator_class(name: str) -> Any:
    """The estimator class registered under ``name``."""
    if name not in ESTIMATORS:
        raise ConfigError(f"unknown model {name!r}; choose from {sorted(ESTIMATORS)}.")
    module, cls = ESTIMATORS[name].split(":")
    return getattr(importlib.import_module(module), cls)


def make_estimator(
    name: str, params: dict[str, Any] | None = None, *, source: str | None = None
) -> Any:
    """Instantiate ``name`` with ``params``, rejecting unknown parameter names.

    ``source`` names the file the parameters were written in (a ``--config`` TOML): errors
    then name it and the ``[params]`` key.
    """
    klass = get_estimator_class(name)
    params = dict(params or {})
    valid = set(klass._get_param_names())
    unknown = sorted(set(params) - valid)
    if unknown:
        hint = _hint(unknown[0], valid)
        if source is not None:
            raise ConfigError(
                f"{source}: [params] {unknown[0]!r} is not a parameter of model {name!r}; "
                f"{hint} Correct or remove it there."
            )
        raise ConfigError(f"model {name!r} has no parameter {unknown[0]!r}; {hint}")
    from attnscope.estimators._params import check_params

    return klass(**check_params(name, params, source=source))


def _hint(key: str, valid: set[str]) -> str:
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
            hint = _hint(unknown[0], valid)
            raise ConfigError(f"{type(self).__name__} has no parameter {unknown[0]!r}; {hint}")
        return super().set_params(**params)  # type: ignore[misc]


def models_for(modality: str) -> list[str]:
    """Names of the registered models that take ``modality`` data (imports each model)."""
    return [
        name for name in ESTIMATORS if get_estimator_class(name).dataset_type.modality == modality
    ]
