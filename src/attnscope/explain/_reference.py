"""Base values: the model's output at an attribution method's reference(s).

A method with completeness (integrated gradients, DeepLift, DeepLiftShap, GradientShap in
expectation, KernelSHAP) attributes ``f(x) - base`` to the features, where ``base`` is the
output for the explained class at its reference (or the mean over its references). These
helpers compute it with forward passes only, batched, and the methods return it as
``meta["base_values"]``; :func:`~attnscope.explain.attribute_spec` moves it to
:attr:`~attnscope.explain.Attribution.base_values`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import numpy as np
import torch
from torch import Tensor

from attnscope.core import iter_batches
from attnscope.explain._core import feature_shape

__all__ = [
    "complete",
    "complete_spec",
    "reference_outputs",
    "removed_outputs",
    "shared_references",
    "single_references",
    "without_base_values",
]

_WANTED: ContextVar[bool] = ContextVar("attnscope_base_values", default=True)


@contextmanager
def without_base_values() -> Iterator[None]:
    """Skip the base values' extra forward passes inside the block (they come back NaN).

    For callers that only compare or rank attribution values, such as the trust metrics,
    which re-run a method many times and never read its base values.
    """
    token = _WANTED.set(False)
    try:
        yield
    finally:
        _WANTED.reset(token)


def reference_outputs(
    forward: Callable[..., Tensor],
    target: np.ndarray,
    references: tuple[Tensor, ...],
    additional_args: tuple[Any, ...] = (),
    *,
    rows: int = 512,
    device: torch.device | str | None = None,
) -> np.ndarray:
    """Mean output for the target class at each sample's references: a method's base value.

    For a method with completeness (integrated gradients, DeepLift, DeepLiftShap,
    GradientShap in expectation) ``values.sum(features) + base = f(x)[target]``.

    Parameters
    ----------
    forward : callable
        ``forward(*inputs, *additional_args) -> logits`` of shape (batch, n_classes).
    target : ndarray of shape (n_samples,)
    references : tuple of Tensor, each of shape (1 or n_samples, k, *input_shape)
        Axis 0: one set shared by every sample (1) or one per sample; axis 1: the ``k``
        references averaged over (1 for a single baseline).
    additional_args : tuple
        Extra forward arguments; tensors with a sample axis (padding masks) are repeated
        per reference, so a shared reference is evaluated with each sample's own.
    rows : int, default 512
        Rows per forward pass.
    device : torch.device or str, optional
        Where the model is; the references are moved there.

    Returns
    -------
    ndarray of shape (n_samples,), float64

    Notes
    -----
    Shared references without per-sample arguments cost ``k`` forward rows in all;
    otherwise ``n_samples * k`` rows (no gradient).
    """
    tgt = torch.as_tensor(np.asarray(target), dtype=torch.long)
    n = int(tgt.shape[0])
    k = int(references[0].shape[1])
    extra = tuple(additional_args)
    if device is not None:  # references may be built on the CPU (shuffles, numbers)
        references = tuple(r.to(device) for r in references)
    per_sample_args = any(torch.is_tensor(a) and a.ndim and a.shape[0] == n for a in extra)
    out = np.empty(n, dtype=np.float64)
    with torch.no_grad():
        if int(references[0].shape[0]) == 1 and not per_sample_args:
            parts = [
                forward(*(r[0, sl] for r in references), *extra).float()
                for sl in iter_batches(k, rows)
            ]
            mean = torch.cat(parts).mean(dim=0).double().cpu()
            return mean[tgt].numpy()
        for sl in iter_batches(n, max(1, rows // k)):
            b = sl.stop - sl.start
            refs = tuple(
                (r.expand(b, *r.shape[1:]) if r.shape[0] == 1 else r[sl]).reshape(
                    b * k, *r.shape[2:]
                )
                for r in references
            )
            args = tuple(
                a[sl].repeat_interleave(k, dim=0)
                if torch.is_tensor(a) and a.ndim and a.shape[0] == n
                else a
                for a in extra
            )
            logits = forward(*refs, *args).float().reshape(b, k, -1)
            t = tgt[sl].to(logits.device).view(b, 1, 1).expand(b, k, 1)
            out[sl] = logits.gather(2, t)[..., 0].mean(dim=1).double().cpu().numpy()
    return out


def _device(spec: Any) -> torch.device:
    """Where the spec's inputs (and the model) are."""
    return spec.inputs[0].device


def single_references(spec: Any, base: tuple[Tensor, ...]) -> tuple[Tensor, ...]:
    """One baseline per input, shared (1, ...) or per sample (n, ...), as (1 or n, 1, ...)."""
    n = int(spec.inputs[0].shape[0])
    return tuple(
        (b if b.ndim == t.ndim and b.shape[0] in (1, n) else b.expand_as(t[:1])).unsqueeze(1)
        for b, t in zip(base, spec.inputs)
    )


def shared_references(references: tuple[Tensor, ...]) -> tuple[Tensor, ...]:
    """Rows of references (k, ...) that every sample shares, as (1, k, ...)."""
    return tuple(r.unsqueeze(0) for r in references)


def complete(
    forward: Callable[..., Tensor],
    target: np.ndarray,
    references: tuple[Tensor, ...],
    additional_args: tuple[Any, ...] = (),
    rows: int = 512,
    *,
    device: torch.device | str | None = None,
) -> dict[str, Any]:
    """``meta`` entries of a method with completeness: its base values (see
    :func:`reference_outputs`) and ``completeness: True``."""
    if not _WANTED.get():
        return {"completeness": True}
    base = reference_outputs(
        forward, target, references, tuple(additional_args), rows=max(1, rows), device=device
    )
    return {"base_values": base, "completeness": True}


def complete_spec(
    spec: Any, target: np.ndarray, references: tuple[Tensor, ...], rows: int = 512
) -> dict[str, Any]:
    """:func:`complete` of ``spec.forward`` with the spec's extra arguments, on its device."""
    return complete(
        spec.forward, target, references, spec.additional_args, rows, device=_device(spec)
    )


def removed_outputs(spec: Any, target: np.ndarray, rows: int) -> np.ndarray:
    """Output for the target class with every feature removed (``spec.remove``).

    One forward row per sample; returns an ndarray of shape (n_samples,), float64.
    """
    if not _WANTED.get():
        return np.full(len(target), np.nan)
    shape = feature_shape(spec)
    tgt = torch.as_tensor(np.asarray(target), dtype=torch.long)
    out = np.empty(len(tgt), dtype=np.float64)
    with torch.no_grad():
        for sl in iter_batches(len(tgt), rows):
            raw = tuple(t[sl] for t in spec.raw_inputs)
            mask = torch.ones((sl.stop - sl.start, *shape), dtype=torch.bool, device=raw[0].device)
            logits = spec.raw_forward(*spec.remove(raw, mask)).float()
            out[sl] = logits.gather(1, tgt[sl].to(logits.device).view(-1, 1))[:, 0].cpu().numpy()
    return out
