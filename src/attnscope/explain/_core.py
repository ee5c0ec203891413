"""Registry of attribution methods and the one ``attribute`` call."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from attnscope.errors import ConfigError
from attnscope.explain._attribution import Attribution

__all__ = ["METHODS", "attribute", "register_method"]

#: name -> function(estimator, spec, target, **options) -> (values, meta)
METHODS: dict[str, Callable[..., tuple[np.ndarray, dict[str, Any]]]] = {}


def register_method(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator adding an attribution method to :data:`METHODS`."""

    def deco(fn: Callable[..., Any]) -> Callable[..., Any]:
        METHODS[name] = fn
        return fn

    return deco


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
    data : Dataset
    method : str
        A name in :data:`METHODS`.
    target : int or ndarray of shape (n_samples,), optional
        Class index to explain; default each sample's predicted class.
    **options
        Passed to the method (e.g. ``n_steps`` for integrated gradients).

    Returns
    -------
    Attribution
    """
    from attnscope.estimators import check_is_fitted

    check_is_fitted(estimator)
    # Model-specific views (prototypes, hierarchical attention, ...) live on the estimator.
    extra = dict(getattr(estimator, "attribution_methods", {}) or {})
    registry = {**METHODS, **extra}
    if method not in registry:
        raise ConfigError(f"unknown attribution method {method!r}; choose from {sorted(registry)}.")
    data = estimator.as_dataset(data)
    spec = estimator.attribution_spec(data)
    n = int(spec.inputs[0].shape[0]) if spec.inputs else len(data)
    if target is None:
        with torch.no_grad():
            logits = torch.cat([spec.raw_forward(*(t[i : i + 256] for t in spec.raw_inputs)) for i in range(0, n, 256)])
        targets = logits.argmax(dim=1).numpy()
    else:
        targets = np.broadcast_to(np.asarray(target, dtype=np.int64), (n,)).copy()
    start = time.perf_counter()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(options.pop("random_state", 0)))
        values, meta = registry[method](estimator, spec, targets, **options)
    return Attribution(
        values=values,
        method=method,
        target=targets,
        seconds=time.perf_counter() - start,
        feature_names=spec.feature_names,
        sample_ids=data.sample_ids,
        meta=meta,
    )
