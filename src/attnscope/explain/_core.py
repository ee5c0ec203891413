"""Registry of attribution methods and the one ``attribute`` call.

A method is a function ``fn(estimator, spec, target, **options) -> (values, meta)`` where
``spec`` is the estimator's :class:`~attnscope.estimators.AttributionSpec`, ``target`` the
class index per sample and ``values`` an array of shape (n_samples, *feature_shape).
Methods that draw random numbers take a ``random_state`` keyword.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from torch import Tensor

from attnscope.errors import ConfigError
from attnscope.explain._attribution import Attribution

__all__ = [
    "ALIASES",
    "METHODS",
    "attribute",
    "attribute_spec",
    "available_methods",
    "canonical_method",
    "register_method",
]

#: name -> function(estimator, spec, target, **options) -> (values, meta)
METHODS: dict[str, Callable[..., tuple[np.ndarray, dict[str, Any]]]] = {}
#: short name -> registered name
ALIASES: dict[str, str] = {}


def register_method(
    name: str, *, aliases: tuple[str, ...] = ()
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator adding an attribution method (and its short names) to :data:`METHODS`."""

    def deco(fn: Callable[..., Any]) -> Callable[..., Any]:
        METHODS[name] = fn
        for alias in aliases:
            ALIASES[alias] = name
        return fn

    return deco


def canonical_method(method: str, estimator: Any = None) -> str:
    """The registered name of ``method`` (resolving aliases such as ``ig``)."""
    extra = dict(getattr(estimator, "attribution_methods", {}) or {})
    if method in extra:  # the estimator's own methods win over generic aliases
        return method
    name = ALIASES.get(method, method)
    if name not in METHODS and name not in extra:
        choices = sorted({*METHODS, *ALIASES, *extra})
        raise ConfigError(f"unknown attribution method {method!r}; choose from {choices}.")
    return name


def available_methods(estimator: Any = None) -> list[str]:
    """Every registered method name plus the estimator's own ones."""
    extra = dict(getattr(estimator, "attribution_methods", {}) or {})
    return [*METHODS, *(m for m in extra if m not in METHODS)]


def predicted_targets(spec: Any, batch_size: int = 256) -> np.ndarray:
    """Predicted class per sample from ``spec.raw_forward`` (batched, no grad)."""
    n = int(spec.raw_inputs[0].shape[0])
    parts = []
    with torch.no_grad():
        for i in range(0, n, batch_size):
            parts.append(spec.raw_forward(*(t[i : i + batch_size] for t in spec.raw_inputs)))
    return torch.cat(parts).argmax(dim=1).cpu().numpy()


def attribute_spec(
    estimator: Any,
    spec: Any,
    *,
    method: str,
    target: int | np.ndarray | None = None,
    sample_ids: np.ndarray | None = None,
    **options: Any,
) -> Attribution:
    """Run ``method`` on an already built :class:`AttributionSpec`.

    Used by :func:`attribute` and by the trust metrics, which perturb a spec's inputs or
    swap its module. Parameters as in :func:`attribute`.
    """
    from attnscope.train import eval_mode

    name = canonical_method(method, estimator)
    extra = dict(getattr(estimator, "attribution_methods", {}) or {})
    fn = extra.get(name, METHODS.get(name))
    if fn is None:  # pragma: no cover - canonical_method checked it
        raise ConfigError(f"unknown attribution method {method!r}.")
    n = int(spec.raw_inputs[0].shape[0])
    if target is None:
        with eval_mode(estimator.module_):
            targets = predicted_targets(spec)
    else:
        targets = np.broadcast_to(np.asarray(target, dtype=np.int64), (n,)).copy()
    random_state = options.pop("random_state", 0)
    if "random_state" in inspect.signature(fn).parameters:
        options["random_state"] = random_state
    start = time.perf_counter()
    with torch.random.fork_rng(devices=[]), eval_mode(estimator.module_):
        torch.manual_seed(int(random_state or 0))
        values, meta = fn(estimator, spec, targets, **options)
    # A method whose values are not per input feature (e.g. per prototype) names its own axis.
    feature_names = meta.pop("feature_names", None) if isinstance(meta, dict) else None
    return Attribution(
        values=values,
        method=name,
        target=targets,
        seconds=time.perf_counter() - start,
        feature_names=spec.feature_names if feature_names is None else np.asarray(feature_names),
        sample_ids=sample_ids,
        meta=meta,
    )


def attribute(
    estimator: Any,
    data: Any,
    *,
    method: str = "input_x_gradient",
    target: int | np.ndarray | None = None,
    **options: Any,
) -> Attribution:
    """Attribute the predictions of a fitted ``estimator`` on ``data``.

    Parameters
    ----------
    estimator : BaseClassifier
        A fitted attnscope estimator.
    data : Dataset or array-like
    method : str, default "input_x_gradient"
        A name in :data:`METHODS` (or an alias in :data:`ALIASES`, e.g. ``ig``), or one of
        the estimator's own ``attribution_methods``.
    target : int or ndarray of shape (n_samples,), optional
        Class index to explain; default each sample's predicted class.
    **options
        Passed to the method (e.g. ``n_steps`` for integrated gradients); ``random_state``
        seeds every random draw (default 0).

    Returns
    -------
    Attribution
        ``values`` of shape (n_samples, *feature_shape), e.g. (n, length) for DNA.

    Examples
    --------
    >>> attr = attribute(est, data, method="ig", n_steps=32)  # doctest: +SKIP
    >>> attr.values.shape  # doctest: +SKIP
    (200, 100)
    """
    from attnscope.estimators import check_is_fitted

    check_is_fitted(estimator)
    canonical_method(method, estimator)
    data = estimator.as_dataset(data)
    spec = estimator.attribution_spec(data)
    return attribute_spec(
        estimator, spec, method=method, target=target, sample_ids=data.sample_ids, **options
    )


# -- helpers shared by the method modules ---------------------------------------------
def feature_shape(spec: Any) -> tuple[int, ...]:
    """Shape of one sample's attribution, (``*feature_shape``), from ``spec.to_features``.

    A spec whose ``inputs`` are token ids (no float input to differentiate) has one
    feature per token: the shape of ``raw_inputs[0]`` without the sample axis.
    """
    if not all(t.is_floating_point() for t in spec.inputs):
        return tuple(int(s) for s in spec.raw_inputs[0].shape[1:])
    probe = tuple(t[:1].detach() for t in spec.inputs)
    return tuple(int(s) for s in np.asarray(spec.to_features(probe)).shape[1:])


def slice_args(args: tuple[Any, ...], sl: slice, n: int) -> tuple[Any, ...]:
    """Slice the tensors among ``args`` that carry the sample axis."""
    return tuple(a[sl] if torch.is_tensor(a) and a.ndim and a.shape[0] == n else a for a in args)


def unpack(x: Tensor | tuple[Tensor, ...]) -> tuple[Tensor, ...]:
    """captum returns a Tensor for one input and a tuple for several."""
    return x if isinstance(x, tuple) else (x,)


def pack(x: tuple[Tensor, ...]) -> Tensor | tuple[Tensor, ...]:
    """What captum expects: a Tensor for one input, a tuple for several."""
    return x[0] if len(x) == 1 else x
