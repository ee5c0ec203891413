"""BaseClassifier's persistence: writing a fitted estimator and rebuilding it from disk.

Functions behind :meth:`~attnscope.estimators.BaseClassifier.save` and ``load``: the
files are ``model.safetensors`` (weights) and ``model.json`` (everything else); nothing is
pickled, and a file that was edited or cut is refused with the fix named.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from torch import Tensor

from attnscope.core import check_is_fitted
from attnscope.errors import DataError
from attnscope.train import History, save_checkpoint

if TYPE_CHECKING:
    from attnscope.estimators._base import BaseClassifier

__all__ = ["rebuild", "save_estimator"]


class _SavedSpec(dict[str, Any]):
    """A loaded model's ``spec``: a key it lacks (model.json edited or cut) is a DataError
    naming the file when the model first needs it, not an internal KeyError."""

    def __init__(self, spec: dict[str, Any], where: Path) -> None:
        super().__init__(spec)
        self.where = where

    def __missing__(self, key: str) -> Any:
        raise DataError(
            f"{self.where}: its 'spec' has no {key!r} (the file was edited or cut); re-run the fit."
        )


def save_estimator(est: BaseClassifier, directory: str | Path) -> Path:
    check_is_fitted(est)
    from attnscope import __version__

    meta = {
        "attnscope_version": __version__,
        "estimator": est.name,
        "params": est.get_params(),
        "spec": est.spec_,
        "classes": est.classes_.tolist(),
        "input_schema": getattr(est, "input_schema_", None),
        "history": est.history_.to_dict() if hasattr(est, "history_") else None,
    }
    return save_checkpoint(directory, est.module_, meta)


def rebuild(
    klass: Any, meta: dict[str, Any], state: dict[str, Any], directory: str | Path, where: Path
) -> BaseClassifier:
    """The estimator ``klass`` with ``meta``'s parameters, spec and classes and ``state``'s
    weights (the part of :meth:`BaseClassifier.load` after the file's checks)."""
    unknown = sorted(set(meta["params"]) - set(klass._get_param_names()))
    if unknown:
        raise DataError(
            f"{where}: unknown {klass.__name__} parameter(s) {unknown} (written by another "
            "attnscope version, or edited); remove them or re-run the fit."
        )
    _check_meta(meta, where)
    est = klass(**meta["params"])
    est.spec_ = _SavedSpec(meta["spec"], where)
    est.classes_ = np.asarray(meta["classes"])
    est.input_schema_ = meta.get("input_schema")
    names = (est.input_schema_ or {}).get("feature_names")
    if names is not None:  # a reloaded table model still realigns DataFrames by name
        est.feature_names_in_ = np.array([str(n) for n in names], dtype=object)
        est.n_features_in_ = len(names)
    try:
        module = est._build_module(est.spec_)
    except (KeyError, TypeError, ValueError, IndexError, RuntimeError) as exc:
        raise DataError(
            f"{where}: its 'spec' does not describe a {klass.__name__} ("
            f"{type(exc).__name__}: {str(exc)[:120]}); the file was edited or cut: "
            "re-run the fit."
        ) from exc
    try:
        module.load_state_dict(state)
    except RuntimeError as exc:
        raise DataError(
            f"{directory}: weights do not match the saved architecture "
            f"({_state_difference(module.state_dict(), state)}); model.json or "
            "model.safetensors was edited or comes from another run: re-run the fit."
        ) from exc
    est.module_ = module.eval()
    if meta.get("history"):
        try:
            history: History | None = History(**meta["history"])
        except TypeError:  # a list, or keys History does not have
            history = None
        if history is None or not isinstance(history.epochs, list):
            raise DataError(
                f"{where}: 'history' is not a training history (the file was edited or cut); "
                "re-run the fit, or remove the 'history' entry."
            )
        est.history_ = history
    return est


def _check_meta(meta: dict[str, Any], where: Path) -> None:
    """DataError when model.json's classes, spec and input schema disagree (an edit)."""
    classes, spec, schema = meta["classes"], meta["spec"], meta.get("input_schema")
    fix = "the file was edited or comes from another run: re-run the fit."
    names = [str(c) for c in classes]
    if len(set(names)) != len(names):
        raise DataError(f"{where}: 'classes' {names} repeats a name; {fix}")
    n_classes = spec.get("n_classes")
    if isinstance(n_classes, int) and n_classes != len(names):
        raise DataError(
            f"{where}: 'classes' names {len(names)} classes {names[:5]} but the network's "
            f"'spec' has {n_classes} outputs; {fix}"
        )
    if schema is None:
        return
    if not isinstance(schema, dict):
        raise DataError(f"{where}: 'input_schema' is not a JSON object; {fix}")
    features, n_features = schema.get("feature_names"), spec.get("n_features")
    if features is not None and (
        not isinstance(features, list)
        or (isinstance(n_features, int) and len(features) != n_features)
    ):
        count = len(features) if isinstance(features, list) else type(features).__name__
        raise DataError(
            f"{where}: 'input_schema' lists {count} feature names but the network's 'spec' "
            f"takes {n_features} features; {fix}"
        )


def _state_difference(want: dict[str, Tensor], have: dict[str, Tensor]) -> str:
    """The first difference between a module's state and loaded weights, in words."""
    missing = sorted(set(want) - set(have))
    if missing:
        return f"model.safetensors lacks {len(missing)} weight(s), e.g. {missing[0]!r}"
    extra = sorted(set(have) - set(want))
    if extra:
        return f"model.safetensors has {len(extra)} unexpected weight(s), e.g. {extra[0]!r}"
    for name, tensor in want.items():
        if tuple(tensor.shape) != tuple(have[name].shape):
            return (
                f"weight {name!r} has shape {tuple(have[name].shape)} in model.safetensors but "
                f"{tuple(tensor.shape)} in model.json's spec"
            )
    return "the weights could not be loaded"
