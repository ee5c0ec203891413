"""Stability of attributions under small input noise (max-sensitivity)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import torch

from attnscope.errors import ConfigError

__all__ = ["max_sensitivity"]


def max_sensitivity(
    estimator: Any,
    data: Any,
    *,
    method: str,
    attribution: Any = None,
    n_perturb: int = 5,
    radius: float = 0.02,
    random_state: int = 0,
    **options: Any,
) -> np.ndarray:
    """Largest relative change of the attribution under small input noise (Yeh et al. 2019).

    Each perturbed copy adds uniform noise in ``[-r, r]`` with ``r = radius x (max - min)``
    of each model input (``spec.inputs``: one-hot, expression, embeddings); the raw and
    layer inputs move with it when they are the same tensors (CNN, MLP). All copies are
    attributed in one call. The explained class stays the original one.

    Returns
    -------
    ndarray of shape (n_samples,)
        ``max_p ||a(x + e_p) - a(x)|| / ||a(x)||`` (lower is more stable; NaN where
        the original attribution is all zero). All NaN when the method evaluates the
        model on inputs the noise cannot reach (its :data:`~attnscope.explain.METHOD_READS`
        entry names token ids, e.g. attention, occlusion or LIME on AttnGen or HEMERA):
        such a method's map would not change, and 0 would read as perfectly stable.
    """
    from attnscope.explain import METHOD_READS, canonical_method, without_base_values
    from attnscope.trust._shard import spec_attribution

    if n_perturb < 1 or radius <= 0:
        raise ConfigError("n_perturb must be >= 1 and radius > 0.")
    data = estimator.as_dataset(data)
    spec = estimator.attribution_spec(data)
    n = int(spec.inputs[0].shape[0])
    reads = METHOD_READS.get(canonical_method(method, estimator), "inputs")
    seen = {"inputs": spec.inputs, "raw": spec.raw_inputs, "layer": spec.layer_inputs}[reads]
    noisy_ids = {id(t) for t in spec.inputs}
    if seen and not any(id(t) in noisy_ids for t in seen):  # token ids: noise cannot reach
        return np.full(n, np.nan)
    if attribution is None:
        with without_base_values():
            attribution = spec_attribution(
                estimator, spec, method=method, random_state=random_state, **options
            )
    gen = torch.Generator().manual_seed(int(random_state))
    noisy = {}
    for t in spec.inputs:
        r = float(radius * (t.max() - t.min()).clamp_min(1e-12))
        rep = t.detach().repeat(n_perturb, *([1] * (t.ndim - 1)))
        noisy[id(t)] = rep + (torch.rand(rep.shape, generator=gen) * 2 - 1) * r

    def perturbed(t: torch.Tensor) -> torch.Tensor:
        """The noisy copies of an attribution input; other tensors repeated as they are."""
        if id(t) in noisy:
            return noisy[id(t)]
        return t.repeat(n_perturb, *([1] * (t.ndim - 1)))

    raw = tuple(perturbed(t) for t in spec.raw_inputs)
    extra = tuple(
        a.repeat(n_perturb, *([1] * (a.ndim - 1)))
        if torch.is_tensor(a) and a.ndim and a.shape[0] == n
        else a
        for a in spec.additional_args
    )
    layer_inputs = tuple(perturbed(t) for t in spec.layer_inputs)
    big = replace(
        spec,
        inputs=tuple(noisy[id(t)] for t in spec.inputs),
        raw_inputs=raw,
        additional_args=extra,
        layer_inputs=layer_inputs,
    )
    target = np.tile(attribution.target, n_perturb)
    with without_base_values():
        pert = spec_attribution(  # under torchrun: one block of noisy copies per rank
            estimator, big, method=method, target=target, random_state=random_state, **options
        )
    a0 = np.asarray(attribution.values, dtype=np.float64).reshape(n, -1)
    ap = np.asarray(pert.values, dtype=np.float64).reshape(n_perturb, n, -1)
    diff = np.linalg.norm(ap - a0[None], axis=2).max(axis=0)
    norm = np.linalg.norm(a0, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(norm > 0, diff / np.where(norm > 0, norm, 1), np.nan)
