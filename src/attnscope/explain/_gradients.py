"""Gradient-family methods built on captum."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from attnscope.estimators import AttributionSpec
from attnscope.explain._core import register_method

__all__ = ["input_x_gradient"]


def _chunks(n: int, size: int) -> list[slice]:
    return [slice(i, min(i + size, n)) for i in range(0, n, size)]


@register_method("input_x_gradient")
def input_x_gradient(
    estimator: Any, spec: AttributionSpec, target: np.ndarray, *, batch_size: int = 256
) -> tuple[np.ndarray, dict[str, Any]]:
    """Gradient x input (captum ``InputXGradient``), summed to features by the spec."""
    from captum.attr import InputXGradient

    from attnscope.train import eval_mode

    method = InputXGradient(spec.forward)
    parts = []
    with eval_mode(estimator.module_):
        for sl in _chunks(int(spec.inputs[0].shape[0]), batch_size):
            inputs = tuple(t[sl].clone().requires_grad_(True) for t in spec.inputs)
            extra = tuple(a[sl] if torch.is_tensor(a) else a for a in spec.additional_args)
            attr = method.attribute(
                inputs if len(inputs) > 1 else inputs[0],
                target=torch.as_tensor(target[sl]),
                additional_forward_args=extra or None,
            )
            parts.append(spec.to_features(attr if isinstance(attr, tuple) else (attr,)))
    return np.concatenate(parts), {}
