"""The model's own attention as an attribution (one named level at a time)."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from attnscope.core import auto_batch_size, iter_batches
from attnscope.errors import ConfigError
from attnscope.explain._core import feature_shape, register_method

__all__ = ["attention"]


@register_method("attention", reads="raw")
def attention(
    estimator: Any,
    spec: Any,
    target: np.ndarray,
    *,
    level: str | None = None,
    batch_size: int | None = None,
    memory_budget: float | None = None,
) -> tuple[np.ndarray, dict[str, Any]]:
    """Attention weights the model returns with its logits (``spec.attention``).

    Parameters
    ----------
    level : str, optional
        Which named level (``"position"``, ``"gene"``, ``"pathway"``, ``"time"``, ...).
        Default: the only level, else the first whose shape matches the features.
        Axes between the sample axis and the feature axes (heads, queries) are averaged.

    Returns
    -------
    values : ndarray of shape (n_samples, *level_shape)
        Attention is the same for every target class.
    meta : dict
        ``level`` and ``levels`` (every level the model exposes).
    """
    if spec.attention is None:
        raise ConfigError(
            f"{type(estimator).__name__} has no attention; choose a gradient or "
            "perturbation method (e.g. integrated_gradients)."
        )
    n = int(spec.raw_inputs[0].shape[0])
    rows = (
        int(batch_size)
        if batch_size is not None
        else auto_batch_size(
            spec.raw_forward, spec.raw_inputs, grad=False, memory_budget=memory_budget
        )
    )
    fshape = feature_shape(spec)
    parts: list[np.ndarray] = []
    chosen: str | None = level
    names: list[str] = []
    with torch.no_grad():
        for sl in iter_batches(n, rows):
            levels = spec.attention(*(t[sl] for t in spec.raw_inputs))
            names = list(levels)
            if not names:
                raise ConfigError(f"{type(estimator).__name__} returned no attention levels.")
            if chosen is None:
                match = [k for k in names if tuple(levels[k].shape[-len(fshape) :]) == fshape]
                chosen = names[0] if len(names) == 1 else (match[0] if match else names[0])
            if chosen not in levels:
                raise ConfigError(f"unknown attention level {chosen!r}; the model has {names}.")
            a = levels[chosen].detach().float()
            keep = len(fshape) if tuple(a.shape[-len(fshape) :]) == fshape else a.ndim - 1
            if a.ndim - 1 > keep:  # average heads / query axes
                a = a.mean(dim=tuple(range(1, a.ndim - keep)))
            parts.append(a.cpu().numpy())
    return np.concatenate(parts), {"level": chosen, "levels": names}
