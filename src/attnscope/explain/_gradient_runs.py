"""The chunked runner and the reference options that the gradient-family methods share.

:func:`_run` calls a captum method over sample chunks (``_rows``: a given ``batch_size`` or
the memory budget's) and maps its input-shaped attributions to features with
``spec.to_features``; ``_baselines``, ``_shuffles`` and ``_reference_rows`` turn a
method's ``baselines`` option into reference tensors. Used by :mod:`._gradients`,
:mod:`._deeplift`, :mod:`._hypothetical` and :mod:`._shuffle`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from torch import Tensor

from attnscope._utils.random import check_random_state
from attnscope.core import iter_batches
from attnscope.errors import ConfigError
from attnscope.explain._core import pack, rows_per_pass, slice_args, unpack
from attnscope.explain._shuffle import (
    check_baselines_option,
    shuffle_references,
    wants_shuffles,
)


def _rows(spec: Any, batch_size: int | None, memory_budget: float | None) -> int:
    """Rows per pass: ``batch_size``, else the memory budget's; token-id inputs refused."""
    if not all(t.is_floating_point() for t in spec.inputs):
        raise ConfigError(
            "this model's attribution inputs are token ids, which have no gradient; use "
            "layer_integrated_gradients (embedding layer) or a perturbation method."
        )
    return rows_per_pass(
        batch_size, spec.forward, spec.inputs, spec.additional_args, memory_budget=memory_budget
    )


def _baselines(spec: Any, baselines: Any) -> tuple[Tensor, ...]:
    """``baselines`` option (None, a number, a tensor or a tuple) as one tensor per input."""
    check_baselines_option(baselines)
    if baselines is None:
        return tuple(b.to(t.dtype) for b, t in zip(spec.baselines, spec.inputs))
    if isinstance(baselines, int | float):
        return tuple(torch.full((1, *t.shape[1:]), float(baselines)) for t in spec.inputs)
    items = baselines if isinstance(baselines, tuple | list) else (baselines,)
    if len(items) != len(spec.inputs):
        raise ConfigError(
            f"give one baseline per model input ({len(spec.inputs)}), got {len(items)}."
        )
    return tuple(torch.as_tensor(b, dtype=t.dtype) for b, t in zip(items, spec.inputs))


def _run(
    spec: Any,
    target: np.ndarray,
    call: Callable[[tuple[Tensor, ...], Tensor, tuple[Any, ...], slice], Any],
    chunk: int,
) -> tuple[np.ndarray, list[Tensor]]:
    """Call ``call(inputs, target, extra_args, slice)`` per sample chunk; collect features.

    ``call`` returns captum's attributions, or ``(attributions, delta)``.
    """
    n = int(spec.inputs[0].shape[0])
    parts, deltas = [], []
    for sl in iter_batches(n, chunk):
        inputs = tuple(t[sl].detach().clone().requires_grad_(True) for t in spec.inputs)
        extra = slice_args(tuple(spec.additional_args), sl, n)
        out = call(inputs, torch.as_tensor(target[sl]), extra, sl)
        if (
            isinstance(out, tuple)
            and len(out) == 2
            and torch.is_tensor(out[1])
            and out[1].ndim <= 1
        ):
            out, delta = out
            deltas.append(delta.detach().reshape(-1).cpu())
        parts.append(np.asarray(spec.to_features(unpack(out))))
    return np.concatenate(parts), deltas


def _attribute(method: Any, **options: Any) -> Callable[..., Any]:
    """A ``call`` for :func:`_run`: captum's ``method.attribute`` on the chunk with ``options``."""
    return lambda x, t, extra, sl: method.attribute(
        pack(x), target=t, additional_forward_args=extra or None, **options
    )


def _delta_meta(deltas: list[Tensor]) -> dict[str, Any]:
    if not deltas:
        return {}
    d = torch.cat(deltas).abs()
    return {"convergence_delta_mean": float(d.mean()), "convergence_delta_max": float(d.max())}


def _shuffles(spec: Any, baselines: Any, n_shuffles: int, random_state: Any) -> Tensor | None:
    """Per-sample dinucleotide shuffles (n, k, 4, length) when ``baselines == "shuffle"``."""
    check_baselines_option(baselines)
    if not wants_shuffles(baselines):
        return None
    return shuffle_references(spec, n_shuffles, random_state)


def _reference_rows(
    spec: Any, baselines: Any, n_baselines: int, random_state: Any
) -> tuple[Tensor, ...]:
    """A distribution of references: ``baselines`` if given, else random data rows."""
    if baselines is not None:
        return _baselines(spec, baselines)
    n = int(spec.inputs[0].shape[0])
    rng = check_random_state(random_state)
    idx = torch.as_tensor(rng.choice(n, size=min(n_baselines, n), replace=n < n_baselines))
    return tuple(t[idx].detach() for t in spec.inputs)
