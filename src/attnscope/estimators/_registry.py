"""Estimator names used by the CLI (``--model NAME``), imported lazily."""

from __future__ import annotations

import importlib
from typing import Any

from attnscope.core import closest_name_hint
from attnscope.errors import ConfigError

__all__ = ["ESTIMATORS", "get_estimator_class", "make_estimator", "models_for"]

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
    name: str,
    params: dict[str, Any] | None = None,
    *,
    setting: str | None = None,
    source: str | None = None,
) -> Any:
    """Instantiate ``name`` with ``params``, rejecting unknown parameter names.

    ``setting`` names a parameter set of :data:`~attnscope.estimators.SETTINGS` laid under
    ``params`` (``params`` win). ``source`` names the file the parameters were written in
    (a ``--config`` TOML): errors then name it and the ``[params]`` key.
    """
    klass = get_estimator_class(name)
    if setting is not None:
        from attnscope.estimators._settings import setting_params

        params = {**setting_params(name, setting), **(params or {})}
    params = dict(params or {})
    valid = set(klass._get_param_names())
    unknown = sorted(set(params) - valid)
    if "setting" in unknown:
        where = f"{source}: [params] setting" if source is not None else "setting"
        raise ConfigError(
            f"{where} is not a parameter of model {name!r}: a named setting is chosen with "
            '--setting NAME, or setting = "NAME" at the top of a config file.'
        )
    if unknown:
        hint = closest_name_hint(unknown[0], valid)
        if source is not None:
            raise ConfigError(
                f"{source}: [params] {unknown[0]!r} is not a parameter of model {name!r}; "
                f"{hint} Correct or remove it there."
            )
        raise ConfigError(f"model {name!r} has no parameter {unknown[0]!r}; {hint}")
    from attnscope.estimators._params import check_params

    return klass(**check_params(name, params, source=source))


def models_for(modality: str) -> list[str]:
    """Names of the registered models that take ``modality`` data (imports each model)."""
    return [
        name for name in ESTIMATORS if get_estimator_class(name).dataset_type.modality == modality
    ]
