"""Gradient-family methods.

Plain gradients (saliency, gradient x input, gradient norm) and integrated gradients run
on :func:`~attnscope.explain._integrated.target_gradients`, one backward per chunk with
captum's values (tests compare them); GradientShap, layer IG and the noise tunnels wrap
captum. Every method runs over sample chunks whose size comes from :func:`auto_batch_size`
(the memory budget) unless ``batch_size`` is given, and maps the input-shaped
attributions to features with ``spec.to_features`` (e.g. summing the one-hot axis): the
chunked runner and the ``baselines`` options are :mod:`attnscope.explain._gradient_runs`.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any, cast

import numpy as np
import torch
from torch import Tensor

from attnscope.core import iter_batches
from attnscope.errors import ConfigError
from attnscope.explain._core import pack, register_method, rows_per_pass, unpack
from attnscope.explain._gradient_runs import (
    _attribute,
    _baselines,
    _delta_meta,
    _reference_rows,
    _rows,
    _run,
    _shuffles,
)
from attnscope.explain._integrated import target_gradients
from attnscope.explain._reference import (
    complete,
    complete_spec,
    shared_references,
    single_references,
)
from attnscope.explain._shuffle import per_reference, shuffled_gradient_shap

__all__ = [
    "gradient_norm",
    "gradient_shap",
    "input_x_gradient",
    "integrated_gradients",
    "layer_integrated_gradients",
    "saliency",
    "smoothgrad",
    "vargrad",
]


def _plain(
    spec: Any,
    target: np.ndarray,
    batch_size: int | None,
    memory_budget: float | None,
    each: Callable[[Tensor, Tensor], Tensor],
) -> np.ndarray:
    """Feature values of ``each(gradient, input)`` per input, one backward per chunk."""
    values, _ = _run(
        spec,
        target,
        lambda x, t, extra, sl: tuple(
            each(g, xi) for g, xi in zip(target_gradients(spec.forward, x, t, extra), x)
        ),
        _rows(spec, batch_size, memory_budget),
    )
    return values


@register_method("saliency")
def saliency(
    estimator: Any,
    spec: Any,
    target: np.ndarray,
    *,
    batch_size: int | None = None,
    memory_budget: float | None = None,
) -> tuple[np.ndarray, dict[str, Any]]:
    """Absolute input gradient (captum ``Saliency``'s values), summed to features by the spec.

    For a linear model ``w . x`` this is ``|w|`` for every sample.
    """
    return _plain(spec, target, batch_size, memory_budget, lambda g, x: g.abs()), {}


@register_method("gradient_norm")
def gradient_norm(
    estimator: Any,
    spec: Any,
    target: np.ndarray,
    *,
    batch_size: int | None = None,
    memory_budget: float | None = None,
) -> tuple[np.ndarray, dict[str, Any]]:
    """L2 norm of the target logit's gradient over each feature's input axis.

    ``sqrt(to_features(grad ** 2))``: over the four one-hot channels of a position, the
    embedding dimensions of a token (AttnGen's validation saliency), or ``|grad|`` for a
    table. Non-negative; the raw gradient, unlike :func:`saliency`, is not summed in
    absolute value first.
    """
    values = _plain(spec, target, batch_size, memory_budget, lambda g, x: g.pow(2))
    return np.sqrt(np.clip(values, 0.0, None)), {"norm": "L2 over each feature's input axis"}


@register_method("input_x_gradient", aliases=("ixg", "gradient"))
def input_x_gradient(
    estimator: Any,
    spec: Any,
    target: np.ndarray,
    *,
    batch_size: int | None = None,
    memory_budget: float | None = None,
) -> tuple[np.ndarray, dict[str, Any]]:
    """Gradient x input (captum ``InputXGradient``'s values), summed to features by the spec."""
    return _plain(spec, target, batch_size, memory_budget, lambda g, x: g * x), {}


@register_method("integrated_gradients", aliases=("ig",))
def integrated_gradients(
    estimator: Any,
    spec: Any,
    target: np.ndarray,
    *,
    n_steps: int = 50,
    baselines: Any = None,
    n_shuffles: int = 20,
    rule: str = "gausslegendre",
    batch_size: int | None = None,
    memory_budget: float | None = None,
    random_state: Any = 0,
) -> tuple[np.ndarray, dict[str, Any]]:
    """Integrated gradients from the spec's baseline, all path points of a chunk at once.

    The quadrature is captum's (:mod:`attnscope.explain._integrated`), so the values equal
    captum's ``IntegratedGradients``; the chunk's samples x steps go through one pass.

    Parameters
    ----------
    n_steps : int, default 50
    baselines : float, Tensor, tuple or "shuffle", optional
        Default ``spec.baselines`` (zeros for one-hot DNA, the training mean for tables).
        ``"shuffle"`` (one-hot DNA): the mean of IG from ``n_shuffles`` dinucleotide
        shuffles of each sequence (seeded by ``random_state``).
    n_shuffles : int, default 20
    rule : str, default "gausslegendre"
        The integral's quadrature, by captum's names (its ``method``): "gausslegendre",
        "riemann_left", "riemann_right", "riemann_middle" or "riemann_trapezoid".
    batch_size : int, optional
        Rows per forward pass, and samples per chunk (each pass holds as many of the
        chunk's path points as fit); default from the memory budget, so a 379,000-token
        input or a 20,000-feature batch fits without choosing it, with whole samples x
        steps per pass.

    Returns
    -------
    values, meta
        ``meta`` has the mean and max absolute convergence delta
        (sum of attributions minus ``f(x) - f(baseline)``) and ``base_values``,
        ``f(baseline)`` (with shuffles: the mean over each sequence's shuffles).
    """
    from attnscope.explain._integrated import path_integral, quadrature

    quadrature(rule, n_steps)  # checks the rule and the number of steps
    rows = _rows(spec, batch_size, memory_budget)
    shuffles = _shuffles(spec, baselines, n_shuffles, random_state)
    base = None if shuffles is not None else _baselines(spec, baselines)

    def one(x: tuple[Tensor, ...], t: Tensor, extra: tuple[Any, ...], b: Any) -> Any:
        attr, delta = path_integral(
            spec.forward, x, tuple(b), t, extra, n_steps=n_steps, method=rule, rows=rows
        )
        return pack(attr), delta

    def call(x: tuple[Tensor, ...], t: Tensor, extra: tuple[Any, ...], sl: slice) -> Any:
        if shuffles is None:
            return one(x, t, extra, base)
        return per_reference(x, t, extra, shuffles[sl], one)

    k = 1 if shuffles is None else int(shuffles.shape[1])
    # Default: as many samples as fit with all their steps in one pass. A given batch_size
    # is the sample chunk as before (a members-folded spec needs whole groups of members)
    # and each pass holds as many path points of that chunk as fit in batch_size rows.
    chunk = rows // k if batch_size is not None else rows // (k * n_steps)
    values, deltas = _run(spec, target, call, max(1, chunk))
    meta = {"n_steps": n_steps, "rule": rule, "rows": rows, **_delta_meta(deltas)}
    refs: tuple[Tensor, ...] = (
        single_references(spec, base) if base is not None else (cast(Tensor, shuffles),)
    )
    meta |= complete_spec(spec, target, refs, rows)
    return values, meta | ({"n_shuffles": k} if shuffles is not None else {})


@register_method("layer_integrated_gradients", aliases=("lig",), reads="layer")
def layer_integrated_gradients(
    estimator: Any,
    spec: Any,
    target: np.ndarray,
    *,
    n_steps: int = 50,
    layer_baselines: Any = None,
    batch_size: int | None = None,
    memory_budget: float | None = None,
) -> tuple[np.ndarray, dict[str, Any]]:
    """Integrated gradients on the embedding layer of a token model (captum).

    The attribution of each token is the sum over the embedding axis of the layer
    attribution. ``layer_baselines`` default to the spec's ``layer_baselines`` (HEMERA: the
    MEAN token, each SNP's mean training embedding), else token id 0 (padding).
    """
    from captum.attr import LayerIntegratedGradients

    if spec.layer is None or spec.layer_forward is None or not spec.layer_inputs:
        raise ConfigError(
            "layer_integrated_gradients needs a model with an embedding layer (token inputs); "
            "this model has none: use integrated_gradients instead."
        )
    ids = tuple(spec.layer_inputs)
    if layer_baselines is not None:
        base = tuple(
            torch.as_tensor(b, device=t.device) for b, t in zip(unpack(layer_baselines), ids)
        )
    elif spec.layer_baselines:
        base = tuple(spec.layer_baselines)
    else:
        base = tuple(torch.zeros_like(t[:1]) for t in ids)
    rows = rows_per_pass(batch_size, spec.layer_forward, ids, memory_budget=memory_budget)
    lig = LayerIntegratedGradients(spec.layer_forward, spec.layer)
    n = int(ids[0].shape[0])
    parts, deltas = [], []
    for sl in iter_batches(n, rows):
        x = tuple(t[sl] for t in ids)
        b = tuple(
            (bb.expand_as(xx) if bb.shape[0] == 1 else bb[sl]).to(xx.dtype)
            for bb, xx in zip(base, x)
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            attr, delta = lig.attribute(
                pack(x),
                baselines=pack(b),
                target=torch.as_tensor(target[sl]),
                n_steps=n_steps,
                internal_batch_size=max(rows, int(x[0].shape[0])),
                return_convergence_delta=True,
            )
        a = attr[0] if isinstance(attr, tuple | list) else attr
        parts.append(a.detach().reshape(a.shape[0], *a.shape[1:-1], -1).sum(-1).cpu().numpy())
        deltas.append(delta.detach().reshape(-1))
    refs = tuple(bb.unsqueeze(1) for bb in base)
    meta = complete(spec.layer_forward, target, refs, (), rows, device=ids[0].device)
    return np.concatenate(parts), {"n_steps": n_steps, **_delta_meta(deltas), **meta}


@register_method("gradient_shap")
def gradient_shap(
    estimator: Any,
    spec: Any,
    target: np.ndarray,
    *,
    baselines: Any = None,
    n_baselines: int = 10,
    n_shuffles: int = 20,
    n_samples: int = 20,
    stdevs: float = 0.0,
    batch_size: int | None = None,
    memory_budget: float | None = None,
    random_state: Any = 0,
) -> tuple[np.ndarray, dict[str, Any]]:
    """GradientShap (captum): expected gradients over random references and path points.

    ``baselines="shuffle"`` (one-hot DNA): each sequence draws its ``n_samples``
    references from its own ``n_shuffles`` dinucleotide shuffles instead of from a pool
    shared by all samples.
    """
    from captum.attr import GradientShap

    shuffles = _shuffles(spec, baselines, n_shuffles, random_state)
    if shuffles is not None:
        rows = _rows(spec, batch_size, memory_budget)
        values, meta = shuffled_gradient_shap(spec, target, shuffles, n_samples, stdevs, rows)
        return values, meta | complete_spec(spec, target, (shuffles,), rows)
    refs = _reference_rows(spec, baselines, n_baselines, random_state)
    gs = GradientShap(spec.forward)
    chunk = max(1, _rows(spec, batch_size, memory_budget) // max(1, n_samples))
    call = _attribute(gs, baselines=pack(refs), n_samples=n_samples, stdevs=stdevs)
    values, _ = _run(spec, target, call, chunk)
    meta = {"n_samples": n_samples, "n_baselines": int(refs[0].shape[0])}
    return values, meta | complete_spec(spec, target, shared_references(refs))


def _noise_tunnel(
    spec: Any,
    target: np.ndarray,
    nt_type: str,
    nt_samples: int,
    noise_level: float,
    batch_size: int | None,
    memory_budget: float | None,
) -> tuple[np.ndarray, dict[str, Any]]:
    from captum.attr import NoiseTunnel, Saliency

    # Smilkov et al.: sigma = noise level x (max - min) of each input.
    stdevs = tuple(float(noise_level * (t.max() - t.min()).clamp_min(1e-12)) for t in spec.inputs)
    nt = NoiseTunnel(Saliency(spec.forward))
    chunk = max(1, _rows(spec, batch_size, memory_budget) // max(1, nt_samples))
    call = _attribute(
        nt,
        nt_type=nt_type,
        nt_samples=nt_samples,
        stdevs=stdevs if len(stdevs) > 1 else stdevs[0],
        abs=True,
    )
    values, _ = _run(spec, target, call, chunk)
    return values, {"nt_samples": nt_samples, "stdevs": list(stdevs)}


@register_method("smoothgrad")
def smoothgrad(
    estimator: Any,
    spec: Any,
    target: np.ndarray,
    *,
    nt_samples: int = 10,
    noise_level: float = 0.15,
    batch_size: int | None = None,
    memory_budget: float | None = None,
    random_state: Any = 0,
) -> tuple[np.ndarray, dict[str, Any]]:
    """SmoothGrad: mean absolute gradient over ``nt_samples`` noisy copies (captum NoiseTunnel).

    The noise standard deviation is ``noise_level`` times each input's value range.
    """
    return _noise_tunnel(
        spec, target, "smoothgrad", nt_samples, noise_level, batch_size, memory_budget
    )


@register_method("vargrad")
def vargrad(
    estimator: Any,
    spec: Any,
    target: np.ndarray,
    *,
    nt_samples: int = 10,
    noise_level: float = 0.15,
    batch_size: int | None = None,
    memory_budget: float | None = None,
    random_state: Any = 0,
) -> tuple[np.ndarray, dict[str, Any]]:
    """VarGrad: variance of the absolute gradient over noisy copies (captum NoiseTunnel)."""
    return _noise_tunnel(
        spec, target, "vargrad", nt_samples, noise_level, batch_size, memory_budget
    )
