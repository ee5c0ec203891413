"""DeepLift and DeepLiftShap (captum), for architectures whose rules captum knows.

captum's DeepLift needs an ``nn.Module`` and one module per nonlinearity; recurrent layers
and ``nn.MultiheadAttention`` have no DeepLift rule, so those models get a clear error
instead of silently wrong attributions.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from attnscope.errors import ConfigError
from attnscope.explain._core import pack, register_method, slice_args
from attnscope.explain._gradient_runs import (
    _attribute,
    _baselines,
    _delta_meta,
    _reference_rows,
    _rows,
    _run,
    _shuffles,
)
from attnscope.explain._reference import complete_spec, shared_references, single_references
from attnscope.explain._shuffle import per_reference

__all__ = ["deeplift", "deeplift_shap"]


class _SpecModule(nn.Module):
    """``spec.forward`` as an nn.Module that owns the estimator's network (for DeepLift)."""

    def __init__(self, inner: nn.Module, forward: Callable[..., Tensor]) -> None:
        super().__init__()
        self.inner = inner
        self._forward = forward

    def forward(self, *args: Any) -> Tensor:
        return self._forward(*args)


@contextmanager
def _quiet_hooks() -> Iterator[None]:
    """Silence captum's notice about the hooks DeepLift sets."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        yield


def _check_deeplift(estimator: Any, spec: Any) -> _SpecModule:
    """Refuse inputs without gradients and architectures where captum's DeepLift rules would
    be wrong."""
    from captum.attr._core.deep_lift import SUPPORTED_NON_LINEAR

    _rows(spec, 1, None)  # float inputs needed
    module = estimator.module_
    if spec.meta.get("deeplift") is False:
        raise ConfigError(f"{type(estimator).__name__} declares DeepLift unsupported; use IG.")
    recurrent = [m for m in module.modules() if isinstance(m, nn.RNNBase)]
    if recurrent:
        raise ConfigError(
            f"DeepLift has no rule for recurrent layers ({type(recurrent[0]).__name__}): their "
            "gates are not separate modules; use integrated_gradients or gradient_shap."
        )
    bad = [type(m).__name__ for m in module.modules() if isinstance(m, nn.MultiheadAttention)]
    if bad:
        raise ConfigError(
            "DeepLift has no rule for attention layers (nn.MultiheadAttention); "
            "use integrated_gradients or gradient_shap for this model."
        )
    calls: dict[int, int] = {}
    hooks = [
        m.register_forward_hook(
            lambda mod, i, o: calls.__setitem__(id(mod), calls.get(id(mod), 0) + 1)
        )
        for m in module.modules()
        if type(m) in SUPPORTED_NON_LINEAR
    ]
    try:
        with torch.no_grad():
            spec.forward(
                *(t[:1] for t in spec.inputs),
                *slice_args(tuple(spec.additional_args), slice(0, 1), int(spec.inputs[0].shape[0])),
            )
    finally:
        for h in hooks:
            h.remove()
    if any(c > 1 for c in calls.values()):
        raise ConfigError(
            "DeepLift needs a separate module for every nonlinearity, but this network "
            "calls one activation module more than once; use integrated_gradients."
        )
    return _SpecModule(module, spec.forward)


@register_method("deeplift")
def deeplift(
    estimator: Any,
    spec: Any,
    target: np.ndarray,
    *,
    baselines: Any = None,
    batch_size: int | None = None,
    memory_budget: float | None = None,
) -> tuple[np.ndarray, dict[str, Any]]:
    """DeepLift (rescale rule, captum) against the spec's baseline.

    ``meta`` has the convergence delta and ``base_values``, ``f(baseline)``.
    """
    from captum.attr import DeepLift

    model = _check_deeplift(estimator, spec)
    base = _baselines(spec, baselines)
    dl = DeepLift(model)
    rows = _rows(spec, batch_size, memory_budget)
    with _quiet_hooks():
        values, deltas = _run(
            spec,
            target,
            lambda x, t, extra, sl: dl.attribute(
                pack(x),
                baselines=pack(tuple(b.expand_as(xx) for b, xx in zip(base, x))),
                target=t,
                additional_forward_args=extra or None,
                return_convergence_delta=True,
            ),
            rows,
        )
    refs = single_references(spec, base)
    return values, _delta_meta(deltas) | complete_spec(spec, target, refs, rows)


@register_method("deeplift_shap")
def deeplift_shap(
    estimator: Any,
    spec: Any,
    target: np.ndarray,
    *,
    baselines: Any = None,
    n_baselines: int = 10,
    n_shuffles: int = 20,
    batch_size: int | None = None,
    memory_budget: float | None = None,
    random_state: Any = 0,
) -> tuple[np.ndarray, dict[str, Any]]:
    """DeepLiftShap (captum): DeepLift averaged over a distribution of references.

    The references are ``baselines`` (rows) if given, else ``n_baselines`` random samples
    of the data. ``baselines="shuffle"`` (one-hot DNA): each sequence's own
    ``n_shuffles`` dinucleotide shuffles, as tangermeme's ``deep_lift_shap``.
    ``meta`` reports the convergence delta and ``base_values``, the mean of ``f`` over
    the references (shap's ``expected_value``).
    """
    from captum.attr import DeepLiftShap

    model = _check_deeplift(estimator, spec)
    shuffles = _shuffles(spec, baselines, n_shuffles, random_state)
    if shuffles is not None:
        k = int(shuffles.shape[1])
        rows = _rows(spec, batch_size, memory_budget)
        values, deltas = deeplift_per_reference(
            model, spec, target, shuffles, rows, return_convergence_delta=True
        )
        base = complete_spec(spec, target, (shuffles,), rows)
        return values, {"n_shuffles": k, **_delta_meta(deltas), **base}
    refs = _reference_rows(spec, baselines, n_baselines, random_state)
    if int(refs[0].shape[0]) < 2:
        refs = tuple(torch.cat([r, r]) for r in refs)  # captum needs two or more references
    k = int(refs[0].shape[0])
    dls = DeepLiftShap(model)
    chunk = max(1, _rows(spec, batch_size, memory_budget) // k)
    call = _attribute(dls, baselines=pack(refs), return_convergence_delta=True)
    with _quiet_hooks():
        values, deltas = _run(spec, target, call, chunk)
    if deltas:  # one delta per (sample, reference): summarise per sample
        deltas = [torch.cat(deltas).reshape(-1, k).mean(dim=1)]
    base = complete_spec(spec, target, shared_references(refs))
    return values, {"n_baselines": k, **_delta_meta(deltas), **base}


def deeplift_per_reference(
    model: nn.Module,
    spec: Any,
    target: np.ndarray,
    references: Tensor,
    rows: int,
    **options: Any,
) -> tuple[np.ndarray, list[Tensor]]:
    """DeepLift of every sample against its own ``k`` references, averaged over them.

    Parameters
    ----------
    model : nn.Module
        Checked by :func:`_check_deeplift` (captum's DeepLift hooks its layers).
    references : Tensor of shape (n_samples, k, *input_shape)
        E.g. dinucleotide shuffles of each sequence.
    rows : int
        Rows per forward pass; each chunk holds ``rows // k`` samples.
    **options
        Passed to captum's ``DeepLift.attribute`` (``return_convergence_delta``,
        ``custom_attribution_func`` for hypothetical contributions).

    Returns
    -------
    values, deltas
        As :func:`attnscope.explain._gradient_runs._run` returns them.
    """
    from captum.attr import DeepLift

    dl = DeepLift(model)
    k = int(references.shape[1])

    def one(x: tuple[Tensor, ...], t: Tensor, extra: tuple[Any, ...], b: Any) -> Any:
        return dl.attribute(
            pack(x), baselines=pack(b), target=t, additional_forward_args=extra or None, **options
        )

    with _quiet_hooks():
        return _run(
            spec,
            target,
            lambda x, t, extra, sl: per_reference(x, t, extra, references[sl], one),
            max(1, rows // k),
        )
